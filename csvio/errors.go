package csvio

import (
	"encoding/csv"
	"errors"
	"fmt"

	"reportline"
)

// invalidf returns an Invalid *reportline.Error about line (0 for the whole
// file) and field ("" when no single column is at fault). Its callers name
// the message (Say, an "error.csv.*" id of the pages' catalogues, with its
// arguments) so that a page can say it in the reader's language; an
// argument whose name ends in "Bytes" is a size in bytes (docs/i18n.md).
func invalidf(line int, field, format string, args ...any) *reportline.Error {
	e := reportline.Errorf(reportline.Invalid, format, args...)
	e.Line, e.Field = line, field
	return e
}

// parseError explains an encoding/csv syntax error in spreadsheet terms. The
// positions encoding/csv gives are byte offsets in the line, hence "position"
// rather than "column", which users read as a spreadsheet column.
func parseError(pe *csv.ParseError, lineOffset int) *reportline.Error {
	start, line := pe.StartLine+lineOffset, pe.Line+lineOffset
	var e *reportline.Error
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		where := fmt.Sprintf("at position %d", pe.Column)
		if line != start {
			where = fmt.Sprintf("on line %d, position %d", line, pe.Column)
		}
		e = invalidf(start, "", `a quote (") appears %s inside a cell that is not quoted; `+
			`put the whole cell in quotes and double the quotes inside it ("a ""b"" c")`, where).
			Say("error.csv.bare_quote", map[string]any{"Position": pe.Column})
		if line != start {
			e.Say("error.csv.bare_quote_on", map[string]any{"Line": line, "Position": pe.Column})
		}
	case errors.Is(pe.Err, csv.ErrQuote) && line == start:
		e = invalidf(start, "", `malformed quoted cell at position %d: a closing quote must be followed `+
			`by the separator or the end of the line, and quotes inside a quoted cell must be doubled ("")`, pe.Column).
			Say("error.csv.bad_quote", map[string]any{"Position": pe.Column})
	case errors.Is(pe.Err, csv.ErrQuote):
		e = invalidf(start, "", `a quoted cell that starts on this line is not closed properly `+
			`(found on line %d, position %d): a closing quote is missing or misplaced`, line, pe.Column).
			Say("error.csv.quote_not_closed", map[string]any{"Line": line, "Position": pe.Column})
	default:
		// encoding/csv's own words (not reached with the options set):
		// the catalogue's sentence says only that the line is malformed.
		e = invalidf(start, "", "malformed line: %v", pe.Err).Say("error.csv.malformed", nil)
	}
	e.Err = pe
	return e
}

// unclosedQuote reports a quoted cell that runs to the end of the file.
func unclosedQuote(pe *csv.ParseError, lineOffset int) *reportline.Error {
	e := invalidf(pe.StartLine+lineOffset, "",
		`a quoted cell that starts on this line is never closed, so everything up to the end of the `+
			`file (line %d) was read as one cell; add the missing closing quote (")`, pe.Line+lineOffset).
		Say("error.csv.quote_to_end", map[string]any{"End": pe.Line + lineOffset})
	e.Err = pe
	return e
}

// readFailure wraps an error of the underlying reader. It is about the
// transport, not the content, so it keeps the caller's *reportline.Error if
// there is one and is Internal otherwise.
func readFailure(err error, line int) error {
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		return e
	}
	e := reportline.Errorf(reportline.Internal, "reading the file failed").Say("error.csv.read_failed", nil)
	e.Line, e.Err = line, err
	return e
}

// tooLarge reports a file over ReaderOptions.MaxBytes.
func tooLarge(limit int64) *reportline.Error {
	e := &reportline.Error{Code: reportline.TooLarge, Message: fmt.Sprintf("the file is larger than the limit of %s; split it into smaller files", byteSize(limit))}
	return e.Say("error.csv.too_large", map[string]any{"LimitBytes": limit})
}

// byteSize formats n for people: "5 MiB" rather than "5242880 bytes".
func byteSize(n int64) string {
	const kib, mib, gib = 1 << 10, 1 << 20, 1 << 30
	switch {
	case n >= gib:
		return fmt.Sprintf("%.4g GiB", float64(n)/gib)
	case n >= mib:
		return fmt.Sprintf("%.4g MiB", float64(n)/mib)
	case n >= kib:
		return fmt.Sprintf("%.4g KiB", float64(n)/kib)
	}
	return fmt.Sprintf("%d bytes", n)
}

// lineTooLong reports a line over MaxLineBytes. Reading stops there: what
// follows cannot be told apart from the rest of that line.
func lineTooLong(line int) *reportline.Error {
	return invalidf(line, "", "the line is longer than %s (lines are limited to %s and cells to %s); nothing after it was read",
		byteSize(MaxLineBytes), byteSize(MaxLineBytes), byteSize(MaxCellBytes)).
		Say("error.csv.line_too_long", map[string]any{"LineBytes": MaxLineBytes, "CellBytes": MaxCellBytes})
}

// thousands writes n with thousands separators: 4,096.
func thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
