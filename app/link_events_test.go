package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// outbox returns the messages of type t in the outbox, as "recipient:subject".
func outboxOf(t *testing.T, o *org, typ reportline.NotificationType) []string {
	t.Helper()
	var out []string
	err := o.env.DB.Read(context.Background(), func(tx *store.Tx) error {
		ms, err := tx.OutboxMessages(context.Background(), reportline.DeliveryFilter{Type: typ, Limit: 1000})
		for _, m := range ms {
			out = append(out, strings.TrimSuffix(m.To, "@example.com")+": "+m.Subject)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

func runEvents(t *testing.T, o *org) int {
	t.Helper()
	n, err := o.env.App.RunLinkEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLinkEventNotifications follows a temporary link from its making to
// its end, and a permanent one to its removal, on both engines: who is
// told, in their language, once, what a person may turn off and what an
// admin may.
func TestLinkEventNotifications(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		ctx := context.Background()
		a := o.env.App
		fr := "fr"
		if _, err := a.UpdateUser(ctx, sys, o.x.ID, app.UserPatch{Locale: &fr}); err != nil {
			t.Fatal(err)
		}
		// "Manager added" and "removed" are off until an admin enables
		// them: a first import must not email everyone it links.
		for _, typ := range []reportline.NotificationType{reportline.NotifyManagerAdded, reportline.NotifyManagerRemoved} {
			for _, aud := range []reportline.Audience{reportline.AudienceManagers, reportline.AudienceLearners} {
				if err := a.SetNotificationRole(ctx, ui(o.pa), typ, aud, true); err != nil {
					t.Fatal(err)
				}
			}
		}
		// The first run marks where it starts: the history is not replayed.
		if n := runEvents(t, o); n != 0 {
			t.Fatalf("first run sent %d, want 0 (mgr → x existed before)", n)
		}
		o.link(t, o.mgr, o.y, reportline.Line)
		now := o.env.Now.Now()
		if _, err := a.AddLinks(ctx, sys, app.LinkRequest{User: o.x.ID, Direction: reportline.Managers, Kind: reportline.Functional,
			IDs: []reportline.UserID{o.z.ID}, ValidFrom: now.Add(time.Hour), ValidUntil: now.Add(25 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if n := runEvents(t, o); n != 4 {
			t.Errorf("after two links: %d messages, want 4", n)
		}
		want := []string{
			"mgr: You now manage y",
			"x: z est désormais votre responsable", // x reads French
			"y: mgr is now your manager",
			"z: You now manage x",
		}
		if got := outboxOf(t, o, reportline.NotifyManagerAdded); !slices.Equal(got, want) {
			t.Errorf("manager added:\n got %q\nwant %q", got, want)
		}
		// Nothing happens until the start; then once, however many
		// replicas tick.
		if n := runEvents(t, o); n != 0 {
			t.Errorf("before the start: %d messages", n)
		}
		o.env.Now.Advance(2 * time.Hour)
		if n := runEvents(t, o) + runEvents(t, o); n != 3 {
			t.Errorf("start: %d messages, want 3", n)
		}
		want = []string{
			"mgr: z now also manages x, temporarily", // x's other manager
			"x: z est désormais votre responsable temporaire",
			"z: You now manage x temporarily",
		}
		if got := outboxOf(t, o, reportline.NotifyTemporaryLinkStart); !slices.Equal(got, want) {
			t.Errorf("start:\n got %q\nwant %q", got, want)
		}
		// The managee may not turn off what is mandatory for them; a
		// manager may turn off what is not.
		if err := a.SetNotificationPreference(ctx, ui(o.mgr), o.mgr.ID, reportline.NotifyTemporaryLinkEnd, false); err != nil {
			t.Fatal(err)
		}
		if err := a.SetNotificationPreference(ctx, ui(o.x), o.x.ID, reportline.NotifyTemporaryLinkEnd, false); err != nil {
			t.Fatal(err)
		}
		if err := a.SetNotificationPreference(ctx, ui(o.x), o.x.ID, reportline.NotifyPasswordReset, false); reportline.ErrorCode(err) != reportline.Invalid {
			t.Errorf("turning the password reset off: %v, want invalid", err)
		}
		o.env.Now.Advance(24 * time.Hour)
		runEvents(t, o)
		runEvents(t, o)
		want = []string{
			"x: z n'est plus votre responsable temporaire",
			"z: You no longer manage x",
		}
		if got := outboxOf(t, o, reportline.NotifyTemporaryLinkEnd); !slices.Equal(got, want) {
			t.Errorf("end:\n got %q\nwant %q", got, want)
		}
		// An admin switches manager removals off for learners: y is not
		// told, mgr still is; a group admin may not.
		if err := a.SetNotificationRole(ctx, ui(o.ga), reportline.NotifyManagerRemoved, reportline.AudienceLearners, false); reportline.ErrorCode(err) != reportline.Forbidden {
			t.Errorf("group admin switching a role: %v, want forbidden", err)
		}
		if err := a.SetNotificationRole(ctx, ui(o.pa), reportline.NotifyManagerRemoved, reportline.AudienceLearners, false); err != nil {
			t.Fatal(err)
		}
		if err := a.RemoveLink(ctx, sys, reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.y.ID}); err != nil {
			t.Fatal(err)
		}
		runEvents(t, o)
		if got := outboxOf(t, o, reportline.NotifyManagerRemoved); !slices.Equal(got, []string{"mgr: You no longer manage y"}) {
			t.Errorf("manager removed with learners switched off: %q", got)
		}
		roles, err := a.NotificationRoles(ctx, ui(o.pa))
		if err != nil {
			t.Fatal(err)
		}
		if v := roles[reportline.NotificationRole{Type: reportline.NotifyManagerRemoved, Audience: reportline.AudienceLearners}]; v.Enabled || !v.Mandatory {
			t.Errorf("role view = %+v, want off and mandatory", v)
		}
	})
}
