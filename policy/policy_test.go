package policy

import (
	"strings"
	"testing"

	"reportline"
)

// The organisation of the table: Engineering (1) with a team (2) below it,
// and Sales (3). Expected decisions are written by hand from the rules in
// docs/policy.md, never computed by the code under test.
var (
	tree = reportline.NewGroupTree([]reportline.Group{{ID: 1, Name: "Engineering"}, {ID: 2, ParentID: 1, Name: "Team"}, {ID: 3, Name: "Sales"}})

	paUser = reportline.User{ID: 1, Status: reportline.StatusActive, PlatformRole: reportline.PlatformAdminRole}
	grace  = reportline.User{ID: 2, Status: reportline.StatusActive} // admin of Engineering
	ada    = reportline.User{ID: 3, Status: reportline.StatusActive} // user admin of Sales
	ua2    = reportline.User{ID: 4, Status: reportline.StatusActive} // user admin of Engineering
	plain  = reportline.User{ID: 5, Status: reportline.StatusActive}
	gone   = reportline.User{ID: 6, Status: reportline.StatusInactive, PlatformRole: reportline.PlatformAdminRole}

	pa        = Actor{User: paUser}
	graceA    = Actor{User: grace, Tree: tree, Memberships: []reportline.Membership{{GroupID: 1, UserID: 2, Role: reportline.AdminRole}}}
	adaA      = Actor{User: ada, Tree: tree, Memberships: []reportline.Membership{{GroupID: 3, UserID: 3, Role: reportline.UserAdminRole}}}
	ua2A      = Actor{User: ua2, Tree: tree, Memberships: []reportline.Membership{{GroupID: 1, UserID: 4, Role: reportline.UserAdminRole}}}
	plainA    = Actor{User: plain, Tree: tree, Memberships: []reportline.Membership{{GroupID: 2, UserID: 5, Role: reportline.MemberRole}}}
	inactiveA = Actor{User: gone}
	scim      = Actor{SCIM: true}
)

