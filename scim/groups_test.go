package scim_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/provisioning"
	"reportline/scim"
	"reportline/store"
)

// roles returns each member's role in the group, as Reportline has it.
func roles(t *testing.T, f *fixture, group int64) map[int64]reportline.GroupRole {
	t.Helper()
	ms, err := f.env.App.ListMembers(context.Background(), sys, reportline.GroupID(group))
	if err != nil {
		t.Fatal(err)
	}
	out := map[int64]reportline.GroupRole{}
	for _, m := range ms {
		out[int64(m.UserID)] = m.Role
	}
	return out
}

func memberValues(r response) []string {
	var out []string
	list, _ := r.body["members"].([]any)
	for _, m := range list {
		out = append(out, m.(map[string]any)["value"].(string))
	}
	slices.Sort(out)
	return out
}

// A group's life as Entra and Okta drive it: create with a member, find it
// by displayName, add members, remove one with Entra's filtered path,
// replace, delete. SCIM adds plain members only: a member given an admin
// role by hand is never changed nor removed, and a member added by hand is
// not the client's to remove.
func TestGroupsLifecycle(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		var ids []string
		for i, e := range []string{"ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"} {
			ids = append(ids, f.call(t, "POST", "/scim/v2/Users", entraCreate("u"+string(rune('1'+i)), e, e, "")).want(t, 201).str("id"))
		}
		ann, bob, cat, dan := ids[0], ids[1], ids[2], ids[3]

		created := f.call(t, "POST", "/scim/v2/Groups", `{"schemas":["`+scim.GroupSchema+`"],"displayName":"Sales","externalId":"g-1",
			"members":[{"value":"`+ann+`"}]}`).want(t, 201)
		gid := created.str("id")
		g := atoi(gid)
		if created.header.Get("Location") != f.url+"/scim/v2/Groups/"+gid || created.str("displayName") != "Sales" || created.str("externalId") != "g-1" ||
			!slices.Equal(memberValues(created), []string{ann}) || created.str("meta.resourceType") != "Group" {
			t.Fatalf("created: %s", created.raw)
		}
		if r := roles(t, f, g); len(r) != 1 || r[atoi(ann)] != reportline.MemberRole {
			t.Fatalf("memberships after create = %v, want ann as member", r)
		}
		groups, err := f.env.App.ListGroups(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		for _, gv := range groups {
			if int64(gv.ID) == g && gv.ParentID != 0 {
				t.Errorf("a SCIM group is made a root group, got parent %d", gv.ParentID)
			}
		}

		// By hand: cat is the group's admin, dan a plain member.
		if err := f.env.App.SetMember(ctx, sys, reportline.Membership{GroupID: reportline.GroupID(g), UserID: reportline.UserID(atoi(cat)), Role: reportline.AdminRole}); err != nil {
			t.Fatal(err)
		}
		if err := f.env.App.SetMember(ctx, sys, reportline.Membership{GroupID: reportline.GroupID(g), UserID: reportline.UserID(atoi(dan)), Role: reportline.MemberRole}); err != nil {
			t.Fatal(err)
		}

		found := f.call(t, "GET", `/scim/v2/Groups?filter=displayName+eq+%22Sales%22&excludedAttributes=members`, "").want(t, 200)
		if found.str("totalResults") != "1" || found.str("Resources.0.id") != gid || found.str("Resources.0.members") != "" {
			t.Errorf("filter displayName eq Sales, members excluded: %s", found.raw)
		}
		if n := f.call(t, "GET", `/scim/v2/Groups?filter=displayName+eq+%22Marketing%22`, "").want(t, 200).str("totalResults"); n != "0" {
			t.Errorf("filter displayName eq Marketing: %s results", n)
		}
		got := f.call(t, "GET", "/scim/v2/Groups/"+gid, "").want(t, 200)
		if !slices.Equal(memberValues(got), []string{ann}) {
			t.Errorf("members shown = %v, want only the one SCIM added (%s): hand-made memberships are not the client's", memberValues(got), ann)
		}

		// Entra's add: bob, and cat, who is an admin by hand.
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Add","path":"members","value":[{"value":"`+bob+`"},{"value":"`+cat+`"}]}]}`).want(t, 200)
		r := roles(t, f, g)
		if r[atoi(bob)] != reportline.MemberRole || r[atoi(cat)] != reportline.AdminRole {
			t.Fatalf("after add: %v; want bob member and cat still admin", r)
		}
		// Entra's remove of one member, and of the admin.
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members[value eq \"`+ann+`\"]"},
			{"op":"Remove","path":"members[value eq \"`+cat+`\"]"},{"op":"Remove","path":"members[value eq \"`+dan+`\"]"}]}`).want(t, 200)
		r = roles(t, f, g)
		if _, ok := r[atoi(ann)]; ok {
			t.Errorf("ann is still a member after Entra's remove: %v", r)
		}
		if r[atoi(cat)] != reportline.AdminRole || r[atoi(dan)] != reportline.MemberRole {
			t.Errorf("after remove: %v; the admin and the hand-made member must stay", r)
		}

		// PUT: renamed, no members.
		put := f.call(t, "PUT", "/scim/v2/Groups/"+gid, `{"schemas":["`+scim.GroupSchema+`"],"displayName":"Sales EMEA","externalId":"g-1","members":[]}`).want(t, 200)
		if put.str("displayName") != "Sales EMEA" || len(memberValues(put)) != 0 {
			t.Errorf("after PUT: %s", put.raw)
		}
		r = roles(t, f, g)
		if _, ok := r[atoi(bob)]; ok || r[atoi(cat)] != reportline.AdminRole || r[atoi(dan)] != reportline.MemberRole {
			t.Errorf("after PUT with no members: %v; want bob gone, cat admin, dan member", r)
		}

		// Every membership change is in the change log, made by scim.
		changes, err := f.env.App.Changes(ctx, sys, reportline.ChangeFilter{UserID: reportline.UserID(atoi(ann)), Action: "group.members.change"})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 2 || changes[0].Source != reportline.SourceSCIM || changes[1].Source != reportline.SourceSCIM {
			t.Errorf("ann's membership changes = %+v, want an add and a remove by scim", changes)
		}

		// DELETE: the SCIM members go (none left), the group stays with
		// what was given by hand; the client no longer sees it.
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"add","value":{"members":[{"value":"`+ann+`"}]}}]}`).want(t, 200)
		f.call(t, "DELETE", "/scim/v2/Groups/"+gid, "").want(t, 204)
		f.call(t, "GET", "/scim/v2/Groups/"+gid, "").wantError(t, 404, "", `no group has id "`+gid+`"`)
		r = roles(t, f, g)
		if len(r) != 2 || r[atoi(cat)] != reportline.AdminRole || r[atoi(dan)] != reportline.MemberRole {
			t.Errorf("after DELETE: %v; want the group kept with cat admin and dan member only", r)
		}
		if n := f.call(t, "GET", "/scim/v2/Groups", "").want(t, 200).str("totalResults"); n != "0" {
			t.Errorf("after DELETE the listing has %s groups", n)
		}
	})
}

