package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/directory"
	"reportline/policy"
	"reportline/usecase"
)

// LinkRequest names links to make between one user (the page's user) and
// others: their managers, or the users they manage.
type LinkRequest struct {
	User       reportline.UserID
	Direction  reportline.Direction
	Kind       reportline.Kind // Line when empty
	IDs        []reportline.UserID
	Emails     []string // as pasted: normalised and checked here
	ValidFrom  time.Time
	ValidUntil time.Time
	Comment    string
}

// Verdict is what would happen to one requested user.
type Verdict string

// The verdicts. The first four are accepted; the others reject the request.
const (
	VerdictNew        Verdict = "new"       // a link will be created
	VerdictUpdate     Verdict = "update"    // the existing link's terms will change
	VerdictUnchanged  Verdict = "unchanged" // the link exists as asked
	VerdictDuplicate  Verdict = "duplicate" // listed twice; counted once
	VerdictInvalid    Verdict = "invalid_email"
	VerdictUnknown    Verdict = "unknown"
	VerdictInactive   Verdict = "inactive"
	VerdictSelf       Verdict = "self"
	VerdictOutOfScope Verdict = "out_of_scope"
	VerdictCycle      Verdict = "cycle"
	VerdictOwned      Verdict = "directory_owned" // the existing link belongs to a directory source that is on
)

// Accepted reports whether the verdict lets the request go through.
func (v Verdict) Accepted() bool {
	return v == VerdictNew || v == VerdictUpdate || v == VerdictUnchanged || v == VerdictDuplicate
}

// Candidate is one requested user and its verdict.
type Candidate struct {
	Input   string          // the address or id as given
	User    reportline.User // zero when unknown
	Verdict Verdict
	Message string // why, for rejected ones
	// MsgID and MsgArgs name Message in the pages' catalogues (as
	// reportline.Error's do): a page says it in the reader's language.
	MsgID   string
	MsgArgs map[string]any
}

// say sets the candidate's verdict and why, in English and as a message id.
func (c *Candidate) say(v Verdict, english, id string, args map[string]any) {
	c.Verdict, c.Message, c.MsgID, c.MsgArgs = v, english, id, args
}

// Removal is an existing link a replace would delete.
type Removal struct {
	LinkedUser
	Allowed bool              // false when the link is outside the actor's scope or owned by a directory
	Owner   reportline.Source // the directory source that owns the link; "" when none
}

// LinkPlan is the preview of a request: what would be created, changed,
// removed and refused. Nothing is stored until the request is applied.
type LinkPlan struct {
	User       reportline.User
	Direction  reportline.Direction
	Kind       reportline.Kind
	Candidates []Candidate
	Removals   []Removal
}

// Rejected returns the candidates that stop the request.
func (p LinkPlan) Rejected() []Candidate {
	var out []Candidate
	for _, c := range p.Candidates {
		if !c.Verdict.Accepted() {
			out = append(out, c)
		}
	}
	return out
}

// Refused counts what stops the request: rejected candidates and current
// links it would have to remove outside the actor's scope. A preview and the
// real call count the same.
func (p LinkPlan) Refused() int {
	n := len(p.Rejected())
	for _, r := range p.Removals {
		if !r.Allowed {
			n++
		}
	}
	return n
}

// Count returns how many candidates have the verdict.
func (p LinkPlan) Count(v Verdict) int {
	n := 0
	for _, c := range p.Candidates {
		if c.Verdict == v {
			n++
		}
	}
	return n
}

