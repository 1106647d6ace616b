package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"reportline"
)

// Learning records: courses, course sessions, per-user records and the log
// of views of a user's statistics (migration 0005).

// CoursesByLMSIDs returns the courses with those LMS ids, with their
// groups; unknown ids are absent.
func (tx *Tx) CoursesByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.Course, error) {
	out := make(map[string]reportline.Course, len(ids))
	byID := map[reportline.CourseID]string{}
	for _, c := range chunks(ids) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT id, lms_id, title, updated_at FROM courses WHERE tenant_id = $T AND lms_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("courses by LMS id: %w", err)
		}
		for rows.Next() {
			var co reportline.Course
			var updated int64
			if err := rows.Scan(&co.ID, &co.LMSID, &co.Title, &updated); err != nil {
				rows.Close()
				return nil, fmt.Errorf("courses by LMS id: %w", translate(err))
			}
			co.UpdatedAt = time.UnixMicro(updated).UTC()
			out[co.LMSID] = co
			byID[co.ID] = co.LMSID
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("courses by LMS id: %w", translate(err))
		}
	}
	ids2 := make([]reportline.CourseID, 0, len(byID))
	for id := range byID {
		ids2 = append(ids2, id)
	}
	groups, err := tx.CourseGroups(ctx, ids2)
	if err != nil {
		return nil, err
	}
	for id, gs := range groups {
		co := out[byID[id]]
		co.Groups = gs
		out[co.LMSID] = co
	}
	return out, nil
}

