package bulkimport

import (
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"reportline"
	"reportline/csvio"
)

// importFile is a parsed import file, compact enough for a million lines:
// every distinct address is stored once and rows refer to it by index.
type importFile struct {
	emails   []string         // distinct addresses, trimmed and lower-cased
	index    map[string]int32 // address → position in emails
	rows     []importRow
	terms    []linkTerms // the dates of rows that have some
	rejected []RejectedLine
	lines    int // data lines read
	encoding string
	sep      rune
}

// importRow is one data line in 20 bytes (a million of them are held).
// manager is -1 for an empty manager cell.
type importRow struct {
	line       int32
	manager    int32
	managee    int32
	termsIdx   int32 // index into importFile.terms, -1 when the row has no dates
	functional bool  // the kind column says functional
}

func (r importRow) kind() reportline.Kind {
	if r.functional {
		return reportline.Functional
	}
	return reportline.Line
}

type linkTerms struct{ from, until time.Time }

// RejectedLine is a line an import refused, with why.
type RejectedLine struct {
	Line    int    `json:"line"`
	Manager string `json:"manager"`
	Managee string `json:"managee"`
	Reason  string `json:"reason"`
	Message string `json:"message"`

	// MsgID and MsgArgs name Message in the pages' catalogues (the CSV
	// reader's "error.csv.*": reportline.Error.MsgID), so that the import's
	// page says a malformed line in the reader's language; the API and the
	// CLI send Message.
	MsgID   string         `json:"-"`
	MsgArgs map[string]any `json:"-"`
}

// The reasons a line is rejected (or, for reasonDuplicate, only noted).
const (
	reasonMalformed      = "malformed"
	reasonInvalidEmail   = "invalid_email"
	reasonUnknown        = "unknown"
	reasonInactive       = "inactive"
	reasonSelf           = "self"
	reasonOutOfScope     = "out_of_scope"
	reasonCycle          = "cycle"
	reasonConflict       = "conflict"
	reasonManageeSkipped = "managee_skipped"
	reasonDuplicate      = "duplicate"
	// reasonDirectoryKept notes (does not reject) a link owned by a
	// directory source that the file's replace left in place.
	reasonDirectoryKept = "directory_owned_kept"
	// reasonDirectoryOwned rejects a line that would change the terms of a
	// link owned by a directory source.
	reasonDirectoryOwned = "directory_owned"
)

// parseImport reads a whole pair file. Errors about one line become
// rejected lines; an error about the whole file (not a CSV, no header, too
// large) is returned.
func parseImport(r io.Reader, size, maxBytes int64, progress func(lines int)) (*importFile, error) {
	pr, err := csvio.NewPairReader(r, csvio.ReaderOptions{MaxBytes: maxBytes})
	if err != nil {
		return nil, err
	}
	// Sized for the file at once: growing a map of half a million
	// addresses rehashes it many times. A line is ~70 bytes and names
	// about one new address in two (managers repeat).
	f := &importFile{index: make(map[string]int32, min(size, maxBytes)/140)}
	intern := func(s string) int32 {
		s = strings.ToLower(strings.TrimSpace(s))
		if i, ok := f.index[s]; ok {
			return i
		}
		// A copy: s may point into the whole line encoding/csv read, which
		// must not stay in memory for one address.
		s = strings.Clone(s)
		i := int32(len(f.emails))
		f.index[s] = i
		f.emails = append(f.emails, s)
		return i
	}
	for {
		p, err := pr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && pr.Err() != nil {
			return nil, pr.Err() // about the whole file: nothing is imported
		}
		f.lines++
		if progress != nil && f.lines%50_000 == 0 {
			progress(f.lines)
		}
		if err != nil {
			line := p.Line
			rl := RejectedLine{Manager: keptCell(p.Manager), Managee: keptCell(p.Managee), Reason: reasonMalformed, Message: reportline.ErrorMessage(err)}
			var e *reportline.Error
			if errors.As(err, &e) {
				if e.Line > 0 {
					line = e.Line
				}
				rl.MsgID, rl.MsgArgs = e.MsgID, e.MsgArgs
			}
			rl.Line = line
			f.rejected = append(f.rejected, rl)
			continue
		}
		row := importRow{line: int32(p.Line), manager: -1, managee: intern(p.Managee), termsIdx: -1}
		if p.Manager != "" {
			row.manager = intern(p.Manager)
		}
		if e := row.readTerms(f, p); e != nil {
			f.rejected = append(f.rejected, RejectedLine{Line: p.Line, Manager: keptCell(p.Manager), Managee: keptCell(p.Managee), Reason: reasonMalformed,
				Message: e.Message, MsgID: e.MsgID, MsgArgs: e.MsgArgs})
			continue
		}
		f.rows = append(f.rows, row)
	}
	if f.lines == 0 {
		// Not an import that changed nothing: a file with only its header
		// is most likely the wrong file, and the caller must hear that
		// nothing was in it.
		return nil, reportline.Errorf(reportline.Invalid, "the file holds a header line but no data line: there was nothing to import, and nothing was applied").
			Say("error.import.no_data", nil)
	}
	f.encoding, f.sep = pr.Encoding(), pr.Separator()
	return f, nil
}

// maxKeptCell bounds what a rejected line keeps of a cell: an address is
// at most 254 bytes, and a file of a million malformed lines must not hold
// them all in memory at their full length.
const maxKeptCell = 320

// keptCell is a cell as a rejected line keeps it: copied (not pointing into
// the line read) and cut to maxKeptCell bytes.
func keptCell(s string) string {
	if len(s) > maxKeptCell {
		cut := maxKeptCell
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return s[:cut] + "…"
	}
	return strings.Clone(s)
}

// readTerms reads the optional kind and date columns of an export; it
// returns the line's error when one is wrong.
func (row *importRow) readTerms(f *importFile, p csvio.Pair) *reportline.Error {
	switch strings.ToLower(strings.TrimSpace(p.Kind)) {
	case "", "line":
	case "functional":
		row.functional = true
	default:
		return reportline.Errorf(reportline.Invalid, "kind %q must be line or functional", p.Kind).
			Say("error.csv.kind", map[string]any{"Value": p.Kind})
	}
	if p.ValidFrom == "" && p.ValidUntil == "" {
		return nil
	}
	var t linkTerms
	var err error
	if t.from, err = parseImportDate(p.ValidFrom); err != nil {
		return reportline.Errorf(reportline.Invalid, "valid from %q is not a date (YYYY-MM-DD)", p.ValidFrom).
			Say("error.csv.valid_from", map[string]any{"Value": p.ValidFrom})
	}
	if t.until, err = parseImportDate(p.ValidUntil); err != nil {
		return reportline.Errorf(reportline.Invalid, "valid until %q is not a date (YYYY-MM-DD)", p.ValidUntil).
			Say("error.csv.valid_until", map[string]any{"Value": p.ValidUntil})
	}
	if !t.from.IsZero() && !t.until.IsZero() && !t.until.After(t.from) {
		return reportline.Errorf(reportline.Invalid, "valid until must be after valid from").Say("error.csv.dates_order", nil)
	}
	row.termsIdx = int32(len(f.terms))
	f.terms = append(f.terms, t)
	return nil
}

// parseImportDate reads a date cell (csvio.ParseDate, which the plans
// share).
func parseImportDate(s string) (time.Time, error) { return csvio.ParseDate(s) }

// termsOf returns a row's dates.
func (f *importFile) termsOf(r importRow) linkTerms {
	if r.termsIdx < 0 {
		return linkTerms{}
	}
	return f.terms[r.termsIdx]
}
