package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
)

// The org structure matches users to units and positions with
// reportline.OrgKey: surrounding spaces dropped, ASCII letters lower-cased.
// These expressions compute it in SQL, and are the expressions of the
// users_org index, so they must stay exactly as migration 0003 wrote them.
// PostgreSQL's lower() follows the database's locale unless asked for the
// "C" collation, which folds ASCII letters only, as SQLite's always does.
const (
	unitKeySQLite     = `lower(trim(org_unit))`
	positionKeySQLite = `lower(trim(position))`
	unitKeyPG         = `lower(trim(org_unit) COLLATE "C")`
	positionKeyPG     = `lower(trim(position) COLLATE "C")`
)

// orgKeys returns the engine's SQL for the unit key and the position key of
// a users row.
func (tx *Tx) orgKeys() (unit, position string) {
	if tx.engine == Postgres {
		return unitKeyPG, positionKeyPG
	}
	return unitKeySQLite, positionKeySQLite
}

// Setting returns a system setting's value; NotFound when it was never set.
func (tx *Tx) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM settings WHERE tenant_id = $T AND key = $1`, key).Scan(&v)
	return v, notFound(translate(err), "setting", key)
}

// PutSetting sets a system setting.
func (tx *Tx) PutSetting(ctx context.Context, key, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO settings (tenant_id, key, value) VALUES ($T, $1, $2)
		ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value`, key, value)
	if err != nil {
		return fmt.Errorf("put setting %s: %w", key, err)
	}
	return nil
}

const orgUnitColumns = `id, COALESCE(parent_id, 0), name`

func scanOrgUnit(s scanner) (reportline.OrgUnit, error) {
	var u reportline.OrgUnit
	err := s.Scan(&u.ID, &u.ParentID, &u.Name)
	return u, translate(err)
}