// CourseGroups returns the groups of each course that has some, sorted.
func (tx *Tx) CourseGroups(ctx context.Context, courses []reportline.CourseID) (map[reportline.CourseID][]reportline.GroupID, error) {
	out := map[reportline.CourseID][]reportline.GroupID{}
	for _, c := range chunks(courses) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT course_id, group_id FROM course_groups WHERE tenant_id = $T AND course_id IN (`+in+`) ORDER BY course_id, group_id`, args...)
		if err != nil {
			return nil, fmt.Errorf("course groups: %w", err)
		}
		for rows.Next() {
			var co reportline.CourseID
			var g reportline.GroupID
			if err := rows.Scan(&co, &g); err != nil {
				rows.Close()
				return nil, fmt.Errorf("course groups: %w", translate(err))
			}
			out[co] = append(out[co], g)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("course groups: %w", translate(err))
		}
	}
	return out, nil
}

// PutCourse inserts the course or updates the one with its LMS id, and
// replaces its groups.
func (tx *Tx) PutCourse(ctx context.Context, c *reportline.Course) error {
	now := tx.now()
	err := tx.queryRow(ctx, `INSERT INTO courses (tenant_id, lms_id, title, updated_at) VALUES ($T, $1, $2, $3)
		ON CONFLICT (tenant_id, lms_id) DO UPDATE SET title = excluded.title, updated_at = excluded.updated_at RETURNING id`,
		c.LMSID, c.Title, micros(now)).Scan(&c.ID)
	if err != nil {
		return fmt.Errorf("put course %s: %w", c.LMSID, translate(err))
	}
	c.UpdatedAt = now.UTC()
	if _, err := tx.exec(ctx, `DELETE FROM course_groups WHERE tenant_id = $T AND course_id = $1`, c.ID); err != nil {
		return fmt.Errorf("put course %s: %w", c.LMSID, err)
	}
	for _, g := range c.Groups {
		if _, err := tx.exec(ctx, `INSERT INTO course_groups (tenant_id, course_id, group_id) VALUES ($T, $1, $2)`, c.ID, g); err != nil {
			return fmt.Errorf("put course %s: group %d: %w", c.LMSID, g, err)
		}
	}
	return nil
}

const sessionColumns = `id, lms_id, course_id, title, starts_at, ends_at, updated_at`

func scanSession(s scanner) (reportline.CourseSession, error) {
	var cs reportline.CourseSession
	var starts, updated int64
	var ends sql.NullInt64
	if err := s.Scan(&cs.ID, &cs.LMSID, &cs.CourseID, &cs.Title, &starts, &ends, &updated); err != nil {
		return cs, translate(err)
	}
	cs.Starts, cs.Ends, cs.UpdatedAt = time.UnixMicro(starts).UTC(), fromMicros(ends), time.UnixMicro(updated).UTC()
	return cs, nil
}

// SessionsByLMSIDs returns the sessions with those LMS ids.
func (tx *Tx) SessionsByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.CourseSession, error) {
	out := make(map[string]reportline.CourseSession, len(ids))
	for _, c := range chunks(ids) {
		in, args := inList(1, c)
		if err := tx.eachSession(ctx, `SELECT `+sessionColumns+` FROM course_sessions WHERE tenant_id = $T AND lms_id IN (`+in+`)`, args, func(s reportline.CourseSession) {
			out[s.LMSID] = s
		}); err != nil {
			return nil, fmt.Errorf("sessions by LMS id: %w", err)
		}
	}
	return out, nil
}

// SessionsStarting returns the sessions of the courses that start in
// [from, to), by start time.
func (tx *Tx) SessionsStarting(ctx context.Context, courses []reportline.CourseID, from, to time.Time) ([]reportline.CourseSession, error) {
	var out []reportline.CourseSession
	for _, c := range chunks(courses) {
		in, args := inList(3, c)
		args = append([]any{micros(from), micros(to)}, args...)
		if err := tx.eachSession(ctx, `SELECT `+sessionColumns+` FROM course_sessions
			WHERE tenant_id = $T AND starts_at >= $1 AND starts_at < $2 AND course_id IN (`+in+`)`, args, func(s reportline.CourseSession) {
			out = append(out, s)
		}); err != nil {
			return nil, fmt.Errorf("sessions starting: %w", err)
		}
	}
	slices.SortFunc(out, func(a, b reportline.CourseSession) int {
		if c := a.Starts.Compare(b.Starts); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return out, nil
}

func (tx *Tx) eachSession(ctx context.Context, q string, args []any, fn func(reportline.CourseSession)) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return err
		}
		fn(s)
	}
	return translate(rows.Err())
}

// PutCourseSession inserts the session or updates the one with its LMS id.
func (tx *Tx) PutCourseSession(ctx context.Context, s *reportline.CourseSession) error {
	now := tx.now()
	err := tx.queryRow(ctx, `INSERT INTO course_sessions (tenant_id, lms_id, course_id, title, starts_at, ends_at, updated_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6)
		ON CONFLICT (tenant_id, lms_id) DO UPDATE SET course_id = excluded.course_id, title = excluded.title,
			starts_at = excluded.starts_at, ends_at = excluded.ends_at, updated_at = excluded.updated_at RETURNING id`,
		s.LMSID, s.CourseID, s.Title, micros(s.Starts), toMicros(s.Ends), micros(now)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("put session %s: %w", s.LMSID, translate(err))
	}
	s.UpdatedAt = now.UTC()
	return nil
}

const recordColumns = `r.id, r.lms_id, r.user_id, r.course_id, COALESCE(r.session_id, 0), r.status, r.progress, r.score,
	r.time_spent_seconds, r.due_at, r.completed_at, r.last_activity_at, r.updated_at`

// recordDest returns the scan destinations of recordColumns into r, and a
// function that finishes the fields that need converting.
func recordDest(r *reportline.LearningRecord) ([]any, func()) {
	var score sql.NullFloat64
	var spent, updated int64
	var due, completed, last sql.NullInt64
	dest := []any{&r.ID, &r.LMSID, &r.UserID, &r.CourseID, &r.SessionID, &r.Status, &r.Progress, &score,
		&spent, &due, &completed, &last, &updated}
	return dest, func() {
		r.Score = nil
		if score.Valid {
			v := score.Float64
			r.Score = &v
		}
		r.TimeSpent = time.Duration(spent) * time.Second
		r.Due, r.Completed, r.LastActivity = fromMicros(due), fromMicros(completed), fromMicros(last)
		r.UpdatedAt = time.UnixMicro(updated).UTC()
	}
}

// RecordsByLMSIDs returns the records with those LMS ids.
func (tx *Tx) RecordsByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.LearningRecord, error) {
	out := make(map[string]reportline.LearningRecord, len(ids))
	for _, c := range chunks(ids) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT `+recordColumns+` FROM learning_records r WHERE r.tenant_id = $T AND r.lms_id IN (`+in+`)`, args...)
		if err != nil {
			return nil, fmt.Errorf("records by LMS id: %w", err)
		}
		for rows.Next() {
			var r reportline.LearningRecord
			dest, finish := recordDest(&r)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("records by LMS id: %w", translate(err))
			}
			finish()
			out[r.LMSID] = r
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("records by LMS id: %w", translate(err))
		}
	}
	return out, nil
}

