package csvio

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// ReaderOptions tunes a Reader.
type ReaderOptions struct {
	// MaxBytes caps the size of the file in bytes, 0 for no limit. A larger
	// file fails with one error rather than being read in part.
	MaxBytes int64
}

// Record is one data line of a file.
//
// Fields and Cells are reused by the next call to Next: copy the strings you
// keep (the strings themselves are immutable and safe to keep; the slices
// are not).
type Record struct {
	// Line is the 1-based physical line of the file where the record starts.
	Line int
	// Fields holds one cell per expected column, indexed like the columns
	// given to NewReader; "" for a column the file does not have.
	Fields []string
	// Cells holds every cell of the line, indexed like Reader.Header,
	// including columns that were not asked for. A line may have fewer or
	// more cells than the header.
	Cells []string
}

// Reader reads a CSV table whose columns are found by header name. It
// decodes the charset, sniffs the separator and normalises line endings, and
// trims the white space around every cell. Lines whose cells are all empty
// are skipped.
//
// A Reader is not safe for concurrent use.
type Reader struct {
	src     *limitReader
	bound   *boundReader  // caps lines, tolerates spaces around quotes
	in      *bufio.Reader // the decoded input of csv
	limit   int64
	csv     *csv.Reader
	dec     cellDecoder
	enc     string // the detected encoding, before the charset settles
	sep     rune
	header  []string
	cols    []Column
	pos     []int    // for each column, its index in header or -1
	fields  []string // Record.Fields, reused
	lineOff int      // lines dropped before encoding/csv saw the file
	line    int      // the line of the last record returned, for I/O errors
	err     error    // the final error, returned by every later Next
}

// NewReader reads the start of r to detect its encoding and separator, then
// reads its header line and finds cols in it by name. It fails with an
// Invalid *reportline.Error when the file is empty, is not text, exceeds
// opt.MaxBytes, or lacks a required column.
func NewReader(r io.Reader, cols []Column, opt ReaderOptions) (*Reader, error) {
	idx, err := newColumnIndex(cols)
	if err != nil {
		return nil, err
	}
	rd := &Reader{
		src:   &limitReader{r: r, n: opt.MaxBytes, lim: opt.MaxBytes > 0},
		limit: opt.MaxBytes,
		cols:  cols,
	}
	prefix := make([]byte, sniffSize)
	n, err := io.ReadFull(rd.src, prefix)
	atEOF := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !atEOF {
		return nil, rd.sourceError(err)
	}
	prefix = prefix[:n]
	enc, err := detectEncoding(prefix, atEOF)
	if err != nil {
		return nil, err
	}
	rd.enc, rd.dec.charset = enc.name, enc.charset

	// The prefix goes back in front of the rest of the stream, so the UTF-8
	// path reads every byte once and transcodes nothing.
	var body io.Reader = bytes.NewReader(prefix[enc.bomLen:])
	if !atEOF {
		body = io.MultiReader(body, rd.src)
	}
	if enc.utf16 {
		order := xunicode.LittleEndian
		if enc.bigEnd {
			order = xunicode.BigEndian
		}
		body = transform.NewReader(body, xunicode.UTF16(order, xunicode.IgnoreBOM).NewDecoder())
	}
	rd.bound = newBoundReader(&crReader{r: body})
	buf := bufio.NewReaderSize(rd.bound, sniffSize)
	peek, err := buf.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return nil, rd.sourceError(err)
	}
	lay, err := sniffLayout(peek, err == io.EOF, cols, idx, &rd.dec)
	if err != nil {
		return nil, err
	}
	if _, err := buf.Discard(lay.skipBytes); err != nil {
		return nil, rd.sourceError(err)
	}
	rd.sep, rd.lineOff, rd.in = lay.sep, lay.skipLines, buf

	// csv.NewReader keeps buf as is: it is a *bufio.Reader big enough.
	rd.csv = csv.NewReader(buf)
	rd.csv.Comma = lay.sep
	rd.csv.ReuseRecord = true
	rd.csv.FieldsPerRecord = -1
	// Leading spaces would turn ` "a, b"` into a bare-quote error; skipping
	// them is only safe when the separator is not itself white space.
	rd.csv.TrimLeadingSpace = !unicode.IsSpace(lay.sep)

	if err := rd.readHeader(idx); err != nil {
		return nil, err
	}
	return rd, nil
}

// readHeader reads the first non-blank record and maps the columns on it.
func (r *Reader) readHeader(idx columnIndex) error {
	for {
		cells, err := r.csv.Read()
		if err == io.EOF {
			return invalidf(0, "", "the file has no header line; expected the columns %s", expectedList(r.cols)).
				Say("error.csv.no_header", map[string]any{"Expected": expectedList(r.cols)})
		}
		if err != nil {
			return r.readError(err)
		}
		line := r.recordLine()
		blank, err := r.clean(cells, line)
		if err != nil {
			return err
		}
		if blank {
			continue
		}
		// A second BOM (a file saved twice) or a zero-width space copied
		// from a web page would hide the first column's name.
		cells[0] = strings.TrimLeft(cells[0], "\uFEFF\u200B")
		r.header = slices.Clone(cells)
		r.pos, err = mapHeader(r.header, r.cols, idx, line)
		if err != nil {
			return err
		}
		r.fields = make([]string, len(r.cols))
		return nil
	}
}

