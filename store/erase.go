package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"reportline"
)

// Erasure of one person (GDPR, docs/security.md): the application ends
// their links and replaces their profile (app/erase.go); ErasePersonalData
// does the rest in the same transaction.

// personalKeys are the fields of a logged document that describe a person:
// in an entry about the erased person they take the pseudonym (birthday:
// nothing).
var personalKeys = map[string]bool{
	"email": true, "first_name": true, "last_name": true, "external_uid": true, "birthday": true,
	"display_name": true, "user_name": true, "name": true, "given_name": true, "family_name": true,
	"uid": true, "firstname": true, "secondname": true, "birth_date": true, "emails": true,
}

// erasedLog is an append-only table and how its entries name a person:
// columns naming the person by id (an entry about them), and the text
// columns that may hold their data.
type erasedLog struct {
	table string
	ids   []string
	texts []string
}

var erasedLogs = []erasedLog{
	{"change_log", []string{"user_id"}, []string{"what", "before", "after"}},
	{"audit_log", []string{"manager_id", "managee_id"}, []string{"before", "after"}},
	{"directory_user_changes", []string{"user_id"}, []string{"external_id", "changes"}},
	{"template_sends", nil, []string{"subject", "body"}},
}

// ErasePersonalData removes a person's personal data from the tenant but
// their users row (which the caller replaces): in the append-only logs,
// every entry about them has its personal fields replaced by the pseudonym
// and every entry naming them (their email, external uid, full name) has
// those words replaced — the only UPDATE those tables take, through one
// statement per table under the transaction's 'erase' grant (migration
// 0026); then their password, tokens, sessions, password resets, SSO and
// directory identities, SCIM names, their mail (queued or sent) and its
// bounces are deleted. u is the person as stored before erasure. It returns
// how many rows each table had changed or deleted.
func (tx *Tx) ErasePersonalData(ctx context.Context, u reportline.User, pseudonym string) (map[string]int64, error) {
	counts := map[string]int64{}
	s := scrubber{pseudonym: pseudonym, email: pseudonym + "@erased.invalid"}
	for _, n := range []string{u.Email, u.ExternalUID, strings.TrimSpace(u.FirstName + " " + u.LastName)} {
		if len(n) >= 3 { // shorter words would hit unrelated text
			s.needles = append(s.needles, n)
		}
	}
	if err := tx.grantAppendOnly(ctx, "erase"); err != nil {
		return nil, err
	}
	for _, l := range erasedLogs {
		n, err := tx.scrubLog(ctx, l, u.ID, s)
		if err != nil {
			return nil, fmt.Errorf("erase from %s: %w", l.table, err)
		}
		counts[l.table] = n
	}
	if err := tx.revokeAppendOnly(ctx, "erase"); err != nil {
		return nil, err
	}
	byUser, byUserOrAddr, byAddr := []any{u.ID}, []any{u.ID, u.Email}, []any{u.Email}
	deletes := []struct {
		table, q string
		args     []any
	}{
		{"api_tokens", `DELETE FROM api_tokens WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"sessions", `DELETE FROM sessions WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"credentials", `DELETE FROM credentials WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"password_resets", `DELETE FROM password_resets WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"sso_identities", `DELETE FROM sso_identities WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"directory_identities", `DELETE FROM directory_identities WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"scim_user_names", `DELETE FROM scim_user_names WHERE tenant_id = $T AND user_id = $1`, byUser},
		{"outbox_attempts", `DELETE FROM outbox_attempts WHERE tenant_id = $T
			AND message_id IN (SELECT id FROM outbox WHERE tenant_id = $T AND (recipient_id = $1 OR to_addr = $2))`, byUserOrAddr},
		{"outbox", `DELETE FROM outbox WHERE tenant_id = $T AND (recipient_id = $1 OR to_addr = $2)`, byUserOrAddr},
		{"mail_bounces", `DELETE FROM mail_bounces WHERE tenant_id = $T AND address = $1`, byAddr},
	}
	// The routes first, while the credentials they lead to are there to
	// read (two steps: Citus refuses a statement that changes the routes,
	// a reference table, while it reads a distributed one).
	for _, kind := range []string{"api_token", "session"} {
		table := map[string]string{"api_token": "api_tokens", "session": "sessions"}[kind]
		n, err := tx.deleteRoutes(ctx, kind, `SELECT hash FROM `+table+` WHERE tenant_id = $T AND user_id = $1`, u.ID)
		if err != nil {
			return nil, fmt.Errorf("erase from credential_routes: %w", err)
		}
		counts["credential_routes"] += n
	}
	for _, d := range deletes {
		r, err := tx.exec(ctx, d.q, d.args...)
		if err != nil {
			return nil, fmt.Errorf("erase from %s: %w", d.table, err)
		}
		n, _ := r.RowsAffected()
		counts[d.table] += n
	}
	return counts, nil
}

