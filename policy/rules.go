package policy

import "reportline"

// The actions of the product. Each has exactly one row in rules.
const (
	// People.
	ReadUser    Action = "user.read"     // a user's profile: names, email, status, org fields
	ListUsers   Action = "user.list"     // find and list users
	CreateUser  Action = "user.create"   // create a user in a group
	EditUser    Action = "user.edit"     // names, email, uid, birthday, locale, time zone, status
	EditUserOrg Action = "user.edit_org" // org unit and position
	EraseUser   Action = "user.erase"    // replace a person's data by a pseudonym, for good (GDPR)

	// Reporting lines.
	ReadLinks      Action = "links.read"      // a user's managers and managees
	ChangeLink     Action = "link.change"     // add, change, remove a link (previews included)
	ImportManagers Action = "managers.import" // bulk CSV: every line is then a ChangeLink
	ExportManagers Action = "managers.export"
	SetAbsence     Action = "absence.set"   // mark a manager's absence and its delegate, end it early
	DraftPlan      Action = "plans.draft"   // a planned reorganisation: draft, preview, schedule, cancel (docs/plans.md)
	ApprovePlan    Action = "plans.approve" // approve another admin's plan

	// Groups.
	CreateGroup  Action = "group.create"
	ReadMembers  Action = "group.members.read"
	ChangeMember Action = "group.members.change" // add, change the role of, or remove a member

	// What managers get, and the records behind it.
	ReadStatistics     Action = "statistics.read"
	ReadStatisticsLog  Action = "statistics.views.read" // who looked at whose statistics
	ReadContacts       Action = "contacts.read"
	WriteLearning      Action = "learning.write"
	ReadOrphans        Action = "orphans.read"
	MessageManagers    Action = "messages.send" // template messages to the managers of a group's members
	ReadNotifications  Action = "notifications.read"
	ManageOwnAccount   Action = "self.manage" // own password, tokens, notification opt-outs, digest preview
	PreviewUserDigest  Action = "digest.preview"
	CreateToken        Action = "token.create"   // an API token, which acts as its owner
	ManageTokens       Action = "token.manage"   // list and revoke tokens
	SignIn             Action = "session.open"   // open a session (password or single sign-on), linking an SSO identity the first time
	EndSessions        Action = "session.manage" // see and end signed-in sessions
	AskAccess          Action = "access.ask"     // the access check and AuthZEN, about a subject
	ResolveUserKeys    Action = "access.resolve"
	ConfirmHeldSync    Action = "directory.confirm"     // apply a directory run held for deactivating many people
	MapDirectoryGroup  Action = "directory.group_map"   // see the groups SCIM clients manage; map an IdP group onto an existing group, or end that
	UseDecisionPoint   Action = "access.decision_point" // the AuthZEN API the LMS calls
	ImportUsers        Action = "users.import"          // users CSV and the LMS import API; each row then as user.create / user.edit
	ReadAudit          Action = "audit.read"
	ReadImport         Action = "import.read" // an import's record, progress and files
	ChangeSettings     Action = "settings.change"
	ReadSettings       Action = "settings.read" // capabilities, statistics scopes, digest settings, org structure
	ReadAssignMode     Action = "settings.assign_mode.read"
	ConfigureTenant    Action = "tenant.configure"      // the tenant's own settings: digest time zone, language, branding, sign-in providers, directory sources, mail relay (secrets write-only)
	SetTenantLimits    Action = "tenant.limits"         // the tenant's rate limits (API requests, mail): the operator's alone
	OperateTenants     Action = "tenants.operate"       // the operator page: list, create, suspend, export and delete tenants
	GrantOperator      Action = "tenant.operator_grant" // let the operator see the tenant's people for a few hours, or end that
	OperatorReadPeople Action = "tenants.people.read"   // the operator page lists a tenant's people, while the tenant's grant runs
	OperatePlatform    Action = "platform.operate"      // delivery log, digest runs, directory syncs, provisioning clients
	ManageWebhooks     Action = "webhooks.manage"       // change-event subscribers, their delivery log
	ProvisionUser      Action = "scim.write"            // a SCIM client creating, changing or deactivating a user
	DirectoryWriteUser Action = "directory.write"       // LDAP or Graph sync changing a user
	ProvisionGroups    Action = "scim.groups.write"     // a SCIM client's groups and their plain memberships
)

