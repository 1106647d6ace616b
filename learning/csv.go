package learning

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/csvio"
	"reportline/policy"
	"reportline/usecase"
)

// A CSV file of learning records has one line per record, columns found by
// header name in any case and spacing (csvio). The file is one batch:
// every line is checked, and one refused line refuses the file, with one
// detail per refused line naming its line number and column; nothing is
// written. Courses and sessions must exist (sent by the JSON API) before
// records name them.

// MaxCSVBytes bounds an uploaded file of records.
const MaxCSVBytes = 256 << 20

// The columns of a learning records file.
const (
	lcRecord = iota
	lcUserEmail
	lcUserUID
	lcUserID
	lcCourse
	lcSession
	lcStatus
	lcProgress
	lcScore
	lcTimeSpent
	lcDue
	lcCompleted
	lcLastActivity
)

// Columns are the columns of a learning records file.
var Columns = []csvio.Column{
	lcRecord:       {Name: "record id", Aliases: []string{"record", "lms id", "record lms id"}, Fallbacks: []string{"id"}, Required: true},
	lcUserEmail:    {Name: "user email", Aliases: []string{"email", "learner email"}},
	lcUserUID:      {Name: "user uid", Aliases: []string{"uid", "external uid", "user external uid"}},
	lcUserID:       {Name: "user id"},
	lcCourse:       {Name: "course id", Aliases: []string{"course lms id"}, Fallbacks: []string{"course"}, Required: true},
	lcSession:      {Name: "session id", Aliases: []string{"session lms id"}, Fallbacks: []string{"session"}},
	lcStatus:       {Name: "status", Required: true},
	lcProgress:     {Name: "progress", Aliases: []string{"progress percent", "progress %"}},
	lcScore:        {Name: "score"},
	lcTimeSpent:    {Name: "time spent seconds", Aliases: []string{"time spent", "time spent s"}},
	lcDue:          {Name: "due date", Aliases: []string{"due", "due at"}},
	lcCompleted:    {Name: "completed at", Aliases: []string{"completion date", "completed on"}, Fallbacks: []string{"completed"}},
	lcLastActivity: {Name: "last activity", Aliases: []string{"last activity at", "last activity date"}},
}

// CSVHeader is the header of the records template.
func CSVHeader() []string {
	out := make([]string, len(Columns))
	for i, c := range Columns {
		out[i] = c.Name
	}
	return out
}

// ImportLearningCSV reads a file of learning records and applies it as one
// batch (see ApplyLearning).
func (lr *Records) ImportLearningCSV(ctx context.Context, actor usecase.Actor, r io.Reader) (Result, error) {
	// Checked again in the transaction; refusing here spares reading the
	// file.
	if err := usecase.AuthorizeActor(actor, policy.WriteLearning); err != nil {
		return Result{}, err
	}
	b, refused, err := readLearningCSV(r)
	if err != nil {
		return Result{}, err
	}
	return lr.applyLearning(ctx, actor, b, refused)
}

// readLearningCSV parses every line, returning the records of the lines
// that parse and the refusals of those that do not. An error is about the
// file as a whole.
func readLearningCSV(r io.Reader) (Batch, refusals, error) {
	var b Batch
	rd, err := csvio.NewReader(r, Columns, csvio.ReaderOptions{MaxBytes: MaxCSVBytes})
	if err != nil {
		return b, nil, err
	}
	var bad refusals
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if rd.Err() != nil {
				return b, nil, rd.Err()
			}
			var e *reportline.Error
			if errors.As(err, &e) {
				bad.add(e.Line, e.Field, e.Value, "invalid", "%s", e.Message)
				continue
			}
			return b, nil, err
		}
		in, problems := learningLine(rec)
		if len(problems) > 0 {
			bad = append(bad, problems...)
			continue
		}
		b.Records = append(b.Records, in)
	}
	if len(b.Records) == 0 && len(bad) == 0 {
		return b, nil, reportline.Errorf(reportline.Invalid, "the file has a header but no records")
	}
	return b, bad, nil
}

// learningLine reads one line; every bad cell is a refusal.
func learningLine(rec csvio.Record) (RecordInput, []reportline.Detail) {
	f := rec.Fields
	in := RecordInput{Line: rec.Line, ID: f[lcRecord], UserEmail: f[lcUserEmail], UserUID: f[lcUserUID],
		CourseID: f[lcCourse], SessionID: f[lcSession], Status: f[lcStatus]}
	var bad refusals
	col := func(i int) string { return Columns[i].Name }
	fail := func(i int, format string, args ...any) {
		bad.add(rec.Line, col(i), f[i], "invalid", format, args...)
	}
	if f[lcRecord] == "" {
		fail(lcRecord, "the record's LMS id is empty")
	}
	if s := f[lcUserID]; s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			fail(lcUserID, "%q is not a user id (a positive integer)", s)
		}
		in.UserID = reportline.UserID(n)
	}
	if s := strings.TrimSuffix(f[lcProgress], "%"); s != "" {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			fail(lcProgress, "%q is not a percentage (0 to 100)", f[lcProgress])
		}
		in.Progress = n
	}
	if s := f[lcScore]; s != "" {
		v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			fail(lcScore, "%q is not a number", s)
		} else {
			in.Score = &v
		}
	}
	if s := f[lcTimeSpent]; s != "" {
		d, err := parseTimeSpent(s)
		if err != nil {
			fail(lcTimeSpent, "%q is not a duration: give seconds (5400) or hours:minutes:seconds (1:30:00)", s)
		}
		in.TimeSpent = d
	}
	for _, t := range []struct {
		col int
		to  *time.Time
	}{{lcDue, &in.Due}, {lcCompleted, &in.Completed}, {lcLastActivity, &in.LastActivity}} {
		if s := f[t.col]; s != "" {
			v, err := parseLearningTime(s)
			if err != nil {
				fail(t.col, "%q is not a date: give YYYY-MM-DD or an RFC 3339 time (2026-11-23T14:00:00Z)", s)
			}
			*t.to = v
		}
	}
	return in, bad
}

// parseTimeSpent reads seconds or [H:]MM:SS.
func parseTimeSpent(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("not a duration")
	}
	var total int64
	for i, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n < 0 || i > 0 && n > 59 {
			return 0, fmt.Errorf("not a duration")
		}
		total = total*60 + n
	}
	return time.Duration(total) * time.Second, nil
}

// parseLearningTime reads an RFC 3339 time, or a date (midnight UTC), or a
// date and time without zone (UTC).
func parseLearningTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly, time.DateTime, "2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("not a time")
}