func TestGroupsRefusals(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"X","members":[{"value":"999999"}]}`).wantError(t, 400, scim.InvalidValue, "member 999999 is not a user here")
		f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"  "}`).wantError(t, 400, scim.InvalidValue, "displayName is required")
		f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"X","members":[{"value":"1","type":"Group"}]}`).wantError(t, 400, scim.InvalidValue, "only users are members")
		gid := f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"X"}`).want(t, 201).str("id")
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"replace","path":"owner","value":"x"}]}`).wantError(t, 400, scim.InvalidPath, "not an attribute of a group")
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"remove","path":"displayName"}]}`).wantError(t, 400, scim.Mutability, "displayName is required")
		f.call(t, "GET", "/scim/v2/Groups/999999", "").wantError(t, 404, "", `no group has id "999999"`)
		f.call(t, "DELETE", "/scim/v2/Groups/abc", "").wantError(t, 404, "", `no group has id "abc"`)

		// A Reportline group SCIM did not create is not the client's.
		hand, err := f.env.App.CreateGroup(ctx, sys, "Finance", 0)
		if err != nil {
			t.Fatal(err)
		}
		f.call(t, "GET", "/scim/v2/Groups/"+strconv.FormatInt(int64(hand.ID), 10), "").want(t, 404)
		f.call(t, "DELETE", "/scim/v2/Groups/"+strconv.FormatInt(int64(hand.ID), 10), "").want(t, 404)

		// Only provisioning clients: not the system, not a platform admin.
		admin := app.Actor{User: adminOf(t, f), Source: reportline.SourceAPI}
		for _, actor := range []app.Actor{sys, admin} {
			if _, err := f.env.App.SCIMCreateGroup(ctx, actor, provisioning.GroupInput{DisplayName: "Y"}); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("SCIMCreateGroup as %+v: %v, want Forbidden", actor, err)
			}
			if err := f.env.App.SCIMDeleteGroup(ctx, actor, reportline.GroupID(atoi(gid))); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("SCIMDeleteGroup as %+v: %v, want Forbidden", actor, err)
			}
		}
	})
}