// Next returns the next record, or io.EOF at the end of the file. The
// record's Fields and Cells slices are reused by the next call.
//
// An error about one line (a misplaced quote; see also PairReader) leaves the
// reader usable: call Next again to go on with the next line. An error about
// the whole file (too large, mixed encodings, an unclosed quote running to
// the end of the file, a failing source) is final: Err returns it and every
// later call returns it again.
func (r *Reader) Next() (Record, error) {
	if r.err != nil {
		return Record{}, r.err
	}
	for {
		cells, err := r.csv.Read()
		if err != nil {
			return Record{}, r.readError(err)
		}
		line := r.recordLine()
		blank, err := r.clean(cells, line)
		if err != nil {
			return Record{}, err
		}
		if blank {
			continue
		}
		r.line = line
		for i, p := range r.pos {
			if p >= 0 && p < len(cells) {
				r.fields[i] = cells[p]
			} else {
				r.fields[i] = ""
			}
		}
		return Record{Line: line, Fields: r.fields, Cells: cells}, nil
	}
}

// clean decodes and trims the cells in place and reports whether they are
// all empty.
func (r *Reader) clean(cells []string, line int) (blank bool, err error) {
	blank = true
	for i, c := range cells {
		if r.dec.charset != transcoded {
			var ok bool
			if c, ok = r.dec.decode(c); !ok {
				r.err = invalidf(line, r.columnName(i),
					"the line is not valid UTF-8 although the start of the file is; the file mixes "+
						"encodings: save it again as \"CSV UTF-8\"").Say("error.csv.mixed_encodings", nil)
				return false, r.err
			}
		}
		if n := len(c); n > 0 && (mayBeSpace(c[0]) || mayBeSpace(c[n-1])) {
			c = strings.TrimSpace(c)
		}
		if len(c) > MaxCellBytes {
			return false, invalidf(line, r.columnName(i), "the cell is longer than %s (%s bytes)", byteSize(MaxCellBytes), thousands(MaxCellBytes)).
				Say("error.csv.cell_too_long", map[string]any{"CellBytes": MaxCellBytes})
		}
		if c != "" && c[0] == '\'' {
			c = unguard(c)
		}
		cells[i] = c
		if c != "" {
			blank = false
		}
	}
	return blank, nil
}

// mayBeSpace reports whether a cell starting or ending with byte b may need
// trimming: b is ASCII white space or part of a non-ASCII rune (U+00A0
// NO-BREAK SPACE, say). Checking it first spares a call for most cells.
func mayBeSpace(b byte) bool { return b <= ' ' || b >= utf8.RuneSelf }

// recordLine is the physical line where the last record read starts.
func (r *Reader) recordLine() int {
	line, _ := r.csv.FieldPos(0)
	return line + r.lineOff
}

// columnName names cell i of a line for error messages: the canonical name
// of an expected column, else the header as written.
func (r *Reader) columnName(i int) string {
	for c, p := range r.pos {
		if p == i {
			return r.cols[c].Name
		}
	}
	if i < len(r.header) {
		return r.header[i]
	}
	return ""
}

// readError turns an error of encoding/csv into the error Next returns.
func (r *Reader) readError(err error) error {
	if r.src.err != nil || r.bound.err != nil {
		return r.sourceError(err)
	}
	var pe *csv.ParseError
	switch {
	case err == io.EOF:
		r.err = io.EOF
		return io.EOF
	case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine && r.atEOF():
		// An unclosed quote swallowed the rest of the file into one cell:
		// the lines after it were never read, so reading is over. (A
		// misplaced quote ends the record on its own line, leaving the
		// rest of the file to read.)
		r.err = unclosedQuote(pe, r.lineOff)
		return r.err
	case errors.As(err, &pe):
		return parseError(pe, r.lineOff)
	}
	r.err = readFailure(err, r.line)
	return r.err
}

// atEOF reports whether the whole input has been read.
func (r *Reader) atEOF() bool {
	_, err := r.in.Peek(1)
	return err == io.EOF
}

// sourceError makes a failure of the underlying reader final.
func (r *Reader) sourceError(err error) error {
	if r.src.err != nil {
		err = r.src.err
	}
	switch {
	case err == errTooLarge:
		r.err = tooLarge(r.limit)
	case r.bound != nil && r.bound.err != nil:
		r.err = lineTooLong(r.bound.tooLongLine())
	default:
		r.err = readFailure(err, r.line)
	}
	return r.err
}

// Err returns the error that ended reading, or nil while the reader is
// usable and at the end of a file read in full.
func (r *Reader) Err() error {
	if r.err == io.EOF {
		return nil
	}
	return r.err
}

// Separator returns the separator in use: sniffed from the header line or
// given by an Excel "sep=" line.
func (r *Reader) Separator() rune { return r.sep }

// Encoding returns the encoding of the file: "utf-8", "utf-8-bom",
// "utf-16le", "utf-16be" or "windows-1252".
//
// A file whose first 64 KiB are pure ASCII reads the same in UTF-8 and
// Windows-1252, so it reports "utf-8" until a non-ASCII cell shows which of
// the two it is; the records returned before were ASCII and are correct
// either way.
func (r *Reader) Encoding() string {
	if r.dec.charset == windows1252 {
		return EncodingWindows1252
	}
	return r.enc
}

// Header returns the header cells as read (decoded and trimmed), including
// columns that were not asked for. The caller must not modify it.
func (r *Reader) Header() []string { return r.header }

// Index returns the position in Header and Record.Cells of the column whose
// header matches name (compared like expected columns), or -1. It gives
// access to columns the Reader was not asked for.
func (r *Reader) Index(name string) int {
	key := normalizeHeader(name)
	for i, h := range r.header {
		if normalizeHeader(h) == key {
			return i
		}
	}
	return -1
}
