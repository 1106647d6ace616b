package csvio

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// separators are the candidates tried on the header line, in order of
// preference when several split it equally well.
const separators = ",;\t|"

// layout is what the first lines of a file say about its shape.
type layout struct {
	sep       rune
	skipBytes int // bytes of an Excel "sep=" line to drop before parsing
	skipLines int // lines dropped, added to encoding/csv's line numbers
}

// sniffLayout chooses the separator from the header line of buf, the decoded
// start of the file: the candidate that splits the header into the most
// expected columns wins. An Excel "sep=X" first line overrides sniffing.
func sniffLayout(buf []byte, atEOF bool, cols []Column, idx columnIndex, dec *cellDecoder) (layout, error) {
	for off, lineNo := 0, 1; ; lineNo++ {
		if off >= len(buf) {
			if atEOF {
				return layout{}, invalidf(0, "", "the file is empty: it holds only blank lines").Say("error.csv.blank", nil)
			}
			return layout{}, invalidf(0, "", "the first %s of the file hold only blank lines", byteSize(sniffSize)).
				Say("error.csv.blank_start", map[string]any{"SizeBytes": sniffSize})
		}
		line, next, complete := headerLine(buf, off)
		if !complete && !atEOF {
			// The peek window is full and the line goes on: no header is
			// that long, but an unclosed quote makes a line run on.
			return layout{}, invalidf(lineNo, "",
				"the header line is longer than %s; is this a CSV file, and are its quotes closed?", byteSize(sniffSize)).
				Say("error.csv.header_too_long", map[string]any{"SizeBytes": sniffSize})
		}
		if lineNo == 1 {
			if sep, ok := excelSepLine(line); ok {
				return layout{sep: sep, skipBytes: next, skipLines: 1}, nil
			}
		}
		if !isBlankLine(line) {
			return layout{sep: bestSeparator(line, cols, idx, dec)}, nil
		}
		off = next
	}
}

// headerLine returns the line of buf starting at off, without its line end,
// the offset of the next line, and whether a line end was found. Quoted line
// ends belong to the line: a header cell may span lines.
func headerLine(buf []byte, off int) (line []byte, next int, complete bool) {
	quoted := false
	for i := off; i < len(buf); i++ {
		switch buf[i] {
		case '"':
			quoted = !quoted
		case '\n':
			if !quoted {
				return bytes.TrimSuffix(buf[off:i], []byte{'\r'}), i + 1, true
			}
		}
	}
	return buf[off:], len(buf), false
}

// excelSepLine recognises the "sep=;" line Excel writes and reads to pin the
// separator of a CSV file regardless of the reader's locale.
func excelSepLine(line []byte) (rune, bool) {
	s := strings.TrimSpace(string(line))
	if len(s) < 5 || !strings.EqualFold(s[:4], "sep=") {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(s[4:])
	if 4+n != len(s) || !validSeparator(r) {
		return 0, false
	}
	return r, true
}

// validSeparator mirrors encoding/csv's rule for Comma.
func validSeparator(r rune) bool {
	return r != 0 && r != '"' && r != '\r' && r != '\n' && r != utf8.RuneError && utf8.ValidRune(r)
}

// isBlankLine reports whether a line holds no cell content: empty rows that
// spreadsheets export as ";;;" or ",,," are as blank as empty lines.
func isBlankLine(line []byte) bool {
	for _, c := range line {
		switch c {
		case ' ', '\t', '\r', '"', ',', ';', '|':
		default:
			return false
		}
	}
	return true
}

// bestSeparator scores each candidate separator on the header line: first by
// the required columns it reveals, then by all expected columns, then by the
// number of cells (so that an unrecognised header still splits into its
// cells, for the error message).
func bestSeparator(line []byte, cols []Column, idx columnIndex, dec *cellDecoder) rune {
	best, bestScore := rune(','), [3]int{-1}
	for _, sep := range separators {
		var score [3]int
		seen := make([]bool, len(cols))
		cells := splitHeader(line, sep)
		for _, cell := range cells {
			c := idx.lookup(strings.TrimSpace(dec.peek(cell))).col
			if c < 0 || seen[c] {
				continue
			}
			seen[c] = true
			if cols[c].Required {
				score[0]++
			}
			score[1]++
		}
		score[2] = len(cells)
		if better(score, bestScore) {
			best, bestScore = sep, score
		}
	}
	return best
}

// better compares scores lexicographically.
func better(a, b [3]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// splitHeader splits a header line on sep outside quotes and unquotes the
// cells. It is lenient: a malformed header is reported precisely later, by
// encoding/csv, once the separator is known.
func splitHeader(line []byte, sep rune) []string {
	var cells []string
	var cell []byte
	quoted := false
	for i := 0; i < len(line); {
		r, n := utf8.DecodeRune(line[i:])
		switch {
		case r == '"' && quoted && i+1 < len(line) && line[i+1] == '"':
			cell = append(cell, '"')
			n = 2
		case r == '"':
			quoted = !quoted
		case r == sep && !quoted:
			cells = append(cells, string(cell))
			cell = cell[:0]
		default:
			cell = append(cell, line[i:i+n]...)
		}
		i += n
	}
	return append(cells, string(cell))
}
