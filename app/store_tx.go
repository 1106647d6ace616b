package app

import (
	"context"
	"time"

	"reportline"
	"reportline/outbox"
	"reportline/usecase"
	"reportline/webhook"
)

// The store interfaces of app's own use cases, by what they own. Tx is
// their union with the feature packages' interfaces; a use case takes the
// narrowest one it needs (docs/architecture.md, "Storage interfaces"), so
// what it touches can be read from its signature.

// settingReadTx reads the tenant's settings, by key (store/settings.go).
type settingReadTx interface {
	// Setting returns a system setting; NotFound when it was never set.
	Setting(ctx context.Context, key string) (string, error)
}

// settingsTx reads and writes the tenant's settings.
type settingsTx interface {
	settingReadTx
	PutSetting(ctx context.Context, key, value string) error
}

// userReadTx reads users (store/users.go). Lookups of one user return
// NotFound when it is absent; the maps omit unknown keys.
type userReadTx interface {
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	UserByExternalUID(ctx context.Context, uid string) (reportline.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
	UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error)
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
}

// usersTx reads and writes users.
type usersTx interface {
	userReadTx
	CreateUser(ctx context.Context, u *reportline.User) error
	UpdateUser(ctx context.Context, u *reportline.User) error
}

// groupsTx is the groups and their memberships (the authority a use case
// loads reads the same).
type groupsTx interface {
	usecase.AuthorityTx
	CreateGroup(ctx context.Context, g *reportline.Group) error
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	SetMembership(ctx context.Context, m reportline.Membership) error
	DeleteMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID) error
}

// linkReadTx reads the stored links (in "positions" mode the line links
// that count are derived: effective.go says which links count).
type linkReadTx interface {
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
	UserWithLinks(ctx context.Context, user reportline.UserID, dirs ...reportline.Direction) (reportline.User, [][]reportline.LinkedUser, error)
	EachLink(ctx context.Context, fn func(reportline.Link) error) error
	CountLinks(ctx context.Context) (int, error)
	EachLinkRow(ctx context.Context, fn func(reportline.LinkRow) error) error
}

// linksTx reads and changes the stored links. LockLinks serialises the
// writers whose cycle check must see every other writer's links.
type linksTx interface {
	linkReadTx
	InsertLink(ctx context.Context, l reportline.Link) error
	UpdateLink(ctx context.Context, l reportline.Link) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	LockLinks(ctx context.Context) error
	ApplyLinkChanges(ctx context.Context, c reportline.LinkChanges) error
}

// linkHistoryTx reads the link history (issue 19, docs/orgchart.md): the
// periods of every link, as of an instant.
type linkHistoryTx interface {
	LinksAsOf(ctx context.Context, dir reportline.Direction, users []reportline.UserID, at time.Time) ([]reportline.LinkPeriod, error)
	LinkPeriods(ctx context.Context, user reportline.UserID) ([]reportline.LinkPeriod, error)
	HistoryStart(ctx context.Context) (time.Time, error)
	EachLinkRowAsOf(ctx context.Context, at time.Time, fn func(reportline.LinkRow) error) error
}

// auditTx is the record of what changed: the audit log of link changes and
// the change log of every other mutation (usecase.Record writes it).
type auditTx interface {
	usecase.ChangeTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	Audit(ctx context.Context, f reportline.AuditFilter) ([]reportline.AuditEntry, error)
	Changes(ctx context.Context, f reportline.ChangeFilter) ([]reportline.Change, error)
}

// scimGroupTx is what a provisioning client says of groups: the directory
// groups mapped onto groups, and the members it provisioned.
type scimGroupTx interface {
	PutSCIMGroup(ctx context.Context, g reportline.SCIMGroup) error
	DeleteSCIMGroup(ctx context.Context, id reportline.GroupID) error
	RenameGroup(ctx context.Context, id reportline.GroupID, name string) error
	SetSCIMMembership(ctx context.Context, group reportline.GroupID, user reportline.UserID, on bool) error
	SCIMGroups(ctx context.Context, id reportline.GroupID) ([]reportline.SCIMGroup, error)
	SCIMMemberships(ctx context.Context, group reportline.GroupID) (map[reportline.UserID]bool, error)
}