// rule is one row of the policy.
type rule struct {
	action Action
	who    string // the row in words, for people (docs/policy.md is generated from it)
	scim   bool   // the row is for provisioning clients (and only them)
	// operator: the row is for operators (and only them, with the service
	// itself): they act on tenants from above, never inside one.
	operator bool
	decide   func(Actor, Target) Decision
}

// Row is a row of the policy in words.
type Row struct {
	Action Action
	Who    string
}

// Rows returns the policy table in words, in order.
func Rows() []Row {
	out := make([]Row, len(rules))
	for i, r := range rules {
		out[i] = Row{r.action, r.who}
	}
	return out
}

var ruleOf = func() map[Action]rule {
	m := make(map[Action]rule, len(rules))
	for _, r := range rules {
		if _, dup := m[r.action]; dup {
			panic("policy: two rows for " + r.action)
		}
		m[r.action] = r
	}
	return m
}()

// platformOnly is the decision of the rows only platform admins hold; msg
// names the refusal in the pages' catalogues.
func platformOnly(what, msg string) func(Actor, Target) Decision {
	// Both answers are made once: these rows guard hot paths (every
	// AuthZEN request asks two of them).
	allowed := allow("platform admins may %s", what)
	refused := refuse("only platform admins may %s", what).say(msg)
	return func(a Actor, _ Target) Decision {
		if a.platformAdmin() {
			return allowed
		}
		return refused
	}
}

// readPerson is the rule for seeing a person: themself, their admins,
// their managers.
func readPerson(what, msg string) func(Actor, Target) Decision {
	return func(a Actor, t Target) Decision {
		p := t.User
		switch {
		case p == nil:
			return refuse("you may see the %s of yourself, of the people you manage and of members of groups you administrate", what).say(msg)
		case self(a, p):
			return allow("everyone may see their own %s", what)
		case a.Administers(p):
			return allow("admins may see the %s of the people they administrate", what)
		case p.Managed:
			return allow("managers may see the %s of the people they manage", what)
		}
		return refuse("you may see the %s of yourself, of the people you manage and of members of groups you administrate", what).say(msg)
	}
}