// PutLearningRecord inserts the record or updates the one with its LMS id.
func (tx *Tx) PutLearningRecord(ctx context.Context, r *reportline.LearningRecord) error {
	now := tx.now()
	var score sql.NullFloat64
	if r.Score != nil {
		score = sql.NullFloat64{Float64: *r.Score, Valid: true}
	}
	err := tx.queryRow(ctx, `INSERT INTO learning_records (tenant_id, lms_id, user_id, course_id, session_id, status, progress, score,
			time_spent_seconds, due_at, completed_at, last_activity_at, updated_at)
		VALUES ($T, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (tenant_id, lms_id) DO UPDATE SET user_id = excluded.user_id, course_id = excluded.course_id,
			session_id = excluded.session_id, status = excluded.status, progress = excluded.progress,
			score = excluded.score, time_spent_seconds = excluded.time_spent_seconds, due_at = excluded.due_at,
			completed_at = excluded.completed_at, last_activity_at = excluded.last_activity_at,
			updated_at = excluded.updated_at
		RETURNING id`,
		r.LMSID, r.UserID, r.CourseID, nullID(r.SessionID), r.Status, r.Progress, score,
		int64(r.TimeSpent/time.Second), toMicros(r.Due), toMicros(r.Completed), toMicros(r.LastActivity), micros(now)).Scan(&r.ID)
	if err != nil {
		return fmt.Errorf("put record %s: %w", r.LMSID, translate(err))
	}
	r.UpdatedAt = now.UTC()
	return nil
}

