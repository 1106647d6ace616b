package csvio

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"reportline"
)

// testCols is the column set of the generic reader tests: two required
// columns and an optional one.
var testCols = []Column{
	{Name: "email of manager", Aliases: []string{"manager email"}, Fallbacks: []string{"manager"}, Required: true},
	{Name: "email of managee", Aliases: []string{"managee email"}, Required: true},
	{Name: "note"},
}

// row is a record as the tests compare it.
type row struct {
	Line   int
	Fields []string
}

// table is everything a Reader says about a file.
type table struct {
	Sep    rune
	Enc    string
	Header []string
	Rows   []row
	Errs   []string // record errors, as Error() strings, in order
}

// readTable reads in to the end, collecting record errors as an importer
// would, and fails the test on any error that is not a *reportline.Error.
func readTable(t *testing.T, in io.Reader, cols []Column, opt ReaderOptions) (table, error) {
	t.Helper()
	r, err := NewReader(in, cols, opt)
	if err != nil {
		checkError(t, err)
		return table{}, err
	}
	tb := table{Sep: r.Separator(), Header: slices.Clone(r.Header())}
	for {
		rec, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			checkError(t, err)
			if r.Err() != nil {
				tb.Enc = r.Encoding()
				return tb, err
			}
			tb.Errs = append(tb.Errs, userError(err))
			continue
		}
		if got, want := len(rec.Fields), len(cols); got != want {
			t.Fatalf("line %d: len(Fields) = %d, want %d", rec.Line, got, want)
		}
		tb.Rows = append(tb.Rows, row{rec.Line, slices.Clone(rec.Fields)})
	}
	tb.Enc = r.Encoding()
	return tb, nil
}

// checkError fails the test unless err is an Invalid *reportline.Error with
// a line that is not negative.
// wantCode is the code a reader error must have: TooLarge (413) for a file
// over its limit, Invalid for everything else.
func wantCode(e *reportline.Error) reportline.Code {
	if strings.Contains(e.Message, "larger than the limit") {
		return reportline.TooLarge
	}
	return reportline.Invalid
}

func checkError(t *testing.T, err error) *reportline.Error {
	t.Helper()
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *reportline.Error", err, err)
	}
	if want := wantCode(e); e.Code != want {
		t.Errorf("error %q has code %q, want %q", err, e.Code, want)
	}
	if e.Line < 0 {
		t.Errorf("error %q has line %d", err, e.Line)
	}
	// A page says it in the reader's language (docs/i18n.md).
	if e.Code != reportline.Internal && !strings.HasPrefix(e.MsgID, "error.csv.") {
		t.Errorf("error %q names no message (MsgID %q)", err, e.MsgID)
	}
	return e
}

// rows builds the expected rows from "line|cell|cell|..." strings.
func rows(specs ...string) []row {
	var out []row
	for _, s := range specs {
		parts := strings.Split(s, "|")
		var line int
		for _, c := range parts[0] {
			line = line*10 + int(c-'0')
		}
		out = append(out, row{line, parts[1:]})
	}
	return out
}

// userError is err as a user sees it: line, field and message, without the
// cause meant for operators.
func userError(err error) string {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		return err.Error()
	}
	c := *e
	c.Err = nil
	return c.Error()
}
