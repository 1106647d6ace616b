package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"reportline"
)

// The operator's tenant operations live on the DB, not on a tenant handle:
// tenants is the one global table (docs/tenants.md).

// CreateTenant creates a tenant named by slug and returns its id. The new
// tenant starts as a fresh installation does: its graph version at 1 and
// the notifications that migration 0017 turns off by default off.
func (db *DB) CreateTenant(ctx context.Context, slug string) (TenantID, error) {
	return db.CreateTenantAs(ctx, "system", slug, "")
}

// CreateTenantAs creates a tenant with a host name ("" for none) for the
// operator actor, and records it in the operator log. A slug or host that
// another tenant has is a Conflict.
func (db *DB) CreateTenantAs(ctx context.Context, actor, slug, host string) (TenantID, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	if slug == "" {
		return 0, reportline.Errorf(reportline.Invalid, "a tenant needs a slug")
	}
	var hostArg any
	if host = reportline.NormalizeHost(host); host != "" {
		hostArg = host
	}
	var id TenantID
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		now := micros(tx.now())
		if err := tx.queryRow(ctx, `INSERT INTO tenants (slug, host, status, created_at) VALUES ($1, $2, 'active', $3) RETURNING id`,
			slug, hostArg, now).Scan(&id); err != nil {
			if reportline.IsCode(translate(err), reportline.Conflict) {
				if host == "" {
					return reportline.Errorf(reportline.Conflict, "a tenant with slug %q already exists", slug)
				}
				return reportline.Errorf(reportline.Conflict, "a tenant with slug %q or host %q already exists", slug, host)
			}
			return translate(err)
		}
		tx.tenant = id
		if err := tx.seedTenant(ctx); err != nil {
			return err
		}
		return tx.operatorLog(ctx, actor, "tenant.create", "slug="+slug+" host="+host)
	})
	if err != nil {
		return 0, fmt.Errorf("create tenant %s: %w", slug, err)
	}
	return id, nil
}

// SetTenantSuspended suspends (every request of the tenant is then refused
// with 503) or resumes the tenant named by slug, for the operator actor,
// and records it in the operator log. Suspending a suspended tenant keeps
// its first suspension time. NotFound when no tenant has the slug.
func (db *DB) SetTenantSuspended(ctx context.Context, actor, slug string, suspended bool) (reportline.Tenant, error) {
	slug = strings.ToLower(strings.TrimSpace(slug))
	var t reportline.Tenant
	err := db.run(ctx, 0, db.write, nil, func(tx *Tx) error {
		q, action := `UPDATE tenants SET status = 'active', suspended_at = NULL WHERE slug = $1`, "tenant.resume"
		if suspended {
			q, action = `UPDATE tenants SET status = 'suspended', suspended_at = COALESCE(suspended_at, $2) WHERE slug = $1`, "tenant.suspend"
		}
		args := []any{slug}
		if suspended {
			args = append(args, micros(tx.now()))
		}
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("%s: %w", action, err)
		}
		var err error
		if t, err = scanTenant(tx.queryRow(ctx, `SELECT `+tenantColumns+` FROM tenants WHERE slug = $1`, slug)); err != nil {
			return notFound(err, "tenant", slug)
		}
		tx.tenant = t.ID
		return tx.operatorLog(ctx, actor, action, "slug="+slug)
	})
	return t, err
}

const tenantColumns = `id, slug, COALESCE(host, ''), status, suspended_at, created_at`

func scanTenant(s scanner) (reportline.Tenant, error) {
	var t reportline.Tenant
	var status string
	var suspended sql.NullInt64
	var created int64
	if err := s.Scan(&t.ID, &t.Slug, &t.Host, &status, &suspended, &created); err != nil {
		return t, translate(err)
	}
	t.Suspended = status == "suspended"
	t.SuspendedAt, t.CreatedAt = fromMicros(suspended), time.UnixMicro(created).UTC()
	return t, nil
}

