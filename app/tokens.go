package app

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// API token lifecycle: a token has a name, its creation and last use, an
// optional expiry and a revocation time. An expired or revoked token stops
// working at once (TokenUser checks both on every request). The secret is
// returned once, by CreateAPIToken, and never stored or logged: only its
// SHA-256 hash is kept.

// MaxTokenNameLength bounds a token's name.
const MaxTokenNameLength = 100

// NewToken is an API token to create.
type NewToken struct {
	Email     string        // the owner
	Name      string        // to recognise it by; "api" when empty
	ExpiresAt time.Time     // zero for a token that does not expire…
	ExpiresIn time.Duration // …or: it stops working this long after its creation
}

// MaxTokenLifetime bounds a token's expiry: ten years.
const MaxTokenLifetime = 10 * 365 * 24 * time.Hour

// CreatedToken is a new token and its secret, which is shown this once.
type CreatedToken struct {
	Token  reportline.APIToken
	Secret string
}

// TokenView is a token as lists show it: never its secret or hash.
type TokenView struct {
	reportline.APIToken
	Owner  reportline.User
	Status reportline.TokenStatus
}

// TokenFilter selects the tokens to list. With neither field set a user
// sees their own tokens (the operator sees everybody's).
type TokenFilter struct {
	Email string // the tokens of this user
	All   bool   // everybody's tokens (platform admins, the operator)
}

// CreateAPIToken makes a new API token. The operator's CLI may make one
// for anybody; a user makes their own.
func (a *App) CreateAPIToken(ctx context.Context, actor Actor, n NewToken) (CreatedToken, error) {
	email, err := reportline.NormalizeEmail(n.Email)
	if err != nil {
		return CreatedToken{}, err
	}
	name := strings.TrimSpace(n.Name)
	switch {
	case name == "":
		name = "api"
	case !utf8.ValidString(name) || strings.ContainsRune(name, 0) || utf8.RuneCountInString(name) > MaxTokenNameLength:
		return CreatedToken{}, reportline.FieldError("name", "", "a token's name is at most %d characters of text", MaxTokenNameLength)
	}
	now := a.now()
	switch {
	case n.ExpiresIn != 0 && !n.ExpiresAt.IsZero():
		return CreatedToken{}, reportline.FieldError("expires_in", "", "give an expiry time or a lifetime, not both")
	case n.ExpiresIn < 0 || n.ExpiresIn > MaxTokenLifetime:
		return CreatedToken{}, reportline.FieldError("expires_in", n.ExpiresIn.String(), "a token's lifetime is at most ten years")
	case n.ExpiresIn > 0:
		n.ExpiresAt = now.Add(n.ExpiresIn)
	case n.ExpiresAt.Sub(now) > MaxTokenLifetime:
		return CreatedToken{}, reportline.FieldError("expires_at", n.ExpiresAt.Format(time.RFC3339), "a token's lifetime is at most ten years")
	}
	if !n.ExpiresAt.IsZero() && !n.ExpiresAt.After(now) {
		return CreatedToken{}, reportline.FieldError("expires_at", n.ExpiresAt.Format(time.RFC3339), "the expiry must be in the future")
	}
	secret, hashed := usecase.NewSecret("rlt_")
	out := CreatedToken{Secret: secret}
	err = a.tokensStore().Write(ctx, func(tx tokensTx) error {
		if !actor.System && email != actor.User.Email {
			// Refused before the address is looked up, so the answer
			// does not tell whether it exists.
			return mayCreateToken(actor, 0)
		}
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if err := mayCreateToken(actor, u.ID); err != nil {
			return err
		}
		if !u.Active() {
			return reportline.FieldError("email", email, "%s is inactive", email)
		}
		out.Token = reportline.APIToken{UserID: u.ID, Name: name, Hash: hashed, CreatedAt: now, ExpiresAt: n.ExpiresAt.UTC()}
		if err := tx.CreateToken(ctx, &out.Token); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.CreateToken, reportline.Change{What: fmt.Sprintf("token %d", out.Token.ID), UserID: u.ID,
			After: usecase.JSON(tokenDoc(out.Token))})
	})
	if err != nil {
		return CreatedToken{}, err
	}
	out.Token.Hash = nil
	a.log.Info("api token created", "token_id", out.Token.ID, "user", out.Token.UserID, "actor", actor.ID())
	return out, nil
}

