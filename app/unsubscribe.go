package app

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"reportline"
)

// Unsubscribe links (RFC 8058 one-click, and the link in a bulk email's
// footer) work without signing in: the link carries who, which
// notification and until when, signed with HMAC-SHA256. The key comes from
// the environment (REPORTLINE_UNSUBSCRIBE_KEY, Config.UnsubscribeKey) or,
// when none is given, is generated on first start and stored in the
// database (service_secrets), so every replica signs and checks with the
// same key; replacing it voids the links already sent. A link is valid
// UnsubscribeTTL after the message was sent, turns off exactly that
// notification for exactly that person, and is refused if any byte of it
// changed or it expired.

// UnsubscribeTTL is how long an unsubscribe link works.
const UnsubscribeTTL = 60 * 24 * time.Hour

// unsubscribeSecret is the name of the generated key in service_secrets.
const unsubscribeSecret = "unsubscribe_hmac"

// unsubKey holds the keys once read: the configured one, or each tenant's
// stored one.
type unsubKey struct {
	mu     sync.Mutex
	key    []byte                         // configured: every tenant's
	stored map[reportline.TenantID][]byte // generated, per tenant
}

// unsubscribeKey returns the signing key of the context's tenant: the
// configured one, else the tenant's stored one (generated on first use).
func (a *App) unsubscribeKey(ctx context.Context) ([]byte, error) {
	a.unsub.mu.Lock()
	defer a.unsub.mu.Unlock()
	if a.unsub.key != nil {
		return a.unsub.key, nil
	}
	tenant := tenantOf(ctx)
	if key, ok := a.unsub.stored[tenant]; ok {
		return key, nil
	}
	fresh := make([]byte, 32)
	rand.Read(fresh)
	var key []byte
	err := a.preferencesStore().Write(ctx, func(tx preferencesTx) error {
		var err error
		key, err = tx.ServiceSecret(ctx, unsubscribeSecret, fresh, a.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	if a.unsub.stored == nil {
		a.unsub.stored = map[reportline.TenantID][]byte{}
	}
	a.unsub.stored[tenant] = key
	return key, nil
}

// tenantOf is the context's tenant, the implicit one when it names none.
func tenantOf(ctx context.Context) reportline.TenantID {
	if id, ok := reportline.TenantOf(ctx); ok {
		return id
	}
	return reportline.ImplicitTenant
}

// unsubscribeMAC signs payload p for the context's tenant. Another
// tenant's signature covers its tenant id too, so a link sent by one
// tenant does nothing on another tenant's host even when the tenants share
// the configured key and their people share ids; the implicit tenant's
// signature is the payload's alone, as before tenants, so links already
// sent keep working.
func unsubscribeMAC(ctx context.Context, key []byte, p []byte) []byte {
	m := hmac.New(sha256.New, key)
	if t := tenantOf(ctx); t != reportline.ImplicitTenant {
		fmt.Fprintf(m, "tenant %d\n", t)
	}
	m.Write(p)
	return m.Sum(nil)
}

// unsubscribePayload is what a link signs.
func unsubscribePayload(user reportline.UserID, t reportline.NotificationType, until time.Time) string {
	return fmt.Sprintf("%d.%s.%d", user, t, until.Unix())
}

// UnsubscribeToken signs a link for user to stop notification t, valid
// until until.
func (a *App) UnsubscribeToken(ctx context.Context, user reportline.UserID, t reportline.NotificationType, until time.Time) (string, error) {
	key, err := a.unsubscribeKey(ctx)
	if err != nil {
		return "", err
	}
	p := unsubscribePayload(user, t, until)
	return base64.RawURLEncoding.EncodeToString([]byte(p)) + "." + base64.RawURLEncoding.EncodeToString(unsubscribeMAC(ctx, key, []byte(p))), nil
}

// UnsubscribeURL is the address of a link for user to stop t, valid
// UnsubscribeTTL from now; "" without a public URL (an email cannot carry
// a working link then) or for a notification that cannot be turned off.
func (a *App) UnsubscribeURL(ctx context.Context, user reportline.UserID, t reportline.NotificationType) (string, error) {
	base := a.publicURL(ctx)
	if base == "" || user == 0 || checkOptional(t) != nil {
		return "", nil
	}
	tok, err := a.UnsubscribeToken(ctx, user, t, a.now().Add(UnsubscribeTTL))
	if err != nil {
		return "", err
	}
	return base + "/unsubscribe?t=" + url.QueryEscape(tok), nil
}

// errUnsubscribe is the one answer to a link that is not valid: tampered,
// expired or about someone who no longer exists.
var errUnsubscribe = reportline.Errorf(reportline.Invalid, "this unsubscribe link is not valid or has expired; sign in and use My notifications instead").
	Say("error.unsubscribe.link", nil)

// checkUnsubscribe verifies a token and returns what it is about.
func (a *App) checkUnsubscribe(ctx context.Context, token string) (reportline.UserID, reportline.NotificationType, error) {
	key, err := a.unsubscribeKey(ctx)
	if err != nil {
		return 0, "", err
	}
	p64, s64, ok := strings.Cut(token, ".")
	if !ok || len(token) > 300 {
		return 0, "", errUnsubscribe
	}
	p, err1 := base64.RawURLEncoding.DecodeString(p64)
	sig, err2 := base64.RawURLEncoding.DecodeString(s64)
	if err1 != nil || err2 != nil {
		return 0, "", errUnsubscribe
	}
	if !hmac.Equal(sig, unsubscribeMAC(ctx, key, p)) {
		return 0, "", errUnsubscribe
	}
	parts := strings.Split(string(p), ".")
	if len(parts) != 3 {
		return 0, "", errUnsubscribe
	}
	id, err1 := strconv.ParseInt(parts[0], 10, 64)
	until, err2 := strconv.ParseInt(parts[2], 10, 64)
	t := reportline.NotificationType(parts[1])
	if err1 != nil || err2 != nil || !a.now().Before(time.Unix(until, 0)) || checkOptional(t) != nil {
		return 0, "", errUnsubscribe
	}
	return reportline.UserID(id), t, nil
}

// UnsubscribeInfo says what a link would turn off, without doing it (the
// page a person sees before confirming).
func (a *App) UnsubscribeInfo(ctx context.Context, token string) (reportline.User, reportline.Notification, error) {
	id, t, err := a.checkUnsubscribe(ctx, token)
	if err != nil {
		return reportline.User{}, reportline.Notification{}, err
	}
	var u reportline.User
	err = a.preferencesStore().Read(ctx, func(tx preferencesTx) error {
		var err error
		u, err = tx.User(ctx, id)
		return err
	})
	if err != nil {
		return u, reportline.Notification{}, errUnsubscribe
	}
	n, _ := reportline.NotificationByType(t)
	return u, n, nil
}

// Unsubscribe turns off the notification a valid link names, for the
// person it names, and nothing else. The change is recorded as the
// person's own, through the "email" way in.
func (a *App) Unsubscribe(ctx context.Context, token string) (reportline.User, reportline.Notification, error) {
	id, t, err := a.checkUnsubscribe(ctx, token)
	if err != nil {
		return reportline.User{}, reportline.Notification{}, err
	}
	var u reportline.User
	err = a.preferencesStore().Write(ctx, func(tx preferencesTx) error {
		var err error
		if u, err = tx.User(ctx, id); err != nil {
			return errUnsubscribe
		}
		return a.setOptOut(ctx, tx, UserActor(u, reportline.SourceEmail), id, t, false)
	})
	n, _ := reportline.NotificationByType(t)
	return u, n, err
}
