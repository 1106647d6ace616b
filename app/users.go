package app

import (
	"context"
	"fmt"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// UserInput is a new user. GroupID, when set, adds them to that group as a
// member: that is how a group admin creates users inside their group.
type UserInput struct {
	ExternalUID  string
	Email        string
	FirstName    string
	LastName     string
	Status       reportline.Status // active when empty
	Birthday     string            // YYYY-MM-DD, --MM-DD or DD.MM.YYYY
	Position     string
	OrgUnit      string
	PlatformRole reportline.PlatformRole
	Locale       string
	TimeZone     string
	GroupID      reportline.GroupID
}

// UserPatch changes some fields of a user; nil fields stay as they are.
type UserPatch struct {
	ExternalUID  *string
	Email        *string
	FirstName    *string
	LastName     *string
	Status       *reportline.Status
	Birthday     *string
	Position     *string
	OrgUnit      *string
	PlatformRole *reportline.PlatformRole
	Locale       *string
	TimeZone     *string
}

// CreateUser creates a user. Platform admins create anybody; group admins and
// user admins create users into a group they administrate; only platform
// admins create platform admins.
func (a *App) CreateUser(ctx context.Context, actor Actor, in UserInput) (reportline.User, error) {
	u := reportline.User{ExternalUID: strings.TrimSpace(in.ExternalUID), FirstName: strings.TrimSpace(in.FirstName),
		LastName: strings.TrimSpace(in.LastName), Status: in.Status, Position: strings.TrimSpace(in.Position),
		OrgUnit: strings.TrimSpace(in.OrgUnit), PlatformRole: in.PlatformRole, Locale: in.Locale, TimeZone: in.TimeZone}
	if u.Status == "" {
		u.Status = reportline.StatusActive
	}
	var err error
	if u.Email, err = reportline.NormalizeEmail(in.Email); err != nil {
		return u, err
	}
	if u.Birthday, err = reportline.ParseBirthday(in.Birthday); err != nil {
		return u, err
	}
	if err := u.Validate(); err != nil {
		return u, err
	}
	err = a.userAdminStore().Write(ctx, func(tx userAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.CreateUser, policy.Target{Group: in.GroupID, User: &policy.Person{User: u}}); err != nil {
			return err
		}
		if in.GroupID != 0 {
			if _, err := tx.Group(ctx, in.GroupID); err != nil {
				return err
			}
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.CreateUser, reportline.Change{UserID: u.ID, GroupID: in.GroupID, After: usecase.JSON(userDoc(u))}); err != nil {
			return err
		}
		if in.GroupID != 0 {
			return tx.SetMembership(ctx, reportline.Membership{GroupID: in.GroupID, UserID: u.ID, Role: reportline.MemberRole})
		}
		return nil
	})
	return u, err
}

// UpdateUser applies a patch. Deactivating keeps the user's links, so
// reactivating restores them.
func (a *App) UpdateUser(ctx context.Context, actor Actor, id reportline.UserID, p UserPatch) (reportline.User, error) {
	var u reportline.User
	err := a.userViewStore().Write(ctx, func(tx userViewTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if u, err = tx.User(ctx, id); err != nil {
			if reportline.ErrorCode(err) == reportline.NotFound && !ac.Scope.All {
				return usecase.NotVisible()
			}
			return err
		}
		if err := a.authorizeUserPatch(ctx, tx, ac, u, p); err != nil {
			return err
		}
		before := userDoc(u)
		if err := patchUser(&u, p); err != nil {
			return err
		}
		if err := tx.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return a.recordUserChange(ctx, tx, actor, u.ID, before, userDoc(u))
	})
	return u, err
}

// authorizeUserPatch asks the policy about every part of a patch: the
// person's details and status (user.edit), and their org unit and position
// (user.edit_org), which in the positions mode make line managers. An actor
// who may not see the user is refused without learning more.
func (a *App) authorizeUserPatch(ctx context.Context, tx userViewTx, ac *usecase.Authority, u reportline.User, p UserPatch) error {
	if ac.Actor.System {
		return nil
	}
	visible, err := a.mayView(ctx, tx, ac, u.ID)
	if err != nil {
		return err
	}
	if !visible {
		return usecase.NotVisible()
	}
	person, err := ac.Person(ctx, tx, u)
	if err != nil {
		return err
	}
	personal := p.ExternalUID == nil && p.Email == nil && p.Status == nil && p.PlatformRole == nil && p.Position == nil && p.OrgUnit == nil
	t := policy.Target{User: person, Personal: personal,
		Deactivating: p.Status != nil && *p.Status != reportline.StatusActive && u.Active()}
	if p.PlatformRole != nil && *p.PlatformRole != u.PlatformRole {
		// Granting or taking the platform role is a platform admin's act.
		t.User = &policy.Person{User: reportline.User{ID: u.ID, Status: u.Status, PlatformRole: reportline.PlatformAdminRole}}
	}
	if err := ac.Authorize(policy.EditUser, t); err != nil {
		return err
	}
	if (p.Position != nil && strings.TrimSpace(*p.Position) != u.Position) || (p.OrgUnit != nil && strings.TrimSpace(*p.OrgUnit) != u.OrgUnit) {
		mode, err := a.assignMode(ctx, tx)
		if err != nil {
			return err
		}
		t.Mode = mode
		t.Personal = false
		return ac.Authorize(policy.EditUserOrg, t)
	}
	return nil
}