func member(id reportline.UserID, g reportline.GroupID, role reportline.GroupRole) *Person {
	return &Person{User: reportline.User{ID: id, Status: reportline.StatusActive}, Memberships: []reportline.Membership{{GroupID: g, UserID: id, Role: role}}}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	engMember := member(10, 2, reportline.MemberRole)   // in Engineering's team
	salesMember := member(11, 3, reportline.MemberRole) // in Sales
	engUA := member(4, 1, reportline.UserAdminRole)     // ua2, as a target
	engAdmin := member(12, 1, reportline.AdminRole)     // another Engineering admin
	salesAdminInEng := &Person{User: reportline.User{ID: 13, Status: reportline.StatusActive}, Memberships: []reportline.Membership{
		{GroupID: 1, UserID: 13, Role: reportline.MemberRole}, {GroupID: 3, UserID: 13, Role: reportline.AdminRole}}}
	noGroup := &Person{User: reportline.User{ID: 14, Status: reportline.StatusActive}}
	mine := &Person{User: reportline.User{ID: 15, Status: reportline.StatusActive}, CreatedByActor: true}
	managed := &Person{User: reportline.User{ID: 16, Status: reportline.StatusActive}, Managed: true}
	platformAdmin := &Person{User: paUser}
	graceSelf := member(2, 1, reportline.AdminRole)

	tests := []struct {
		name   string
		actor  Actor
		action Action
		target Target
		want   bool
	}{
		{"unknown action refused even to the platform admin", pa, Action("nope"), Target{}, false},
		{"the service may do anything", Actor{System: true}, ChangeSettings, Target{}, true},
		{"an operator runs tenants", Actor{Operator: true}, OperateTenants, Target{}, true},
		{"the CLI runs tenants", Actor{System: true}, OperateTenants, Target{}, true},
		{"an operator sees nobody inside a tenant", Actor{Operator: true}, ReadUser, Target{User: engMember}, false},
		{"an operator changes no tenant's settings", Actor{Operator: true}, ChangeSettings, Target{}, false},
		{"a platform admin does not run tenants", pa, OperateTenants, Target{}, false},
		{"an inactive platform admin gets nothing", inactiveA, ChangeSettings, Target{}, false},

		{"a person signs in to their own account", plainA, SignIn, Target{User: &Person{User: plain}}, true},
		{"nobody signs in as someone else, not even a platform admin", pa, SignIn, Target{User: engMember}, false},
		{"a deactivated account does not sign in", inactiveA, SignIn, Target{User: &Person{User: gone}}, false},
		{"a member sees and ends their own sessions", plainA, EndSessions, Target{User: &Person{User: plain}}, true},
		{"a group admin ends her member's sessions", graceA, EndSessions, Target{User: engMember}, true},
		{"a group admin does not end a Sales member's sessions", graceA, EndSessions, Target{User: salesMember}, false},
		{"a platform admin ends anyone's sessions", pa, EndSessions, Target{User: engMember}, true},
		{"an inactive platform admin ends nobody's sessions", inactiveA, EndSessions, Target{User: engMember}, false},

		{"a manager marks his own absence", plainA, SetAbsence, Target{User: &Person{User: plain}}, true},
		{"a group admin marks her member's absence", graceA, SetAbsence, Target{User: engMember}, true},
		{"a group admin does not mark a Sales member's absence", graceA, SetAbsence, Target{User: salesMember}, false},
		{"a manager does not mark his managee's absence", plainA, SetAbsence, Target{User: managed}, false},
		{"an absence names its manager", pa, SetAbsence, Target{}, false},

		{"group admin reads her member", graceA, ReadUser, Target{User: engMember}, true},
		{"group admin does not read a Sales member", graceA, ReadUser, Target{User: salesMember}, false},
		{"a manager reads his managee", plainA, ReadUser, Target{User: managed}, true},
		{"a plain user reads herself", plainA, ReadUser, Target{User: &Person{User: plain}}, true},
		{"a plain user does not read others", plainA, ReadUser, Target{User: engMember}, false},

		// Issue 10, case 1: membership changes are scoped by who is added.
		{"group admin adds her member to a subgroup", graceA, ChangeMember, Target{User: engMember, Group: 2, Role: reportline.MemberRole}, true},
		{"group admin may not bring a Sales member in", graceA, ChangeMember, Target{User: salesMember, Group: 2, Role: reportline.MemberRole}, false},
		{"user admin may not bring a group admin of another group in", adaA, ChangeMember, Target{User: engAdmin, Group: 3, Role: reportline.MemberRole}, false},
		{"group admin adds an account she created that has no group", graceA, ChangeMember, Target{User: mine, Group: 1, Role: reportline.MemberRole}, true},
		{"group admin may not adopt someone else's group-less account", graceA, ChangeMember, Target{User: noGroup, Group: 1, Role: reportline.MemberRole}, false},
		// Issue 10, case 6: nobody changes an equal or higher role.
		{"user admin may not demote a group admin of her group", ua2A, ChangeMember, Target{User: engAdmin, Group: 1, Role: reportline.MemberRole}, false},
		{"user admin may not remove a group admin of her group", ua2A, ChangeMember, Target{User: engAdmin, Group: 1}, false},
		{"group admin may not demote another group admin", graceA, ChangeMember, Target{User: engAdmin, Group: 1, Role: reportline.MemberRole}, false},
		{"group admin demotes a user admin", graceA, ChangeMember, Target{User: engUA, Group: 1, Role: reportline.MemberRole}, true},
		{"group admin may not make a group admin", graceA, ChangeMember, Target{User: engMember, Group: 1, Role: reportline.AdminRole}, false},
		{"group admin makes a user admin", graceA, ChangeMember, Target{User: engMember, Group: 1, Role: reportline.UserAdminRole}, true},
		{"user admin grants member only", ua2A, ChangeMember, Target{User: engMember, Group: 1, Role: reportline.UserAdminRole}, false},
		{"group admin may not touch a Sales admin who is her member", graceA, ChangeMember, Target{User: salesAdminInEng, Group: 1}, false},
		{"nobody changes their own membership", graceA, ChangeMember, Target{User: graceSelf, Group: 2, Role: reportline.MemberRole}, false},
		{"platform admin makes a group admin", pa, ChangeMember, Target{User: salesMember, Group: 1, Role: reportline.AdminRole}, true},
		{"group admin may not add a platform admin", graceA, ChangeMember, Target{User: platformAdmin, Group: 1, Role: reportline.MemberRole}, false},

		{"user admin edits her member", ua2A, EditUser, Target{User: engMember}, true},
		{"user admin may not deactivate a group admin", adaA, EditUser, Target{User: salesAdminInEng, Deactivating: true}, false},
		{"group admin may not edit a platform admin", graceA, EditUser, Target{User: platformAdmin}, false},
		{"platform admin edits a platform admin", pa, EditUser, Target{User: platformAdmin}, true},
		{"nobody deactivates themself", pa, EditUser, Target{User: &Person{User: paUser}, Deactivating: true}, false},
		{"a platform admin erases a member", pa, EraseUser, Target{User: salesMember}, true},
		{"a platform admin erases another platform admin", pa, EraseUser, Target{User: &Person{User: reportline.User{ID: 99, Status: reportline.StatusActive, PlatformRole: reportline.PlatformAdminRole}}}, true},
		{"nobody erases themself", pa, EraseUser, Target{User: &Person{User: paUser}}, false},
		{"a group admin does not erase their member", graceA, EraseUser, Target{User: engMember}, false},
		{"a user admin does not erase", adaA, EraseUser, Target{User: salesMember}, false},
		{"a member does not erase", plainA, EraseUser, Target{User: engMember}, false},
		{"the operator's CLI erases", Actor{System: true}, EraseUser, Target{User: salesMember}, true},
		{"a provisioning client does not erase", scim, EraseUser, Target{User: salesMember}, false},
		{"everyone changes their own name", plainA, EditUser, Target{User: &Person{User: plain}, Personal: true}, true},
		{"a plain user may not change their own email", plainA, EditUser, Target{User: &Person{User: plain}}, false},
		// Issue 10, case 2: in the positions mode org fields make managers.
		{"group admin may not move anyone's unit in positions mode", graceA, EditUserOrg, Target{User: engMember, Mode: reportline.AssignByPositions}, false},
		{"group admin may not move her own unit in positions mode", graceA, EditUserOrg, Target{User: graceSelf, Mode: reportline.AssignByPositions}, false},
		{"group admin moves her member's unit in import mode", graceA, EditUserOrg, Target{User: engMember, Mode: reportline.AssignByImport}, true},
		{"platform admin moves units in positions mode", pa, EditUserOrg, Target{User: engMember, Mode: reportline.AssignByPositions}, true},

		{"group admin links two of her members", graceA, ChangeLink, Target{Manager: engMember, Managee: engUA}, true},
		{"group admin may not link across groups", graceA, ChangeLink, Target{Manager: engMember, Managee: salesMember}, false},
		{"a plain user may not link", plainA, ChangeLink, Target{}, false},

		{"statistics follow the access check: granted", plainA, ReadStatistics, Target{Granted: true}, true},
		{"statistics follow the access check: refused", graceA, ReadStatistics, Target{Granted: false}, false},
		// Issue 10, case 7.
		{"a plain user may not read the statistics scopes", plainA, ReadSettings, Target{}, false},
		{"a group admin may not read the settings", graceA, ReadSettings, Target{}, false},
		{"platform admin reads the settings", pa, ReadSettings, Target{}, true},

		{"a user asks about themself", plainA, AskAccess, Target{User: &Person{User: plain}}, true},
		{"a user may not ask about another subject", plainA, AskAccess, Target{User: engMember}, false},
		{"an admin asks about her member", graceA, AskAccess, Target{User: engMember}, true},

		{"user admin reads the audit of her member", ua2A, ReadAudit, Target{User: engMember}, true},
		{"user admin may not read the whole audit", ua2A, ReadAudit, Target{}, false},
		{"user admin may not create groups", ua2A, CreateGroup, Target{Group: 1}, false},
		{"group admin creates a subgroup", graceA, CreateGroup, Target{Group: 1}, true},
		{"user admin may not create a platform admin", ua2A, CreateUser, Target{Group: 1, User: platformAdmin}, false},
		{"user admin creates into her group", ua2A, CreateUser, Target{Group: 2, User: engMember}, true},
		{"user admin may not create into Sales", ua2A, CreateUser, Target{Group: 3, User: salesMember}, false},

		{"a user creates her own token", plainA, CreateToken, Target{User: &Person{User: plain}}, true},
		{"a platform admin may not create a token for someone else", pa, CreateToken, Target{User: engMember}, false},
		{"a user lists her own tokens", plainA, ManageTokens, Target{User: &Person{User: plain}}, true},
		{"a group admin may not list her member's tokens", graceA, ManageTokens, Target{User: engMember}, false},
		{"a platform admin revokes anyone's token", pa, ManageTokens, Target{User: engMember}, true},
		{"a platform admin lists everybody's tokens", pa, ManageTokens, Target{}, true},
		{"a plain user may not list everybody's tokens", plainA, ManageTokens, Target{}, false},
		{"a user sets her own password", plainA, ManageOwnAccount, Target{User: &Person{User: plain}}, true},
		{"a group admin may not set her member's password", graceA, ManageOwnAccount, Target{User: engMember}, false},
		{"the decision point answers platform admins' tokens", pa, UseDecisionPoint, Target{}, true},
		{"the decision point refuses a group admin", graceA, UseDecisionPoint, Target{}, false},
		{"a user admin imports users", ua2A, ImportUsers, Target{}, true},
		{"a plain user may not import users", plainA, ImportUsers, Target{}, false},

		// Issue 10, case 3: directories and platform admins.
		{"SCIM provisions a member", scim, ProvisionUser, Target{User: engMember}, true},
		{"SCIM may not change a platform admin", scim, ProvisionUser, Target{User: platformAdmin}, false},
		{"SCIM changes a platform admin when the operator allows it", scim, ProvisionUser, Target{User: platformAdmin, PlatformAdminsWritable: true}, true},
		{"SCIM may not read settings", scim, ReadSettings, Target{}, false},
		{"a platform admin is not a SCIM client", pa, ProvisionUser, Target{User: engMember}, false},
		{"LDAP sync skips a platform admin", pa, DirectoryWriteUser, Target{User: platformAdmin}, false},
		{"a group admin may not sync", graceA, DirectoryWriteUser, Target{User: engMember}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(tt.actor, tt.action, tt.target)
			if d.Allowed != tt.want {
				t.Errorf("Decide(%s) = %v (%s), want %v", tt.action, d.Allowed, d.Reason, tt.want)
			}
			if d.Reason == "" {
				t.Errorf("Decide(%s) gave no reason", tt.action)
			}
		})
	}
}

// TestReasonsNameNobody checks that no reason carries a person's address:
// reasons are rules, never facts about someone the caller may not see.
func TestReasonsNameNobody(t *testing.T) {
	t.Parallel()
	secret := &Person{User: reportline.User{ID: 99, Email: "hidden@example.com", ExternalUID: "E99", FirstName: "Hidden", Status: reportline.StatusActive},
		Memberships: []reportline.Membership{{GroupID: 3, UserID: 99, Role: reportline.AdminRole}}}
	for _, row := range Rows() {
		for _, a := range []Actor{pa, graceA, adaA, ua2A, plainA, inactiveA, scim} {
			d := Decide(a, row.Action, Target{User: secret, Manager: secret, Managee: secret, Group: 3})
			for _, s := range []string{"hidden@example.com", "E99", "Hidden"} {
				if strings.Contains(d.Reason, s) {
					t.Errorf("%s: reason %q names %s", row.Action, d.Reason, s)
				}
			}
		}
	}
}

func TestEveryRowHasWords(t *testing.T) {
	t.Parallel()
	for _, r := range Rows() {
		if r.Who == "" || !strings.Contains(string(r.Action), ".") {
			t.Errorf("row %q: want a dotted action name and a sentence", r.Action)
		}
	}
}