// credentialTx is passwords and API tokens, tokens found by their hash.
type credentialTx interface {
	SetPasswordHash(ctx context.Context, user reportline.UserID, hash string) error
	PasswordHash(ctx context.Context, user reportline.UserID) (string, error)
	CreateToken(ctx context.Context, t *reportline.APIToken) error
	TokenByHash(ctx context.Context, hash []byte) (reportline.APIToken, error)
	TokenUser(ctx context.Context, hash []byte) (reportline.APIToken, reportline.User, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
}

// sessionTx is the signed-in sessions, found by their hash.
type sessionTx interface {
	CreateSession(ctx context.Context, s reportline.Session) error
	SessionByHash(ctx context.Context, hash []byte) (reportline.Session, error)
	DeleteSession(ctx context.Context, hash []byte) error
	DeleteExpiredSessions(ctx context.Context, t time.Time) error
}

// The narrow views of app's own use-case groups: each is the methods its
// use cases and their helpers call, and each group runs its transactions
// on a usecase.Store of it (narrow), so the compiler holds the list true.

// tenantTx is an organisation's own settings and sealed secrets, as its
// platform admins change them (tenant_*.go).
type tenantTx interface {
	settingsTx
	secretsTx
	usecase.AuthorityTx
	usecase.ChangeTx
}

func (a *App) tenantStore() usecase.Store[tenantTx] {
	return narrow(a.store, func(tx Tx) tenantTx { return tx })
}

// preferencesTx is who receives which notification: each person's opt-outs
// and the per-role switches (digest_optout.go, unsubscribe.go).
type preferencesTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
	SetNotificationOptOut(ctx context.Context, user reportline.UserID, t reportline.NotificationType, out bool, at time.Time) error
	NotificationRolesOff(ctx context.Context) (map[reportline.NotificationRole]bool, error)
	SetNotificationRole(ctx context.Context, r reportline.NotificationRole, enabled bool, at time.Time) error
	ServiceSecret(ctx context.Context, name string, value []byte, at time.Time) ([]byte, error)
}

func (a *App) preferencesStore() usecase.Store[preferencesTx] {
	return narrow(a.store, func(tx Tx) preferencesTx { return tx })
}

// webhookAdminTx is the webhook subscribers as their Settings page shows
// and switches them (webhooks_admin.go).
type webhookAdminTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error)
	WebhookDeliveries(ctx context.Context, subscriber int64, limit int) ([]reportline.WebhookDelivery, error)
	SetWebhookDisabled(ctx context.Context, id int64, at time.Time) error
	SetWebhookSecret(ctx context.Context, id int64, secret string) error
}

func (a *App) webhookAdminStore() usecase.Store[webhookAdminTx] {
	return narrow(a.store, func(tx Tx) webhookAdminTx { return tx })
}

// groupAdminTx is groups and memberships as administrators change them,
// with the change log that records it (groups.go).
type groupAdminTx interface {
	groupsTx
	auditTx
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) groupAdminStore() usecase.Store[groupAdminTx] {
	return narrow(a.store, func(tx Tx) groupAdminTx { return tx })
}

// tokensTx is API tokens as their owners and admins list, create and
// revoke them (tokens.go).
type tokensTx interface {
	userReadTx
	usecase.ChangeTx
	CreateToken(ctx context.Context, t *reportline.APIToken) error
	Token(ctx context.Context, id int64) (reportline.APIToken, error)
	Tokens(ctx context.Context, user reportline.UserID) ([]reportline.APIToken, error)
	RevokeToken(ctx context.Context, id int64, at time.Time) error
}

func (a *App) tokensStore() usecase.Store[tokensTx] {
	return narrow(a.store, func(tx Tx) tokensTx { return tx })
}

