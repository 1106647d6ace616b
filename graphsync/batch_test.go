package graphsync_test

import (
	"testing"

	"reportline"
	"reportline/graphsync"
)

func TestUserMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   graphsync.User
		want reportline.DirectoryUser
	}{
		{"mail wins over the UPN",
			graphsync.User{ID: "a", Mail: "Adele.Vance@contoso.com", UserPrincipalName: "adelev@contoso.onmicrosoft.com", GivenName: "Adele", Surname: "Vance", JobTitle: "Retail Manager", Department: "Retail", AccountEnabled: true, ManagerID: "m"},
			reportline.DirectoryUser{ExternalID: "a", Email: "Adele.Vance@contoso.com", FirstName: "Adele", LastName: "Vance", Position: "Retail Manager", OrgUnit: "Retail", Active: true, ManagerExternalID: "m"}},
		{"no mail: the UPN, an address",
			graphsync.User{ID: "b", UserPrincipalName: "bianca@contoso.com", AccountEnabled: true},
			reportline.DirectoryUser{ExternalID: "b", Email: "bianca@contoso.com", Active: true}},
		{"a guest's UPN is not an address people read",
			graphsync.User{ID: "c", UserPrincipalName: "carl_fabrikam.com#EXT#@contoso.onmicrosoft.com"},
			reportline.DirectoryUser{ExternalID: "c"}},
		{"a UPN that is no address",
			graphsync.User{ID: "d", UserPrincipalName: "not an address"},
			reportline.DirectoryUser{ExternalID: "d"}},
		{"disabled account",
			graphsync.User{ID: "e", Mail: "e@contoso.com", AccountEnabled: false},
			reportline.DirectoryUser{ExternalID: "e", Email: "e@contoso.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Directory(); got != tt.want {
				t.Errorf("Directory() = %+v\n want %+v", got, tt.want)
			}
		})
	}
	b := graphsync.Round{Users: []graphsync.User{tests[0].in}, Removed: []string{"x"}, Full: false}.Batch()
	if b.Source != reportline.SourceGraph || b.Full || len(b.Users) != 1 || b.Removed[0] != "x" {
		t.Errorf("Batch() = %+v", b)
	}
}

// Guests (B2B) are not the company's people: left out of a batch unless
// asked for; a member who became a guest in a delta is removed.
func TestBatchLeavesGuestsOut(t *testing.T) {
	t.Parallel()
	member := graphsync.User{ID: "m", Mail: "m@contoso.com", AccountEnabled: true, UserType: "Member"}
	guest := graphsync.User{ID: "g", Mail: "g@fabrikam.com", AccountEnabled: true, UserType: "guest"}
	full := graphsync.Round{Users: []graphsync.User{member, guest}, Full: true}
	if b := full.Batch(); len(b.Users) != 1 || b.Users[0].ExternalID != "m" || len(b.Removed) != 0 {
		t.Errorf("full batch = %+v, want the member only", b)
	}
	if b := full.BatchWith(graphsync.BatchOptions{IncludeGuests: true}); len(b.Users) != 2 {
		t.Errorf("with guests = %+v, want both", b)
	}
	delta := graphsync.Round{Users: []graphsync.User{guest}, Removed: []string{"x"}}
	if b := delta.Batch(); len(b.Users) != 0 || len(b.Removed) != 2 || b.Removed[1] != "g" {
		t.Errorf("delta batch = %+v, want the guest removed", b)
	}
	if len(delta.Removed) != 1 {
		t.Errorf("Batch changed the round's Removed: %v", delta.Removed)
	}
}

// Room and equipment mailboxes, shared and service accounts are users to
// Graph: the names an admin excludes are left out like guests, any case,
// matched on the UPN or the mail; one excluded after it was synced is
// removed by the next delta.
func TestBatchLeavesExcludedNamesOut(t *testing.T) {
	t.Parallel()
	opt := graphsync.BatchOptions{Exclude: []string{"room-*@contoso.com", "svc.*"}}
	person := graphsync.User{ID: "p", Mail: "ada@contoso.com", UserPrincipalName: "ada@contoso.com", AccountEnabled: true}
	room := graphsync.User{ID: "r", Mail: "Room-Everest@Contoso.com", UserPrincipalName: "everest@contoso.onmicrosoft.com"}
	service := graphsync.User{ID: "s", UserPrincipalName: "svc.backup@contoso.com", AccountEnabled: true}
	nearMiss := graphsync.User{ID: "n", Mail: "roomba-fan@contoso.com", AccountEnabled: true}
	full := graphsync.Round{Users: []graphsync.User{person, room, service, nearMiss}, Full: true}
	b := full.BatchWith(opt)
	var kept []string
	for _, u := range b.Users {
		kept = append(kept, u.ExternalID)
	}
	if len(kept) != 2 || kept[0] != "p" || kept[1] != "n" || len(b.Removed) != 0 {
		t.Errorf("full batch keeps %v removes %v, want p and n, nothing removed", kept, b.Removed)
	}
	if b := (graphsync.Round{Users: []graphsync.User{room}}).BatchWith(opt); len(b.Users) != 0 || len(b.Removed) != 1 || b.Removed[0] != "r" {
		t.Errorf("delta batch = %+v, want the room removed", b)
	}
}
