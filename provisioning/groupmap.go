package provisioning

import (
	"context"
	"slices"
	"strings"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// groupMapping names the IdP's group that an existing Reportline group
// stands for: its externalId (Entra sends the group's object id), its
// displayName, or both. A SCIM POST carrying that externalId, or (when the
// mapping has none yet) that displayName, lands in the mapped group instead
// of creating one.
type groupMapping struct {
	Group       reportline.GroupID
	ExternalID  string
	DisplayName string
}

// unmapGroup is the change log action of a mapping ended by an admin
// (directory.group_map records a mapping made).
const unmapGroup policy.Action = "directory.group_unmap"

// ListSCIMGroups returns every group a SCIM client manages, those it
// created and those a platform admin mapped, for the admins' pages.
func (pr *Provisioner) ListSCIMGroups(ctx context.Context, actor usecase.Actor) ([]reportline.SCIMGroup, error) {
	if err := usecase.AuthorizeActor(actor, policy.MapDirectoryGroup); err != nil {
		return nil, err
	}
	var out []reportline.SCIMGroup
	err := pr.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.SCIMGroups(ctx, 0)
		return err
	})
	return out, err
}

func checkMapping(m *groupMapping) error {
	m.ExternalID = strings.TrimSpace(m.ExternalID)
	m.DisplayName = strings.TrimSpace(m.DisplayName)
	if m.ExternalID == "" && m.DisplayName == "" {
		return reportline.FieldError("external_id", "", "name the directory group by its externalId, its displayName, or both")
	}
	if len(m.ExternalID) > reportline.MaxExternalIDLength {
		return reportline.FieldError("external_id", "", "externalId is longer than %d characters", reportline.MaxExternalIDLength)
	}
	if m.DisplayName != "" {
		if err := reportline.CheckField("display_name", m.DisplayName, reportline.MaxNameLength); err != nil {
			return err
		}
	}
	return nil
}

// clash returns the SCIM group, other than skip, that a client would take
// for the directory group named by externalID or name: one with that
// externalId, or shown under that name (any case). ok is false when none.
func clash(groups []reportline.SCIMGroup, skip reportline.GroupID, externalID, name string) (reportline.SCIMGroup, bool) {
	for _, g := range groups {
		if g.ID == skip {
			continue
		}
		if (externalID != "" && g.ExternalID == externalID) || (name != "" && strings.EqualFold(g.SCIMName(), name)) {
			return g, true
		}
	}
	return reportline.SCIMGroup{}, false
}

// MapSCIMGroup adopts an existing Reportline group for the IdP's group (a
// platform admin's decision): the group becomes a SCIM group shown to the
// client under the IdP's name, so the client finds it (Entra's
// filter=displayName eq "…", or externalId) and its membership pushes land
// there; a POST of that group lands there too. The group keeps its name, its
// place, its admins and the members given by hand. Refused (Conflict) for a
// group a SCIM client already manages (created or mapped: one directory
// group per group) and for a directory group another SCIM group already
// answers to.
func (pr *Provisioner) MapSCIMGroup(ctx context.Context, actor usecase.Actor, group reportline.GroupID, externalID, displayName string) (reportline.SCIMGroup, error) {
	m := groupMapping{Group: group, ExternalID: externalID, DisplayName: displayName}
	if err := usecase.AuthorizeActor(actor, policy.MapDirectoryGroup); err != nil {
		return reportline.SCIMGroup{}, err
	}
	if err := checkMapping(&m); err != nil {
		return reportline.SCIMGroup{}, err
	}
	var out reportline.SCIMGroup
	err := pr.store.Write(ctx, func(tx Tx) error {
		g, err := tx.Group(ctx, m.Group)
		if err != nil {
			return err
		}
		all, err := tx.SCIMGroups(ctx, 0)
		if err != nil {
			return err
		}
		for _, s := range all {
			if s.ID != g.ID {
				continue
			}
			how, id, args := "created by a SCIM client", "error.scim.group_created", map[string]any{"Name": g.Name}
			if s.Mapped() {
				how, id, args = "mapped to the directory group "+describe(s), "error.scim.group_mapped", map[string]any{"Name": g.Name, "Directory": describe(s)}
			}
			return reportline.Errorf(reportline.Conflict, "group %q is already %s: end that first, a group stands for one directory group", g.Name, how).
				Say(id, args)
		}
		if other, ok := clash(all, g.ID, m.ExternalID, m.DisplayName); ok {
			return reportline.Errorf(reportline.Conflict, "the SCIM group %d (%q) already answers to this directory group (%s): end that mapping, or delete that group in the IdP, first",
				other.ID, other.Name, describe(other)).
				Say("error.scim.group_clash", map[string]any{"ID": other.ID, "Name": other.Name, "Directory": describe(other)})
		}
		now := pr.now()
		out = reportline.SCIMGroup{Group: g, ExternalID: m.ExternalID, DirectoryName: m.DisplayName, MappedBy: actorUser(actor), MappedAt: now, CreatedAt: now, UpdatedAt: now}
		if out.MappedBy == 0 {
			out.MappedBy = -1 // the service or the operator's CLI: mapped, by nobody we can name
		}
		if err := tx.PutSCIMGroup(ctx, out); err != nil {
			return err
		}
		return pr.record(ctx, tx, actor, policy.MapDirectoryGroup, reportline.Change{GroupID: g.ID,
			After: usecase.JSON(map[string]string{"external_id": m.ExternalID, "display_name": m.DisplayName})})
	})
	return out, err
}

