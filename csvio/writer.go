package csvio

import (
	"encoding/csv"
	"io"
)

// WriterOptions tunes a Writer. The zero value writes plain RFC 4180 CSV in
// UTF-8 with ',' and LF line ends, which every spreadsheet opens correctly
// except Excel in locales whose list separator is ';'. For those, set both
// Semicolon and BOM: the European Excel variant.
type WriterOptions struct {
	Semicolon bool // separate cells with ';' instead of ','
	BOM       bool // start the file with a UTF-8 byte-order mark, which Excel needs to read UTF-8
	CRLF      bool // end lines with CRLF instead of LF
}

// Writer writes CSV lines, protecting cells against formula injection.
//
// A cell that starts with '=', '+', '-', '@', a tab or a carriage return is
// written with a leading single quote ("'=1+1"), as OWASP recommends: a
// spreadsheet would otherwise run it as a formula, and an attacker who
// controls a user name or email could make an admin's spreadsheet run
// commands or leak data. The quote is visible in the spreadsheet and is not
// removed on import; emails never start with these characters (except the
// rare '+', '-' or '=' that RFC 5322 allows), so such a cell re-imports as
// an invalid email rather than silently changing.
//
// A Writer is not safe for concurrent use.
type Writer struct {
	csv     *csv.Writer
	w       io.Writer
	bom     bool // a BOM is still to be written
	scratch []string
}

// NewWriter returns a Writer to w. Output is buffered: call Flush at the end.
func NewWriter(w io.Writer, opt WriterOptions) *Writer {
	cw := csv.NewWriter(w)
	if opt.Semicolon {
		cw.Comma = ';'
	}
	cw.UseCRLF = opt.CRLF
	return &Writer{csv: cw, w: w, bom: opt.BOM}
}

// Write writes one line. It does not modify fields.
func (w *Writer) Write(fields []string) error {
	if w.bom {
		// Written lazily so that NewWriter need not return an error. The
		// csv.Writer is still empty here, so order is preserved.
		w.bom = false
		if _, err := io.WriteString(w.w, "\uFEFF"); err != nil {
			return err
		}
	}
	out, copied := fields, false
	for i, f := range fields {
		if !needsGuard(f) {
			continue
		}
		if !copied {
			// Copy on the first guarded cell only: most lines have none.
			w.scratch = append(w.scratch[:0], fields...)
			out, copied = w.scratch, true
		}
		out[i] = "'" + f
	}
	return w.csv.Write(out)
}

// needsGuard reports whether a spreadsheet could read cell as a formula.
func needsGuard(cell string) bool {
	if cell == "" {
		return false
	}
	switch cell[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

// Flush writes any buffered data and returns the first error of any Write
// or of the flush.
func (w *Writer) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}