// passwordTx is what changing a password touches: the hash, and the
// sessions, tokens and reset links it ends (passwords.go).
type passwordTx interface {
	usecase.ChangeTx
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	PasswordHash(ctx context.Context, user reportline.UserID) (string, error)
	SetPasswordHash(ctx context.Context, user reportline.UserID, hash string) error
	DeletePasswordResets(ctx context.Context, user reportline.UserID, t time.Time) error
	DeleteUserSessions(ctx context.Context, user reportline.UserID, keep []byte) (int, error)
	RevokeUserTokens(ctx context.Context, user reportline.UserID, at time.Time) (int, error)
}

func (a *App) passwordStore() usecase.Store[passwordTx] {
	return narrow(a.store, func(tx Tx) passwordTx { return tx })
}

// signInTx is signing in and out with a password or a token: the
// credentials, the sessions, the throttle's forgiveness and the user
// created at a platform admin's first sign-in (auth.go).
type signInTx interface {
	passwordTx
	sessionTx
	forgiveTx
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	CreateUser(ctx context.Context, u *reportline.User) error
	UpdateUser(ctx context.Context, u *reportline.User) error
	FormerAdminWithEmail(ctx context.Context, email string) (reportline.UserID, error)
	TokenUser(ctx context.Context, hash []byte) (reportline.APIToken, reportline.User, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	graphVersionTx // a token is trusted while its tenant's index is at the version it was read at
}

func (a *App) signInStore() usecase.Store[signInTx] {
	return narrow(a.store, func(tx Tx) signInTx { return tx })
}

// passwordResetTx is the reset links sent by email and used once
// (password_reset.go).
type passwordResetTx interface {
	passwordTx
	outbox.Tx
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	CreatePasswordReset(ctx context.Context, r reportline.PasswordReset) error
	PasswordReset(ctx context.Context, hash []byte) (reportline.PasswordReset, error)
	UsePasswordReset(ctx context.Context, hash []byte, at time.Time) (bool, error)
}

func (a *App) passwordResetStore() usecase.Store[passwordResetTx] {
	return narrow(a.store, func(tx Tx) passwordResetTx { return tx })
}

// capabilitiesTx is the capability matrix as platform admins change it
// (capabilities.go).
type capabilitiesTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	CapabilityMatrix(ctx context.Context) (reportline.Matrix, error)
	PutCapabilityMatrix(ctx context.Context, m reportline.Matrix, by reportline.UserID) error
}

func (a *App) capabilitiesStore() usecase.Store[capabilitiesTx] {
	return narrow(a.store, func(tx Tx) capabilitiesTx { return tx })
}

