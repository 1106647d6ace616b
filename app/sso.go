package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// ssoTx is the storage of single sign-on: the identities linked per
// provider, the single-use keys that refuse replays, and the sessions of a
// user.
type ssoTx interface {
	// SSOLink returns the link of a provider's subject; NotFound when none.
	SSOLink(ctx context.Context, provider, subject string) (reportline.SSOLink, error)
	// CreateSSOLink links a provider's subject to a user; Conflict when the
	// subject is linked already.
	CreateSSOLink(ctx context.Context, l reportline.SSOLink) error
	// SSOLinksOfUser returns the identities linked to a user.
	SSOLinksOfUser(ctx context.Context, user reportline.UserID) ([]reportline.SSOLink, error)
	// UseOnce records key until expires; false when it was used before.
	UseOnce(ctx context.Context, key string, expires, now time.Time) (bool, error)
	// TakeOnce removes a live key; false when there was none.
	TakeOnce(ctx context.Context, key string, now time.Time) (bool, error)
	// UserSessions returns a user's live sessions at now, newest first.
	UserSessions(ctx context.Context, user reportline.UserID, now time.Time) ([]reportline.Session, error)
}

// SSOMatching is how a provider's identities find their Reportline users
// the first time; it belongs to the provider's configuration.
type SSOMatching struct {
	// DirectorySource is the directory sync (graph, scim) whose external
	// ids are this provider's directory ids (Entra's oid); empty when this
	// installation syncs from no directory of that provider.
	DirectorySource reportline.Source
	// TrustEmails matches by email even when the provider does not say it
	// verified it (Entra sends no email_verified).
	TrustEmails bool
	// CreateUsers creates an account for a person nobody matches; the
	// account belongs to no group and holds no role. Off: they are refused.
	CreateUsers bool
}

// SSOSignIn is a single sign-on the protocol layer has verified.
type SSOSignIn struct {
	Identity reportline.SSOIdentity
	Matching SSOMatching
	// Method is "oidc" or "saml", kept on the session.
	Method string
	// LogoutHint is kept on the session for the provider's sign-out (the
	// OIDC ID token).
	LogoutHint string
}

// SignInSSO matches a verified identity to a user and opens a session. The
// subject linked before decides alone; the first time, the directory id
// (when this installation syncs from the provider's directory), else the
// email when the provider verified it or is trusted with emails, else a new
// account when creation is on. Deactivated users are refused whatever the
// provider says. The link and the sign-in go to the change log.
func (a *App) SignInSSO(ctx context.Context, in SSOSignIn) (string, reportline.User, error) {
	id := in.Identity
	if id.Provider == "" || strings.TrimSpace(id.Subject) == "" {
		return "", reportline.User{}, reportline.Errorf(reportline.Unauthenticated, "the identity provider sent no subject").
			Say("error.sso.no_subject", nil)
	}
	secret, hashed := usecase.NewSecret("rls_")
	now := a.now()
	var u reportline.User
	err := a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		link, err := tx.SSOLink(ctx, id.Provider, id.Subject)
		switch {
		case err == nil:
			if u, err = tx.User(ctx, link.UserID); err != nil {
				return err
			}
		case reportline.IsCode(err, reportline.NotFound):
			var how string
			if u, how, err = a.matchSSO(ctx, tx, in); err != nil {
				return err
			}
			if err := usecase.AuthorizeOwn(UserActor(u, reportline.SourceSSO), policy.SignIn, u.ID); err != nil {
				return reportline.Errorf(reportline.Unauthenticated, "your Reportline account is deactivated").
					Say("error.sso.deactivated", nil)
			}
			links, err := tx.SSOLinksOfUser(ctx, u.ID)
			if err != nil {
				return err
			}
			for _, l := range links {
				if l.Provider == id.Provider {
					return reportline.Errorf(reportline.Unauthenticated, "this Reportline account is linked to another identity of this provider; ask an administrator").
						Say("error.sso.other_identity", nil)
				}
			}
			l := reportline.SSOLink{Provider: id.Provider, Subject: id.Subject, UserID: u.ID, Email: id.Email, CreatedAt: now}
			if err := tx.CreateSSOLink(ctx, l); err != nil {
				return err
			}
			if err := a.record(ctx, tx, UserActor(u, reportline.SourceSSO), policy.SignIn, reportline.Change{
				What: "sso identity " + id.Provider, UserID: u.ID,
				After: usecase.JSON(map[string]any{"provider": id.Provider, "subject": id.Subject, "email": id.Email, "matched_by": how})}); err != nil {
				return err
			}
		default:
			return err
		}
		if err := usecase.AuthorizeOwn(UserActor(u, reportline.SourceSSO), policy.SignIn, u.ID); err != nil {
			return reportline.Errorf(reportline.Unauthenticated, "your Reportline account is deactivated").
				Say("error.sso.deactivated", nil)
		}
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, reportline.Session{Hash: hashed, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(a.ttl),
			Method: in.Method, LogoutHint: in.LogoutHint}); err != nil {
			return err
		}
		return a.record(ctx, tx, UserActor(u, reportline.SourceSSO), policy.SignIn, reportline.Change{
			What: "sign-in " + in.Method, UserID: u.ID, After: usecase.JSON(map[string]any{"provider": id.Provider, "subject": id.Subject})})
	})
	if err != nil {
		return "", reportline.User{}, err
	}
	return secret, u, nil
}