var rules = []rule{
	{action: ReadUser, who: "the user; their admins; their managers (a link in effect). It also decides who sees a person's managers and managees, team and org chart, today or as of a past date (the link history): today's links and roles decide, whatever the date", decide: readPerson("profile", "error.policy.read_profile")},
	{action: ListUsers, who: "platform admins: everyone; group and user admins: members of the groups they administrate",
		decide: func(a Actor, t Target) Decision {
			if !a.isAdmin() {
				return refuse("only platform admins, group admins and user admins may list users").say("error.policy.list_users")
			}
			if t.Group != 0 && !a.platformAdmin() && a.roleOver(t.Group) == RankMember {
				return refuse("you do not administrate this group").say("error.policy.not_group_admin")
			}
			return allow("admins may list the users they administrate")
		}},
	{action: CreateUser, who: "platform admins; group and user admins, into a group they administrate (never a platform admin)",
		decide: func(a Actor, t Target) Decision {
			if t.User != nil && t.User.User.PlatformRole == reportline.PlatformAdminRole && !a.platformAdmin() {
				return refuse("only platform admins may create platform admins").say("error.policy.create_platform_admins")
			}
			switch {
			case a.platformAdmin():
				return allow("platform admins may create users")
			case t.Group != 0 && a.roleOver(t.Group) > RankMember:
				return allow("admins may create users in the groups they administrate")
			}
			return refuse("you may only create users in a group you administrate").say("error.policy.create_users")
		}},
	{action: EditUser, who: "platform admins (the only ones who change platform admins); an admin of the user whose role over them is above the user's highest role; the user themself for their name, locale, time zone and birthday; nobody deactivates themself",
		decide: editPerson},
	{action: EditUserOrg, who: "as user.edit in the import mode; in the positions mode, where org unit and position make managers, platform admins only",
		decide: func(a Actor, t Target) Decision {
			if t.Mode == reportline.AssignByPositions && !a.platformAdmin() {
				return refuse("in the positions mode an org unit and a position make line managers, so only platform admins may change them").say("error.policy.positions_mode")
			}
			return editPerson(a, t)
		}},

	{action: ReadLinks, who: "the user; their admins; their managers", decide: readPerson("managers and managees", "error.policy.read_links")},
	{action: ChangeLink, who: "platform admins; a group or user admin when one group they administrate holds both the manager and the managee (previews alike); the new manager then sees the reporting line below the managee, whoever administers it",
		decide: func(a Actor, t Target) Decision {
			if !a.isAdmin() {
				return refuse("only platform admins, group admins and user admins may assign managers").say("error.policy.assign_managers")
			}
			if t.Manager == nil || t.Managee == nil {
				return allow("admins may assign managers within their groups") // the pair is checked per link
			}
			if a.coversPair(t.Manager, t.Managee) {
				return allow("admins may link members of a group they administrate")
			}
			return refuse("you may only link members of a group you administrate").say("error.policy.link_scope")
		}},
	{action: SetAbsence, who: "the manager themself; platform admins; group and user admins of the manager. The delegate must be someone the caller may see (or one of their own managers); the delegate's temporary links follow from the absence, not from link.change",
		decide: func(a Actor, t Target) Decision {
			p := t.User
			switch {
			case p == nil:
				return refuse("name the manager who is away").say("error.policy.absence")
			case self(a, p):
				return allow("managers mark their own absences")
			case a.Administers(p):
				return allow("admins mark the absences of the people they administrate")
			}
			return refuse("you may mark your own absences, and as an admin those of the people you administrate").say("error.policy.absence")
		}},
	{action: DraftPlan, who: "platform, group and user admins; every item is then checked as link.change in the drafter's scope, and again when the plan is applied",
		decide: adminsOnly("draft reorganisations", "error.policy.draft_plans")},
	{action: ApprovePlan, who: "platform, group and user admins other than the plan's drafter; every item is then checked as link.change in the approver's scope, and again in it when the plan is applied",
		decide: func(a Actor, t Target) Decision {
			if !a.isAdmin() {
				return refuse("only platform admins, group admins and user admins may approve reorganisations").say("error.policy.approve_plans")
			}
			if self(a, t.User) {
				return refuse("the admin who drafted a reorganisation may not approve it: a second admin must").say("error.policy.approve_own_plan")
			}
			return allow("a second admin may approve a reorganisation")
		}},
	{action: ImportManagers, who: "platform, group and user admins; every line is then checked as link.change",
		decide: adminsOnly("import managers", "error.policy.import_managers")},
	{action: ExportManagers, who: "platform admins: every link; group and user admins: links inside the groups they administrate",
		decide: func(a Actor, t Target) Decision {
			if !a.isAdmin() {
				return refuse("only platform admins, group admins and user admins may export managers").say("error.policy.export_managers")
			}
			if t.Group != 0 && !a.platformAdmin() && a.roleOver(t.Group) == RankMember {
				return refuse("you do not administrate this group").say("error.policy.not_group_admin")
			}
			return allow("admins may export the links they administrate")
		}},

	{action: CreateGroup, who: "platform admins; group admins (not user admins) under a group they administrate",
		decide: func(a Actor, t Target) Decision {
			if a.platformAdmin() || (t.Group != 0 && a.isGroupAdmin(t.Group)) {
				return allow("admins may create groups under the groups they administrate")
			}
			return refuse("only platform admins, and admins of the parent group, may create groups").say("error.policy.create_groups")
		}},
	{action: ReadMembers, who: "platform admins; admins and user admins of the group or an ancestor",
		decide: func(a Actor, t Target) Decision {
			if a.platformAdmin() || a.roleOver(t.Group) > RankMember {
				return allow("admins may see the members of the groups they administrate")
			}
			return refuse("you do not administrate this group").say("error.policy.not_group_admin")
		}},
	{action: ChangeMember, who: "platform admins; an admin of the group when the person is already someone they administrate (or an account they created that has never belonged to a group), the person's highest role is below theirs, and the role granted is below theirs",
		decide: changeMember},

	{action: ReadStatistics, who: "the user; platform admins; their group and user admins; managers above them in the reporting line, and their direct managers of a kind that grants it (the access check)",
		decide: func(a Actor, t Target) Decision {
			if t.Granted {
				return allow("the access check grants it")
			}
			return refuse("you may not see this user's statistics").say("error.policy.statistics")
		}},
	{action: ReadStatisticsLog, who: "platform admins: every view; group and user admins: views of the users they administrate",
		decide: func(a Actor, t Target) Decision {
			switch {
			case a.platformAdmin():
				return allow("platform admins may read every statistics view")
			case !a.isAdmin():
				return refuse("only admins may read who looked at users' statistics").say("error.policy.statistics_views")
			case t.User == nil:
				return refuse("name a user you administrate").say("error.policy.name_a_user")
			case a.Administers(t.User):
				return allow("admins may read who looked at the users they administrate")
			}
			return refuse("this user is not a member of a group you administrate").say("error.policy.not_member")
		}},
	{action: ReadContacts, who: "the user; their managers; their admins (the contacts capability of the access check)",
		decide: func(a Actor, t Target) Decision {
			if t.Granted {
				return allow("the access check grants it")
			}
			return refuse("you may see the contacts of yourself, of the people you manage and of members of groups you administrate").say("error.policy.contacts")
		}},
	{action: WriteLearning, who: "platform admins (the LMS integration holds a platform admin's token)",
		decide: platformOnly("send learning records", "error.policy.learning_records")},
	{action: ReadOrphans, who: "platform admins: everyone; group and user admins: the groups they administrate. It also decides the hierarchy health centre, whose counts cover only those groups (its directory syncs' problems: platform.operate)",
		decide: func(a Actor, t Target) Decision {
			if !a.isAdmin() {
				return refuse("only platform admins, group admins and user admins may see the managees left without a manager").say("error.policy.orphans")
			}
			if t.Group != 0 && !a.platformAdmin() && a.roleOver(t.Group) == RankMember {
				return refuse("you do not administrate this group").say("error.policy.not_group_admin")
			}
			return allow("admins may see the orphans of the groups they administrate")
		}},
	{action: MessageManagers, who: "platform admins; admins and user admins of the group whose members' managers are messaged",
		decide: func(a Actor, t Target) Decision {
			if a.platformAdmin() || a.roleOver(t.Group) > RankMember {
				return allow("admins may message the managers of their groups' members")
			}
			return refuse("only admins of this group may message its managers").say("error.policy.message_managers")
		}},
	{action: ReadNotifications, who: "platform, group and user admins", decide: adminsOnly("read the notifications Reportline sends", "error.policy.read_notifications")},
	{action: ManageOwnAccount, who: "the user themself (password, tokens, notification opt-outs); platform admins for anyone",
		decide: func(a Actor, t Target) Decision {
			if t.User == nil || self(a, t.User) {
				return allow("everyone manages their own account")
			}
			if a.platformAdmin() {
				return allow("platform admins may manage anyone's account")
			}
			return refuse("you may only manage your own account").say("error.policy.own_account")
		}},
	{action: CreateToken, who: "the owner only (the operator's CLI for anyone): a token acts as its owner, so not even a platform admin makes one for someone else",
		decide: func(a Actor, t Target) Decision {
			if t.User != nil && self(a, t.User) {
				return allow("everyone may create their own tokens")
			}
			return refuse("you may only create tokens for yourself").say("error.policy.own_tokens")
		}},
	{action: ManageTokens, who: "the owner; platform admins for anyone's (everybody's tokens: platform admins only)",
		decide: func(a Actor, t Target) Decision {
			if a.platformAdmin() || (t.User != nil && self(a, t.User)) {
				return allow("you may see and revoke your own tokens; platform admins anyone's")
			}
			return refuse("only platform admins may see other people's tokens").say("error.policy.others_tokens")
		}},
	{action: SignIn, who: "the person themself, with an active account (a deactivated account is refused whatever the identity provider says); in SSO-only mode only the break-glass platform admin signs in with a password",
		decide: func(a Actor, t Target) Decision {
			if t.User != nil && self(a, t.User) {
				return allow("you may sign in to your own account")
			}
			return refuse("nobody signs in as someone else").say("error.policy.sign_in_as")
		}},
	{action: EndSessions, who: "the owner, for their own sessions; platform admins for anyone's; group and user admins for the people they administrate",
		decide: func(a Actor, t Target) Decision {
			switch {
			case a.platformAdmin():
				return allow("platform admins may see and end anyone's sessions")
			case t.User != nil && self(a, t.User):
				return allow("you may see and end your own sessions")
			case t.User != nil && a.Administers(t.User):
				return allow("admins may see and end the sessions of the people they administrate")
			}
			return refuse("you may see and end your own sessions; admins those of the people they administrate").say("error.policy.sessions")
		}},
	{action: PreviewUserDigest, who: "the user themself; platform admins for anyone",
		decide: func(a Actor, t Target) Decision {
			if t.User == nil || self(a, t.User) || a.platformAdmin() {
				return allow("you may preview your own digest; platform admins anybody's")
			}
			return refuse("you may preview your own digest; platform admins may preview anybody's").say("error.policy.digest_preview")
		}},
	{action: AskAccess, who: "platform admins (the LMS asks with a platform admin's token); a user about themself as the subject; admins about the subjects they administrate",
		decide: func(a Actor, t Target) Decision {
			switch {
			case a.platformAdmin():
				return allow("platform admins may ask about anyone")
			case t.User != nil && self(a, t.User):
				return allow("everyone may ask about their own access")
			case t.User != nil && a.Administers(t.User):
				return allow("admins may ask about the users they administrate")
			}
			return refuse("you may ask about your own access and, as an admin, about the users you administrate; the LMS asks with a platform admin's token").say("error.policy.access_check")
		}},
	{action: UseDecisionPoint, who: "platform admins' tokens (the LMS or its gateway asks the decision point with one)",
		decide: platformOnly("ask the decision point", "error.policy.decision_point")},
	{action: ImportUsers, who: "platform, group and user admins; each row is then checked as user.create or user.edit",
		decide: adminsOnly("import users", "error.policy.import_users")},
	{action: ResolveUserKeys, who: "platform admins (the decision point names users by uid or email)",
		decide: platformOnly("look users up by email or external uid here", "error.policy.lookup")},
	{action: ReadAudit, who: "platform admins: everything; group and user admins: entries about a user they administrate",
		decide: func(a Actor, t Target) Decision {
			switch {
			case a.platformAdmin():
				return allow("platform admins may read the whole audit log")
			case t.User == nil:
				return refuse("only platform admins may read the whole audit log; name a user you administrate").say("error.policy.audit_all")
			case a.Administers(t.User):
				return allow("admins may read the audit log of the users they administrate")
			}
			return refuse("you may only read the audit log of members of groups you administrate").say("error.policy.audit_scope")
		}},
	{action: ReadImport, who: "the admin who started the import; platform admins",
		decide: func(a Actor, t Target) Decision {
			if a.platformAdmin() || (t.User != nil && self(a, t.User)) {
				return allow("you may see your own imports")
			}
			return refuse("you may only see your own imports").say("error.policy.own_imports")
		}},
	{action: EraseUser, who: "platform admins (the operator's CLI too), about anyone but themself: the person's data is replaced by a pseudonym for good (GDPR erasure)",
		decide: func(a Actor, t Target) Decision {
			switch {
			case !a.platformAdmin():
				return refuse("only platform admins may erase a person's data").say("error.policy.erase")
			case self(a, t.User):
				return refuse("nobody may erase themself").say("error.policy.erase_self")
			}
			return allow("platform admins may erase a person's data")
		}},
	{action: ReadSettings, who: "platform admins", decide: platformOnly("read the settings", "error.policy.read_settings")},
	{action: ConfirmHeldSync, who: "platform admins (the operator's CLI too): a held run deactivates many people",
		decide: platformOnly("confirm a directory run that deactivates many people", "error.policy.confirm_run")},
	{action: MapDirectoryGroup, who: "platform admins (the operator's CLI too): a mapped group's members are then the IdP's to add and remove, whoever administers it",
		decide: platformOnly("map a directory group onto a Reportline group", "error.policy.group_map")},
	{action: ReadAssignMode, who: "platform, group and user admins: the mode says whether the managers they assign count",
		decide: adminsOnly("read the assign role mode", "error.policy.read_assign_mode")},
	{action: ChangeSettings, who: "platform admins", decide: platformOnly("change the settings", "error.policy.change_settings")},
	{action: ConfigureTenant, who: "platform admins of the tenant (its time zone, language, branding, sign-in providers, directory sources and mail relay; secrets can be set, never read back; connections can be tested)",
		decide: platformOnly("configure the organisation", "error.policy.configure_tenant")},
	{action: SetTenantLimits, who: "the operator alone (the CLI, as the system): nobody in the tenant, since a tenant that raised its own limits would take other tenants' share",
		decide: func(Actor, Target) Decision {
			return refuse("only the operator may change the organisation's rate limits").say("error.policy.tenant_limits")
		}},
	{action: OperateTenants, operator: true, who: "operators, signed in on the operator page (and the CLI, as the service): tenants from above; they see no tenant's people",
		decide: func(Actor, Target) Decision { return allow("operators run the installation's tenants") }},
	{action: GrantOperator, who: "platform admins of the tenant: a time-boxed grant (at most 72 hours) that lets the operator list its people, recorded in the tenant's audit and the operator log; revocable",
		decide: platformOnly("let the operator see the organisation's people", "error.policy.operator_grant")},
	{action: OperatorReadPeople, operator: true, who: "operators, read-only, only while a grant of the tenant's platform admins runs (Target.OperatorGranted); never otherwise",
		decide: func(_ Actor, t Target) Decision {
			if t.OperatorGranted {
				return allow("the organisation granted the operator access to its people")
			}
			return refuse("the organisation has not granted the operator access to its people, or the grant has ended").say("error.policy.operator_not_granted")
		}},
	{action: OperatePlatform, who: "platform admins", decide: platformOnly("do this", "error.policy.platform_only")},
	{action: ManageWebhooks, who: "platform admins: a subscriber receives every change in the tenant",
		decide: platformOnly("manage the change-event webhooks", "error.policy.webhooks")},
	{action: ProvisionUser, scim: true, who: "provisioning clients (SCIM); a platform admin only when the operator allows directories to change platform admins",
		decide: directoryWrite},
	{action: ProvisionGroups, scim: true, who: "provisioning clients (SCIM) only: the groups they create and the plain memberships they add; never an admin role",
		decide: func(Actor, Target) Decision { return allow("provisioning clients manage their groups") }},
	{action: DirectoryWriteUser, who: "the directory sync (LDAP, Graph) run by the service or a platform admin; a platform admin's account only when the operator allows it",
		decide: func(a Actor, t Target) Decision {
			if !a.platformAdmin() {
				return refuse("only platform admins may sync a directory").say("error.policy.sync")
			}
			return directoryWrite(a, t)
		}},
}