// orgUnitsTx is the org structure's units as admins edit them
// (org_units.go).
type orgUnitsTx interface {
	orgTx
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

func (a *App) orgUnitsStore() usecase.Store[orgUnitsTx] {
	return narrow(a.store, func(tx Tx) orgUnitsTx { return tx })
}

// forgiveTx forgets the failed attempts a successful sign-in forgives
// (throttle.go).
type forgiveTx interface {
	ClearAttempts(ctx context.Context, key string) error
	ForgiveAttempt(ctx context.Context, key string) error
}

// throttleTx is the sign-in throttle's counts of attempts (throttle.go).
type throttleTx interface {
	forgiveTx
	TakeAttempt(ctx context.Context, key string, now, forgetBefore time.Time) (n int, blockedUntil time.Time, ok bool, err error)
	BlockAttempts(ctx context.Context, key string, until time.Time) error
	DeleteStaleAttempts(ctx context.Context, before, now time.Time) error
}

func (a *App) throttleStore() usecase.Store[throttleTx] {
	return narrow(a.store, func(tx Tx) throttleTx { return tx })
}

// matrixTx reads the capability matrix (access_cache.go caches it).
type matrixTx interface {
	CapabilityMatrix(ctx context.Context) (reportline.Matrix, error)
}

// effectiveTx is what deciding the links that count reads (effective.go's
// linkView): the Assign role mode and the manager positions, the stored
// links today or as of an instant, and in "positions" mode the org
// structure and its members that line managers are derived from
// (org_derive.go).
type effectiveTx interface {
	settingReadTx
	ManagerPositions(ctx context.Context) ([]string, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LinksAsOf(ctx context.Context, dir reportline.Direction, users []reportline.UserID, at time.Time) ([]reportline.LinkPeriod, error)
	LinksOfManagees(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	LinksOfManagers(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error)
	LineAncestry(ctx context.Context, user reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error)
	EachLink(ctx context.Context, fn func(reportline.Link) error) error
	EachOrgMember(ctx context.Context, fn func(reportline.OrgMember) error) error
	ManagersWithLineManagees(ctx context.Context, managers []reportline.UserID, at time.Time) (map[reportline.UserID]bool, error)
	OrgCounts(ctx context.Context, unitKeys []string) (map[string]reportline.OrgCounts, error)
	OrgMembers(ctx context.Context, f reportline.OrgMemberFilter) ([]reportline.OrgMember, error)
	OrgUnitByKey(ctx context.Context, key string) (reportline.OrgUnit, error)
	OrgUnitChainsByKeys(ctx context.Context, keys []string) (map[string][]reportline.OrgUnit, error)
	OrgUnitChildren(ctx context.Context, parents []reportline.OrgUnitID) ([]reportline.OrgUnit, error)
	OrgUnits(ctx context.Context) ([]reportline.OrgUnit, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// visibilityTx is what deciding whether an actor may see a user reads:
// the actor's authority and the links that count (authz.go's mayView).
type visibilityTx interface {
	effectiveTx
	usecase.AuthorityTx
}

// orphansTx is what finding the people without a manager reads
// (orphans.go).
type orphansTx interface {
	visibilityTx
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	ActiveUsersAfter(ctx context.Context, groups []reportline.GroupID, after reportline.UserID, limit int) ([]reportline.User, error)
	LastLinkRemovals(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID]time.Time, error)
}

func (a *App) orphansStore() usecase.Store[orphansTx] {
	return narrow(a.store, func(tx Tx) orphansTx { return tx })
}

// digestAdminTx is the digest's settings and runs as platform admins see and
// change them (digest.go).
type digestAdminTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	settingsTx
	ScheduledRuns(ctx context.Context, kind reportline.NotificationType, limit int) ([]reportline.ScheduledRun, error)
}

func (a *App) digestAdminStore() usecase.Store[digestAdminTx] {
	return narrow(a.store, func(tx Tx) digestAdminTx { return tx })
}

// ssoSignInTx is a single sign-on: the identity matched to a user (created
// on first sign-in), the one-time state of the protocol and the session it
// opens (sso.go).
type ssoSignInTx interface {
	usecase.ChangeTx
	ssoTx
	sessionTx
	CreateUser(ctx context.Context, u *reportline.User) error
	DeleteUserSessions(ctx context.Context, user reportline.UserID, keep []byte) (int, error)
	DirectoryIdentities(ctx context.Context, source reportline.Source, externalIDs []string) (map[string]reportline.UserID, error)
	Setting(ctx context.Context, key string) (string, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
}

func (a *App) ssoSignInStore() usecase.Store[ssoSignInTx] {
	return narrow(a.store, func(tx Tx) ssoSignInTx { return tx })
}

// ssoLogoutTx is a single sign-out from the identity provider
// (sso_logout.go).
type ssoLogoutTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	DeleteSession(ctx context.Context, hash []byte) error
	SSOLink(ctx context.Context, provider, subject string) (reportline.SSOLink, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UserSessions(ctx context.Context, user reportline.UserID, now time.Time) ([]reportline.Session, error)
}

func (a *App) ssoLogoutStore() usecase.Store[ssoLogoutTx] {
	return narrow(a.store, func(tx Tx) ssoLogoutTx { return tx })
}

// resealTx is the sealed secrets a key rotation opens and seals again, the
// webhook subscribers' among them (secrets_reseal.go).
type resealTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	settingsTx
	secretsTx
	Secrets(ctx context.Context) ([]reportline.SealedSecret, error)
	SetWebhookSubscriberSecret(ctx context.Context, id int64, secret string) error
	WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error)
}

func (a *App) resealStore() usecase.Store[resealTx] {
	return narrow(a.store, func(tx Tx) resealTx { return tx })
}

// eraseUseTx is what erasing a person's personal data touches: the person,
// their links and the records of both (erase.go).
type eraseUseTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	ErasePersonalData(ctx context.Context, u reportline.User, pseudonym string) (map[string]int64, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LockLinks(ctx context.Context) error
	UpdateUser(ctx context.Context, u *reportline.User) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) eraseStore() usecase.Store[eraseUseTx] {
	return narrow(a.store, func(tx Tx) eraseUseTx { return tx })
}

// exportTx reads the links an export writes, today's or as of an instant
// (export.go).
type exportTx interface {
	usecase.AuthorityTx
	EachLinkRow(ctx context.Context, fn func(reportline.LinkRow) error) error
	EachLinkRowAsOf(ctx context.Context, at time.Time, fn func(reportline.LinkRow) error) error
}

func (a *App) exportStore() usecase.Store[exportTx] {
	return narrow(a.store, func(tx Tx) exportTx { return tx })
}

// auditReadTx is the change log as the audit page reads it (authz.go).
type auditReadTx interface {
	usecase.AuthorityTx
	Changes(ctx context.Context, f reportline.ChangeFilter) ([]reportline.Change, error)
}

func (a *App) auditReadStore() usecase.Store[auditReadTx] {
	return narrow(a.store, func(tx Tx) auditReadTx { return tx })
}

// asOfTx is the reporting lines as of an instant, from the link history
// (asof.go, orgchart_tree.go).
type asOfTx interface {
	visibilityTx
	linkHistoryTx
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) asOfStore() usecase.Store[asOfTx] {
	return narrow(a.store, func(tx Tx) asOfTx { return tx })
}

// healthTx is what the hierarchy's health and its trend read: the people
// of the groups in scope, the links that count today or in the history,
// the leavers flagged (health.go, health_trend.go).
type healthTx interface {
	visibilityTx
	ActiveUsersAfter(ctx context.Context, groups []reportline.GroupID, after reportline.UserID, limit int) ([]reportline.User, error)
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	HistoryStart(ctx context.Context) (time.Time, error)
	LeaverFlags(ctx context.Context, leaver reportline.UserID) ([]reportline.LeaverFlagRow, error)
}

func (a *App) healthStore() usecase.Store[healthTx] {
	return narrow(a.store, func(tx Tx) healthTx { return tx })
}

// orgAdminTx is the Assign role mode and the manager positions as
// platform admins set them, and the counts their pages show (org.go).
type orgAdminTx interface {
	visibilityTx
	settingsTx
	usecase.ChangeTx
	HeldPositions(ctx context.Context, limit int) ([]reportline.PositionCount, error)
	SetManagerPositions(ctx context.Context, titles []string) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) orgAdminStore() usecase.Store[orgAdminTx] {
	return narrow(a.store, func(tx Tx) orgAdminTx { return tx })
}

// assignTx is a manager assigned or unassigned by hand in the Assign role
// mode: the links it changes under the link lock, with their audit
// (assign.go).
type assignTx interface {
	usecase.AuthorityTx
	settingReadTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	InsertLink(ctx context.Context, l reportline.Link) error
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LockLinks(ctx context.Context) error
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
	UpdateLink(ctx context.Context, l reportline.Link) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

func (a *App) assignStore() usecase.Store[assignTx] {
	return narrow(a.store, func(tx Tx) assignTx { return tx })
}

// usersCSVTx is what the users CSV reads beyond the users (usercsv.go).
type usersCSVTx interface {
	usecase.AuthorityTx
}

func (a *App) usersCSVStore() usecase.Store[usersCSVTx] {
	return narrow(a.store, func(tx Tx) usersCSVTx { return tx })
}

// linkedUsersTx reads a user's stored links with the people at their
// other end (links.go's linkedUsers).
type linkedUsersTx interface {
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
}

// plansTx is a planned reorganisation as it is drafted, shown and approved
// (plans.go): the plan and its items, the people they name and the
// approval setting.
type plansTx interface {
	planTx
	usecase.AuthorityTx
	usecase.ChangeTx
	settingsTx
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
}

func (a *App) plansStore() usecase.Store[plansTx] {
	return narrow(a.store, func(tx Tx) plansTx { return tx })
}

// userViewTx is a user's profile as a reader may see it and as it is
// edited (users.go's GetUser, UpdateUser): the visibility rules and the
// user.
type userViewTx interface {
	visibilityTx
	usecase.ChangeTx
	UpdateUser(ctx context.Context, u *reportline.User) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) userViewStore() usecase.Store[userViewTx] {
	return narrow(a.store, func(tx Tx) userViewTx { return tx })
}

// userAdminTx is users found, looked up and created by administrators
// (users.go's FindUsers, UserByEmail, CreateUser).
type userAdminTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	CreateUser(ctx context.Context, u *reportline.User) error
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
	SetMembership(ctx context.Context, m reportline.Membership) error
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
}

func (a *App) userAdminStore() usecase.Store[userAdminTx] {
	return narrow(a.store, func(tx Tx) userAdminTx { return tx })
}

// webhookSubscribersTx is the webhook subscribers as platform admins
// register, list and delete them, with their sealed secrets and the log of
// deliveries (webhooks.go).
type webhookSubscribersTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	settingsTx
	secretsTx
	CreateWebhookSubscriber(ctx context.Context, s *reportline.WebhookSubscriber) error
	DeleteWebhookSubscriber(ctx context.Context, id int64) error
	ReplayWebhookDelivery(ctx context.Context, subscriber, id int64, at time.Time) error
	Secrets(ctx context.Context) ([]reportline.SealedSecret, error)
	SetWebhookSubscriberSecret(ctx context.Context, id int64, secret string) error
	WebhookDeliveries(ctx context.Context, subscriber int64, limit int) ([]reportline.WebhookDelivery, error)
	WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error)
}

