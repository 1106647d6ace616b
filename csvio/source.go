package csvio

import (
	"bytes"
	"errors"
	"io"
)

// errTooLarge is returned by limitReader once the file exceeds its limit.
var errTooLarge = errors.New("file too large")

// limitReader reads at most n bytes and fails with errTooLarge, rather than a
// silent io.EOF, when the source holds more: a truncated import would replace
// links from half a file. It remembers the first error of its source so the
// Reader can tell a broken upload from a malformed file whatever layers
// (decoders, encoding/csv) the error went through.
type limitReader struct {
	r   io.Reader
	n   int64 // bytes still allowed; ignored when unlimited
	lim bool
	err error // first non-EOF error, errTooLarge included
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.err != nil {
		return 0, l.err
	}
	if l.lim {
		if l.n <= 0 {
			// Probe for one more byte: only an actual excess is an error.
			var one [1]byte
			n, err := io.ReadFull(l.r, one[:])
			if n > 0 {
				l.err = errTooLarge
				return 0, l.err
			}
			return 0, l.remember(err)
		}
		if int64(len(p)) > l.n {
			p = p[:l.n]
		}
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, l.remember(err)
}

func (l *limitReader) remember(err error) error {
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	if err != nil && err != io.EOF && l.err == nil {
		l.err = err
	}
	return err
}

// crReader turns lone CR line endings (classic Mac OS, some exporters) into
// LF, which encoding/csv does not treat as a line end on its own. CRLF pairs
// are left for encoding/csv, which normalises them to LF. It rewrites the
// caller's buffer in place, so the common cases (LF or CRLF files) cost one
// bytes.IndexByte scan and no copy.
type crReader struct {
	r       io.Reader
	afterCR bool // the last read ended with a CR, already turned into LF
}

func (c *crReader) Read(p []byte) (int, error) {
	for {
		n, err := c.r.Read(p)
		n = c.convert(p[:n])
		// Dropping a lone LF can leave nothing to return; read on rather
		// than return (0, nil), which bufio treats as a stalled reader.
		if n > 0 || err != nil || len(p) == 0 {
			return n, err
		}
	}
}

// convert rewrites p in place and returns its new length.
func (c *crReader) convert(p []byte) int {
	if c.afterCR && len(p) > 0 {
		c.afterCR = false
		if p[0] == '\n' {
			// The CR ending the previous read was half of a CRLF and has
			// already been written as LF: drop this LF so that the pair
			// stays one line end. This memmove happens at most once per
			// read, and only when a CRLF straddles two reads.
			p = p[:copy(p, p[1:])]
		}
	}
	for r := 0; ; r++ {
		i := bytes.IndexByte(p[r:], '\r')
		if i < 0 {
			return len(p)
		}
		r += i
		switch {
		case r+1 == len(p):
			// The next byte is not read yet: write LF now and remember
			// to drop the LF of a CRLF at the start of the next read.
			p[r] = '\n'
			c.afterCR = true
		case p[r+1] != '\n':
			p[r] = '\n'
		}
	}
}
