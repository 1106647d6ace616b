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
	err := tx.queryRow(ctx, `INSERT INTO scim_clients (name, hash, created_at) VALUES ($1, $2, $3) RETURNING id`,
		c.Name, c.Hash, micros(c.CreatedAt)).Scan(&c.ID)
	if err != nil {
		err = translate(err)
		if reportline.IsCode(err, reportline.Conflict) {
			return &reportline.Error{Code: reportline.Conflict, Field: "name", Value: c.Name,
				Message: fmt.Sprintf("a provisioning client named %q exists already", c.Name), Err: err}
		}
		return fmt.Errorf("create provisioning client: %w", err)
	}
	return nil
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
	c, err := scanProvisioningClient(tx.queryRow(ctx, `SELECT `+provisioningClientColumns+` FROM scim_clients WHERE hash = $1`, hash))
	return c, notFound(err, "provisioning client", "")
}

// ProvisioningClients lists every client, by name.
func (tx *Tx) ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error) {
	rows, err := tx.query(ctx, `SELECT `+provisioningClientColumns+` FROM scim_clients ORDER BY name`)
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
	res, err := tx.exec(ctx, `DELETE FROM scim_clients WHERE name = $1`, name)
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
	if _, err := tx.exec(ctx, `UPDATE scim_clients SET last_used_at = $2 WHERE id = $1`, id, micros(at)); err != nil {
		return fmt.Errorf("touch provisioning client: %w", err)
	}
	return nil
}

// UsersAfter returns up to limit users with an id above after, by id: the
// keyset scan behind SCIM filters that no index answers.
func (tx *Tx) UsersAfter(ctx context.Context, after reportline.UserID, limit int) ([]reportline.User, error) {
	var out []reportline.User
	err := tx.eachUser(ctx, `SELECT `+userColumns+` FROM users WHERE id > $1 ORDER BY id LIMIT $2`,
		[]any{after, limit}, func(u reportline.User) { out = append(out, u) })
	if err != nil {
		return nil, fmt.Errorf("users after %d: %w", after, err)
	}
	return out, nil
}

// SourceLineManagers returns, for each given user, the line managers of
// links that came from source (a directory's own links), by manager id.
func (tx *Tx) SourceLineManagers(ctx context.Context, source reportline.Source, users []reportline.UserID) (map[reportline.UserID][]reportline.UserID, error) {
	out := make(map[reportline.UserID][]reportline.UserID)
	for _, c := range chunks(users) {
		in, args := inList(2, c)
		rows, err := tx.query(ctx, `SELECT managee_id, manager_id FROM links WHERE source = $1 AND kind = 'line'
			AND managee_id IN (`+in+`) ORDER BY managee_id, manager_id`, append([]any{string(source)}, args...)...)
		if err != nil {
			return nil, fmt.Errorf("line managers from %s: %w", source, err)
		}
		for rows.Next() {
			var managee, manager reportline.UserID
			if err := rows.Scan(&managee, &manager); err != nil {
				rows.Close()
				return nil, fmt.Errorf("line managers from %s: %w", source, translate(err))
			}
			out[managee] = append(out[managee], manager)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("line managers from %s: %w", source, translate(err))
		}
	}
	return out, nil
}

// SetSCIMUserName records the userName a SCIM client gave a user. The name
// is unique case-insensitively: another user's is a Conflict.
func (tx *Tx) SetSCIMUserName(ctx context.Context, user reportline.UserID, name string) error {
	_, err := tx.exec(ctx, `INSERT INTO scim_user_names (user_id, user_name, name_key) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET user_name = excluded.user_name, name_key = excluded.name_key`,
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

// SCIMUserNames returns the userName recorded for each given user that has one.
func (tx *Tx) SCIMUserNames(ctx context.Context, users []reportline.UserID) (map[reportline.UserID]string, error) {
	out := make(map[reportline.UserID]string, len(users))
	for _, c := range chunks(users) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT user_id, user_name FROM scim_user_names WHERE user_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("scim user names: %w", err)
		}
		for rows.Next() {
			var id reportline.UserID
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return nil, fmt.Errorf("scim user names: %w", translate(err))
			}
			out[id] = name
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("scim user names: %w", translate(err))
		}
	}
	return out, nil
}

// UserBySCIMUserName returns the user whose SCIM userName is name, compared
// case-insensitively: the one a client named so, else the user with that
// email who has no recorded userName. NotFound when there is none.
func (tx *Tx) UserBySCIMUserName(ctx context.Context, name string) (reportline.UserID, error) {
	key := strings.ToLower(strings.TrimSpace(name))
	var id reportline.UserID
	err := tx.queryRow(ctx, `SELECT user_id FROM scim_user_names WHERE name_key = $1
		UNION ALL
		SELECT u.id FROM users u WHERE u.email = $1 AND NOT EXISTS (SELECT 1 FROM scim_user_names n WHERE n.user_id = u.id)
		LIMIT 1`, key).Scan(&id)
	return id, notFound(translate(err), "user with userName", name)
}
