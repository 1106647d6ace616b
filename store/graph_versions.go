package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The statements of GraphVersions: the one exception, on a tenant-owned
// table, to "every statement is bound to its tenant" (scope_test.go's
// crossTenant). They read graph_version alone, which holds one number per
// tenant and none of a tenant's data, for tenants the caller names. On
// SQLite the ids travel as one JSON array, so the statement's text stays
// the same whatever their number (the statement cache keeps one).
const (
	graphVersionsPostgres = `SELECT tenant_id, version FROM graph_version WHERE tenant_id = ANY($1::bigint[])`
	graphVersionsSQLite   = `SELECT tenant_id, version FROM graph_version WHERE tenant_id IN (SELECT value FROM json_each($1))`
)

// GraphVersions returns the reporting graph's version (Tx.GraphVersion) of
// each of the tenants ids that exists, in one statement on a reading
// connection, without a transaction: the decision index's one follower
// per process reads every tenant it follows at once (app/graph_index.go)
// rather than one statement per tenant. A tenant that does not exist is
// absent from the map.
//
// It is the store's one read of a tenant-owned table that no tenant
// binds, and it is documented as such in scope_test.go: it reads version
// numbers, never a tenant's data, and the caller names the tenants.
func (db *DB) GraphVersions(ctx context.Context, ids []TenantID) (map[TenantID]int64, error) {
	out := make(map[TenantID]int64, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("graph versions: connect: %w", translate(err))
	}
	defer conn.Close()
	tx := &Tx{tx: conn, conn: conn, engine: db.engine, now: db.now}
	var q string
	var arg any
	if db.engine == Postgres {
		list := make([]int64, len(ids))
		for i, id := range ids {
			list[i] = int64(id)
		}
		q, arg = graphVersionsPostgres, list
	} else {
		var b strings.Builder
		b.WriteByte('[')
		for i, id := range ids {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.FormatInt(int64(id), 10))
		}
		b.WriteByte(']')
		q, arg = graphVersionsSQLite, b.String()
	}
	rows, err := tx.query(ctx, q, arg)
	if err != nil {
		return nil, fmt.Errorf("graph versions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id TenantID
		var v int64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("graph versions: %w", translate(err))
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("graph versions: %w", translate(err))
	}
	return out, nil
}
