package provisioning

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// GroupInput is what a SCIM client says a group is (POST, PUT, and
// PATCH once its operations are applied): its name, its externalId and its
// members, which become plain memberships (role member) of source scim.
type GroupInput struct {
	DisplayName string
	ExternalID  string
	Members     []reportline.UserID
}

// Change log actions of SCIM groups besides group.create and
// group.members.change.
const (
	renameGroup    policy.Action = "group.rename"      // a SCIM client renamed a group it manages
	unprovisionGrp policy.Action = "group.scim_delete" // a SCIM client deleted a group: its SCIM memberships go, the group stays
)

// mayProvisionGroups is the rule of SCIM Groups: only a provisioning
// client (acting through /scim/v2) reads or writes them.
func mayProvisionGroups(actor usecase.Actor) error {
	return usecase.AuthorizeActor(actor, policy.ProvisionGroups)
}

// SCIMGroups returns the groups SCIM clients manage (only group id when it
// is not 0; NotFound when that one is not such a group).
func (pr *Provisioner) SCIMGroups(ctx context.Context, actor usecase.Actor, id reportline.GroupID) ([]reportline.SCIMGroup, error) {
	if err := mayProvisionGroups(actor); err != nil {
		return nil, err
	}
	var out []reportline.SCIMGroup
	err := pr.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SCIMGroups(ctx, id)
		if err == nil && id != 0 && len(out) == 0 {
			err = reportline.Errorf(reportline.NotFound, "no SCIM group has id %d", id)
		}
		return err
	})
	return out, err
}

func checkSCIMGroup(in *GroupInput) error {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.ExternalID = strings.TrimSpace(in.ExternalID)
	if in.DisplayName == "" {
		return reportline.FieldError("displayName", "", "displayName is required")
	}
	if err := reportline.CheckField("displayName", in.DisplayName, reportline.MaxNameLength); err != nil {
		return err
	}
	if len(in.ExternalID) > reportline.MaxExternalIDLength {
		return reportline.FieldError("externalId", "", "externalId is longer than %d characters", reportline.MaxExternalIDLength)
	}
	return nil
}

