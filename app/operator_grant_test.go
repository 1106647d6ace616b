package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// TestOperatorGrant: the operator sees no tenant's people until a
// platform admin of the tenant grants it; the grant is time-boxed (1 to
// 72 hours), lets the operator list that tenant's people only, ends by
// itself or when revoked, and is recorded in the tenant's change log and
// in the operator log (so is each listing). Nobody but a platform admin
// grants it.
func TestOperatorGrant(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		env := testapp.New(t, engine)
		beta, err := env.DB.CreateTenantAs(ctx, "test", "beta", "b.example")
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(app.Adapt(env.DB.Read, env.DB.Write, env.DB.Ping, env.DB.ReadOnce), app.Config{Now: env.Now.Now,
			Logger: slog.New(slog.DiscardHandler), PasswordParams: testapp.FastPasswords, Tenants: env.DB.Tenants})
		betaCtx := reportline.WithTenant(ctx, beta)
		implicitCtx := reportline.WithTenant(ctx, reportline.ImplicitTenant)
		pa, err := a.CreatePlatformAdmin(betaCtx, "pa@b.example", "a long password")
		if err != nil {
			t.Fatal(err)
		}
		admin := app.UserActor(pa, reportline.SourceAPI)
		sys := app.SystemActor(reportline.SourceCLI)
		emp, err := a.CreateUser(betaCtx, sys, app.UserInput{Email: "emp@b.example", FirstName: "Emp"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.CreateUser(implicitCtx, sys, app.UserInput{Email: "someone@a.example", FirstName: "Someone"}); err != nil {
			t.Fatal(err)
		}
		op := reportline.Operator{ID: 1, Email: "ops@example.com"}
		list := func(tenant reportline.TenantID) ([]string, error) {
			t.Helper()
			users, _, err := a.OperatorPeople(ctx, op, tenant, 0, 50)
			var emails []string
			for _, u := range users {
				emails = append(emails, u.Email)
			}
			return emails, err
		}
		refused := func(when string) {
			t.Helper()
			if got, err := list(beta); !reportline.IsCode(err, reportline.Forbidden) || len(got) != 0 {
				t.Errorf("%s: the operator listed %v (%v); want Forbidden and nobody", when, got, err)
			}
		}
		refused("before any grant")

		if _, err := a.GrantOperatorAccess(betaCtx, app.UserActor(emp, reportline.SourceAPI), 4); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a member granted the operator access: %v, want Forbidden", err)
		}
		for _, hours := range []int{0, 73, -1} {
			if _, err := a.GrantOperatorAccess(betaCtx, admin, hours); !reportline.IsCode(err, reportline.Invalid) || !strings.Contains(err.Error(), "1 to 72") {
				t.Errorf("%d hours: %v, want Invalid naming 1 to 72", hours, err)
			}
		}
		refused("after refused grants")

		g, err := a.GrantOperatorAccess(betaCtx, admin, 2)
		if err != nil || !g.Until.Equal(env.Now.Now().Add(2*time.Hour).Truncate(time.Second)) || g.By != "pa@b.example" {
			t.Fatalf("grant: %+v %v; want two hours from now, by pa@b.example", g, err)
		}
		if got, err := a.OperatorGrant(betaCtx, admin); err != nil || !got.Until.Equal(g.Until) {
			t.Errorf("the grant as the admin sees it: %+v %v", got, err)
		}
		got, err := list(beta)
		if err != nil || strings.Join(got, ",") != "pa@b.example,emp@b.example" {
			t.Errorf("while granted: %v %v; want beta's two people", got, err)
		}
		if got, err := list(reportline.ImplicitTenant); !reportline.IsCode(err, reportline.Forbidden) || len(got) != 0 {
			t.Errorf("another tenant while beta's grant runs: %v %v; want Forbidden", got, err)
		}

		env.Now.Advance(2*time.Hour + time.Second)
		refused("after the grant ended")
		if got, err := a.OperatorGrant(betaCtx, admin); err != nil || !got.Until.IsZero() {
			t.Errorf("an ended grant as the admin sees it: %+v %v; want none", got, err)
		}

		if _, err := a.GrantOperatorAccess(betaCtx, admin, 72); err != nil {
			t.Fatal(err)
		}
		if _, err := list(beta); err != nil {
			t.Errorf("after a new grant: %v", err)
		}
		if err := a.RevokeOperatorAccess(betaCtx, admin); err != nil {
			t.Fatal(err)
		}
		refused("after the revocation")

		changes, err := a.Changes(betaCtx, admin, reportline.ChangeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range changes {
			if c.What == "operator access" && c.Action == "tenant.operator_grant" && c.ActorID == pa.ID {
				n++
			}
		}
		if n != 3 {
			t.Errorf("%d operator access entries in beta's change log, want 3 (grant, grant, revoke)", n)
		}
		log, err := env.DB.OperatorLog(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			if e.Tenant == beta && strings.HasPrefix(e.Action, "operator.") {
				actions = append(actions, e.Action+" "+e.Actor)
			}
		}
		want := "operator.grant tenant:pa@b.example,operator.people.read operator:ops@example.com,operator.grant tenant:pa@b.example," +
			"operator.people.read operator:ops@example.com,operator.revoke tenant:pa@b.example"
		if strings.Join(actions, ",") != want {
			t.Errorf("operator log of beta:\n%s\nwant\n%s", strings.Join(actions, ","), want)
		}
	})
}
