package csvio

import (
	"bytes"
	"errors"
	"io"
)

// errLineTooLong is returned by boundReader once a record passes
// MaxLineBytes.
var errLineTooLong = errors.New("line too long")

// boundReader sits between the decoded text and encoding/csv. It follows
// the quoting of the text well enough to know where each record (line)
// starts and ends, and it
//
//   - fails with errLineTooLong as soon as one record passes MaxLineBytes,
//     so that encoding/csv, which holds a whole record in memory, never
//     holds more than that (an unclosed quote running to the end of a huge
//     file included);
//   - drops the spaces between a closing quote and the separator or the
//     line end, and between a separator (or the start of a line) and an
//     opening quote, which hand-edited files hold ("a" , "b") and
//     encoding/csv refuses. Spaces followed by anything else are kept, so
//     that a cell that is really malformed ("a" b) is still reported.
//
// It does not know the separator (it runs before the separator is
// sniffed): any of the candidate separators counts as one. A candidate
// that is not the separator can only make it drop spaces next to a quote
// in a line encoding/csv refuses anyway.
type boundReader struct {
	r       io.Reader
	buf     [16 << 10]byte
	in      []byte // unread input, in buf
	srcErr  error  // the source's error, returned once the input is used up
	err     error  // errLineTooLong, final
	state   boundState
	held    int // spaces read and not yet written
	emit    int // spaces to write before anything else
	recLen  int // bytes of the current record read so far
	line    int // the physical line being read, 1-based
	recLine int // the line where the current record starts
}

type boundState uint8

const (
	atFieldStart boundState = iota // after a separator or a line end; held spaces wait for a quote
	inUnquoted
	inQuoted
	afterQuote  // a quote inside a quoted cell: a closing quote or the first of a doubled one
	afterClosed // spaces after a closing quote; held until we see what follows
)

func newBoundReader(r io.Reader) *boundReader {
	return &boundReader{r: r, line: 1, recLine: 1}
}

// tooLongLine is the line where the record that passed MaxLineBytes
// starts, once Read has failed.
func (b *boundReader) tooLongLine() int { return b.recLine }

// The bytes that end a run in an unquoted and in a quoted cell.
var unquotedStops, quotedStops = stops(",;\t|\n"), stops("\"\n")

func stops(s string) (t [256]bool) {
	for i := 0; i < len(s); i++ {
		t[s[i]] = true
	}
	return t
}

func isCandidateSep(c byte) bool { return c == ',' || c == ';' || c == '\t' || c == '|' }

func (b *boundReader) Read(p []byte) (int, error) {
	for {
		if b.err != nil {
			return 0, b.err
		}
		n := b.fill(p)
		if n > 0 || len(p) == 0 {
			return n, nil
		}
		if b.err != nil {
			return 0, b.err
		}
		if b.srcErr != nil {
			if b.held > 0 && b.state == atFieldStart {
				b.emit, b.held = b.held, 0 // trailing spaces: encoding/csv trims them or keeps them, as before
				continue
			}
			b.held = 0 // spaces after a closing quote at the end of the file
			return 0, b.srcErr
		}
		m, err := b.r.Read(b.buf[:])
		b.in, b.srcErr = b.buf[:m], err
		if m == 0 && err == nil {
			return 0, nil
		}
	}
}

// fill writes into p what the input allows and returns how much it wrote.
func (b *boundReader) fill(p []byte) int {
	n := 0
	for n < len(p) {
		if b.emit > 0 {
			k := min(b.emit, len(p)-n)
			for i := range k {
				p[n+i] = ' '
			}
			n += k
			b.emit -= k
			continue
		}
		if len(b.in) == 0 {
			return n
		}
		if b.held == 0 && (b.state == atFieldStart || b.state == inUnquoted) {
			// Fast path: the rest of a line without quotes is copied as
			// is and ends the record.
			lim := min(len(b.in), len(p)-n, MaxLineBytes-b.recLen)
			if i := bytes.IndexByte(b.in[:lim], '\n'); i >= 0 && bytes.IndexByte(b.in[:i], '"') < 0 {
				copy(p[n:], b.in[:i+1])
				n += i + 1
				b.in = b.in[i+1:]
				b.endRecord()
				continue
			}
		}
		if b.held == 0 && (b.state == inUnquoted || b.state == inQuoted) {
			// Fast path: copy the run of bytes that change nothing.
			stop := &unquotedStops
			if b.state == inQuoted {
				stop = &quotedStops
			}
			lim := min(len(b.in), len(p)-n, MaxLineBytes-b.recLen)
			k := 0
			for k < lim && !stop[b.in[k]] {
				k++
			}
			if k > 0 {
				copy(p[n:], b.in[:k])
				n += k
				b.in = b.in[k:]
				b.recLen += k
				continue
			}
		}
		c := b.in[0]
		if c == ' ' && (b.state == atFieldStart || b.state == afterQuote || b.state == afterClosed) {
			if b.state == afterQuote {
				b.state = afterClosed // a space after a quote: it was a closing one
			}
			b.in = b.in[1:]
			if !b.count() {
				return n
			}
			b.held++
			continue
		}
		if b.held > 0 {
			// The first byte after held spaces decides their fate; it is
			// then read again, in the state the decision leaves.
			switch {
			case b.state == atFieldStart && c == '"':
				b.held = 0
			case b.state == atFieldStart:
				b.emit, b.held = b.held, 0
			case c == '\n' || c == '\r' || isCandidateSep(c): // after a closing quote (a CR here starts a CRLF)
				b.held, b.state = 0, afterQuote
			default:
				b.emit, b.held, b.state = b.held, 0, inUnquoted
			}
			continue
		}
		b.in = b.in[1:]
		if !b.count() {
			return n
		}
		p[n] = c
		n++
		switch b.state {
		case atFieldStart, inUnquoted:
			switch {
			case c == '"' && b.state == atFieldStart:
				b.state = inQuoted
			case c == '\n':
				b.endRecord()
			case isCandidateSep(c):
				b.state = atFieldStart
			default:
				b.state = inUnquoted
			}
		case inQuoted:
			switch c {
			case '"':
				b.state = afterQuote
			case '\n':
				b.line++ // the record goes on
			}
		case afterQuote:
			switch {
			case c == '"':
				b.state = inQuoted
			case c == '\n':
				b.endRecord()
			case isCandidateSep(c):
				b.state = atFieldStart
			default:
				b.state = inUnquoted // malformed: encoding/csv reports it
			}
		}
	}
	return n
}

// count counts one byte of the current record and reports whether it is
// within MaxLineBytes.
func (b *boundReader) count() bool {
	b.recLen++
	if b.recLen > MaxLineBytes {
		b.err = errLineTooLong
		return false
	}
	return true
}

func (b *boundReader) endRecord() {
	b.line++
	b.recLine, b.recLen, b.state = b.line, 0, atFieldStart
}