// err returns an Invalid error listing every refused item, or nil.
func (p LinkPlan) err() error {
	var details []reportline.Detail
	for i, c := range p.Candidates {
		if !c.Verdict.Accepted() {
			details = append(details, reportline.Detail{Field: fmt.Sprintf("%s[%d]", p.Direction, i), Value: c.Input, Reason: string(c.Verdict), Message: c.Message}.Say(c.MsgID, c.MsgArgs))
		}
	}
	for _, r := range p.Removals {
		switch {
		case r.Owner != "":
			details = append(details, reportline.Detail{Field: string(p.Direction), Value: r.User.Email, Reason: string(VerdictOwned),
				Message: directory.OwnedMessage(r.User.Email, r.Owner)}.
				Say("error.link.directory_owned", map[string]any{"Email": r.User.Email, "Source": string(r.Owner)}))
		case !r.Allowed:
			details = append(details, reportline.Detail{Field: string(p.Direction), Value: r.User.Email, Reason: string(VerdictOutOfScope),
				Message: fmt.Sprintf("the existing link with %s is outside the groups you administrate, so it cannot be removed", r.User.Email)}.
				Say("error.detail.removal_out_of_scope", map[string]any{"Email": r.User.Email}))
		}
	}
	if len(details) == 0 {
		return nil
	}
	// A request refused only for scope is a permission problem (403); any
	// other refusal is about the input (422).
	code := reportline.Forbidden
	for _, d := range details {
		if d.Reason != string(VerdictOutOfScope) {
			code = reportline.Invalid
		}
	}
	return (&reportline.Error{Code: code, Field: string(p.Direction), Details: details,
		Message: fmt.Sprintf("%d of the listed users cannot be linked; nothing was changed", len(details))}).
		Say("error.link.refused", map[string]any{"Count": len(details)})
}

// PreviewLinks checks a request without storing anything: every address is
// resolved and flagged (unknown, inactive, outside the actor's groups, the
// user themself, a cycle) so the actor can fix the list before confirming.
func (a *App) PreviewLinks(ctx context.Context, actor Actor, req LinkRequest) (LinkPlan, error) {
	var plan LinkPlan
	err := a.assignStore().Read(ctx, func(tx assignTx) error {
		var err error
		plan, err = a.plan(ctx, tx, actor, req, false)
		return err
	})
	return plan, err
}

// AddLinks creates the requested links, all or none: if any candidate is
// refused, nothing is stored and the error lists each refusal.
func (a *App) AddLinks(ctx context.Context, actor Actor, req LinkRequest) (LinkPlan, error) {
	return a.applyLinks(ctx, actor, req, false)
}

// ReplaceLinks makes the user's links of the request's kind on that side
// exactly the requested set: missing ones are created, others removed.
func (a *App) ReplaceLinks(ctx context.Context, actor Actor, req LinkRequest) (LinkPlan, error) {
	return a.applyLinks(ctx, actor, req, true)
}

// PreviewReplace is ReplaceLinks without storing anything.
func (a *App) PreviewReplace(ctx context.Context, actor Actor, req LinkRequest) (LinkPlan, error) {
	var plan LinkPlan
	err := a.assignStore().Read(ctx, func(tx assignTx) error {
		var err error
		plan, err = a.plan(ctx, tx, actor, req, true)
		return err
	})
	return plan, err
}

func (a *App) applyLinks(ctx context.Context, actor Actor, req LinkRequest, replace bool) (LinkPlan, error) {
	var plan LinkPlan
	err := a.assignStore().Write(ctx, func(tx assignTx) error {
		if req.Kind == "" || req.Kind == reportline.Line {
			// Taken before the plan reads the graph, so the cycle check
			// sees every committed line link.
			if err := tx.LockLinks(ctx); err != nil {
				return err
			}
		}
		var err error
		if plan, err = a.plan(ctx, tx, actor, req, replace); err != nil {
			return err
		}
		if err := plan.err(); err != nil {
			return err
		}
		return a.apply(ctx, tx, actor, plan, req)
	})
	return plan, err
}

