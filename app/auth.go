package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"time"

	"reportline"
	"reportline/policy"
)

// Login checks an email and password and opens a session. It returns the
// session's secret (for the cookie) and the user. Failures are rate-limited
// per address and per client, and all look alike so that they reveal
// nothing about which accounts exist.
func (a *App) Login(ctx context.Context, email, password, client string) (string, reportline.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if wait := a.limiter.blocked(email, client); wait > 0 {
		return "", reportline.User{}, reportline.Errorf(reportline.RateLimited, "too many failed sign-ins; try again in %s", wait.Round(time.Second))
	}
	fail := func() (string, reportline.User, error) {
		a.limiter.fail(email, client)
		return "", reportline.User{}, reportline.Errorf(reportline.Unauthenticated, "wrong email or password")
	}
	if len(password) > MaxPasswordLength {
		return fail()
	}
	var u reportline.User
	var hash string
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.UserByEmail(ctx, email); err != nil {
			return err
		}
		hash, err = tx.PasswordHash(ctx, u.ID)
		return err
	})
	if err != nil && !reportline.IsCode(err, reportline.NotFound) {
		return "", u, err
	}
	if hash == "" {
		// Spend the same time as a real check, so timing does not tell
		// unknown addresses from wrong passwords.
		checkPassword(password, dummyHash())
		return fail()
	}
	ok, err := checkPassword(password, hash)
	if err != nil {
		return "", u, fmt.Errorf("login %d: %w", u.ID, err)
	}
	if !ok || !u.Active() {
		return fail()
	}
	a.limiter.succeed(email, client)
	secret, hashed := newSecret("rls_")
	now := a.now()
	err = a.store.Write(ctx, func(tx Tx) error {
		if err := tx.DeleteExpiredSessions(ctx, now); err != nil {
			return err
		}
		return tx.CreateSession(ctx, reportline.Session{Hash: hashed, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(a.ttl)})
	})
	if err != nil {
		return "", u, fmt.Errorf("open session: %w", err)
	}
	return secret, u, nil
}

// dummyHash is checked against when an account has no password; it is
// computed on first use so that start-up does not pay for it.
var dummyHash = sync.OnceValue(func() string {
	h, _ := hashPassword("reportline-dummy-password", DefaultPasswordParams)
	return h
})

// SessionTTL is how long a session lasts; the cookie should last as long.
func (a *App) SessionTTL() time.Duration { return a.ttl }

// SessionUser returns the active user of a live session.
func (a *App) SessionUser(ctx context.Context, secret string) (reportline.User, error) {
	var u reportline.User
	err := a.store.Read(ctx, func(tx Tx) error {
		s, err := tx.SessionByHash(ctx, hashSecret(secret))
		if err != nil || !a.now().Before(s.ExpiresAt) {
			return reportline.Errorf(reportline.Unauthenticated, "your session has ended; sign in again")
		}
		u, err = tx.User(ctx, s.UserID)
		return err
	})
	if err == nil && !u.Active() {
		err = reportline.Errorf(reportline.Unauthenticated, "this account is inactive")
	}
	return u, err
}

// Logout ends a session.
func (a *App) Logout(ctx context.Context, secret string) error {
	return a.store.Write(ctx, func(tx Tx) error { return tx.DeleteSession(ctx, hashSecret(secret)) })
}

// TokenUser returns the active user an API token belongs to.
func (a *App) TokenUser(ctx context.Context, token string) (reportline.User, error) {
	hash := hashSecret(token)
	e, gen, ok := a.tokens.get(hash, a.now())
	if ok && a.now().Sub(e.token.LastUsedAt) <= time.Minute {
		return e.user, nil
	}
	var u reportline.User
	var t reportline.APIToken
	read := a.now()
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if t, u, err = tx.TokenUser(ctx, hash); reportline.IsCode(err, reportline.NotFound) {
			return reportline.Errorf(reportline.Unauthenticated, "unknown API token")
		}
		return err
	})
	if err != nil {
		return u, err
	}
	if u.Active() && a.now().Sub(t.LastUsedAt) <= time.Minute {
		a.tokens.put(hash, gen, cachedToken{token: t, user: u, read: read})
	}
	if !u.Active() {
		return u, reportline.Errorf(reportline.Unauthenticated, "the token's account is inactive")
	}
	// Recording use is best effort and at most once a minute per token, so
	// API reads do not each become a write.
	if now := a.now(); now.Sub(t.LastUsedAt) > time.Minute {
		if err := a.store.Write(ctx, func(tx Tx) error { return tx.TouchToken(ctx, t.ID, now) }); err != nil {
			a.log.Warn("record token use", "token_id", t.ID, "err", err)
		}
	}
	return u, nil
}

