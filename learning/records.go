// Package learning takes learning records from the LMS. They arrive in batches (the JSON API) or as a
// CSV file of records (API upload and `reportline learning import`). Both
// go through ApplyLearning:
//
//   - items are keyed by their LMS id: an item whose id is stored is
//     updated, a new id is created, and an item equal to what is stored is
//     left alone, so sending the same batch twice changes nothing;
//   - a batch is atomic: every item is checked first (its own fields, that
//     the course, session and user it names exist, that a session belongs
//     to the record's course, duplicates within the batch), and a single
//     refused item refuses the whole batch with one detail per refused item
//     naming it (records[3].progress, or the CSV line and column);
//   - only platform admins (and so integration tokens, which are platform
//     admins' tokens) may send learning data.
package learning

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// maxLearningBatch bounds one JSON batch, so that one request holds the
// single SQLite writer for a bounded time. CSV files are not bounded by
// count: they are streamed from the file (see csv.go).
const maxLearningBatch = 10000

// Batch is one batch of learning data. Items refer to each other
// by LMS id: a session names its course, a record its course and session,
// whether they come in the same batch or were stored before.
type Batch struct {
	Courses  []CourseInput
	Sessions []SessionInput
	Records  []RecordInput
}

// CourseInput is a course as the LMS sends it.
type CourseInput struct {
	ID     string               // LMS id
	Title  string               // required
	Groups []reportline.GroupID // access limited to these groups; none: open to everyone
}

// SessionInput is a course session as the LMS sends it.
type SessionInput struct {
	ID       string // LMS id
	CourseID string // the course's LMS id
	Title    string
	Starts   time.Time // required
	Ends     time.Time // optional
}

// RecordInput is one user's record as the LMS sends it. The user is named
// by exactly one of UserID, UserUID (external uid) and UserEmail.
type RecordInput struct {
	Line         int // the CSV line it was read from; 0 for JSON
	ID           string
	UserID       reportline.UserID
	UserUID      string
	UserEmail    string
	CourseID     string // the course's LMS id
	SessionID    string // the session's LMS id, "" for the whole course
	Status       string
	Progress     int
	Score        *float64
	TimeSpent    time.Duration
	Due          time.Time
	Completed    time.Time
	LastActivity time.Time
}

// UpsertCounts says what a batch did to one kind of item.
type UpsertCounts struct {
	Created   int
	Updated   int
	Unchanged int
}

// Result is what a batch did.
type Result struct {
	Courses, Sessions, Records UpsertCounts
}

// ApplyLearning checks a whole batch and, when every item is valid,
// upserts it in one transaction. A refused batch is an Invalid error
// whose Details name every refused item; nothing is written.
func (lr *Records) ApplyLearning(ctx context.Context, actor usecase.Actor, b Batch) (Result, error) {
	var res Result
	if n := len(b.Courses) + len(b.Sessions) + len(b.Records); n > maxLearningBatch {
		return res, reportline.Errorf(reportline.Invalid, "a batch holds at most %d items (courses, sessions and records together), not %d: split it", maxLearningBatch, n)
	}
	return lr.applyLearning(ctx, actor, b, nil)
}

// applyLearning is ApplyLearning without the bound on the batch's size.
// refused are items already refused by the caller (CSV lines that did not
// parse): the batch is checked all the same, so that one answer lists
// every problem, and then refused.
func (lr *Records) applyLearning(ctx context.Context, actor usecase.Actor, b Batch, refused refusals) (Result, error) {
	var res Result
	err := lr.store.Write(ctx, func(tx Tx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.WriteLearning, policy.Target{}); err != nil {
			return err
		}
		p, err := planLearning(ctx, tx, b, refused)
		if err != nil {
			return err
		}
		if res, err = p.apply(ctx, tx); err != nil {
			return err
		}
		lr.log.Info("learning records applied", "actor", actor.ID(), "source", actor.Source,
			"courses", fmt.Sprintf("%+v", res.Courses), "sessions", fmt.Sprintf("%+v", res.Sessions), "records", fmt.Sprintf("%+v", res.Records))
		return nil
	})
	return res, err
}