// scrubLog rewrites the entries of one log that are about the person or
// name them.
func (tx *Tx) scrubLog(ctx context.Context, l erasedLog, user reportline.UserID, s scrubber) (int64, error) {
	var where []string
	args := []any{int64(user)}
	for _, c := range l.ids {
		where = append(where, c+" = $1")
	}
	for _, n := range s.needles {
		args = append(args, "%"+likeEscape(n)+"%")
		for _, c := range l.texts {
			where = append(where, fmt.Sprintf(`%s LIKE $%d ESCAPE '\'`, c, len(args)))
		}
	}
	if len(where) == 0 {
		return 0, nil
	}
	// A log with no person column still names $1 (typed), so that the
	// placeholders of the needles keep their numbers.
	about := "CASE WHEN CAST($1 AS BIGINT) = 0 THEN 0 ELSE 0 END"
	if len(l.ids) > 0 {
		about = "CASE WHEN " + strings.Join(where[:len(l.ids)], " OR ") + " THEN 1 ELSE 0 END"
	}
	cols := strings.Join(l.texts, ", ")
	rows, err := tx.query(ctx, `SELECT id, `+about+`, `+cols+` FROM `+l.table+` WHERE tenant_id = $T AND (`+strings.Join(where, " OR ")+`)`, args...)
	if err != nil {
		return 0, err
	}
	type change struct {
		id   int64
		vals []any
	}
	var changes []change
	for rows.Next() {
		var id, aboutThem int64
		texts := make([]sql.NullString, len(l.texts))
		dest := []any{&id, &aboutThem}
		for i := range texts {
			dest = append(dest, &texts[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, translate(err)
		}
		c := change{id: id}
		changed := false
		for _, t := range texts {
			if !t.Valid {
				c.vals = append(c.vals, nil)
				continue
			}
			v := s.scrub(t.String, aboutThem == 1)
			changed = changed || v != t.String
			c.vals = append(c.vals, v)
		}
		if changed {
			changes = append(changes, c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translate(err)
	}
	var set []string
	for i, c := range l.texts {
		set = append(set, fmt.Sprintf("%s = $%d", c, i+2))
	}
	// The dedicated statement: the only UPDATE of an append-only table,
	// accepted by its trigger under the transaction's erase grant.
	stmt, err := tx.prepare(ctx, `UPDATE `+l.table+` SET `+strings.Join(set, ", ")+` WHERE tenant_id = $T AND id = $1`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, c := range changes {
		if _, err := stmt.ExecContext(ctx, append([]any{c.id}, c.vals...)...); err != nil {
			return 0, err
		}
	}
	return int64(len(changes)), nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// scrubber replaces a person's data in logged text.
type scrubber struct {
	pseudonym, email string
	needles          []string // their email, external uid and full name
}

// scrub returns text without the person's data: a JSON document keeps its
// shape (personal fields of an entry about them take the pseudonym),
// anything else has the needles replaced.
func (s scrubber) scrub(text string, aboutThem bool) string {
	var doc any
	if t := strings.TrimSpace(text); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Unmarshal([]byte(t), &doc) == nil {
		out, err := json.Marshal(s.walk(doc, "", aboutThem))
		if err == nil {
			if string(out) == t {
				return text
			}
			return string(out)
		}
	}
	return s.replace(text)
}

func (s scrubber) walk(v any, key string, aboutThem bool) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = s.walk(e, k, aboutThem)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = s.walk(e, key, aboutThem)
		}
		return x
	case string:
		if aboutThem && personalKeys[key] && x != "" {
			switch {
			case strings.Contains(key, "birth"):
				return nil
			case strings.Contains(key, "email"):
				return s.email
			}
			return s.pseudonym
		}
		return s.replace(x)
	}
	return v
}

func (s scrubber) replace(text string) string {
	for _, n := range s.needles {
		r := s.pseudonym
		if strings.Contains(n, "@") {
			r = s.email
		}
		text = strings.ReplaceAll(text, n, r)
	}
	return text
}