// matchSSO finds (or creates) the user of an identity seen for the first
// time, and says how.
func (a *App) matchSSO(ctx context.Context, tx ssoSignInTx, in SSOSignIn) (reportline.User, string, error) {
	id, m := in.Identity, in.Matching
	if t, ok := reportline.TenantOf(ctx); ok && t != reportline.ImplicitTenant && m.DirectorySource == "" {
		// A tenant's own providers match by the directory its admins name
		// (Settings → Sign-in); the implicit tenant's, by the environment's.
		src, err := tx.Setting(ctx, settingSSODirectory)
		if err != nil && !reportline.IsCode(err, reportline.NotFound) {
			return reportline.User{}, "", err
		}
		m.DirectorySource = reportline.Source(src)
	}
	if id.DirectoryID != "" && m.DirectorySource != "" {
		found, err := tx.DirectoryIdentities(ctx, m.DirectorySource, []string{id.DirectoryID})
		if err != nil {
			return reportline.User{}, "", err
		}
		if uid, ok := found[id.DirectoryID]; ok {
			u, err := tx.User(ctx, uid)
			return u, "directory id", err
		}
	}
	email, err := reportline.NormalizeEmail(id.Email)
	if err != nil || id.Email == "" {
		return reportline.User{}, "", reportline.Errorf(reportline.Unauthenticated, "the identity provider sent no usable email, and no Reportline account is linked to you").
			Say("error.sso.no_email", nil)
	}
	u, err := tx.UserByEmail(ctx, email)
	switch {
	case err == nil:
		if id.EmailVerified || m.TrustEmails {
			return u, "email", nil
		}
		return reportline.User{}, "", reportline.Errorf(reportline.Unauthenticated, "the identity provider did not verify your email, so it cannot be matched to a Reportline account; ask an administrator").
			Say("error.sso.unverified_email", nil)
	case !reportline.IsCode(err, reportline.NotFound):
		return reportline.User{}, "", err
	}
	if !m.CreateUsers {
		return reportline.User{}, "", reportline.Errorf(reportline.Unauthenticated, "no Reportline account matches you; ask an administrator to create one").
			Say("error.sso.no_account", nil)
	}
	u = reportline.User{Email: email, FirstName: id.FirstName, LastName: id.LastName, Status: reportline.StatusActive}
	if err := u.Validate(); err != nil {
		return reportline.User{}, "", err
	}
	if err := tx.CreateUser(ctx, &u); err != nil {
		return reportline.User{}, "", err
	}
	if err := a.record(ctx, tx, SystemActor(reportline.SourceSSO), policy.CreateUser, reportline.Change{UserID: u.ID, After: usecase.JSON(userDoc(u))}); err != nil {
		return reportline.User{}, "", err
	}
	return u, "created", nil
}

// UseOnce refuses a single-use key (a SAML assertion id, an OIDC nonce)
// seen before: a replayed assertion or token is Unauthenticated. The key
// is remembered until expires.
func (a *App) UseOnce(ctx context.Context, key string, expires time.Time) error {
	var fresh bool
	err := a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		var err error
		fresh, err = tx.UseOnce(ctx, key, expires, a.now())
		return err
	})
	if err != nil {
		return err
	}
	if !fresh {
		return reportline.Errorf(reportline.Unauthenticated, "this sign-in response was used already; sign in again").
			Say("error.sso.replayed", nil)
	}
	return nil
}