func adminsOnly(what, msg string) func(Actor, Target) Decision {
	return func(a Actor, _ Target) Decision {
		if a.isAdmin() {
			return allow("admins may %s", what)
		}
		return refuse("only platform admins, group admins and user admins may %s", what).say(msg)
	}
}

func editPerson(a Actor, t Target) Decision {
	p := t.User
	switch {
	case p == nil:
		return refuse("you may only change users you administrate").say("error.policy.change_scope")
	case self(a, p) && t.Deactivating:
		return refuse("nobody may deactivate themself").say("error.policy.deactivate_self")
	case self(a, p) && t.Personal:
		return allow("everyone may change their own name, locale, time zone and birthday")
	case a.platformAdmin():
		return allow("platform admins may change anyone")
	case p.User.PlatformRole == reportline.PlatformAdminRole:
		return refuse("only platform admins may change platform admins").say("error.policy.platform_admins")
	case !a.Administers(p):
		return refuse("you may only change users of groups you administrate").say("error.policy.change_users")
	case !a.outranks(p):
		return refuse("you may not change someone whose role is equal to or above your own").say("error.policy.rank")
	}
	return allow("admins may change the people they administrate whose role is below theirs")
}

func changeMember(a Actor, t Target) Decision {
	p := t.User
	if p == nil {
		return refuse("name the member").say("error.policy.name_member")
	}
	if a.platformAdmin() {
		return allow("platform admins may change any membership")
	}
	over := a.roleOver(t.Group)
	if over == RankMember {
		return refuse("you may only change the members of groups you administrate").say("error.policy.change_members")
	}
	if p.User.PlatformRole == reportline.PlatformAdminRole {
		return refuse("only platform admins may change platform admins").say("error.policy.platform_admins")
	}
	if !a.Administers(p) && !(p.CreatedByActor && len(p.Memberships) == 0) {
		return refuse("you may only add people you already administrate, or accounts you created that have never belonged to a group").say("error.policy.add_members")
	}
	if self(a, p) || RankOf(p) >= over {
		return refuse("you may not change someone whose role is equal to or above your own").say("error.policy.rank")
	}
	if t.Role != "" && rankOf(t.Role) >= over {
		return refuse("you may only grant a role below your own").say("error.policy.grant_rank")
	}
	return allow("admins may change the memberships of the people they administrate below their role")
}

func directoryWrite(a Actor, t Target) Decision {
	if t.User != nil && !DirectoryMayChange(t.User.User, t.PlatformAdminsWritable) {
		return refuse("directories do not change platform admins unless the operator allows it").say("error.policy.directory_admins")
	}
	return allow("directories provision the users they own")
}

// DirectoryMayChange is the rule the directory rows apply to each person: a
// directory source (LDAP, Graph, SCIM) changes a platform admin only when
// the operator allows it. The platform role counts whether or not the
// account is active, so a directory cannot reactivate and re-address one.
func DirectoryMayChange(u reportline.User, platformAdminsWritable bool) bool {
	return u.PlatformRole != reportline.PlatformAdminRole || platformAdminsWritable
}

// DirectoryOwns says whether a link belongs to a directory source that is
// on and is not the one acting: such a link is changed only by that source
// (hand edits, the API and CSV imports are refused for it).
func DirectoryOwns(link, acting reportline.Source, sourceOn bool) bool {
	return link.Directory() && sourceOn && acting != link
}
