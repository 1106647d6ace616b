package store

import (
	"context"
	"encoding/json"
	"fmt"

	"reportline"
)

// The bulk writes of a directory sync on PostgreSQL: one statement per
// chunk with the rows as arrays (unnest), instead of one round trip per
// row. A first sync of 100,000 users writes each table 100,000 times.

// pgBulkChunk bounds the rows of one statement.
const pgBulkChunk = 10_000

func pgChunks[T any](rows []T, fn func([]T) error) error {
	for start := 0; start < len(rows); start += pgBulkChunk {
		if err := fn(rows[start:min(start+pgBulkChunk, len(rows))]); err != nil {
			return err
		}
	}
	return nil
}

// userArrays are a chunk of users' columns, in the order of the users table.
func userArrays(users []*reportline.User) []any {
	cols := make([][]string, 11)
	for i := range cols {
		cols[i] = make([]string, len(users))
	}
	for i, u := range users {
		for j, v := range []string{u.ExternalUID, u.Email, u.FirstName, u.LastName, string(u.Status), u.Birthday.String(),
			u.Position, u.OrgUnit, string(u.PlatformRole), u.Locale, u.TimeZone} {
			cols[j][i] = v
		}
	}
	out := make([]any, len(cols))
	for i, c := range cols {
		out[i] = c
	}
	return out
}

func (tx *Tx) createUsersPostgres(ctx context.Context, users []*reportline.User) error {
	now := tx.now()
	return pgChunks(users, func(c []*reportline.User) error {
		byEmail := make(map[string]*reportline.User, len(c))
		for _, u := range c {
			u.CreatedAt, u.UpdatedAt = now, now
			byEmail[u.Email] = u
		}
		// RETURNING gives no order: ids are matched back by email, unique.
		rows, err := tx.query(ctx, `INSERT INTO users (tenant_id, external_uid, email, first_name, last_name, status, birthday,
			position, org_unit, platform_role, locale, time_zone, created_at, updated_at)
			SELECT $T::bigint, NULLIF(x, ''), e, f, l, s, b, p, o, r, lo, tz, $12, $12
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::text[], $10::text[], $11::text[]) AS t(x, e, f, l, s, b, p, o, r, lo, tz)
			RETURNING id, email`, append(userArrays(c), micros(now))...)
		if err != nil {
			return fmt.Errorf("create users: %w", bulkUserConflict(err))
		}
		defer rows.Close()
		for rows.Next() {
			var id reportline.UserID
			var email string
			if err := rows.Scan(&id, &email); err != nil {
				return fmt.Errorf("create users: %w", translate(err))
			}
			if u := byEmail[email]; u != nil {
				u.ID = id
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("create users: %w", translate(err))
		}
		return nil
	})
}

func (tx *Tx) updateUsersPostgres(ctx context.Context, users []*reportline.User) error {
	now := tx.now()
	return pgChunks(users, func(c []*reportline.User) error {
		ids := make([]int64, len(c))
		for i, u := range c {
			u.UpdatedAt = now
			ids[i] = int64(u.ID)
		}
		res, err := tx.exec(ctx, `UPDATE users u SET external_uid = NULLIF(t.x, ''), email = t.e, first_name = t.f, last_name = t.l,
			status = t.s, birthday = t.b, position = t.p, org_unit = t.o, platform_role = t.r, locale = t.lo, time_zone = t.tz,
			updated_at = $13
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
				$9::text[], $10::text[], $11::text[], $12::bigint[]) AS t(x, e, f, l, s, b, p, o, r, lo, tz, id)
			WHERE u.tenant_id = $T AND u.id = t.id`, append(append(userArrays(c), ids), micros(now))...)
		if err != nil {
			return fmt.Errorf("update users: %w", bulkUserConflict(err))
		}
		if n, _ := res.RowsAffected(); n != int64(len(c)) {
			return reportline.Errorf(reportline.NotFound, "update users: %d of %d users not found", int64(len(c))-n, len(c))
		}
		return nil
	})
}

func (tx *Tx) putIdentitiesPostgres(ctx context.Context, ids []reportline.DirectoryIdentity) error {
	bySource := map[reportline.Source][]reportline.DirectoryIdentity{}
	for _, id := range ids {
		bySource[id.Source] = append(bySource[id.Source], id)
	}
	for source, list := range bySource {
		err := pgChunks(list, func(c []reportline.DirectoryIdentity) error {
			exts, users := make([]string, len(c)), make([]int64, len(c))
			for i, id := range c {
				exts[i], users[i] = id.ExternalID, int64(id.UserID)
			}
			if _, err := tx.exec(ctx, `DELETE FROM directory_identities WHERE tenant_id = $T AND source = $1 AND external_id = ANY($2::text[])`, string(source), exts); err != nil {
				return err
			}
			if _, err := tx.exec(ctx, `DELETE FROM directory_identities WHERE tenant_id = $T AND source = $1 AND user_id = ANY($2::bigint[])`, string(source), users); err != nil {
				return err
			}
			_, err := tx.exec(ctx, `INSERT INTO directory_identities (tenant_id, source, external_id, user_id)
				SELECT $T::bigint, $1, e, u FROM unnest($2::text[], $3::bigint[]) AS t(e, u)`, string(source), exts, users)
			return err
		})
		if err != nil {
			return fmt.Errorf("put directory identities of %s: %w", source, err)
		}
	}
	return nil
}

func (tx *Tx) appendChangesPostgres(ctx context.Context, changes []reportline.DirectoryChange) error {
	return pgChunks(changes, func(c []reportline.DirectoryChange) error {
		runs, at, actors, users := make([]int64, len(c)), make([]int64, len(c)), make([]int64, len(c)), make([]int64, len(c))
		sources, exts, actions, fields := make([]string, len(c)), make([]string, len(c)), make([]string, len(c)), make([]string, len(c))
		for i, ch := range c {
			f, err := json.Marshal(ch.Changes)
			if err != nil {
				return fmt.Errorf("record directory changes: %w", err)
			}
			runs[i], at[i], actors[i], users[i] = ch.RunID, micros(ch.At), int64(ch.ActorID), int64(ch.UserID)
			sources[i], exts[i], actions[i], fields[i] = string(ch.Source), ch.ExternalID, string(ch.Action), string(f)
		}
		_, err := tx.exec(ctx, `INSERT INTO directory_user_changes (tenant_id, run_id, at, source, actor_id, user_id, external_id, action, changes)
			SELECT $T::bigint, r, a, s, NULLIF(ac, 0), u, e, act, ch
			FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::text[], $8::text[])
				AS t(r, a, s, ac, u, e, act, ch)`, runs, at, sources, actors, users, exts, actions, fields)
		if err != nil {
			return fmt.Errorf("record directory changes: %w", err)
		}
		return nil
	})
}

// bulkUserConflict words a unique violation of a bulk write, which cannot
// say which of its rows collided.
func bulkUserConflict(err error) error {
	if !reportline.IsCode(err, reportline.Conflict) {
		return err
	}
	return &reportline.Error{Code: reportline.Conflict, Field: "email",
		Message: "another user already has one of these emails or external uids", Err: err}
}