func (a *App) webhookSubscribersStore() usecase.Store[webhookSubscribersTx] {
	return narrow(a.store, func(tx Tx) webhookSubscribersTx { return tx })
}

// leaverSettingsTx is the leavers' settings and flags as their pages read
// and change them (leavers.go).
type leaverSettingsTx interface {
	settingsTx
	usecase.ChangeTx
	LeaverFlags(ctx context.Context, leaver reportline.UserID) ([]reportline.LeaverFlagRow, error)
}

func (a *App) leaverSettingsStore() usecase.Store[leaverSettingsTx] {
	return narrow(a.store, func(tx Tx) leaverSettingsTx { return tx })
}

// leaverProposalTx is what proposing a leaver's reports a new manager
// reads: the leaver and the links that count (leavers.go).
type leaverProposalTx interface {
	visibilityTx
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) leaverProposalStore() usecase.Store[leaverProposalTx] {
	return narrow(a.store, func(tx Tx) leaverProposalTx { return tx })
}

// coverSettingsTx is cover during absences as its settings and the
// current covers read it (absences.go, cover_settings.go).
type coverSettingsTx interface {
	settingsTx
	usecase.ChangeTx
	Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error)
}

func (a *App) coverSettingsStore() usecase.Store[coverSettingsTx] {
	return narrow(a.store, func(tx Tx) coverSettingsTx { return tx })
}