// CreateToken makes a new API token for the user with the given email and
// returns it; only its hash is kept. The operator's CLI (a system actor)
// may make one for anybody; a user may make their own.
func (a *App) CreateToken(ctx context.Context, actor Actor, email, name string) (string, error) {
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return "", err
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "api"
	}
	token, hashed := newSecret("rlt_")
	err = a.store.Write(ctx, func(tx Tx) error {
		u, err := tx.UserByEmail(ctx, email)
		if err != nil {
			return err
		}
		if err := authorizeOwn(actor, policy.ManageOwnAccount, u.ID); err != nil {
			return err
		}
		if !u.Active() {
			return reportline.FieldError("email", email, "%s is inactive", email)
		}
		return tx.CreateToken(ctx, &reportline.APIToken{UserID: u.ID, Name: name, Hash: hashed, CreatedAt: a.now()})
	})
	return token, err
}

// CreatePlatformAdmin creates (or promotes) a platform admin with a
// password. It is the operator's bootstrap, run from the CLI.
func (a *App) CreatePlatformAdmin(ctx context.Context, email, password string) (reportline.User, error) {
	email, err := reportline.NormalizeEmail(email)
	if err != nil {
		return reportline.User{}, err
	}
	if err := checkPasswordStrength(password); err != nil {
		return reportline.User{}, err
	}
	hash, err := hashPassword(password, a.pw)
	if err != nil {
		return reportline.User{}, err
	}
	var u reportline.User
	err = a.store.Write(ctx, func(tx Tx) error {
		u, err = tx.UserByEmail(ctx, email)
		switch {
		case reportline.IsCode(err, reportline.NotFound):
			u = reportline.User{Email: email, Status: reportline.StatusActive, PlatformRole: reportline.PlatformAdminRole}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			u.PlatformRole, u.Status = reportline.PlatformAdminRole, reportline.StatusActive
			if err := tx.UpdateUser(ctx, &u); err != nil {
				return err
			}
		}
		return tx.SetPasswordHash(ctx, u.ID, hash)
	})
	return u, err
}

// SetPassword sets a user's password. Users set their own; platform admins
// and the operator set anybody's.
func (a *App) SetPassword(ctx context.Context, actor Actor, user reportline.UserID, password string) error {
	if err := checkPasswordStrength(password); err != nil {
		return err
	}
	hash, err := hashPassword(password, a.pw)
	if err != nil {
		return err
	}
	return a.store.Write(ctx, func(tx Tx) error {
		if err := authorizeOwn(actor, policy.ManageOwnAccount, user); err != nil {
			return err
		}
		if _, err := tx.User(ctx, user); err != nil {
			return err
		}
		return tx.SetPasswordHash(ctx, user, hash)
	})
}

func checkPasswordStrength(pw string) error {
	if len(pw) < MinPasswordLength {
		return reportline.FieldError("password", "", "password must have at least %d characters", MinPasswordLength)
	}
	if len(pw) > MaxPasswordLength {
		return reportline.FieldError("password", "", "password must have at most %d characters", MaxPasswordLength)
	}
	return nil
}

// newSecret returns a random secret with a recognisable prefix (so leaked
// tokens can be found by scanners) and its SHA-256 hash, which is all that
// is stored.
func newSecret(prefix string) (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails on Linux; see crypto/rand
	s := prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, hashSecret(s)
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// loginLimiter counts failed sign-ins per address and per client, in
// memory: a restart forgets them, which only ever helps a locked-out user.
type loginLimiter struct {
	mu    sync.Mutex
	now   func() time.Time
	fails map[string][]time.Time
}

const (
	loginWindow      = 15 * time.Minute
	maxFailsPerEmail = 5
	maxFailsPerIP    = 20
)

func newLoginLimiter(now func() time.Time) *loginLimiter {
	return &loginLimiter{now: now, fails: map[string][]time.Time{}}
}

// blocked returns how long the address or client must wait, or 0.
func (l *loginLimiter) blocked(email, client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait := l.wait("e:"+email, maxFailsPerEmail)
	if client != "" {
		wait = max(wait, l.wait("c:"+client, maxFailsPerIP))
	}
	return wait
}

func (l *loginLimiter) wait(key string, limit int) time.Duration {
	now := l.now()
	recent := l.fails[key][:0]
	for _, t := range l.fails[key] {
		if now.Sub(t) < loginWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) == 0 {
		delete(l.fails, key)
		return 0
	}
	l.fails[key] = recent
	if len(recent) < limit {
		return 0
	}
	return loginWindow - now.Sub(recent[len(recent)-limit])
}

func (l *loginLimiter) fail(email, client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.fails["e:"+email] = append(l.fails["e:"+email], now)
	if client != "" {
		l.fails["c:"+client] = append(l.fails["c:"+client], now)
	}
}

func (l *loginLimiter) succeed(email, _ string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, "e:"+email)
}
