package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// CreateProvisioningClient stores a SCIM client (its token's hash) and sets
// its ID. A second client of the same name is a Conflict.
func (tx *Tx) CreateProvisioningClient(ctx context.Context, c *reportline.ProvisioningClient) error {
	err := tx.queryRow(ctx, `INSERT INTO scim_clients (tenant_id, name, hash, created_at) VALUES ($T, $1, $2, $3) RETURNING id`,
		c.Name, c.Hash, micros(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		err = translate(err)
		if reportline.IsCode(err, reportline.Conflict) {
			return &reportline.Error{Code: reportline.Conflict, Field: "name", Value: c.Name,
				Message: fmt.Sprintf("a provisioning client named %q exists already", c.Name), Err: err}
		}
		return fmt.Errorf("create provisioning client: %w", err)
	}
	return tx.addRoute(ctx, c.Hash, routeSCIMClient)
}

const provisioningClientColumns = `id, name, hash, created_at, last_used_at`

func scanProvisioningClient(s scanner) (reportline.ProvisioningClient, error) {
	var c reportline.ProvisioningClient
	var created int64
	var used sql.NullInt64
	if err := s.Scan(&c.ID, &c.Name, &c.Hash, &created, &used); err != nil {
		return c, translate(err)
	}
	c.CreatedAt, c.LastUsedAt = time.UnixMicro(created).UTC(), fromMicros(used)
	return c, nil
}

// ProvisioningClientByHash returns the client whose token has this hash.
func (tx *Tx) ProvisioningClientByHash(ctx context.Context, hash []byte) (reportline.ProvisioningClient, error) {
	c, err := scanProvisioningClient(tx.queryRow(ctx, `SELECT `+provisioningClientColumns+` FROM scim_clients WHERE tenant_id = $T AND hash = $1`, hash))
	return c, notFound(err, "provisioning client", "")
}

// ProvisioningClients lists every client, by name.
func (tx *Tx) ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error) {
	rows, err := tx.query(ctx, `SELECT `+provisioningClientColumns+` FROM scim_clients WHERE tenant_id = $T ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list provisioning clients: %w", err)
	}
	defer rows.Close()
	var out []reportline.ProvisioningClient
	for rows.Next() {
		c, err := scanProvisioningClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list provisioning clients: %w", err)
		}
		out = append(out, c)
	}
	return out, translate(rows.Err())
}

// DeleteProvisioningClient removes a client by name: its token stops
// working at once. NotFound when there is none.
func (tx *Tx) DeleteProvisioningClient(ctx context.Context, name string) error {
	if _, err := tx.deleteRoutes(ctx, "scim_client", `SELECT hash FROM scim_clients WHERE tenant_id = $T AND name = $1`, name); err != nil {
		return fmt.Errorf("delete provisioning client: %w", err)
	}
	res, err := tx.exec(ctx, `DELETE FROM scim_clients WHERE tenant_id = $T AND name = $1`, name)
	if err != nil {
		return fmt.Errorf("delete provisioning client: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return reportline.Errorf(reportline.NotFound, "no provisioning client named %q", name)
	}
	return nil
}

// TouchProvisioningClient records that a client's token was used.
func (tx *Tx) TouchProvisioningClient(ctx context.Context, id int64, at time.Time) error {
	if _, err := tx.exec(ctx, `UPDATE scim_clients SET last_used_at = $2 WHERE tenant_id = $T AND id = $1`, id, micros(at)); err != nil {
		return fmt.Errorf("touch provisioning client: %w", err)
	}
	return nil
}

// SetSCIMUserName records the userName a SCIM client gave a user. The name
// is unique case-insensitively: another user's is a Conflict.
func (tx *Tx) SetSCIMUserName(ctx context.Context, user reportline.UserID, name string) error {
	_, err := tx.exec(ctx, `INSERT INTO scim_user_names (tenant_id, user_id, user_name, name_key) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, user_id) DO UPDATE SET user_name = excluded.user_name, name_key = excluded.name_key`,
		user, name, strings.ToLower(name))
	if reportline.IsCode(err, reportline.Conflict) {
		return &reportline.Error{Code: reportline.Conflict, Field: "userName", Value: name,
			Message: fmt.Sprintf("userName %q belongs to another user", name), Err: err}
	}
	if err != nil {
		return fmt.Errorf("set scim user name: %w", err)
	}
	return nil
}

// SetSCIMSent records the emails (JSON) and displayName a SCIM client last
// sent for a user whose userName is recorded.
func (tx *Tx) SetSCIMSent(ctx context.Context, user reportline.UserID, emails, displayName string) error {
	if _, err := tx.exec(ctx, `UPDATE scim_user_names SET emails_sent = $2, display_name = $3 WHERE tenant_id = $T AND user_id = $1`, user, emails, displayName); err != nil {
		return fmt.Errorf("set scim sent: %w", err)
	}
	return nil
}

// UserBySCIMUserName returns the user whose SCIM userName is name, compared
// case-insensitively: the one a client named so, else the user with that
// email who has no recorded userName. NotFound when there is none.
func (tx *Tx) UserBySCIMUserName(ctx context.Context, name string) (reportline.UserID, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	var id reportline.UserID
	err := tx.queryRow(ctx, `SELECT user_id FROM scim_user_names WHERE tenant_id = $T AND name_key = $1
		UNION ALL
		SELECT u.id FROM users u WHERE u.tenant_id = $T AND u.email = $1 AND NOT EXISTS (SELECT 1 FROM scim_user_names n WHERE n.tenant_id = $T AND n.user_id = u.id)
		LIMIT 1`, key).Scan(&id)
	return id, notFound(translate(err), "user with userName", name)
}

// ProvisionedUsers returns users with what a SCIM client sees of them, in
// one query: their SCIM identity, userName and SCIM line manager (the
// lowest id, should there be several).
func (tx *Tx) ProvisionedUsers(ctx context.Context, q reportline.ProvisionedQuery) ([]reportline.ProvisionedUser, error) {
	where, args := "u.id > $1", []any{q.AfterID}
	if q.ID != 0 {
		where, args = "u.id = $1", []any{q.ID}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultPageSize
	}
	args = append(args, limit, max(q.Offset, 0))
	rows, err := tx.query(ctx, `SELECT `+qualifiedUserColumns+`, COALESCE(di.external_id, ''), COALESCE(n.user_name, ''),
		COALESCE(m.id, 0), COALESCE(m.email, ''), COALESCE(m.first_name, ''), COALESCE(m.last_name, ''), COALESCE(m.status, ''),
		COALESCE(n.emails_sent, ''), COALESCE(n.display_name, '')
		FROM users u
		LEFT JOIN directory_identities di ON di.tenant_id = $T AND di.source = 'scim' AND di.user_id = u.id
		LEFT JOIN scim_user_names n ON n.tenant_id = $T AND n.user_id = u.id
		LEFT JOIN (SELECT managee_id, min(manager_id) AS manager_id FROM links WHERE tenant_id = $T AND source = 'scim' AND kind = 'line'
			GROUP BY managee_id) sl ON sl.managee_id = u.id
		LEFT JOIN users m ON m.tenant_id = $T AND m.id = sl.manager_id
		WHERE u.tenant_id = $T AND `+where+` ORDER BY u.id LIMIT $2 OFFSET $3`, args...)
	if err != nil {
		return nil, fmt.Errorf("provisioned users: %w", err)
	}
	defer rows.Close()
	var out []reportline.ProvisionedUser
	for rows.Next() {
		var p reportline.ProvisionedUser
		var m reportline.User
		u, err := scanUser(suffixScanner{rows, []any{&p.ExternalID, &p.UserName, &m.ID, &m.Email, &m.FirstName, &m.LastName, &m.Status, &p.EmailsSent, &p.DisplayName}})
		if err != nil {
			return nil, fmt.Errorf("provisioned users: %w", err)
		}
		p.User, p.Manager = u, m
		out = append(out, p)
	}
	return out, translate(rows.Err())
}

// suffixScanner scans trailing columns into post after the row scanner's
// own (scanUser's) destinations.
type suffixScanner struct {
	s    scanner
	post []any
}

func (s suffixScanner) Scan(dest ...any) error { return s.s.Scan(append(dest, s.post...)...) }