func (tx *Tx) orgUnits(ctx context.Context, q string, args ...any) ([]reportline.OrgUnit, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []reportline.OrgUnit
	for rows.Next() {
		u, err := scanOrgUnit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, translate(rows.Err())
}

// OrgUnit returns one org unit.
func (tx *Tx) OrgUnit(ctx context.Context, id reportline.OrgUnitID) (reportline.OrgUnit, error) {
	u, err := scanOrgUnit(tx.queryRow(ctx, `SELECT `+orgUnitColumns+` FROM org_units WHERE tenant_id = $T AND id = $1`, id))
	return u, notFound(err, "org unit", id)
}

// OrgUnitByKey returns the org unit whose name has the given
// reportline.OrgKey.
func (tx *Tx) OrgUnitByKey(ctx context.Context, key string) (reportline.OrgUnit, error) {
	u, err := scanOrgUnit(tx.queryRow(ctx, `SELECT `+orgUnitColumns+` FROM org_units WHERE tenant_id = $T AND name_key = $1`, key))
	return u, notFound(err, "org unit", fmt.Sprintf("%q", key))
}

// OrgUnits returns every org unit, ordered by name.
func (tx *Tx) OrgUnits(ctx context.Context) ([]reportline.OrgUnit, error) {
	out, err := tx.orgUnits(ctx, `SELECT `+orgUnitColumns+` FROM org_units WHERE tenant_id = $T ORDER BY name_key, id`)
	if err != nil {
		return nil, fmt.Errorf("list org units: %w", err)
	}
	return out, nil
}

// OrgUnitChildren returns the units whose parent is one of parents (0
// names the top: the units without a parent), ordered by name.
func (tx *Tx) OrgUnitChildren(ctx context.Context, parents []reportline.OrgUnitID) ([]reportline.OrgUnit, error) {
	var out []reportline.OrgUnit
	for _, c := range chunks(parents) {
		where, args := parentIn(c)
		units, err := tx.orgUnits(ctx, `SELECT `+orgUnitColumns+` FROM org_units WHERE tenant_id = $T AND `+where+` ORDER BY name_key, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("list org units: %w", err)
		}
		out = append(out, units...)
	}
	return out, nil
}

// OrgUnitChildCounts counts the sub-units of each of parents (0: the top);
// parents without any are absent.
func (tx *Tx) OrgUnitChildCounts(ctx context.Context, parents []reportline.OrgUnitID) (map[reportline.OrgUnitID]int, error) {
	out := map[reportline.OrgUnitID]int{}
	for _, c := range chunks(parents) {
		where, args := parentIn(c)
		rows, err := tx.query(ctx, `SELECT COALESCE(parent_id, 0), count(*) FROM org_units WHERE tenant_id = $T AND `+where+` GROUP BY 1`, args...)
		if err != nil {
			return nil, fmt.Errorf("count org units: %w", err)
		}
		for rows.Next() {
			var id reportline.OrgUnitID
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("count org units: %w", translate(err))
			}
			out[id] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("count org units: %w", translate(err))
		}
	}
	return out, nil
}

// parentIn selects the units whose parent is one of parents, 0 standing for
// none, in a form the org_units_parent index serves.
func parentIn(parents []reportline.OrgUnitID) (string, []any) {
	ids := slices.DeleteFunc(slices.Clone(parents), func(id reportline.OrgUnitID) bool { return id == 0 })
	var where []string
	if len(ids) > 0 {
		in, _ := inList(1, ids)
		where = append(where, `parent_id IN (`+in+`)`)
	}
	if len(ids) < len(parents) {
		where = append(where, `parent_id IS NULL`)
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return `(` + strings.Join(where, ` OR `) + `)`, args
}

// CountOrgUnits counts every org unit.
func (tx *Tx) CountOrgUnits(ctx context.Context) (int, error) {
	var n int
	if err := tx.queryRow(ctx, `SELECT count(*) FROM org_units WHERE tenant_id = $T`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count org units: %w", translate(err))
	}
	return n, nil
}

// maxOrgDepth bounds walks up the unit tree, so that corrupt data cannot
// loop forever.
const maxOrgDepth = 1000

// OrgUnitAncestors returns the unit and every unit above it, nearest first:
// the unit, its parent, …, the root. NotFound when the unit does not exist.
func (tx *Tx) OrgUnitAncestors(ctx context.Context, id reportline.OrgUnitID) ([]reportline.OrgUnit, error) {
	out, err := tx.orgUnits(ctx, `WITH RECURSIVE up (id, parent_id, name, depth) AS (
			SELECT id, parent_id, name, 0 FROM org_units WHERE tenant_id = $T AND id = $1
			UNION ALL
			SELECT o.id, o.parent_id, o.name, up.depth + 1 FROM org_units o JOIN up ON o.id = up.parent_id
			WHERE o.tenant_id = $T AND up.depth < $2)
		SELECT `+orgUnitColumns+` FROM up ORDER BY depth`, id, maxOrgDepth)
	if err != nil {
		return nil, fmt.Errorf("org unit ancestors: %w", err)
	}
	if len(out) == 0 {
		return nil, reportline.Errorf(reportline.NotFound, "org unit %d not found", id)
	}
	return out, nil
}

// OrgUnitChainsByKeys is OrgUnitAncestors of each unit whose name has one
// of the given reportline.OrgKey values, one query per 500 keys. Keys that
// name no unit are absent.
func (tx *Tx) OrgUnitChainsByKeys(ctx context.Context, keys []string) (map[string][]reportline.OrgUnit, error) {
	out := make(map[string][]reportline.OrgUnit, len(keys))
	for _, c := range chunks(keys) {
		in, args := inList(1, c)
		args = append(args, maxOrgDepth)
		rows, err := tx.query(ctx, fmt.Sprintf(`WITH RECURSIVE up (start, id, parent_id, name, depth) AS (
				SELECT name_key, id, parent_id, name, 0 FROM org_units WHERE tenant_id = $T AND name_key IN (%s)
				UNION ALL
				SELECT up.start, o.id, o.parent_id, o.name, up.depth + 1 FROM org_units o JOIN up ON o.id = up.parent_id
				WHERE o.tenant_id = $T AND up.depth < $%d)
			SELECT start, id, COALESCE(parent_id, 0), name FROM up ORDER BY start, depth`, in, len(args)), args...)
		if err != nil {
			return nil, fmt.Errorf("org unit ancestors: %w", err)
		}
		for rows.Next() {
			var k string
			var u reportline.OrgUnit
			if err := rows.Scan(&k, &u.ID, &u.ParentID, &u.Name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("org unit ancestors: %w", translate(err))
			}
			out[k] = append(out[k], u)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("org unit ancestors: %w", translate(err))
		}
	}
	return out, nil
}

// CreateOrgUnit inserts u and sets its ID. A unit whose name has the same
// reportline.OrgKey as another's is a Conflict.
func (tx *Tx) CreateOrgUnit(ctx context.Context, u *reportline.OrgUnit) error {
	err := tx.queryRow(ctx, `INSERT INTO org_units (tenant_id, parent_id, name, name_key) VALUES ($T, $1, $2, $3) RETURNING id`,
		nullID(u.ParentID), u.Name, reportline.OrgKey(u.Name)).Scan(&u.ID)
	return orgUnitConflict(translate(err), u.Name)
}

// UpdateOrgUnit writes a unit's name and parent.
func (tx *Tx) UpdateOrgUnit(ctx context.Context, u reportline.OrgUnit) error {
	res, err := tx.exec(ctx, `UPDATE org_units SET parent_id = $2, name = $3, name_key = $4 WHERE tenant_id = $T AND id = $1`,
		u.ID, nullID(u.ParentID), u.Name, reportline.OrgKey(u.Name))
	if err != nil {
		return orgUnitConflict(err, u.Name)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "org unit %d not found", u.ID)
	}
	return nil
}

func orgUnitConflict(err error, name string) error {
	if reportline.IsCode(err, reportline.Conflict) {
		return &reportline.Error{Code: reportline.Conflict, Field: "name", Value: name,
			Message: fmt.Sprintf("an org unit named %q already exists (names are compared ignoring case)", name), Err: err}
	}
	return err
}

// DeleteOrgUnit removes a unit. A unit with sub-units cannot be removed
// (Invalid: the foreign key refuses it).
func (tx *Tx) DeleteOrgUnit(ctx context.Context, id reportline.OrgUnitID) error {
	res, err := tx.exec(ctx, `DELETE FROM org_units WHERE tenant_id = $T AND id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete org unit %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "org unit %d not found", id)
	}
	return nil
}

// RenameOrgUnitMembers sets the OrgUnit of every user whose OrgUnit has the
// key oldKey to name, and returns how many users changed.
func (tx *Tx) RenameOrgUnitMembers(ctx context.Context, oldKey, name string) (int64, error) {
	unit, _ := tx.orgKeys()
	res, err := tx.exec(ctx, `UPDATE users SET org_unit = $1, updated_at = $2 WHERE tenant_id = $T AND `+unit+` = $3`,
		name, micros(tx.now()), oldKey)
	if err != nil {
		return 0, fmt.Errorf("rename org unit members: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// ManagerPositions returns the titles of the positions mapping, ordered by
// title.
func (tx *Tx) ManagerPositions(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT title FROM manager_positions WHERE tenant_id = $T ORDER BY title_key`)
	if err != nil {
		return nil, fmt.Errorf("manager positions: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("manager positions: %w", translate(err))
		}
		out = append(out, t)
	}
	return out, translate(rows.Err())
}

// SetManagerPositions replaces the positions mapping with titles. Titles
// with the same reportline.OrgKey are one position; the first spelling is
// kept.
func (tx *Tx) SetManagerPositions(ctx context.Context, titles []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM manager_positions WHERE tenant_id = $T`); err != nil {
		return fmt.Errorf("set manager positions: %w", err)
	}
	seen := map[string]bool{}
	for _, t := range titles {
		k := reportline.OrgKey(t)
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, err := tx.exec(ctx, `INSERT INTO manager_positions (tenant_id, title_key, title) VALUES ($T, $1, $2)`, k, t); err != nil {
			return fmt.Errorf("set manager positions: %w", err)
		}
	}
	return nil
}

// orgMemberSelect is the select list of an OrgMember.
func (tx *Tx) orgMemberSelect() string {
	unit, pos := tx.orgKeys()
	return `id, ` + unit + `, CASE WHEN ` + pos + ` IN (SELECT title_key FROM manager_positions WHERE tenant_id = $T) THEN 1 ELSE 0 END, status`
}

func scanOrgMember(s scanner) (reportline.OrgMember, error) {
	var m reportline.OrgMember
	var holder int
	var status reportline.Status
	if err := s.Scan(&m.User, &m.UnitKey, &holder, &status); err != nil {
		return m, translate(err)
	}
	m.Holder, m.Active = holder == 1, status == reportline.StatusActive
	return m, nil
}

// OrgMembers returns the users of the units f names, ordered by unit then
// id.
func (tx *Tx) OrgMembers(ctx context.Context, f reportline.OrgMemberFilter) ([]reportline.OrgMember, error) {
	unit, pos := tx.orgKeys()
	var out []reportline.OrgMember
	for _, c := range chunks(f.UnitKeys) {
		in, args := inList(1, c)
		where := []string{unit + ` IN (` + in + `)`}
		if f.ActiveOnly {
			where = append(where, `status = 'active'`)
		}
		if f.HoldersOnly {
			where = append(where, pos+` IN (SELECT title_key FROM manager_positions WHERE tenant_id = $T)`)
		}
		rows, err := tx.query(ctx, `SELECT `+tx.orgMemberSelect()+` FROM users WHERE tenant_id = $T AND `+strings.Join(where, " AND ")+
			` ORDER BY 2, id`, args...)
		if err != nil {
			return nil, fmt.Errorf("org members: %w", err)
		}
		for rows.Next() {
			m, err := scanOrgMember(rows)
			if err != nil {
				rows.Close()
				return nil, fmt.Errorf("org members: %w", err)
			}
			out = append(out, m)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("org members: %w", translate(err))
		}
	}
	return out, nil
}

// EachOrgMember calls fn for every user whose OrgUnit is not blank, in no
// particular order. It reads the whole users table once, through the
// users_org index.
func (tx *Tx) EachOrgMember(ctx context.Context, fn func(reportline.OrgMember) error) error {
	unit, _ := tx.orgKeys()
	rows, err := tx.query(ctx, `SELECT `+tx.orgMemberSelect()+` FROM users WHERE tenant_id = $T AND `+unit+` <> ''`)
	if err != nil {
		return fmt.Errorf("org members: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		m, err := scanOrgMember(rows)
		if err != nil {
			return fmt.Errorf("org members: %w", err)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}

// OrgCounts counts the users of each unit key; units with no users are
// absent from the map.
func (tx *Tx) OrgCounts(ctx context.Context, unitKeys []string) (map[string]reportline.OrgCounts, error) {
	unit, pos := tx.orgKeys()
	out := make(map[string]reportline.OrgCounts, len(unitKeys))
	for _, c := range chunks(unitKeys) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT `+unit+`, count(*),
				COALESCE(sum(CASE WHEN status = 'active' THEN 1 ELSE 0 END), 0),
				COALESCE(sum(CASE WHEN status = 'active' AND `+pos+` IN (SELECT title_key FROM manager_positions WHERE tenant_id = $T) THEN 1 ELSE 0 END), 0)
			FROM users WHERE tenant_id = $T AND `+unit+` IN (`+in+`) GROUP BY 1`, args...)
		if err != nil {
			return nil, fmt.Errorf("org counts: %w", err)
		}
		for rows.Next() {
			var k string
			var n reportline.OrgCounts
			if err := rows.Scan(&k, &n.Members, &n.Active, &n.ActiveHolders); err != nil {
				rows.Close()
				return nil, fmt.Errorf("org counts: %w", translate(err))
			}
			out[k] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("org counts: %w", translate(err))
		}
	}
	return out, nil
}

// HeldPositions returns the positions users hold, the most held first, at
// most limit of them. Spellings with the same reportline.OrgKey are one
// position, shown in its most common spelling. It reads every user.
func (tx *Tx) HeldPositions(ctx context.Context, limit int) ([]reportline.PositionCount, error) {
	_, pos := tx.orgKeys()
	rows, err := tx.query(ctx, `SELECT trim(position), count(*) FROM users WHERE tenant_id = $T AND `+pos+` <> '' GROUP BY trim(position)`)
	if err != nil {
		return nil, fmt.Errorf("held positions: %w", err)
	}
	defer rows.Close()
	type held struct {
		reportline.PositionCount
		best int // users of the spelling shown
	}
	byKey := map[string]*held{}
	for rows.Next() {
		var title string
		var n int
		if err := rows.Scan(&title, &n); err != nil {
			return nil, fmt.Errorf("held positions: %w", translate(err))
		}
		k := reportline.OrgKey(title)
		h := byKey[k]
		if h == nil {
			h = &held{}
			byKey[k] = h
		}
		h.Users += n
		if n > h.best || n == h.best && title < h.Title {
			h.Title, h.best = title, n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("held positions: %w", translate(err))
	}
	out := make([]reportline.PositionCount, 0, len(byKey))
	for _, h := range byKey {
		out = append(out, h.PositionCount)
	}
	slices.SortFunc(out, func(x, y reportline.PositionCount) int {
		return cmp.Or(cmp.Compare(y.Users, x.Users), strings.Compare(x.Title, y.Title))
	})
	return out[:min(limit, len(out))], nil
}

// ManagersWithLineManagees returns which of the given users are, at instant
// at, the active manager of at least one active user through a stored line
// link in effect.
func (tx *Tx) ManagersWithLineManagees(ctx context.Context, managers []reportline.UserID, at time.Time) (map[reportline.UserID]bool, error) {
	out := map[reportline.UserID]bool{}
	for _, c := range chunks(managers) {
		in, args := inList(2, c)
		args = append([]any{micros(at)}, args...)
		// One probe per manager that stops at the first managee found,
		// through the links' primary key: a join would read every link of
		// a manager with thousands of managees.
		rows, err := tx.query(ctx, `SELECT m.id FROM users m`+tx.notIndexed()+` WHERE m.tenant_id = $T AND m.id IN (`+in+`) AND m.status = 'active'
			AND EXISTS (SELECT 1 FROM links l JOIN users e ON e.tenant_id = $T AND e.id = l.managee_id
				WHERE l.tenant_id = $T AND l.manager_id = m.id AND l.kind = 'line' AND e.status = 'active'
				AND (l.valid_from IS NULL OR l.valid_from <= $1) AND (l.valid_until IS NULL OR l.valid_until > $1))`, args...)
		if err != nil {
			return nil, fmt.Errorf("line managees: %w", err)
		}
		for rows.Next() {
			var id reportline.UserID
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("line managees: %w", translate(err))
			}
			out[id] = true
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("line managees: %w", translate(err))
		}
	}
	return out, nil
}
