package app_test

import (
	"context"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestOperatorSignIn: an operator made as the CLI makes one signs in to
// the operator page; a wrong password is refused; an operator's session is
// not a tenant user's and a tenant user's is not an operator's; and the
// page's suspend, through the store call the CLI makes, is recorded.
func TestOperatorSignIn(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		a, db := env.App, env.DB
		op, existed, err := a.CreateOperator(ctx, db, "cli:root", "Ops@Example.com", "operator password 1")
		if err != nil || existed || op.Email != "ops@example.com" {
			t.Fatalf("create operator: %+v existed=%v err=%v", op, existed, err)
		}
		if _, _, err := a.OperatorLogin(ctx, db, "ops@example.com", "wrong password here", "10.0.0.9"); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("wrong password: got %v, want Unauthenticated", err)
		}
		if _, _, err := a.OperatorLogin(ctx, db, "nobody@example.com", "operator password 1", "10.0.0.9"); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("unknown operator: got %v, want Unauthenticated", err)
		}
		secret, got, err := a.OperatorLogin(ctx, db, " OPS@example.com ", "operator password 1", "10.0.0.9")
		if err != nil || got.ID != op.ID {
			t.Fatalf("operator login: %+v %v", got, err)
		}
		if who, err := a.OperatorOf(ctx, db, secret); err != nil || who.Email != "ops@example.com" {
			t.Fatalf("operator session: %+v %v", who, err)
		}
		// An operator's session is no tenant user's session.
		if _, err := a.SessionUser(ctx, secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("operator secret as a tenant session: got %v, want Unauthenticated", err)
		}
		// A tenant admin's session is no operator's session, even with
		// the same address as an operator.
		if _, err := a.CreatePlatformAdmin(ctx, "ops@example.com", "tenant admin password"); err != nil {
			t.Fatal(err)
		}
		tsecret, _, err := a.Login(ctx, "ops@example.com", "tenant admin password", "10.0.0.8")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.OperatorOf(ctx, db, tsecret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("tenant session as an operator session: got %v, want Unauthenticated", err)
		}
		if _, _, err := a.OperatorLogin(ctx, db, "ops@example.com", "tenant admin password", "10.0.0.8"); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("tenant admin's password at the operator sign-in: got %v, want Unauthenticated", err)
		}

		// Suspend and resume, as the page does, recorded in operator_log.
		if _, err := db.CreateTenantAs(ctx, "operator:ops@example.com", "acme", "acme.example"); err != nil {
			t.Fatal(err)
		}
		tn, err := db.SetTenantSuspended(ctx, "operator:ops@example.com", "acme", true)
		if err != nil || !tn.Suspended {
			t.Fatalf("suspend: %+v %v", tn, err)
		}
		if n, err := db.TenantPeople(ctx, tn.ID); err != nil || n != 0 {
			t.Fatalf("people of the new tenant: %d %v", n, err)
		}
		log, err := db.OperatorLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Actor+" "+e.Action)
		}
		want := []string{"cli:root operator.create", "operator:ops@example.com tenant.create", "operator:ops@example.com tenant.suspend"}
		if len(actions) != len(want) {
			t.Fatalf("operator log: %q, want %q", actions, want)
		}
		for i := range want {
			if actions[i] != want[i] {
				t.Fatalf("operator log: %q, want %q", actions, want)
			}
		}

		// Signing out ends the session; a second create sets a new password.
		if err := a.OperatorLogout(ctx, db, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := a.OperatorOf(ctx, db, secret); !reportline.IsCode(err, reportline.Unauthenticated) {
			t.Fatalf("after sign-out: got %v", err)
		}
		if _, existed, err := a.CreateOperator(ctx, db, "cli:root", "ops@example.com", "operator password 2"); err != nil || !existed {
			t.Fatalf("create again: existed=%v %v", existed, err)
		}
		if _, _, err := a.OperatorLogin(ctx, db, "ops@example.com", "operator password 2", "10.0.0.9"); err != nil {
			t.Fatalf("new password: %v", err)
		}
	})
}