// apply writes a checked plan and its audit entries.
func (a *App) apply(ctx context.Context, tx assignTx, actor Actor, plan LinkPlan, req LinkRequest) error {
	now := a.now()
	var audit []reportline.AuditEntry
	for _, c := range plan.Candidates {
		if c.Verdict != VerdictNew && c.Verdict != VerdictUpdate {
			continue
		}
		p := pairWith(plan.User.ID, c.User.ID, plan.Direction)
		l := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: plan.Kind, Source: actor.Source,
			ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil, Comment: req.Comment, CreatedBy: actor.ID(), CreatedAt: now}
		e := reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, ManagerID: p.ManagerID, ManageeID: p.ManageeID, After: &l}
		if c.Verdict == VerdictNew {
			if err := tx.InsertLink(ctx, l); err != nil {
				return err
			}
			e.Action = reportline.ActionAdd
		} else {
			old, err := tx.Link(ctx, p)
			if err != nil {
				return err
			}
			l.CreatedBy, l.CreatedAt = old.CreatedBy, old.CreatedAt
			if err := tx.UpdateLink(ctx, l); err != nil {
				return err
			}
			e.Action, e.Before = reportline.ActionUpdate, &old
		}
		audit = append(audit, e)
	}
	for _, r := range plan.Removals {
		if err := tx.DeleteLink(ctx, r.Link.Pair()); err != nil {
			return err
		}
		old := r.Link
		audit = append(audit, reportline.AuditEntry{At: now, ActorID: actor.ID(), Source: actor.Source, Action: reportline.ActionRemove,
			ManagerID: old.ManagerID, ManageeID: old.ManageeID, Before: &old})
	}
	return tx.AppendAudit(ctx, audit)
}

// plan resolves and checks a request inside tx.
func (a *App) plan(ctx context.Context, tx assignTx, actor Actor, req LinkRequest, replace bool) (LinkPlan, error) {
	plan := LinkPlan{Direction: req.Direction, Kind: req.Kind}
	if plan.Kind == "" {
		plan.Kind = reportline.Line
	}
	if !plan.Direction.Valid() {
		return plan, reportline.FieldError("direction", string(req.Direction), "direction must be %q or %q", reportline.Managers, reportline.Managees)
	}
	// The link's own fields (kind, dates, comment) are checked on a stand-in pair.
	if err := (reportline.Link{ManagerID: 1, ManageeID: 2, Kind: plan.Kind, Source: reportline.SourceAPI,
		ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil, Comment: req.Comment}).Validate(); err != nil {
		return plan, err
	}
	if len(req.IDs)+len(req.Emails) > MaxLinksPerRequest {
		return plan, reportline.FieldError(string(req.Direction), "", "at most %d users per request; use the CSV import for more", MaxLinksPerRequest)
	}
	if !replace && len(req.IDs)+len(req.Emails) == 0 {
		return plan, reportline.FieldError(string(req.Direction), "", "list at least one user")
	}
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return plan, err
	}
	if err := ac.Authorize(policy.ChangeLink, policy.Target{}); err != nil {
		return plan, err
	}
	if plan.User, err = tx.User(ctx, req.User); err != nil {
		if reportline.IsCode(err, reportline.NotFound) && !ac.Scope.All {
			return LinkPlan{}, usecase.NotVisible()
		}
		return plan, err
	}
	if !ac.Scope.All {
		// A preview shows the user's current links: only for a user the
		// caller administrates, as the real call needs.
		if err := ac.NeedGroups(ctx, tx, plan.User.ID); err != nil {
			return plan, err
		}
		if !ac.Administers(plan.User.ID) {
			return LinkPlan{}, usecase.Forbidden("you may only link members of a group you administrate, and this user is not one").Say("error.forbidden.link_not_member", nil)
		}
	}
	if !plan.User.Active() {
		return plan, reportline.FieldError("user", plan.User.Email, "%s is inactive: links may only name active users", plan.User.Email)
	}
	if plan.Candidates, err = resolve(ctx, tx, req); err != nil {
		return plan, err
	}
	ids := []reportline.UserID{plan.User.ID}
	for _, c := range plan.Candidates {
		if c.User.ID != 0 {
			ids = append(ids, c.User.ID)
		}
	}
	existing, err := linkedUsers(ctx, tx, plan.User.ID, plan.Direction)
	if err != nil {
		return plan, err
	}
	for _, e := range existing {
		ids = append(ids, e.User.ID)
	}
	if err := ac.NeedGroups(ctx, tx, ids...); err != nil {
		return plan, err
	}
	current := map[reportline.UserID]reportline.Link{}
	for _, e := range existing {
		current[e.User.ID] = e.Link
	}
	on, err := a.SourcesOn(ctx, tx)
	if err != nil {
		return plan, err
	}
	wanted := map[reportline.UserID]bool{}
	for i := range plan.Candidates {
		c := &plan.Candidates[i]
		if c.Verdict == VerdictUnknown && !ac.Scope.All {
			// Unknown and outside the caller's groups read the same, so
			// the answer does not tell who has an account elsewhere.
			c.say(VerdictOutOfScope, outOfScope(c.Input, plan.User.Email), "error.link.out_of_scope", map[string]any{"User": plan.User.Email, "Input": c.Input})
		}
		if c.Verdict != "" {
			continue // already refused while resolving
		}
		if wanted[c.User.ID] {
			c.Verdict = VerdictDuplicate
			continue
		}
		wanted[c.User.ID] = true
		if err := a.judge(ctx, tx, ac, plan, req, c, current); err != nil {
			return plan, err
		}
		if c.Verdict == VerdictUpdate {
			if owner, ok := directory.Owned(current[c.User.ID], actor, on); ok {
				c.say(VerdictOwned, directory.OwnedMessage(c.User.Email, owner), "error.link.directory_owned", map[string]any{"Email": c.User.Email, "Source": string(owner)})
			}
		}
	}
	if replace {
		for _, e := range existing {
			if e.Link.Kind == plan.Kind && !wanted[e.User.ID] {
				owner, owned := directory.Owned(e.Link, actor, on)
				plan.Removals = append(plan.Removals, Removal{LinkedUser: e, Allowed: ac.MayLink(e.Link.Pair()) && !owned, Owner: owner})
			}
		}
	}
	return plan, nil
}

