package csvio

import (
	"encoding/csv"
	"io"
	"strings"
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
// commands or leak data. The Reader removes that quote again, so an export
// re-imports as it is; for that to hold for every cell, a cell made of
// single quotes and then one of those characters ("'=x") gets one more
// quote ("”=x").
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
	k := leadingQuotes(cell)
	return k < len(cell) && isGuardChar(cell[k])
}

// isGuardChar reports whether a cell starting with c could be a formula.
func isGuardChar(c byte) bool {
	switch c {
	case '=', '+', '-', '@', '\t', '\r':
		return true
	}
	return false
}

func leadingQuotes(s string) int {
	k := 0
	for k < len(s) && s[k] == '\'' {
		k++
	}
	return k
}

// unguard removes the quote the Writer adds before a cell a spreadsheet
// could run as a formula: "'=1+1" reads "=1+1", "”=x" reads "'=x". It
// leaves every other cell alone ("'plain", "'").
func unguard(cell string) string {
	k := leadingQuotes(cell)
	if k == 0 || k == len(cell) || !isGuardChar(cell[k]) {
		return cell
	}
	cell = cell[1:]
	if k == 1 && (cell[0] == '\t' || cell[0] == '\r') {
		cell = strings.TrimSpace(cell) // the reader trims cells
	}
	return cell
}

// Flush writes any buffered data and returns the first error of any Write
// or of the flush.
func (w *Writer) Flush() error {
	w.csv.Flush()
	return w.csv.Error()
}