// ListTokens lists API tokens, newest first: a user's own, or (platform
// admins and the operator) anybody's or everybody's.
func (a *App) ListTokens(ctx context.Context, actor Actor, f TokenFilter) ([]TokenView, error) {
	a.flushTouches(ctx) // the uses this replica saw, written first
	var out []TokenView
	err := a.tokensStore().Read(ctx, func(tx tokensTx) error {
		owner := actor.User.ID
		switch {
		case f.Email != "":
			email, err := reportline.NormalizeEmail(f.Email)
			if err != nil {
				return err
			}
			u, err := tx.UserByEmail(ctx, email)
			if err != nil {
				return err
			}
			owner = u.ID
		case f.All || actor.System:
			owner = 0
		}
		if err := mayManageTokens(actor, owner); err != nil {
			return err
		}
		tokens, err := tx.Tokens(ctx, owner)
		if err != nil {
			return err
		}
		ids := make([]reportline.UserID, 0, len(tokens))
		for _, t := range tokens {
			ids = append(ids, t.UserID)
		}
		users, err := tx.UsersByIDs(ctx, ids)
		if err != nil {
			return err
		}
		now := a.now()
		out = make([]TokenView, 0, len(tokens))
		for _, t := range tokens {
			t.Hash = nil
			out = append(out, TokenView{APIToken: t, Owner: users[t.UserID], Status: t.Status(now)})
		}
		return nil
	})
	return out, err
}

// RevokeToken revokes a token at once. Revoking a revoked token changes
// nothing. A token the caller may not manage is not found, so its
// existence is not revealed.
func (a *App) RevokeToken(ctx context.Context, actor Actor, id int64) (TokenView, error) {
	var v TokenView
	now := a.now()
	err := a.tokensStore().Write(ctx, func(tx tokensTx) error {
		t, err := tx.Token(ctx, id)
		if err == nil && mayManageTokens(actor, t.UserID) != nil {
			err = reportline.Errorf(reportline.NotFound, "token %d not found", id)
		}
		if err != nil {
			return reportline.Errorf(reportline.NotFound, "there is no token %d of yours", id).
				Say("error.token.not_yours", map[string]any{"ID": id})
		}
		if err := tx.RevokeToken(ctx, id, now); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.ManageTokens, reportline.Change{What: fmt.Sprintf("token %d", id), UserID: t.UserID,
			Before: usecase.JSON(tokenDoc(t)), After: usecase.JSON(map[string]any{"revoked_at": now.UTC()})}); err != nil {
			return err
		}
		if t, err = tx.Token(ctx, id); err != nil {
			return err
		}
		owner, err := tx.User(ctx, t.UserID)
		if err != nil {
			return err
		}
		t.Hash = nil
		v = TokenView{APIToken: t, Owner: owner, Status: t.Status(now)}
		return nil
	})
	if err == nil {
		a.log.Info("api token revoked", "token_id", id, "user", v.UserID, "actor", actor.ID())
	}
	return v, err
}

// tokenDoc is a token as the change log records it: never its hash.
func tokenDoc(t reportline.APIToken) map[string]any {
	d := map[string]any{"name": t.Name}
	if !t.ExpiresAt.IsZero() {
		d["expires_at"] = t.ExpiresAt
	}
	return d
}

// mayCreateToken is who may create a token for owner: the owner, and the
// operator (CLI). Nobody else, platform admins included: a token acts as
// its owner.
func mayCreateToken(actor Actor, owner reportline.UserID) error {
	return usecase.AuthorizeOwn(actor, policy.CreateToken, owner)
}

// mayManageTokens is who may list and revoke owner's tokens (owner 0:
// everybody's): the owner, platform admins and the operator.
func mayManageTokens(actor Actor, owner reportline.UserID) error {
	if owner == 0 {
		return usecase.AuthorizeActor(actor, policy.ManageTokens)
	}
	return usecase.AuthorizeOwn(actor, policy.ManageTokens, owner)
}
