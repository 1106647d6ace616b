package csvio

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"reportline"
)

// Column describes one expected column: its canonical name and the header
// spellings accepted for it. Header cells are compared in lower case on their
// letters and digits only, so "Email Of Manager", " email_of_manager " and
// "EMAIL-OF-MANAGER" all name the column "email of manager".
//
// A header that names a column twice is an error, with one exception:
// Fallbacks are spellings used only when the header has no cell spelled as
// Name or one of Aliases. They suit vague headers: an HR export often has
// both "Manager" (the manager's name) and "Manager email", and only the
// latter is wanted; a file whose only manager column is "Manager" still
// works. A cell that is not used stays available in Record.Cells.
type Column struct {
	Name      string   // canonical name, used in error messages
	Aliases   []string // other accepted header spellings
	Fallbacks []string // spellings used only when Name and Aliases are absent
	Required  bool     // the header must contain this column
}

// normalizeHeader folds a header cell to the form columns are matched on:
// lower-case letters and digits only. Spreadsheet users type headers by hand
// ("Manager's e-mail", "manager_email"), so spacing, case and punctuation
// carry no meaning.
func normalizeHeader(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9':
			b.WriteRune(r)
		case 'A' <= r && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// columnIndex maps the normalised spellings of a column set to the column
// and the spelling's rank: 0 for Name and Aliases, 1 for Fallbacks.
type columnIndex map[string]spelling

// spelling is one accepted header of a column, and how much it is preferred.
type spelling struct{ col, rank int }

// newColumnIndex builds the look-up table for cols. Two columns that share a
// spelling would make headers ambiguous: that is a programming error in the
// caller's column set, reported as such.
func newColumnIndex(cols []Column) (columnIndex, error) {
	idx := make(columnIndex, len(cols)*4)
	for i, c := range cols {
		for rank, names := range [][]string{append([]string{c.Name}, c.Aliases...), c.Fallbacks} {
			for _, name := range names {
				key := normalizeHeader(name)
				if key == "" {
					continue
				}
				if prev, dup := idx[key]; dup {
					if prev.col != i {
						return nil, reportline.Errorf(reportline.Internal,
							"csvio: columns %q and %q both accept the header %q", cols[prev.col].Name, c.Name, name)
					}
					continue // "e-mail" and "email" are one spelling
				}
				idx[key] = spelling{col: i, rank: rank}
			}
		}
	}
	return idx, nil
}

// lookup returns the spelling a header cell is, or col -1.
func (idx columnIndex) lookup(cell string) spelling {
	if s, ok := idx[normalizeHeader(cell)]; ok {
		return s
	}
	return spelling{col: -1}
}

// mapHeader finds each column of cols in header and returns, for each column,
// the index of its cell in header or -1. line is the header's line, for errors.
//
// When several cells name the same column, a Name or alias spelling wins
// over a fallback; two cells of the same rank are an error, since nothing
// says which one the user meant.
func mapHeader(header []string, cols []Column, idx columnIndex, line int) ([]int, error) {
	pos := make([]int, len(cols))
	best := make([]int, len(cols)) // best rank seen per column
	for i := range pos {
		pos[i], best[i] = -1, -1
	}
	spellings := make([]spelling, len(header))
	for cell, name := range header {
		sp := idx.lookup(name)
		spellings[cell] = sp
		if c := sp.col; c >= 0 && (best[c] < 0 || sp.rank < best[c]) {
			best[c] = sp.rank
		}
	}
	found := 0
	for cell, sp := range spellings {
		c := sp.col
		if c < 0 || sp.rank != best[c] {
			continue // kept in Record.Cells, not mapped
		}
		if prev := pos[c]; prev >= 0 {
			e := reportline.Errorf(reportline.Invalid,
				"the header has two %q columns: %d (%q) and %d (%q); keep only one",
				cols[c].Name, prev+1, header[prev], cell+1, header[cell]).
				Say("error.csv.two_columns", map[string]any{"Column": cols[c].Name, "First": prev + 1, "FirstName": header[prev],
					"Second": cell + 1, "SecondName": header[cell]})
			e.Field, e.Line = cols[c].Name, line
			return nil, e
		}
		pos[c] = cell
		found++
	}
	var missing []string
	field := ""
	for i, c := range cols {
		if c.Required && pos[i] < 0 {
			missing = append(missing, strconv.Quote(c.Name))
			if field == "" {
				field = c.Name
			}
		}
	}
	switch {
	case len(missing) == 0:
		return pos, nil
	case found == 0:
		// Nothing matched: most likely the header line is missing altogether
		// (the file starts with data) or the file is not the expected one.
		return nil, invalidf(line, "", "no recognisable header: expected the columns %s, found %s",
			expectedList(cols), quotedList(header)).
			Say("error.csv.no_header_match", map[string]any{"Expected": expectedList(cols), "Found": cellList(header)})
	}
	return nil, invalidf(line, field, "the header lacks the column %s (found %s)",
		strings.Join(missing, " and "), quotedList(header)).
		Say("error.csv.missing_column", map[string]any{"Missing": strings.Join(missing, ", "), "Count": len(missing), "Found": cellList(header)})
}

// expectedList names the required columns (all columns when none is required),
// as shown to a user whose header did not match.
func expectedList(cols []Column) string {
	var names []string
	for _, c := range cols {
		if c.Required {
			names = append(names, fmt.Sprintf("%q", c.Name))
		}
	}
	if len(names) == 0 {
		for _, c := range cols {
			names = append(names, fmt.Sprintf("%q", c.Name))
		}
	}
	return strings.Join(names, ", ")
}

// quotedList shows what a header line held, shortened so that a file without
// a header (a long data line) does not produce an unreadable message.
func quotedList(cells []string) string {
	const maxCells, maxLen = 8, 40
	if len(cells) == 0 || (len(cells) == 1 && cells[0] == "") {
		return "nothing"
	}
	var parts []string
	for i, c := range cells {
		if i == maxCells {
			parts = append(parts, fmt.Sprintf("and %d more", len(cells)-maxCells))
			break
		}
		if len(c) > maxLen {
			c = truncate(c, maxLen) + "…"
		}
		parts = append(parts, fmt.Sprintf("%q", c))
	}
	return strings.Join(parts, ", ")
}

// cellList is quotedList for a message of the catalogues: the same cells,
// with "…" for the ones left out instead of English words.
func cellList(cells []string) string {
	const maxCells, maxLen = 8, 40
	var parts []string
	for i, c := range cells {
		if i == maxCells {
			parts = append(parts, "…")
			break
		}
		if len(c) > maxLen {
			c = truncate(c, maxLen) + "…"
		}
		parts = append(parts, strconv.Quote(c))
	}
	return strings.Join(parts, ", ")
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