// MaxLinksPerRequest bounds a hand assignment; bulk work goes through the
// CSV import, which streams.
const MaxLinksPerRequest = 1000

// judge gives one resolved candidate its verdict.
func (a *App) judge(ctx context.Context, tx assignTx, ac *usecase.Authority, plan LinkPlan, req LinkRequest, c *Candidate, current map[reportline.UserID]reportline.Link) error {
	p := pairWith(plan.User.ID, c.User.ID, plan.Direction)
	// Scope first: nothing about a person outside it (their status, their
	// links) shows in the answer.
	switch {
	case c.User.ID == plan.User.ID:
		c.say(VerdictSelf, fmt.Sprintf("%s cannot be their own manager", c.User.Email), "error.link.self", map[string]any{"Email": c.User.Email})
		return nil
	case !ac.MayLink(p):
		c.say(VerdictOutOfScope, outOfScope(c.Input, plan.User.Email), "error.link.out_of_scope", map[string]any{"User": plan.User.Email, "Input": c.Input})
		return nil
	case !c.User.Active():
		c.say(VerdictInactive, fmt.Sprintf("%s is an inactive account", c.User.Email), "error.link.inactive", map[string]any{"Email": c.User.Email})
		return nil
	}
	want := reportline.Link{ManagerID: p.ManagerID, ManageeID: p.ManageeID, Kind: plan.Kind, Source: ac.Actor.Source,
		ValidFrom: req.ValidFrom, ValidUntil: req.ValidUntil, Comment: req.Comment}
	old, exists := current[c.User.ID]
	if exists && (old.Kind == want.Kind && old.ValidFrom.Equal(want.ValidFrom) && old.ValidUntil.Equal(want.ValidUntil) && old.Comment == want.Comment) {
		// Same terms: re-applying changes nothing, whatever the source was.
		c.Verdict = VerdictUnchanged
		return nil
	}
	if plan.Kind == reportline.Line && (!exists || old.Kind != reportline.Line) {
		cycle, err := reportline.FindCycle(ctx, p.ManagerID, p.ManageeID, tx.LineManagers)
		if err != nil {
			return fmt.Errorf("cycle check: %w", err)
		}
		if cycle != nil {
			names, err := cycleNames(ctx, tx, ac, cycle)
			if err != nil {
				return err
			}
			c.say(VerdictCycle, "this would close a cycle of managers: "+cycleText(names, "(someone outside your groups)"),
				"error.link.cycle", map[string]any{"Cycle": cycleText(names, "…")})
			if slices.Contains(names, "") {
				c.MsgID = "error.link.cycle_hidden"
			}
			return nil
		}
	}
	c.Verdict = VerdictNew
	if exists {
		c.Verdict = VerdictUpdate
	}
	return nil
}

