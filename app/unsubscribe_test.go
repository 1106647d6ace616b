package app_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// receives returns which notifications a user gets, as "type:on/off".
func receives(t *testing.T, o *org, u reportline.User) string {
	t.Helper()
	prefs, err := o.env.App.NotificationPreferences(context.Background(), sys, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, p := range prefs {
		fmt.Fprintf(&b, "%s:%v ", p.Notification.Type, p.Receive)
	}
	return b.String()
}

// TestUnsubscribeLink: a valid link turns off exactly its notification for
// exactly its person; a tampered, forged, expired or mandatory one does
// nothing; the key survives a restart (it is in the database).
func TestUnsubscribeLink(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		now := o.env.Now.Now()
		allOn := receives(t, o, o.mgr)
		xOn := receives(t, o, o.x)
		good, err := a.UnsubscribeToken(ctx, o.mgr.ID, reportline.NotifyBirthday, now.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		payload, sig, _ := strings.Cut(good, ".")
		forged := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.birthday.%d", o.x.ID, now.Add(time.Hour).Unix()))) + "." + sig
		otherType := base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.weekly_digest.%d", o.mgr.ID, now.Add(time.Hour).Unix()))) + "." + sig
		flipped := payload + "." + strings.Map(func(r rune) rune {
			if r == 'A' {
				return 'B'
			}
			return r
		}, sig[:1]) + sig[1:]
		if flipped == good {
			flipped = payload + "." + "A" + sig[1:]
		}
		expired, _ := a.UnsubscribeToken(ctx, o.mgr.ID, reportline.NotifyBirthday, now.Add(-time.Second))
		mandatory, _ := a.UnsubscribeToken(ctx, o.mgr.ID, reportline.NotifyTemplateMessage, now.Add(time.Hour))
		for name, tok := range map[string]string{"forged for x": forged, "another notification": otherType, "a changed signature": flipped,
			"expired": expired, "mandatory": mandatory, "empty": "", "garbage": "a.b.c"} {
			if _, _, err := a.Unsubscribe(ctx, tok); !reportline.IsCode(err, reportline.Invalid) {
				t.Errorf("%s: %v, want invalid", name, err)
			}
		}
		if got := receives(t, o, o.mgr); got != allOn {
			t.Errorf("after bad links mgr receives %s, want %s", got, allOn)
		}
		if _, _, err := a.Unsubscribe(ctx, good); err != nil {
			t.Fatal(err)
		}
		want := strings.Replace(allOn, "birthday:true", "birthday:false", 1)
		if got := receives(t, o, o.mgr); got != want {
			t.Errorf("mgr receives %s, want %s", got, want)
		}
		if got := receives(t, o, o.x); got != xOn {
			t.Errorf("x receives %s, want %s (untouched)", got, xOn)
		}
		// A link signed before a restart still works after it: the key
		// is the database's, not the process's.
		o.env.Now.Advance(30 * time.Minute)
		again := testapp.Reopen(t, o.env)
		if _, _, err := again.Unsubscribe(ctx, good); err != nil {
			t.Errorf("the same link after a restart: %v", err)
		}
		o.env.Now.Advance(time.Hour)
		if _, _, err := again.Unsubscribe(ctx, good); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("the link after its expiry: %v, want invalid", err)
		}
	})
}