// LearningRecordsOf returns every record of the users with its course and
// session, one query per 500 users.
func (tx *Tx) LearningRecordsOf(ctx context.Context, users []reportline.UserID) (map[reportline.UserID][]reportline.RecordDetail, error) {
	// Rows come ordered by user: they are gathered in one slice, and each
	// user's records are a window of it, rather than as many growing
	// slices of large structs.
	all := make([]reportline.RecordDetail, 0, min(len(users)*16, 1<<16)) // a guess: records run ~20 a person
	var bounds []int                                                     // where each user's records start in all, then len(all)
	var owners []reportline.UserID
	for _, c := range chunks(users) {
		in, args := inList(1, c)
		rows, err := tx.query(ctx, `SELECT `+recordColumns+`, c.lms_id, c.title, c.updated_at,
				COALESCE(s.lms_id, ''), COALESCE(s.title, ''), s.starts_at, s.ends_at
			FROM learning_records r
			JOIN courses c ON c.tenant_id = $T AND c.id = r.course_id
			LEFT JOIN course_sessions s ON s.tenant_id = $T AND s.id = r.session_id
			WHERE r.tenant_id = $T AND r.user_id IN (`+in+`) ORDER BY r.user_id, r.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("learning records: %w", err)
		}
		for rows.Next() {
			var d reportline.RecordDetail
			dest, finish := recordDest(&d.Record)
			var courseUpdated int64
			var starts, ends sql.NullInt64
			dest = append(dest, &d.Course.LMSID, &d.Course.Title, &courseUpdated, &d.Session.LMSID, &d.Session.Title, &starts, &ends)
			if err := rows.Scan(dest...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("learning records: %w", translate(err))
			}
			finish()
			d.Course.ID, d.Course.UpdatedAt = d.Record.CourseID, time.UnixMicro(courseUpdated).UTC()
			if d.Record.SessionID != 0 {
				d.Session.ID, d.Session.CourseID = d.Record.SessionID, d.Record.CourseID
				d.Session.Starts, d.Session.Ends = fromMicros(starts), fromMicros(ends)
			}
			if n := len(owners); n == 0 || owners[n-1] != d.Record.UserID {
				owners = append(owners, d.Record.UserID)
				bounds = append(bounds, len(all))
			}
			all = append(all, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("learning records: %w", translate(err))
		}
	}
	bounds = append(bounds, len(all))
	out := make(map[reportline.UserID][]reportline.RecordDetail, len(owners))
	for i, u := range owners {
		out[u] = all[bounds[i]:bounds[i+1]:bounds[i+1]]
	}
	return out, nil
}

// CountLearning returns how many courses, sessions and records are stored.
func (tx *Tx) CountLearning(ctx context.Context) (courses, sessions, records int, err error) {
	err = tx.queryRow(ctx, `SELECT (SELECT COUNT(*) FROM courses WHERE tenant_id = $T), (SELECT COUNT(*) FROM course_sessions WHERE tenant_id = $T),
		(SELECT COUNT(*) FROM learning_records WHERE tenant_id = $T)`).Scan(&courses, &sessions, &records)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("count learning: %w", translate(err))
	}
	return courses, sessions, records, nil
}

// AppendStatisticsViews records looks at users' statistics: on PostgreSQL
// in one statement per 500 views (round trips are what costs), on SQLite
// one prepared row at a time (no round trip, and one statement text that
// is compiled once).
func (tx *Tx) AppendStatisticsViews(ctx context.Context, views []reportline.StatisticsView) error {
	const cols = 7
	if tx.engine == SQLite {
		for _, v := range views {
			if _, err := tx.exec(ctx, `INSERT INTO statistics_views (tenant_id, at, viewer_id, user_id, grant_by, scope, source, page)
				VALUES ($T, $1, $2, $3, $4, $5, $6, $7)`, micros(v.At), v.ViewerID, v.UserID, v.Grant, v.Scope, v.Source, v.Page); err != nil {
				return fmt.Errorf("record statistics views: %w", err)
			}
		}
		return nil
	}
	for len(views) > 0 {
		n := min(len(views), chunkSize)
		var b strings.Builder
		args := make([]any, 0, n*cols)
		for i, v := range views[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "($T, $%d, $%d, $%d, $%d, $%d, $%d, $%d)", i*cols+1, i*cols+2, i*cols+3, i*cols+4, i*cols+5, i*cols+6, i*cols+7)
			args = append(args, micros(v.At), v.ViewerID, v.UserID, v.Grant, v.Scope, v.Source, v.Page)
		}
		if _, err := tx.exec(ctx, `INSERT INTO statistics_views (tenant_id, at, viewer_id, user_id, grant_by, scope, source, page) VALUES `+b.String(), args...); err != nil {
			return fmt.Errorf("record statistics views: %w", err)
		}
		views = views[n:]
	}
	return nil
}

// StatisticsViews returns views, newest first.
func (tx *Tx) StatisticsViews(ctx context.Context, f reportline.StatisticsViewFilter) ([]reportline.StatisticsView, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := tx.query(ctx, `SELECT id, at, viewer_id, user_id, grant_by, scope, source, page FROM statistics_views
		WHERE tenant_id = $T AND id < $1 AND (CAST($2 AS BIGINT) = 0 OR viewer_id = $2) AND (CAST($3 AS BIGINT) = 0 OR user_id = $3)
		ORDER BY id DESC LIMIT $4`, before, f.ViewerID, f.UserID, limit)
	if err != nil {
		return nil, fmt.Errorf("statistics views: %w", err)
	}
	defer rows.Close()
	var out []reportline.StatisticsView
	for rows.Next() {
		var v reportline.StatisticsView
		var at int64
		if err := rows.Scan(&v.ID, &at, &v.ViewerID, &v.UserID, &v.Grant, &v.Scope, &v.Source, &v.Page); err != nil {
			return nil, fmt.Errorf("statistics views: %w", translate(err))
		}
		v.At = time.UnixMicro(at).UTC()
		out = append(out, v)
	}
	return out, translate(rows.Err())
}

// lineSubtreeSQL walks down the line links from $1 in one statement: every
// line link below $1, whatever its dates and through inactive users too
// (the caller applies both, as the walk level by level does), each with
// its managee's status. The recursion carries the link rows, so each step
// is an index lookup by manager; UNION drops rows already found, so a
// cycle in corrupt data ends it.
// The recursive step joins in a fixed order (CROSS JOIN: SQLite keeps it),
// the row reached first, then its links by (tenant, manager), then their
// users: with the tenant leading every index, SQLite's planner otherwise
// scanned the tenant's links for every row reached (minutes for 10,000
// people instead of a second).
const lineSubtreeSQL = `WITH RECURSIVE sub(manager_id, managee_id, valid_from, valid_until, status) AS (
	SELECT l.manager_id, l.managee_id, l.valid_from, l.valid_until, u.status
	FROM links l JOIN users u ON u.tenant_id = $T AND u.id = l.managee_id
	WHERE l.tenant_id = $T AND l.manager_id = $1 AND l.kind = 'line'
	UNION
	SELECT l.manager_id, l.managee_id, l.valid_from, l.valid_until, u.status
	FROM sub CROSS JOIN links l CROSS JOIN users u
	WHERE l.tenant_id = $T AND l.manager_id = sub.managee_id AND l.kind = 'line' AND u.tenant_id = $T AND u.id = l.managee_id
)
SELECT manager_id, managee_id, valid_from, valid_until, status FROM sub`

// LineSubtree returns, in one query, every stored line link below manager
// (reached through line links, whatever their dates and the users'
// statuses) with the status of each managee. The links carry their pair,
// kind and dates only.
func (tx *Tx) LineSubtree(ctx context.Context, manager reportline.UserID) ([]reportline.Link, map[reportline.UserID]reportline.Status, error) {
	rows, err := tx.query(ctx, lineSubtreeSQL, manager)
	if err != nil {
		return nil, nil, fmt.Errorf("line subtree of %d: %w", manager, err)
	}
	defer rows.Close()
	var links []reportline.Link
	status := map[reportline.UserID]reportline.Status{}
	for rows.Next() {
		l := reportline.Link{Kind: reportline.Line}
		var from, until sql.NullInt64
		var st reportline.Status
		if err := rows.Scan(&l.ManagerID, &l.ManageeID, &from, &until, &st); err != nil {
			return nil, nil, fmt.Errorf("line subtree of %d: %w", manager, translate(err))
		}
		l.ValidFrom, l.ValidUntil = fromMicros(from), fromMicros(until)
		links = append(links, l)
		status[l.ManageeID] = st
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("line subtree of %d: %w", manager, translate(err))
	}
	return links, status, nil
}