// SCIMCreateGroup creates a root group managed by the SCIM client, with its
// members; or, when a platform admin mapped an existing group onto this
// directory group (MapSCIMGroup: its externalId, else its displayName), it
// lands there: the group becomes what the client says, as a replace would.
func (pr *Provisioner) SCIMCreateGroup(ctx context.Context, actor usecase.Actor, in GroupInput) (reportline.SCIMGroup, error) {
	if err := mayProvisionGroups(actor); err != nil {
		return reportline.SCIMGroup{}, err
	}
	if err := checkSCIMGroup(&in); err != nil {
		return reportline.SCIMGroup{}, err
	}
	var id reportline.GroupID
	err := pr.store.Write(ctx, func(tx Tx) error {
		mapped, err := tx.MappedSCIMGroups(ctx)
		if err != nil {
			return err
		}
		if m, ok := mappedFor(mapped, in); ok {
			cur, err := tx.SCIMGroups(ctx, m.ID)
			if err != nil {
				return err
			}
			id = m.ID
			return pr.replaceSCIMGroup(ctx, tx, actor, cur[0], in)
		}
		g := reportline.Group{Name: in.DisplayName}
		if err := tx.CreateGroup(ctx, &g); err != nil {
			return err
		}
		id = g.ID
		now := pr.now()
		if err := tx.PutSCIMGroup(ctx, reportline.SCIMGroup{Group: g, ExternalID: in.ExternalID, CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		if err := pr.record(ctx, tx, actor, policy.CreateGroup, reportline.Change{GroupID: g.ID, After: usecase.JSON(g)}); err != nil {
			return err
		}
		return pr.setSCIMMembers(ctx, tx, actor, g.ID, in.Members, nil)
	})
	if err != nil {
		return reportline.SCIMGroup{}, err
	}
	return pr.scimGroup(ctx, actor, id)
}

// SCIMReplaceGroup makes a SCIM group what the client says: its name, its
// externalId and exactly these SCIM members. Memberships made otherwise,
// and any with an admin role, are left as they are.
func (pr *Provisioner) SCIMReplaceGroup(ctx context.Context, actor usecase.Actor, id reportline.GroupID, in GroupInput) (reportline.SCIMGroup, error) {
	if err := mayProvisionGroups(actor); err != nil {
		return reportline.SCIMGroup{}, err
	}
	if err := checkSCIMGroup(&in); err != nil {
		return reportline.SCIMGroup{}, err
	}
	err := pr.store.Write(ctx, func(tx Tx) error {
		cur, err := tx.SCIMGroups(ctx, id)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			return reportline.Errorf(reportline.NotFound, "no SCIM group has id %d", id)
		}
		return pr.replaceSCIMGroup(ctx, tx, actor, cur[0], in)
	})
	if err != nil {
		return reportline.SCIMGroup{}, err
	}
	return pr.scimGroup(ctx, actor, id)
}

// replaceSCIMGroup makes the SCIM group g what the client says. A group
// the client created is renamed to its displayName; a mapped group keeps
// its Reportline name and records the IdP's, and keeps its externalId when
// the client sends none (so another directory group of the same name never
// lands there); an externalId another mapped group has is a Conflict.
func (pr *Provisioner) replaceSCIMGroup(ctx context.Context, tx Tx, actor usecase.Actor, g reportline.SCIMGroup, in GroupInput) error {
	id := g.ID
	switch {
	case g.Mapped():
		g.DirectoryName = in.DisplayName
	case g.Name != in.DisplayName:
		if err := tx.RenameGroup(ctx, id, in.DisplayName); err != nil {
			return err
		}
		if err := pr.record(ctx, tx, actor, renameGroup, reportline.Change{GroupID: id,
			Before: usecase.JSON(map[string]string{"name": g.Name}), After: usecase.JSON(map[string]string{"name": in.DisplayName})}); err != nil {
			return err
		}
	}
	if !g.Mapped() || in.ExternalID != "" {
		g.ExternalID = in.ExternalID
	}
	g.UpdatedAt = pr.now()
	if err := tx.PutSCIMGroup(ctx, g); err != nil {
		return err
	}
	marked, err := tx.SCIMMemberships(ctx, id)
	if err != nil {
		return err
	}
	var remove []reportline.UserID
	for u := range marked {
		if !slices.Contains(in.Members, u) {
			remove = append(remove, u)
		}
	}
	slices.Sort(remove)
	return pr.setSCIMMembers(ctx, tx, actor, id, in.Members, remove)
}

// SCIMDeleteGroup is DELETE /Groups/{id}: the members the client added
// lose that membership (plain memberships only) and the client no longer
// manages the group; the Reportline group itself stays, with the members
// and admins given by hand, the capabilities and the history that refer to
// it. A platform admin deletes it in Reportline if it is not wanted.
func (pr *Provisioner) SCIMDeleteGroup(ctx context.Context, actor usecase.Actor, id reportline.GroupID) error {
	if err := mayProvisionGroups(actor); err != nil {
		return err
	}
	return pr.store.Write(ctx, func(tx Tx) error {
		cur, err := tx.SCIMGroups(ctx, id)
		if err != nil {
			return err
		}
		if len(cur) == 0 {
			return reportline.Errorf(reportline.NotFound, "no SCIM group has id %d", id)
		}
		marked, err := tx.SCIMMemberships(ctx, id)
		if err != nil {
			return err
		}
		remove := make([]reportline.UserID, 0, len(marked))
		for u := range marked {
			remove = append(remove, u)
		}
		slices.Sort(remove)
		if err := pr.setSCIMMembers(ctx, tx, actor, id, nil, remove); err != nil {
			return err
		}
		if err := tx.DeleteSCIMGroup(ctx, id); err != nil {
			return err
		}
		return pr.record(ctx, tx, actor, unprovisionGrp, reportline.Change{GroupID: id, Before: usecase.JSON(map[string]string{"name": cur[0].Name, "external_id": cur[0].ExternalID})})
	})
}

// setSCIMMembers adds the users as plain members of source scim and removes
// the SCIM memberships of the others given. A user who is already a plain
// member by hand becomes a SCIM member (a later remove takes them out); a
// member with an admin role is left exactly as they are, never marked and
// never removed. Every membership change is in the change log.
func (pr *Provisioner) setSCIMMembers(ctx context.Context, tx Tx, actor usecase.Actor, group reportline.GroupID, add, remove []reportline.UserID) error {
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: []reportline.GroupID{group}})
	if err != nil {
		return err
	}
	role := map[reportline.UserID]reportline.GroupRole{}
	for _, m := range ms {
		role[m.UserID] = m.Role
	}
	if len(add) > 0 {
		found, err := tx.UsersByIDs(ctx, add)
		if err != nil {
			return err
		}
		for _, u := range add {
			if _, ok := found[u]; !ok {
				return reportline.FieldError("members", fmt.Sprint(u), "member %d is not a user here: provision the user first", u)
			}
		}
	}
	marked, err := tx.SCIMMemberships(ctx, group)
	if err != nil {
		return err
	}
	done := map[reportline.UserID]bool{}
	for _, u := range add {
		if done[u] {
			continue
		}
		done[u] = true
		switch r, ok := role[u]; {
		case !ok:
			m := reportline.Membership{GroupID: group, UserID: u, Role: reportline.MemberRole}
			if err := tx.SetMembership(ctx, m); err != nil {
				return err
			}
			if err := pr.record(ctx, tx, actor, policy.ChangeMember, reportline.Change{UserID: u, GroupID: group, After: usecase.RoleJSON(&m)}); err != nil {
				return err
			}
		case r != reportline.MemberRole:
			pr.log.Info("scim group: member with an admin role left as is", "group", group, "user", u, "role", r)
			continue
		}
		if !marked[u] {
			if err := tx.SetSCIMMembership(ctx, group, u, true); err != nil {
				return err
			}
		}
	}
	for _, u := range remove {
		if done[u] || !marked[u] {
			continue
		}
		if err := tx.SetSCIMMembership(ctx, group, u, false); err != nil {
			return err
		}
		r, ok := role[u]
		if !ok || r != reportline.MemberRole {
			continue // gone already, or given an admin role by hand since: kept
		}
		if err := tx.DeleteMembership(ctx, group, u); err != nil {
			return err
		}
		before := reportline.Membership{GroupID: group, UserID: u, Role: r}
		if err := pr.record(ctx, tx, actor, policy.ChangeMember, reportline.Change{UserID: u, GroupID: group, Before: usecase.RoleJSON(&before)}); err != nil {
			return err
		}
	}
	return nil
}

func (pr *Provisioner) scimGroup(ctx context.Context, actor usecase.Actor, id reportline.GroupID) (reportline.SCIMGroup, error) {
	gs, err := pr.SCIMGroups(ctx, actor, id)
	if err != nil {
		return reportline.SCIMGroup{}, err
	}
	return gs[0], nil
}
