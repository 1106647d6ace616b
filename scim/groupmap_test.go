package scim_test

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/scim"
	"reportline/store"
)

// A platform admin maps the IdP's group onto a group made in Reportline:
// Entra's lookup by displayName finds it, its pushes (PATCH, a POST of the
// same group) land there instead of in a duplicate, the Reportline name,
// admins and hand-made members stay. The hostile cases first: a group admin
// may not map (even their own group), a group stands for one directory
// group, a directory group for one group; an unmapped group is the client's
// no more and its next push makes a new group.
func TestMapDirectoryGroupOntoExistingGroup(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		var ids []string
		for i, e := range []string{"ann@example.com", "bob@example.com", "cat@example.com", "dan@example.com"} {
			ids = append(ids, f.call(t, "POST", "/scim/v2/Users", entraCreate("m"+strconv.Itoa(i), e, e, "")).want(t, 201).str("id"))
		}
		ann, bob, cat, dan := ids[0], ids[1], ids[2], ids[3]
		sales, err := f.env.App.CreateGroup(ctx, sys, "Sales France", 0)
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.env.App.CreateGroup(ctx, sys, "Marketing", 0)
		if err != nil {
			t.Fatal(err)
		}
		// By hand: cat administers Sales France, dan is a plain member.
		for _, m := range []reportline.Membership{{GroupID: sales.ID, UserID: reportline.UserID(atoi(cat)), Role: reportline.AdminRole},
			{GroupID: sales.ID, UserID: reportline.UserID(atoi(dan)), Role: reportline.MemberRole}} {
			if err := f.env.App.SetMember(ctx, sys, m); err != nil {
				t.Fatal(err)
			}
		}
		admin := app.Actor{User: adminOf(t, f), Source: reportline.SourceAPI}
		catUser, err := f.env.App.GetUser(ctx, sys, reportline.UserID(atoi(cat)))
		if err != nil {
			t.Fatal(err)
		}
		groupAdmin := app.Actor{User: catUser, Source: reportline.SourceAPI}

		// Hostile: the group's own admin, the client, anyone but a
		// platform admin (or the operator's CLI) is refused.
		for _, actor := range []app.Actor{groupAdmin, app.SCIMActor()} {
			if _, err := f.env.App.MapSCIMGroup(ctx, actor, sales.ID, "g-sales", "SG-Sales-FR"); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("MapSCIMGroup as %+v: %v, want Forbidden", actor, err)
			}
			if _, err := f.env.App.ListSCIMGroups(ctx, actor); !reportline.IsCode(err, reportline.Forbidden) {
				t.Errorf("ListSCIMGroups as %+v: %v, want Forbidden", actor, err)
			}
		}
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, sales.ID, " ", ""); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("a mapping naming no directory group: %v, want Invalid", err)
		}
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, 999999, "g-x", ""); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("mapping a group that does not exist: %v, want NotFound", err)
		}
		// Nothing was mapped by the refusals: the client sees no group.
		if n := f.call(t, "GET", "/scim/v2/Groups", "").want(t, 200).str("totalResults"); n != "0" {
			t.Fatalf("after refused mappings the client sees %s groups", n)
		}

		m, err := f.env.App.MapSCIMGroup(ctx, admin, sales.ID, "", "SG-Sales-FR")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Mapped() || m.MappedBy != admin.User.ID {
			t.Errorf("mapping = %+v, want mapped by the admin", m)
		}
		// Two directory groups onto one group: refused.
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, sales.ID, "g-other", "SG-Other"); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("a second directory group onto Sales France: %v, want Conflict", err)
		}
		// One directory group onto two groups: refused, in any case.
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, other.ID, "", "sg-sales-fr"); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("SG-Sales-FR onto Marketing too: %v, want Conflict", err)
		}

		// Entra looks the group up by displayName: it finds Sales France,
		// under the IdP's name, with no members of the client's yet.
		gid := strconv.FormatInt(int64(sales.ID), 10)
		found := f.call(t, "GET", `/scim/v2/Groups?filter=displayName+eq+%22SG-Sales-FR%22`, "").want(t, 200)
		if found.str("totalResults") != "1" || found.str("Resources.0.id") != gid || found.str("Resources.0.displayName") != "SG-Sales-FR" || len(memberValues(response{body: found.body["Resources"].([]any)[0].(map[string]any)})) != 0 {
			t.Fatalf("Entra's lookup of the mapped group: %s", found.raw)
		}
		// Its PATCH lands there; the admin cat is left as she is.
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Add","path":"members","value":[{"value":"`+ann+`"},{"value":"`+cat+`"}]},
			{"op":"Replace","path":"externalId","value":"g-sales"}]}`).want(t, 200)
		r := roles(t, f, int64(sales.ID))
		if r[atoi(ann)] != reportline.MemberRole || r[atoi(cat)] != reportline.AdminRole || r[atoi(dan)] != reportline.MemberRole {
			t.Fatalf("after the push: %v; want ann a member, cat still admin, dan kept", r)
		}
		// A PUT renaming it on the IdP's side does not rename the group.
		put := f.call(t, "PUT", "/scim/v2/Groups/"+gid, `{"schemas":["`+scim.GroupSchema+`"],"displayName":"SG-Sales-France","members":[{"value":"`+ann+`"},{"value":"`+bob+`"}]}`).want(t, 200)
		if put.str("displayName") != "SG-Sales-France" || put.str("externalId") != "g-sales" || !slices.Equal(memberValues(put), sortedIDs(ann, bob)) {
			t.Errorf("after the IdP's PUT: %s; want its name shown, the externalId kept, ann and bob", put.raw)
		}
		all, err := f.env.App.ListGroups(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		if i := slices.IndexFunc(all, func(g app.GroupView) bool { return g.ID == sales.ID }); i < 0 || all[i].Name != "Sales France" {
			t.Errorf("the Reportline group after the IdP's rename: %+v; want it still named Sales France", all)
		}
		// Okta's POST of the same group (its externalId) lands there too,
		// not in a duplicate.
		post := f.call(t, "POST", "/scim/v2/Groups", `{"schemas":["`+scim.GroupSchema+`"],"displayName":"SG-Sales-France","externalId":"g-sales","members":[{"value":"`+bob+`"}]}`).want(t, 201)
		if post.str("id") != gid {
			t.Errorf("a POST of the mapped directory group made group %s, want it to land in %s", post.str("id"), gid)
		}
		// Another directory group of the same name, with its own
		// externalId, does not: the mapping holds an externalId now.
		dup := f.call(t, "POST", "/scim/v2/Groups", `{"schemas":["`+scim.GroupSchema+`"],"displayName":"SG-Sales-France","externalId":"g-imposter","members":[{"value":"`+dan+`"}]}`).want(t, 201)
		if dup.str("id") == gid {
			t.Errorf("a different directory group (another externalId) landed in the mapped group")
		}
		r = roles(t, f, int64(sales.ID))
		if _, ok := r[atoi(ann)]; ok || r[atoi(bob)] != reportline.MemberRole || r[atoi(cat)] != reportline.AdminRole || r[atoi(dan)] != reportline.MemberRole {
			t.Errorf("after the POST: %v; want bob (the POST's members), cat admin and dan by hand", r)
		}
		groups, err := f.env.App.ListGroups(ctx, sys)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(groups); n != 3 {
			t.Errorf("%d groups, want 3 (Sales France, Marketing, the imposter's): the mapped group's pushes made none", n)
		}

		// The mapping is in the change log, by the admin.
		changes, err := f.env.App.Changes(ctx, sys, reportline.ChangeFilter{ActorID: admin.User.ID, Action: "directory.group_map"})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].GroupID != sales.ID {
			t.Errorf("change log of the mapping: %+v", changes)
		}

		// Unmapping: the client no longer sees the group, every membership
		// stays, and the next push of that directory group makes a new one.
		if err := f.env.App.UnmapSCIMGroup(ctx, groupAdmin, sales.ID); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("UnmapSCIMGroup by the group's admin: %v, want Forbidden", err)
		}
		if err := f.env.App.UnmapSCIMGroup(ctx, admin, other.ID); !reportline.IsCode(err, reportline.NotFound) {
			t.Errorf("unmapping a group no client manages: %v, want NotFound", err)
		}
		if err := f.env.App.UnmapSCIMGroup(ctx, admin, sales.ID); err != nil {
			t.Fatal(err)
		}
		f.call(t, "GET", "/scim/v2/Groups/"+gid, "").want(t, 404)
		f.call(t, "PATCH", "/scim/v2/Groups/"+gid, `{`+patchOp+`,"Operations":[{"op":"Remove","path":"members[value eq \"`+bob+`\"]"}]}`).want(t, 404)
		if r := roles(t, f, int64(sales.ID)); r[atoi(bob)] != reportline.MemberRole || len(r) != 3 {
			t.Errorf("after unmapping: %v; want bob, cat and dan kept", r)
		}
		again := f.call(t, "POST", "/scim/v2/Groups", `{"schemas":["`+scim.GroupSchema+`"],"displayName":"SG-Sales-France","externalId":"g-sales"}`).want(t, 201)
		if again.str("id") == gid {
			t.Errorf("a push after unmapping landed in the formerly mapped group")
		}
		// The freed directory group can be mapped again, onto Marketing,
		// once the duplicate the IdP just made is unmapped.
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, other.ID, "g-sales", ""); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("mapping g-sales while the IdP's new group has it: %v, want Conflict", err)
		}
		if err := f.env.App.UnmapSCIMGroup(ctx, admin, reportline.GroupID(atoi(again.str("id")))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.env.App.MapSCIMGroup(ctx, admin, other.ID, "g-sales", ""); err != nil {
			t.Errorf("mapping g-sales onto Marketing once free: %v", err)
		}
		list, err := f.env.App.ListSCIMGroups(ctx, admin)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || !slices.ContainsFunc(list, func(g reportline.SCIMGroup) bool { return g.ID == other.ID && g.Mapped() && g.ExternalID == "g-sales" }) {
			t.Errorf("SCIM groups now = %+v; want the imposter's (created) and Marketing (mapped to g-sales)", list)
		}
	})
}

// The client's own DELETE of a mapped group ends the mapping like any SCIM
// group's: the memberships it made go, the group stays with its name and
// what was given by hand, and its next POST makes a new group.
func TestClientDeletesAMappedGroup(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		ctx := context.Background()
		ann := f.call(t, "POST", "/scim/v2/Users", entraCreate("d1", "ann@example.com", "ann@example.com", "")).want(t, 201).str("id")
		bob := f.call(t, "POST", "/scim/v2/Users", entraCreate("d2", "bob@example.com", "bob@example.com", "")).want(t, 201).str("id")
		g, err := f.env.App.CreateGroup(ctx, sys, "Finance", 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.env.App.SetMember(ctx, sys, reportline.Membership{GroupID: g.ID, UserID: reportline.UserID(atoi(bob)), Role: reportline.MemberRole}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.env.App.MapSCIMGroup(ctx, sys, g.ID, "g-fin", ""); err != nil {
			t.Fatal(err)
		}
		gid := strconv.FormatInt(int64(g.ID), 10)
		post := f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"SG-Finance","externalId":"g-fin","members":[{"value":"`+ann+`"}]}`).want(t, 201)
		if post.str("id") != gid || post.str("displayName") != "SG-Finance" {
			t.Fatalf("POST of the mapped group: %s", post.raw)
		}
		f.call(t, "DELETE", "/scim/v2/Groups/"+gid, "").want(t, 204)
		f.call(t, "GET", "/scim/v2/Groups/"+gid, "").want(t, 404)
		if r := roles(t, f, int64(g.ID)); len(r) != 1 || r[atoi(bob)] != reportline.MemberRole {
			t.Errorf("after the client's DELETE: %v; want bob (by hand) only", r)
		}
		if again := f.call(t, "POST", "/scim/v2/Groups", `{"displayName":"SG-Finance","externalId":"g-fin"}`).want(t, 201); again.str("id") == gid {
			t.Errorf("a POST after the client's DELETE landed in the formerly mapped group")
		}
	})
}

func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// A resource named in another case (/users, as Microsoft's validator asks)
// is that resource; a name that only starts like one is not.
func TestResourceNamesInAnyCase(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newFixture(t, engine)
		id := f.call(t, "POST", "/scim/v2/users", entraCreate("c1", "case@example.com", "case@example.com", "")).want(t, 201).str("id")
		if got := f.call(t, "GET", "/scim/v2/USERS/"+id, "").want(t, 200).str("userName"); got != "case@example.com" {
			t.Errorf("GET /USERS/{id}: userName %q", got)
		}
		if n := f.call(t, "GET", "/scim/v2/users?filter=userName+eq+%22case@example.com%22", "").want(t, 200).str("totalResults"); n != "1" {
			t.Errorf("GET /users with a filter: %s results", n)
		}
		f.call(t, "GET", "/scim/v2/serviceproviderconfig", "").want(t, 200)
		f.call(t, "POST", "/scim/v2/groups", `{"displayName":"Lower"}`).want(t, 201)
		f.call(t, "GET", "/scim/v2/Userss", "").want(t, 404)
		f.call(t, "GET", "/scim/v2/users", "", "Authorization", "Bearer nope").want(t, 401)
	})
}