// absenceViewTx is the absences as the people who may see them read
// them, and whether one may be set (absences.go).
type absenceViewTx interface {
	visibilityTx
	Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error)
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
}

func (a *App) absenceViewStore() usecase.Store[absenceViewTx] {
	return narrow(a.store, func(tx Tx) absenceViewTx { return tx })
}

// linkRemoveTx is one link removed, with its audit entry (links.go).
type linkRemoveTx interface {
	usecase.AuthorityTx
	settingReadTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
}

func (a *App) linkRemoveStore() usecase.Store[linkRemoveTx] {
	return narrow(a.store, func(tx Tx) linkRemoveTx { return tx })
}

// coverNotesTx reads who covers for the absent managers of a user
// (absences.go's coverNotes).
type coverNotesTx interface {
	Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// linkListTx is a user's links as Show managers lists them: the links that
// count, the people at their other end and who covers for an absent
// manager (links.go).
type linkListTx interface {
	visibilityTx
	Absences(ctx context.Context, f reportline.AbsenceFilter) ([]reportline.Absence, error)
	// UserWithLinks reads the user and one side of their stored links per
	// dir (LinkedUsers each) in one statement; NotFound without the user.
	UserWithLinks(ctx context.Context, user reportline.UserID, dirs ...reportline.Direction) (reportline.User, [][]reportline.LinkedUser, error)
}

func (a *App) linkListStore() usecase.Store[linkListTx] {
	return narrow(a.store, func(tx Tx) linkListTx { return tx })
}

// historyNamesTx names the people of a history (history.go).
type historyNamesTx interface {
	FindUsers(ctx context.Context, f reportline.UserFilter) ([]reportline.User, int, error)
}

func (a *App) historyNamesStore() usecase.Store[historyNamesTx] {
	return narrow(a.store, func(tx Tx) historyNamesTx { return tx })
}

// gaugesTx reads the outbox's counts /metrics shows (metrics.go).
type gaugesTx interface {
	OutboxCounts(ctx context.Context) (map[reportline.DeliveryStatus]int, error)
}

func (a *App) gaugesStore() usecase.Store[gaugesTx] {
	return narrow(a.store, func(tx Tx) gaugesTx { return tx })
}

// auditLogTx is the audit log of link changes as its readers may see it
// (links.go's Audit).
type auditLogTx interface {
	usecase.AuthorityTx
	Audit(ctx context.Context, f reportline.AuditFilter) ([]reportline.AuditEntry, error)
}

func (a *App) auditLogStore() usecase.Store[auditLogTx] {
	return narrow(a.store, func(tx Tx) auditLogTx { return tx })
}

// templateSendsTx is the record of template messages sent (messages.go's
// TemplateSends).
type templateSendsTx interface {
	TemplateSends(ctx context.Context, limit int) ([]reportline.TemplateSend, error)
}

func (a *App) templateSendsStore() usecase.Store[templateSendsTx] {
	return narrow(a.store, func(tx Tx) templateSendsTx { return tx })
}

// statisticsSettingsTx is the statistics' scopes setting and the record of
// who viewed them (stats.go).
type statisticsSettingsTx interface {
	usecase.AuthorityTx
	usecase.ChangeTx
	settingsTx
	StatisticsViews(ctx context.Context, f reportline.StatisticsViewFilter) ([]reportline.StatisticsView, error)
}

func (a *App) statisticsSettingsStore() usecase.Store[statisticsSettingsTx] {
	return narrow(a.store, func(tx Tx) statisticsSettingsTx { return tx })
}

// webhookEffectsTx is what the timed effects of temporary links and absences
// read and emit: the links and absences starting or ending, the cursor
// schedule.TakeEffect moves, and the webhook deliveries (webhooks.go's
// RunWebhookEffects).
type webhookEffectsTx interface {
	webhook.Tx
	AbsencesStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Absence, error)
	AdvanceNotificationCursor(ctx context.Context, name string, pos int64) error
	LinksStartingOrEnding(ctx context.Context, from, to time.Time) ([]reportline.Link, error)
	NotificationCursor(ctx context.Context, name string) (pos int64, ok bool, err error)
}

