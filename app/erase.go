package app

import (
	"context"
	"fmt"
	"strconv"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// eraseTx is what an erasure needs beyond the common Tx.
type eraseTx interface {
	ErasePersonalData(ctx context.Context, u reportline.User, pseudonym string) (map[string]int64, error)
}

// Erasure is what erasing a person did.
type Erasure struct {
	User      reportline.User  // the account as it is now: the pseudonym
	Pseudonym string           // erased-<id>
	Links     int              // links ended (as manager or managee)
	Rows      map[string]int64 // rows changed or deleted, by table
}

// ErasedPseudonym is the name an erased person's account takes.
func ErasedPseudonym(id reportline.UserID) string {
	return "erased-" + strconv.FormatInt(int64(id), 10)
}

// EraseUser erases a person's personal data inside the tenant (a GDPR
// erasure request, docs/security.md), for good and in one transaction:
// their links end (each recorded in the audit log and the link history,
// as a removal); their account keeps its id, deactivated, with the
// pseudonym erased-<id> for names, email (erased-<id>@erased.invalid) and
// external uid, no birthday, position, org unit or platform role; the
// entries of the audit, change and directory logs and template sends about
// them or naming them carry the pseudonym instead; their password, tokens,
// sessions, identities and mail are deleted. The erasure itself is
// recorded (user.erase) with no personal data. Platform admins only, never
// about themself (policy row user.erase).
func (a *App) EraseUser(ctx context.Context, actor Actor, id reportline.UserID) (Erasure, error) {
	// The row looks at the actor first: whether the person exists is not
	// told to someone who may not erase anybody.
	if err := usecase.AuthorizeActor(actor, policy.EraseUser); err != nil {
		return Erasure{}, err
	}
	e := Erasure{Pseudonym: ErasedPseudonym(id)}
	err := a.eraseStore().Write(ctx, func(tx eraseUseTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		u, err := tx.User(ctx, id)
		if err != nil {
			return err
		}
		person, err := ac.Person(ctx, tx, u)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.EraseUser, policy.Target{User: person}); err != nil {
			return err
		}
		if err := tx.LockLinks(ctx); err != nil {
			return err
		}
		if e.Links, err = a.endLinksOf(ctx, tx, actor, id); err != nil {
			return err
		}
		if e.Rows, err = tx.ErasePersonalData(ctx, u, e.Pseudonym); err != nil {
			return err
		}
		erased := u
		erased.FirstName, erased.LastName = e.Pseudonym, ""
		erased.Email = e.Pseudonym + "@erased.invalid"
		erased.ExternalUID = e.Pseudonym
		erased.Birthday = reportline.Birthday{}
		erased.Position, erased.OrgUnit = "", ""
		erased.PlatformRole = reportline.NoPlatformRole
		erased.Status = reportline.StatusInactive
		if err := tx.UpdateUser(ctx, &erased); err != nil {
			return fmt.Errorf("erase user %d: %w", id, err)
		}
		e.User = erased
		// The record names the account by its id alone, and counts.
		return a.record(ctx, tx, actor, policy.EraseUser, reportline.Change{UserID: id,
			After: usecase.JSON(map[string]any{"erased": true, "links_ended": e.Links})})
	})
	if err != nil {
		return Erasure{}, err
	}
	return e, nil
}

// endLinksOf removes every stored link the person is an end of, each
// recorded as a removal (audit log and link history).
func (a *App) endLinksOf(ctx context.Context, tx eraseUseTx, actor Actor, id reportline.UserID) (int, error) {
	var links []reportline.Link
	for _, f := range []reportline.LinkFilter{{ManagerID: id}, {ManageeID: id}} {
		ls, err := tx.Links(ctx, f)
		if err != nil {
			return 0, err
		}
		links = append(links, ls...)
	}
	var audit []reportline.AuditEntry
	for _, l := range links {
		p := reportline.Pair{ManagerID: l.ManagerID, ManageeID: l.ManageeID}
		if err := tx.DeleteLink(ctx, p); err != nil {
			return 0, err
		}
		old := l
		audit = append(audit, reportline.AuditEntry{At: a.now(), ActorID: actor.ID(), Source: actor.Source,
			Action: reportline.ActionRemove, ManagerID: p.ManagerID, ManageeID: p.ManageeID, Before: &old})
	}
	if len(audit) == 0 {
		return 0, nil
	}
	return len(audit), tx.AppendAudit(ctx, audit)
}