// outOfScope is the refusal of a candidate the caller may not link: the same
// for an unknown person and for one outside the caller's groups, naming only
// what the caller typed.
func outOfScope(input, user string) string {
	return fmt.Sprintf("no account in a group you administrate together with %s matches %s", user, input)
}

// cycleNamesTx is what naming a cycle's people reads: them, and whether
// the actor administrates them.
type cycleNamesTx interface {
	usecase.AuthorityTx
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// describeCycle names a cycle by email: "a@x → b@x → a@x". People the
// actor does not administrate are not named.
func describeCycle(ctx context.Context, tx cycleNamesTx, ac *usecase.Authority, cycle []reportline.UserID) (string, error) {
	names, err := cycleNames(ctx, tx, ac, cycle)
	return cycleText(names, "(someone outside your groups)"), err
}

// cycleNames are a cycle's people by email, in order; people the actor does
// not administrate are not named ("").
func cycleNames(ctx context.Context, tx cycleNamesTx, ac *usecase.Authority, cycle []reportline.UserID) ([]string, error) {
	users, err := tx.UsersByIDs(ctx, cycle)
	if err != nil {
		return nil, err
	}
	if err := ac.NeedGroups(ctx, tx, cycle...); err != nil {
		return nil, err
	}
	names := make([]string, len(cycle))
	for i, id := range cycle {
		if ac.Administers(id) {
			names[i] = users[id].Email
		}
	}
	return names, nil
}

// cycleText joins a cycle's names: "a@x → b@x → a@x", hidden standing for
// the people describeCycle does not name. The English says so in words; the
// pages' message says "…" and explains it once (error.link.cycle_hidden).
func cycleText(names []string, hidden string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = cmp.Or(n, hidden)
	}
	return strings.Join(out, " → ")
}

// resolve turns the request's ids and addresses into candidates; those that
// name nobody get their verdict at once.
func resolve(ctx context.Context, tx assignTx, req LinkRequest) ([]Candidate, error) {
	var out []Candidate
	if len(req.IDs) > 0 {
		users, err := tx.UsersByIDs(ctx, req.IDs)
		if err != nil {
			return nil, err
		}
		for _, id := range req.IDs {
			c := Candidate{Input: strconv.FormatInt(int64(id), 10), User: users[id]}
			if c.User.ID == 0 {
				c.say(VerdictUnknown, fmt.Sprintf("no user has id %d", id), "error.link.unknown_id", map[string]any{"ID": int64(id)})
			}
			out = append(out, c)
		}
	}
	var emails []string
	for _, raw := range req.Emails {
		if e, err := reportline.NormalizeEmail(raw); err == nil {
			emails = append(emails, e)
		}
	}
	users, err := tx.UsersByEmails(ctx, emails)
	if err != nil {
		return nil, err
	}
	for _, raw := range req.Emails {
		c := Candidate{Input: strings.TrimSpace(raw)}
		e, err := reportline.NormalizeEmail(raw)
		switch {
		case err != nil:
			c.say(VerdictInvalid, reportline.ErrorMessage(err), "", nil)
			if e, ok := errors.AsType[*reportline.Error](err); ok {
				c.MsgID, c.MsgArgs = e.MsgID, e.MsgArgs
			}
		case users[e].ID == 0:
			c.say(VerdictUnknown, fmt.Sprintf("no account has the address %s", e), "error.link.unknown_email", map[string]any{"Email": e})
		default:
			c.User = users[e]
		}
		out = append(out, c)
	}
	return out, nil
}

// SplitAddresses splits pasted text into addresses. Commas, semicolons,
// tabs, new lines and spaces separate; a "Jane Doe <jane@x.org>" form, as
// mail clients copy it, keeps only the address. Nothing is dropped: a piece
// that is not an address is returned as is, to be reported as invalid.
func SplitAddresses(text string) []string {
	var out []string
	for _, piece := range strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '\t'
	}) {
		piece = strings.TrimSpace(piece)
		if i := strings.LastIndexByte(piece, '<'); i >= 0 && strings.HasSuffix(piece, ">") {
			out = append(out, strings.TrimSpace(piece[i+1:len(piece)-1]))
			continue
		}
		out = append(out, strings.Fields(piece)...)
	}
	return out
}