func (a *App) webhookEffectsStore() usecase.Store[webhookEffectsTx] {
	return narrow(a.store, func(tx Tx) webhookEffectsTx { return tx })
}

// graphVersionTx reads the reporting graph's version (graph_index.go).
type graphVersionTx interface {
	GraphVersion(ctx context.Context) (int64, error)
}

// graphBuildTx is what building the reporting graph in memory reads
// (graph_index.go's buildGraph): the version, the users and group admins,
// the links that count, the capability matrix and the Assign role mode.
type graphBuildTx interface {
	effectiveTx
	matrixTx
	graphVersionTx
	EachGraphUser(ctx context.Context, fn func(reportline.User) error) error
	EachGroupAdmin(ctx context.Context, fn func(reportline.UserID) error) error
	CountLinks(ctx context.Context) (int, error)
}

func (a *App) graphBuildStore() usecase.Store[graphBuildTx] {
	return narrow(a.store, func(tx Tx) graphBuildTx { return tx })
}

// graphVersionStore also reads without a transaction (ReadOnce): the
// follower's and the metrics' one statement.
func (a *App) graphVersionStore() narrowed[graphVersionTx] {
	return narrow(a.store, func(tx Tx) graphVersionTx { return tx }).(narrowed[graphVersionTx])
}