// UnmapSCIMGroup ends what a SCIM client manages of a group, whether the
// client created it or an admin mapped it: the client no longer sees it
// (404), and the memberships it made stay as ordinary memberships, now
// changed by hand only. A later push of that directory group creates a new
// group.
func (pr *Provisioner) UnmapSCIMGroup(ctx context.Context, actor usecase.Actor, id reportline.GroupID) error {
	if err := usecase.AuthorizeActor(actor, policy.MapDirectoryGroup); err != nil {
		return err
	}
	return pr.store.Write(ctx, func(tx Tx) error {
		cur, err := tx.SCIMGroups(ctx, id)
		if err != nil {
			return err
		}
		if len(cur) == 0 || id == 0 {
			return reportline.Errorf(reportline.NotFound, "no SCIM client manages a group with id %d", id).
				Say("error.scim.no_group", map[string]any{"ID": id})
		}
		if err := tx.DeleteSCIMGroup(ctx, id); err != nil {
			return err
		}
		members := make([]int64, 0, len(cur[0].Members))
		for _, u := range cur[0].Members {
			members = append(members, int64(u.ID))
		}
		return pr.record(ctx, tx, actor, unmapGroup, reportline.Change{GroupID: id, Before: usecase.JSON(map[string]any{
			"external_id": cur[0].ExternalID, "display_name": cur[0].SCIMName(), "mapped": cur[0].Mapped(), "scim_members_kept": members})})
	})
}

// mappedFor returns the mapped group a SCIM POST of in lands in: the one
// mapped with its externalId, else (a mapping with no externalId yet) the
// one mapped with its displayName, in any case.
func mappedFor(groups []reportline.SCIMGroup, in GroupInput) (reportline.SCIMGroup, bool) {
	if in.ExternalID != "" {
		if i := slices.IndexFunc(groups, func(g reportline.SCIMGroup) bool { return g.Mapped() && g.ExternalID == in.ExternalID }); i >= 0 {
			return groups[i], true
		}
	}
	i := slices.IndexFunc(groups, func(g reportline.SCIMGroup) bool {
		return g.Mapped() && g.ExternalID == "" && g.DirectoryName != "" && strings.EqualFold(g.DirectoryName, in.DisplayName)
	})
	if i < 0 {
		return reportline.SCIMGroup{}, false
	}
	return groups[i], true
}

func describe(g reportline.SCIMGroup) string {
	var parts []string
	if g.ExternalID != "" {
		parts = append(parts, "externalId "+g.ExternalID)
	}
	if n := g.SCIMName(); n != "" {
		parts = append(parts, "displayName "+n)
	}
	return strings.Join(parts, ", ")
}

func actorUser(actor usecase.Actor) reportline.UserID {
	if actor.User.ID != 0 && !actor.System {
		return actor.User.ID
	}
	return 0
}