// userDoc is a user as the change log records it.
func userDoc(u reportline.User) map[string]any {
	d := map[string]any{"email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "status": u.Status}
	for k, v := range map[string]string{"external_uid": u.ExternalUID, "position": u.Position, "org_unit": u.OrgUnit,
		"platform_role": string(u.PlatformRole), "locale": u.Locale, "time_zone": u.TimeZone, "birthday": u.Birthday.String()} {
		if v != "" {
			d[k] = v
		}
	}
	return d
}

// recordUserChange logs the fields of a user that changed, if any.
func (a *App) recordUserChange(ctx context.Context, tx usecase.ChangeTx, actor Actor, user reportline.UserID, before, after map[string]any) error {
	b, c := map[string]any{}, map[string]any{}
	for k, v := range after {
		if before[k] != v {
			b[k], c[k] = before[k], v
		}
	}
	for k, v := range before {
		if _, ok := after[k]; !ok {
			b[k], c[k] = v, nil
		}
	}
	if len(c) == 0 {
		return nil
	}
	return a.record(ctx, tx, actor, policy.EditUser, reportline.Change{UserID: user, Before: usecase.JSON(b), After: usecase.JSON(c)})
}

func patchUser(u *reportline.User, p UserPatch) error {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = strings.TrimSpace(*src)
		}
	}
	set(&u.ExternalUID, p.ExternalUID)
	set(&u.FirstName, p.FirstName)
	set(&u.LastName, p.LastName)
	set(&u.Position, p.Position)
	set(&u.OrgUnit, p.OrgUnit)
	set(&u.Locale, p.Locale)
	set(&u.TimeZone, p.TimeZone)
	if p.Email != nil {
		e, err := reportline.NormalizeEmail(*p.Email)
		if err != nil {
			return err
		}
		u.Email = e
	}
	if p.Status != nil {
		u.Status = *p.Status
	}
	if p.PlatformRole != nil {
		u.PlatformRole = *p.PlatformRole
	}
	if p.Birthday != nil {
		b, err := reportline.ParseBirthday(*p.Birthday)
		if err != nil {
			return err
		}
		u.Birthday = b
	}
	return u.Validate()
}

// GetUser returns a user the actor may see: themself, users they
// administrate, and the people they manage.
func (a *App) GetUser(ctx context.Context, actor Actor, id reportline.UserID) (reportline.User, error) {
	var u reportline.User
	err := a.userViewStore().Read(ctx, func(tx userViewTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		ok, err := a.mayView(ctx, tx, ac, id)
		if err != nil {
			return err
		}
		if !ok {
			return usecase.NotVisible()
		}
		u, err = tx.User(ctx, id)
		return err
	})
	return u, err
}

// UserPage is one page of a user list.
type UserPage struct {
	Users  []reportline.User
	Total  int
	NextID reportline.UserID // pass as AfterID for the next page; 0 at the end
}

// FindUsers lists users: all of them for platform admins, the members of the
// groups they administrate (descendants included) for admins; others are
// refused. f.Groups, when set, is narrowed to the actor's scope.
func (a *App) FindUsers(ctx context.Context, actor Actor, f reportline.UserFilter, group reportline.GroupID) (UserPage, error) {
	var page UserPage
	if f.Email != "" {
		e, err := reportline.NormalizeEmail(f.Email)
		if err != nil {
			return page, err
		}
		f.Email = e
	}
	err := a.userAdminStore().Read(ctx, func(tx userAdminTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ListUsers, policy.Target{}); err != nil {
			return err
		}
		if group != 0 {
			if _, err := tx.Group(ctx, group); err != nil {
				return err
			}
		}
		groups, err := visibleGroups(ctx, tx, ac, group)
		if err != nil {
			return err
		}
		if groups != nil {
			if len(groups) == 0 {
				return usecase.Forbidden("you do not administrate this group").Say("error.policy.not_group_admin", nil)
			}
			f.Groups = groups
		}
		page.Users, page.Total, err = tx.FindUsers(ctx, f)
		if err != nil {
			return err
		}
		limit := f.Limit
		if limit <= 0 {
			limit = 50
		}
		if len(page.Users) == limit {
			page.NextID = page.Users[len(page.Users)-1].ID
		}
		return nil
	})
	return page, err
}

// visibleGroups returns the groups whose members the actor may list,
// restricted to the subtree of group when it is set; nil means "no
// restriction" (a platform admin listing everybody).
func visibleGroups(ctx context.Context, tx usecase.AuthorityTx, ac *usecase.Authority, group reportline.GroupID) ([]reportline.GroupID, error) {
	if ac.Scope.All && group == 0 {
		return nil, nil
	}
	all, err := tx.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	tree := reportline.NewGroupTree(all)
	out := []reportline.GroupID{}
	for _, g := range all {
		inScope := ac.Scope.All || ac.Scope.CoversUser(tree, []reportline.GroupID{g.ID})
		if inScope && (group == 0 || tree.IsAncestorOrSelf(group, g.ID)) {
			out = append(out, g.ID)
		}
	}
	return out, nil
}

// GetUserByEmail finds a user by address, for trusted callers that act as
// somebody (the operator's CLI with --as); it checks no permission.
func (a *App) GetUserByEmail(ctx context.Context, email string) (reportline.User, error) {
	e, err := reportline.NormalizeEmail(email)
	if err != nil {
		return reportline.User{}, err
	}
	var u reportline.User
	err = a.userAdminStore().Read(ctx, func(tx userAdminTx) error {
		u, err = tx.UserByEmail(ctx, e)
		return err
	})
	return u, err
}