// learningPlan is a checked batch: every item resolved, ready to write.
type learningPlan struct {
	courses  []reportline.Course
	sessions []reportline.CourseSession
	records  []reportline.LearningRecord
	// what is stored under the same LMS ids
	oldCourses  map[string]reportline.Course
	oldSessions map[string]reportline.CourseSession
	oldRecords  map[string]reportline.LearningRecord
	// courseOf and sessionOf hold the LMS ids of a session's course and a
	// record's course and session, resolved to ids at write time (new
	// courses get their id only then).
	sessionCourse []string
	recordCourse  []string
	recordSession []string
}

// refusals gathers the refused items of a batch.
type refusals []reportline.Detail

func (r *refusals) add(line int, field, value, reason, format string, args ...any) {
	*r = append(*r, reportline.Detail{Line: line, Field: field, Value: value, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// fromError adds a domain validation error about item prefix.
func (r *refusals) fromError(line int, prefix string, err error) {
	e, ok := err.(*reportline.Error)
	if !ok {
		r.add(line, prefix, "", "invalid", "%v", err)
		return
	}
	field := e.Field
	switch {
	case line > 0:
		field = csvColumnOf(e.Field)
	case prefix != "":
		field = prefix + "." + e.Field
	}
	r.add(line, field, e.Value, "invalid", "%s", e.Message)
}

// itemField names a field of an item: "records[3].progress" in a JSON batch,
// "progress" on a CSV line (the line says which).
func itemField(kind string, i, line int, field string) string {
	if line > 0 {
		return csvColumnOf(field)
	}
	return kind + "[" + strconv.Itoa(i) + "]." + field
}

// csvColumnOf names a record's JSON field as the CSV column that carries it.
func csvColumnOf(field string) string {
	switch field {
	case "id":
		return "record id"
	case "user":
		return "user email"
	case "due_at":
		return "due date"
	case "last_activity_at":
		return "last activity"
	}
	return strings.ReplaceAll(field, "_", " ")
}

func itemPrefix(kind string, i, line int) string {
	if line > 0 {
		return ""
	}
	return kind + "[" + strconv.Itoa(i) + "]"
}

func microTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

// planLearning checks every item of the batch against itself and the
// store.
func planLearning(ctx context.Context, tx Tx, b Batch, refused refusals) (*learningPlan, error) {
	bad := slices.Clone(refused)
	p := &learningPlan{}

	// Courses.
	groups, err := tx.Groups(ctx)
	if err != nil {
		return nil, fmt.Errorf("learning batch: %w", err)
	}
	known := map[reportline.GroupID]bool{}
	for _, g := range groups {
		known[g.ID] = true
	}
	batchCourses := map[string]int{}
	for i, in := range b.Courses {
		c := reportline.Course{LMSID: in.ID, Title: in.Title, Groups: slices.Compact(slices.Sorted(slices.Values(in.Groups)))}
		if err := c.Validate(); err != nil {
			bad.fromError(0, itemPrefix("courses", i, 0), err)
			continue
		}
		if j, dup := batchCourses[c.LMSID]; dup {
			bad.add(0, itemField("courses", i, 0, "id"), c.LMSID, "duplicate", "course %q is also courses[%d]; send each course once", c.LMSID, j)
			continue
		}
		ok := true
		for _, g := range c.Groups {
			if !known[g] {
				bad.add(0, itemField("courses", i, 0, "groups"), strconv.FormatInt(int64(g), 10), "unknown_group", "there is no group %d", g)
				ok = false
			}
		}
		if ok {
			batchCourses[c.LMSID] = i
			p.courses = append(p.courses, c)
		}
	}

	// Which course and session ids are referred to but not in the batch.
	var courseRefs, sessionRefs, recordIDs []string
	for _, c := range p.courses {
		courseRefs = append(courseRefs, c.LMSID)
	}
	for _, s := range b.Sessions {
		courseRefs = append(courseRefs, s.CourseID)
		sessionRefs = append(sessionRefs, s.ID)
	}
	for _, r := range b.Records {
		courseRefs = append(courseRefs, r.CourseID)
		if r.SessionID != "" {
			sessionRefs = append(sessionRefs, r.SessionID)
		}
		recordIDs = append(recordIDs, r.ID)
	}
	if p.oldCourses, err = tx.CoursesByLMSIDs(ctx, dedupe(courseRefs)); err != nil {
		return nil, err
	}
	if p.oldSessions, err = tx.SessionsByLMSIDs(ctx, dedupe(sessionRefs)); err != nil {
		return nil, err
	}
	if p.oldRecords, err = tx.RecordsByLMSIDs(ctx, dedupe(recordIDs)); err != nil {
		return nil, err
	}
	courseExists := func(id string) bool {
		_, inBatch := batchCourses[id]
		_, stored := p.oldCourses[id]
		return inBatch || stored
	}

	// Sessions.
	batchSessions := map[string]int{}
	sessionCourse := map[string]string{} // session LMS id → course LMS id, for the batch's sessions
	for i, in := range b.Sessions {
		s := reportline.CourseSession{LMSID: in.ID, Title: in.Title, Starts: microTime(in.Starts), Ends: microTime(in.Ends)}
		if err := s.Validate(); err != nil {
			bad.fromError(0, itemPrefix("sessions", i, 0), err)
			continue
		}
		switch {
		case in.CourseID == "":
			bad.add(0, itemField("sessions", i, 0, "course_id"), "", "required", "a session names its course's LMS id")
			continue
		case !courseExists(in.CourseID):
			bad.add(0, itemField("sessions", i, 0, "course_id"), in.CourseID, "unknown_course", "there is no course %q, stored or in this batch", in.CourseID)
			continue
		}
		if j, dup := batchSessions[s.LMSID]; dup {
			bad.add(0, itemField("sessions", i, 0, "id"), s.LMSID, "duplicate", "session %q is also sessions[%d]; send each session once", s.LMSID, j)
			continue
		}
		batchSessions[s.LMSID] = i
		sessionCourse[s.LMSID] = in.CourseID
		p.sessions = append(p.sessions, s)
		p.sessionCourse = append(p.sessionCourse, in.CourseID)
	}

	// Records: users first, in three batched reads.
	users, err := resolveRecordUsers(ctx, tx, b.Records)
	if err != nil {
		return nil, err
	}
	batchRecords := map[string]int{}
	for i, in := range b.Records {
		line := in.Line
		field := func(f string) string { return itemField("records", i, line, f) }
		st, err := reportline.ParseLearningStatus(in.Status)
		if err != nil {
			bad.fromError(line, itemPrefix("records", i, line), err)
			continue
		}
		r := reportline.LearningRecord{LMSID: in.ID, Status: st, Progress: in.Progress, Score: in.Score,
			TimeSpent: in.TimeSpent.Truncate(time.Second), Due: microTime(in.Due), Completed: microTime(in.Completed),
			LastActivity: microTime(in.LastActivity)}
		if err := r.Validate(); err != nil {
			bad.fromError(line, itemPrefix("records", i, line), err)
			continue
		}
		u, ok := users.find(in)
		if !ok {
			f, v := users.key(in)
			if f == "" {
				bad.add(line, field("user"), "", "required", "a record names its user by exactly one of user_id, user_uid and user_email")
			} else {
				bad.add(line, field(f), v, "unknown_user", "there is no user %s %q", f, v)
			}
			continue
		}
		r.UserID = u
		if in.CourseID == "" {
			bad.add(line, field("course_id"), "", "required", "a record names its course's LMS id")
			continue
		}
		if !courseExists(in.CourseID) {
			bad.add(line, field("course_id"), in.CourseID, "unknown_course", "there is no course %q, stored or in this batch", in.CourseID)
			continue
		}
		if in.SessionID != "" {
			if reason, msg := p.checkSession(in, sessionCourse); reason != "" {
				bad.add(line, field("session_id"), in.SessionID, reason, "%s", msg)
				continue
			}
		}
		if j, dup := batchRecords[r.LMSID]; dup {
			where := fmt.Sprintf("records[%d]", j)
			if line > 0 {
				where = fmt.Sprintf("line %d", b.Records[j].Line)
			}
			bad.add(line, field("id"), r.LMSID, "duplicate", "record %q is also %s; send each record once", r.LMSID, where)
			continue
		}
		batchRecords[r.LMSID] = i
		p.records = append(p.records, r)
		p.recordCourse = append(p.recordCourse, in.CourseID)
		p.recordSession = append(p.recordSession, in.SessionID)
	}

	if len(bad) > 0 {
		// A file's refusals read in line order; a batch's have no lines
		// and keep theirs.
		slices.SortStableFunc(bad, func(x, y reportline.Detail) int { return x.Line - y.Line })
		return nil, &reportline.Error{Code: reportline.Invalid, Details: bad,
			Message: fmt.Sprintf("%d item(s) refused; nothing was written: %s", len(bad), describeDetail(bad[0]))}
	}
	return p, nil
}

// checkSession says why a record's session is refused: unknown, or of
// another course than the record's; "" when it is fine.
func (p *learningPlan) checkSession(in RecordInput, batch map[string]string) (reason, message string) {
	if c, ok := batch[in.SessionID]; ok {
		if c != in.CourseID {
			return "wrong_course", fmt.Sprintf("session %q belongs to course %q, not %q", in.SessionID, c, in.CourseID)
		}
		return "", ""
	}
	s, ok := p.oldSessions[in.SessionID]
	if !ok {
		return "unknown_session", fmt.Sprintf("there is no session %q, stored or in this batch", in.SessionID)
	}
	if c, ok := p.oldCourses[in.CourseID]; !ok || c.ID != s.CourseID {
		return "wrong_course", fmt.Sprintf("session %q belongs to another course than %q", in.SessionID, in.CourseID)
	}
	return "", ""
}

// describeDetail says where and what a refusal is, for an error message.
func describeDetail(d reportline.Detail) string {
	where := d.Field
	if d.Line > 0 {
		where = fmt.Sprintf("line %d, %s", d.Line, d.Field)
	}
	return where + ": " + d.Message
}

// dedupe returns the distinct non-empty values.
func dedupe(vals []string) []string {
	out := slices.Sorted(slices.Values(vals))
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(s string) bool { return s == "" })
}

// apply writes the changed items, courses first so that sessions and
// records can refer to them.
func (p *learningPlan) apply(ctx context.Context, tx Tx) (Result, error) {
	var res Result
	courseIDs := map[string]reportline.CourseID{}
	for id, c := range p.oldCourses {
		courseIDs[id] = c.ID
	}
	for _, c := range p.courses {
		old, ok := p.oldCourses[c.LMSID]
		switch {
		case ok && old.Title == c.Title && slices.Equal(old.Groups, c.Groups):
			res.Courses.Unchanged++
			continue
		case ok:
			res.Courses.Updated++
		default:
			res.Courses.Created++
		}
		if err := tx.PutCourse(ctx, &c); err != nil {
			return res, err
		}
		courseIDs[c.LMSID] = c.ID
	}
	sessionIDs := map[string]reportline.CourseSessionID{}
	for id, s := range p.oldSessions {
		sessionIDs[id] = s.ID
	}
	for i, s := range p.sessions {
		s.CourseID = courseIDs[p.sessionCourse[i]]
		old, ok := p.oldSessions[s.LMSID]
		switch {
		case ok && old.CourseID == s.CourseID && old.Title == s.Title && old.Starts.Equal(s.Starts) && old.Ends.Equal(s.Ends):
			res.Sessions.Unchanged++
			continue
		case ok:
			res.Sessions.Updated++
		default:
			res.Sessions.Created++
		}
		if err := tx.PutCourseSession(ctx, &s); err != nil {
			return res, err
		}
		sessionIDs[s.LMSID] = s.ID
	}
	for i, r := range p.records {
		r.CourseID = courseIDs[p.recordCourse[i]]
		if p.recordSession[i] != "" {
			r.SessionID = sessionIDs[p.recordSession[i]]
		}
		old, ok := p.oldRecords[r.LMSID]
		switch {
		case ok && sameRecord(old, r):
			res.Records.Unchanged++
			continue
		case ok:
			res.Records.Updated++
		default:
			res.Records.Created++
		}
		if err := tx.PutLearningRecord(ctx, &r); err != nil {
			return res, err
		}
	}
	return res, nil
}

// sameRecord compares what an integration sends, not ids nor update times.
func sameRecord(a, b reportline.LearningRecord) bool {
	scores := (a.Score == nil) == (b.Score == nil) && (a.Score == nil || *a.Score == *b.Score)
	return a.UserID == b.UserID && a.CourseID == b.CourseID && a.SessionID == b.SessionID && a.Status == b.Status &&
		a.Progress == b.Progress && scores && a.TimeSpent == b.TimeSpent && a.Due.Equal(b.Due) &&
		a.Completed.Equal(b.Completed) && a.LastActivity.Equal(b.LastActivity)
}

// recordUsers resolves the users records name.
type recordUsers struct {
	byID    map[reportline.UserID]reportline.User
	byUID   map[string]reportline.User
	byEmail map[string]reportline.User
}

func resolveRecordUsers(ctx context.Context, tx Tx, records []RecordInput) (*recordUsers, error) {
	var ids []reportline.UserID
	var uids, emails []string
	for _, r := range records {
		switch {
		case r.UserID != 0:
			ids = append(ids, r.UserID)
		case r.UserUID != "":
			uids = append(uids, r.UserUID)
		case r.UserEmail != "":
			if e, err := reportline.NormalizeEmail(r.UserEmail); err == nil {
				emails = append(emails, e)
			}
		}
	}
	u := &recordUsers{}
	var err error
	slices.Sort(ids)
	if u.byID, err = tx.UsersByIDs(ctx, slices.Compact(ids)); err != nil {
		return nil, err
	}
	if u.byUID, err = tx.UsersByExternalUIDs(ctx, dedupe(uids)); err != nil {
		return nil, err
	}
	if u.byEmail, err = tx.UsersByEmails(ctx, dedupe(emails)); err != nil {
		return nil, err
	}
	return u, nil
}

// key names the field a record identifies its user by; "" when it names
// none or more than one.
func (u *recordUsers) key(r RecordInput) (field, value string) {
	n := 0
	if r.UserID != 0 {
		n++
		field, value = "user_id", strconv.FormatInt(int64(r.UserID), 10)
	}
	if r.UserUID != "" {
		n++
		field, value = "user_uid", r.UserUID
	}
	if r.UserEmail != "" {
		n++
		field, value = "user_email", r.UserEmail
	}
	if n != 1 {
		return "", ""
	}
	return field, value
}

func (u *recordUsers) find(r RecordInput) (reportline.UserID, bool) {
	f, v := u.key(r)
	var usr reportline.User
	var ok bool
	switch f {
	case "user_id":
		usr, ok = u.byID[r.UserID]
	case "user_uid":
		usr, ok = u.byUID[v]
	case "user_email":
		e, err := reportline.NormalizeEmail(v)
		if err != nil {
			return 0, false
		}
		usr, ok = u.byEmail[e]
	}
	return usr.ID, ok
}