// Tenants lists every tenant, by id. It reads the tenants table alone (no
// tenant's data): what the operator and the server's resolution see.
func (db *DB) Tenants(ctx context.Context) ([]reportline.Tenant, error) {
	var out []reportline.Tenant
	err := db.run(ctx, 0, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+tenantColumns+` FROM tenants ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			t, err := scanTenant(rows)
			if err != nil {
				return err
			}
			out = append(out, t)
		}
		return translate(rows.Err())
	})
	if err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	return out, nil
}

// CredentialTenant returns the tenant a credential (an API token, a SCIM
// client's token, a session) belongs to, from its hash alone; false when
// no credential has it, or when two tenants hold the hash (the host then
// decides). It reads credential_routes, never a tenant's table.
func (db *DB) CredentialTenant(ctx context.Context, hash []byte) (TenantID, bool, error) {
	var id sql.NullInt64
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("credential tenant: %w", translate(err))
	}
	defer conn.Close()
	tx := &Tx{tx: conn, conn: conn, engine: db.engine, now: db.now}
	var n int
	err = tx.queryRow(ctx, `SELECT MIN(tenant_id), COUNT(*) FROM credential_routes WHERE hash = $1`, hash).Scan(&id, &n)
	if err != nil {
		return 0, false, fmt.Errorf("credential tenant: %w", translate(err))
	}
	return TenantID(id.Int64), n == 1, nil
}

// OperatorEntry is one line of the operator log.
type OperatorEntry struct {
	At     time.Time
	Actor  string
	Action string
	Tenant TenantID
	Detail string
}

// OperatorLog returns the operator log, oldest first.
func (db *DB) OperatorLog(ctx context.Context) ([]OperatorEntry, error) {
	var out []OperatorEntry
	err := db.run(ctx, 0, db.read, &sql.TxOptions{ReadOnly: db.engine == Postgres}, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT at, actor, action, tenant_id, detail FROM operator_log ORDER BY id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e OperatorEntry
			var at int64
			if err := rows.Scan(&at, &e.Actor, &e.Action, &e.Tenant, &e.Detail); err != nil {
				return translate(err)
			}
			e.At = time.UnixMicro(at).UTC()
			out = append(out, e)
		}
		return translate(rows.Err())
	})
	return out, err
}

// operatorLog records what the operator did to the transaction's tenant.
func (tx *Tx) operatorLog(ctx context.Context, actor, action, detail string) error {
	if actor == "" {
		actor = "system"
	}
	_, err := tx.exec(ctx, `INSERT INTO operator_log (at, actor, action, tenant_id, detail) VALUES ($1, $2, $3, $T, $4)`,
		micros(tx.now()), actor, action, detail)
	if err != nil {
		return fmt.Errorf("operator log: %w", err)
	}
	return nil
}

// The kinds of credential a route leads to (credential_routes.kind).
const (
	routeAPIToken   = "api_token"
	routeSCIMClient = "scim_client"
	routeSession    = "session"
)

// addRoute records, in the transaction that creates a credential, which
// tenant its hash belongs to (credential_routes).
func (tx *Tx) addRoute(ctx context.Context, hash []byte, kind string) error {
	if _, err := tx.exec(ctx, `INSERT INTO credential_routes (hash, tenant_id, kind) VALUES ($1, $T, $2)`, hash, kind); err != nil {
		return fmt.Errorf("route %s: %w", kind, err)
	}
	return nil
}

// seedTenant writes the rows a tenant has from its first day: what the
// migrations inserted for the implicit tenant.
func (tx *Tx) seedTenant(ctx context.Context) error {
	if _, err := tx.exec(ctx, `INSERT INTO graph_version (tenant_id, version) VALUES ($T, 1)`); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO notification_roles (tenant_id, type, audience, enabled, at) VALUES
		($T, 'manager_added', 'managers', $1, 0), ($T, 'manager_added', 'learners', $1, 0),
		($T, 'manager_removed', 'managers', $1, 0), ($T, 'manager_removed', 'learners', $1, 0)`, false)
	return err
}

// deleteRoutes deletes the routes of kind whose hashes the query sel
// selects (from the credentials' own table) and returns how many it
// deleted. Two steps, not one DELETE with a subquery: on Citus the routes
// are a reference table, and a statement may not modify one while it reads
// a distributed table.
func (tx *Tx) deleteRoutes(ctx context.Context, kind, sel string, args ...any) (int64, error) {
	rows, err := tx.query(ctx, sel, args...)
	if err != nil {
		return 0, err
	}
	var hashes [][]byte
	for rows.Next() {
		var h []byte
		if err := rows.Scan(&h); err != nil {
			rows.Close()
			return 0, translate(err)
		}
		hashes = append(hashes, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	var n int64
	for _, h := range hashes {
		r, err := tx.exec(ctx, `DELETE FROM credential_routes WHERE tenant_id = $T AND kind = $1 AND hash = $2`, kind, h)
		if err != nil {
			return n, err
		}
		k, _ := r.RowsAffected()
		n += k
	}
	return n, nil
}