// TakeOnce consumes a key UseOnce stored (a pending SAML request id):
// Unauthenticated when it is unknown, expired or consumed already.
func (a *App) TakeOnce(ctx context.Context, key string) error {
	var ok bool
	err := a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		var err error
		ok, err = tx.TakeOnce(ctx, key, a.now())
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		return reportline.Errorf(reportline.Unauthenticated, "this sign-in answers no request of ours, or came too late; sign in again").
			Say("error.sso.unsolicited", nil)
	}
	return nil
}

// SessionInfo is a signed-in session as its owner sees it.
type SessionInfo struct {
	ID        string // hex of the stored hash: names the session, opens nothing
	CreatedAt time.Time
	ExpiresAt time.Time
	Method    string
	Current   bool // the session of the request
}

// ListSessions lists a user's live sessions, newest first; current is the
// secret of the caller's own session, marked Current.
func (a *App) ListSessions(ctx context.Context, actor Actor, user reportline.UserID, current string) ([]SessionInfo, error) {
	if err := a.authorizeSessions(ctx, actor, user); err != nil {
		return nil, err
	}
	var out []SessionInfo
	cur := hex.EncodeToString(usecase.HashSecret(current))
	err := a.ssoSignInStore().Read(ctx, func(tx ssoSignInTx) error {
		ss, err := tx.UserSessions(ctx, user, a.now())
		for _, s := range ss {
			id := hex.EncodeToString(s.Hash)
			m := s.Method
			if m == "" {
				m = "password"
			}
			out = append(out, SessionInfo{ID: id, CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, Method: m, Current: current != "" && id == cur})
		}
		return err
	})
	return out, err
}

// EndSession ends one of a user's sessions, named by its id (see
// SessionInfo); NotFound when the user has no such session.
func (a *App) EndSession(ctx context.Context, actor Actor, user reportline.UserID, id string) error {
	if err := a.authorizeSessions(ctx, actor, user); err != nil {
		return err
	}
	hash, err := hex.DecodeString(id)
	if err != nil || len(hash) != 32 {
		return reportline.FieldError("session", "", "unknown session")
	}
	return a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		s, err := tx.SessionByHash(ctx, hash)
		if err != nil || s.UserID != user {
			return reportline.Errorf(reportline.NotFound, "no such session").Say("error.session.not_found", nil)
		}
		if err := tx.DeleteSession(ctx, hash); err != nil {
			return err
		}
		return a.record(ctx, tx, actor, policy.EndSessions, reportline.Change{What: fmt.Sprintf("session %.8s", id), UserID: user,
			Before: usecase.JSON(map[string]any{"method": s.Method, "created_at": s.CreatedAt})})
	})
}

// EndOtherSessions ends every session of a user but the caller's own
// (current, the caller's session secret) and says how many it ended.
func (a *App) EndOtherSessions(ctx context.Context, actor Actor, user reportline.UserID, current string) (int, error) {
	if err := a.authorizeSessions(ctx, actor, user); err != nil {
		return 0, err
	}
	var n int
	err := a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		var err error
		var keep []byte
		if current != "" {
			keep = usecase.HashSecret(current)
		}
		if n, err = tx.DeleteUserSessions(ctx, user, keep); err != nil || n == 0 {
			return err
		}
		return a.record(ctx, tx, actor, policy.EndSessions, reportline.Change{What: "sessions", UserID: user, After: usecase.JSON(map[string]any{"ended": n})})
	})
	return n, err
}

// SignOut ends a session and returns it, so that the caller can end the
// identity provider's session too (Method, LogoutHint). An unknown secret
// gives the zero session.
func (a *App) SignOut(ctx context.Context, secret string) (reportline.Session, error) {
	var s reportline.Session
	err := a.ssoSignInStore().Write(ctx, func(tx ssoSignInTx) error {
		var err error
		s, err = tx.SessionByHash(ctx, usecase.HashSecret(secret))
		if reportline.IsCode(err, reportline.NotFound) {
			s = reportline.Session{}
			return nil
		}
		if err != nil {
			return err
		}
		return tx.DeleteSession(ctx, s.Hash)
	})
	return s, err
}