// namedPersonTx is what choosing the person named to take over a team reads:
// the person by email, and whether the actor may see them and their links
// (absences.go's absenceDelegate, leavers.go's successor).
type namedPersonTx interface {
	visibilityTx
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
}

// linkChangeTx is what moving a team's links writes under the link lock: the
// links checked for cycles and changed, their audit, the people they name
// and the links a directory owns (absences.go's delegateLinks, leavers.go's
// moveReports, userimport.go's importManagers).
type linkChangeTx interface {
	usecase.AuthorityTx
	settingReadTx
	AppendAudit(ctx context.Context, entries []reportline.AuditEntry) error
	DeleteLink(ctx context.Context, p reportline.Pair) error
	FlagLeaverReports(ctx context.Context, leaver reportline.UserID, managees []reportline.UserID, at time.Time) error
	InsertLink(ctx context.Context, l reportline.Link) error
	LineManagers(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error)
	Link(ctx context.Context, p reportline.Pair) (reportline.Link, error)
	LinkedUsers(ctx context.Context, user reportline.UserID, dir reportline.Direction) ([]reportline.LinkedUser, error)
	Links(ctx context.Context, f reportline.LinkFilter) ([]reportline.Link, error)
	LockLinks(ctx context.Context) error
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
	UpdateLink(ctx context.Context, l reportline.Link) error
	User(ctx context.Context, id reportline.UserID) (reportline.User, error)
	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// importMatchTx finds the user an LMS import names (userimport.go).
type importMatchTx interface {
	UserByEmail(ctx context.Context, email string) (reportline.User, error)
	UserByExternalUID(ctx context.Context, uid string) (reportline.User, error)
}

// messageGroupTx is the group a template message goes to (messages.go).
type messageGroupTx interface {
	usecase.AuthorityTx
	Group(ctx context.Context, id reportline.GroupID) (reportline.Group, error)
}

// courseOpenerTx is what deciding which courses a reader may open reads
// (stats.go's courseOpener).
type courseOpenerTx interface {
	usecase.AuthorityTx
	CourseGroups(ctx context.Context, courses []reportline.CourseID) (map[reportline.CourseID][]reportline.GroupID, error)
}

// teamViewLogTx records who viewed a team's statistics (team.go).
type teamViewLogTx interface {
	AppendStatisticsViews(ctx context.Context, views []reportline.StatisticsView) error
}

// teamFillTx is what filling My team's rows reads beyond the checker
// (team.go's fillTeam).
type teamFillTx interface {
	usecase.AuthorityTx
	settingReadTx
	CourseGroups(ctx context.Context, courses []reportline.CourseID) (map[reportline.CourseID][]reportline.GroupID, error)
	LearningRecordsOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.RecordDetail, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}
