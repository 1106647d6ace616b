package csvio

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// The encodings Reader.Encoding reports.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF8BOM     = "utf-8-bom"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
)

// sniffSize is how much of the file decides its encoding and separator:
// enough for thousands of lines, small enough to keep memory flat.
const sniffSize = 64 << 10

// charset says how the cells of a byte stream become valid UTF-8 strings.
type charset int

const (
	// asciiSoFar: nothing but ASCII seen yet, so UTF-8 and Windows-1252 read
	// the same. The first non-ASCII cell decides which of the two it is;
	// every earlier cell was ASCII and means the same in both.
	asciiSoFar charset = iota
	// utf8Checked: the file is UTF-8; cells are validated, not transcoded.
	utf8Checked
	// windows1252: cells are decoded byte by byte. Parsing the raw bytes and
	// decoding the cells afterwards is exact because Windows-1252 is a
	// single-byte superset of ASCII: separators, quotes and newlines are the
	// same bytes either way.
	windows1252
	// transcoded: a stream decoder (UTF-16) already produced valid UTF-8.
	transcoded
)

// sniffed is what the first bytes of a file say about it.
type sniffed struct {
	charset charset
	name    string // as reported by Reader.Encoding
	bomLen  int    // bytes to drop before decoding
	utf16   bool
	bigEnd  bool
}

// detectEncoding decides the encoding from the prefix of a file. atEOF says
// whether prefix is the whole file. It rejects empty and binary files.
func detectEncoding(prefix []byte, atEOF bool) (sniffed, error) {
	switch {
	case len(prefix) == 0:
		return sniffed{}, invalidf(0, "", "the file is empty").Say("error.csv.empty", nil)
	case bytes.HasPrefix(prefix, []byte{0xFF, 0xFE, 0, 0}), bytes.HasPrefix(prefix, []byte{0, 0, 0xFE, 0xFF}):
		return sniffed{}, invalidf(0, "", "the file is UTF-32 text, which is not supported; save it as CSV UTF-8").
			Say("error.csv.utf32", nil)
	case bytes.HasPrefix(prefix, []byte{0xEF, 0xBB, 0xBF}):
		return sniffed{charset: utf8Checked, name: EncodingUTF8BOM, bomLen: 3}, checkText(prefix[3:], atEOF)
	case bytes.HasPrefix(prefix, []byte{0xFF, 0xFE}):
		return sniffed{charset: transcoded, name: EncodingUTF16LE, bomLen: 2, utf16: true}, checkUTF16(prefix[2:], false)
	case bytes.HasPrefix(prefix, []byte{0xFE, 0xFF}):
		return sniffed{charset: transcoded, name: EncodingUTF16BE, bomLen: 2, utf16: true, bigEnd: true}, checkUTF16(prefix[2:], true)
	}
	if err := checkMagic(prefix); err != nil {
		return sniffed{}, err
	}
	if s, ok := utf16WithoutBOM(prefix); ok {
		return s, nil
	}
	// An all-ASCII prefix leaves the choice between UTF-8 and Windows-1252
	// open (see asciiSoFar); Encoding reports utf-8 until a cell settles it.
	s := sniffed{charset: asciiSoFar, name: EncodingUTF8}
	if nonASCII(prefix) >= 0 {
		s = sniffed{charset: utf8Checked, name: EncodingUTF8}
		if !utf8.Valid(completeRunes(prefix, atEOF)) {
			s = sniffed{charset: windows1252, name: EncodingWindows1252}
		}
	}
	return s, checkText(prefix, atEOF)
}

// checkMagic recognises the binary files people upload by mistake instead of
// a CSV export, to tell them what to do rather than "no header".
func checkMagic(p []byte) error {
	switch {
	case bytes.HasPrefix(p, []byte("PK\x03\x04")):
		return invalidf(0, "", "the file is a ZIP archive (an .xlsx or .ods workbook?), not CSV text; save it as CSV").
			Say("error.csv.zip", nil)
	case bytes.HasPrefix(p, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return invalidf(0, "", "the file is an old Excel (.xls) workbook, not CSV text; save it as CSV").Say("error.csv.xls", nil)
	case bytes.HasPrefix(p, []byte("%PDF-")):
		return invalidf(0, "", "the file is a PDF document, not CSV text").Say("error.csv.pdf", nil)
	}
	return nil
}

// checkText rejects binary content: text never holds NUL bytes, and holds few
// other control characters.
func checkText(p []byte, atEOF bool) error {
	if len(p) == 0 || (atEOF && len(bytes.TrimSpace(p)) == 0) {
		return invalidf(0, "", "the file is empty").Say("error.csv.empty", nil)
	}
	controls := 0
	for _, c := range p {
		switch {
		case c == 0:
			return invalidf(lineAt(p, bytes.IndexByte(p, 0)), "", "the file is not text (it contains NUL bytes); upload a CSV file").
				Say("error.csv.nul", nil)
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A:
			controls++
		}
	}
	// One control character in a hundred bytes is far beyond any real
	// spreadsheet export, and far below what binary formats hold.
	if controls > 8 && controls*100 > len(p) {
		return invalidf(0, "", "the file is not text (it is full of control characters); upload a CSV file").
			Say("error.csv.binary", nil)
	}
	return nil
}

// checkUTF16 rejects a UTF-16 file that holds nothing but white space.
func checkUTF16(p []byte, bigEndian bool) error {
	for i := 0; i+1 < len(p); i += 2 {
		u := uint16(p[i]) | uint16(p[i+1])<<8
		if bigEndian {
			u = u>>8 | u<<8
		}
		switch u {
		case ' ', '\t', '\n', '\r', 0xFEFF:
		default:
			return nil
		}
	}
	return invalidf(0, "", "the file is empty").Say("error.csv.empty", nil)
}

// utf16WithoutBOM recognises UTF-16 text saved without a byte-order mark: the
// header and the emails are ASCII, so every other byte is NUL.
func utf16WithoutBOM(p []byte) (sniffed, bool) {
	if len(p) < 8 {
		return sniffed{}, false
	}
	pairs, zeroEven, zeroOdd := len(p)/2, 0, 0
	for i := 0; i+1 < len(p); i += 2 {
		if p[i] == 0 {
			zeroEven++
		}
		if p[i+1] == 0 {
			zeroOdd++
		}
	}
	// Half the units at least are ASCII, and the other byte is hardly ever
	// NUL: characters such as U+0100 or U+4E00 have a NUL low byte, but
	// binary files are not this regular.
	switch {
	case zeroOdd*2 >= pairs && zeroEven*20 <= pairs:
		return sniffed{charset: transcoded, name: EncodingUTF16LE, utf16: true}, true
	case zeroEven*2 >= pairs && zeroOdd*20 <= pairs:
		return sniffed{charset: transcoded, name: EncodingUTF16BE, utf16: true, bigEnd: true}, true
	}
	return sniffed{}, false
}

// completeRunes drops an incomplete UTF-8 sequence cut at the end of a prefix
// that is not the whole file, so the cut does not look like invalid UTF-8.
func completeRunes(p []byte, atEOF bool) []byte {
	if atEOF {
		return p
	}
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				return p[:i]
			}
			break
		}
	}
	return p
}

// nonASCII returns the index of the first byte of p that is not ASCII, or -1.
func nonASCII[T string | []byte](p T) int {
	for i := 0; i < len(p); i++ {
		if p[i] >= utf8.RuneSelf {
			return i
		}
	}
	return -1
}

// lineAt returns the 1-based line of byte offset i in p.
func lineAt(p []byte, i int) int {
	return bytes.Count(p[:i], []byte{'\n'}) + 1
}

// cellDecoder turns raw cells into valid UTF-8 according to the charset,
// settling an asciiSoFar file on its first non-ASCII cell.
type cellDecoder struct {
	charset charset
	buf     []byte // scratch space for Windows-1252 decoding, reused
}

// decode returns cell as valid UTF-8, or false if the file is UTF-8 and
// cell is not.
func (d *cellDecoder) decode(cell string) (string, bool) {
	switch d.charset {
	case transcoded:
		return cell, true
	case utf8Checked:
		return cell, utf8.ValidString(cell)
	}
	i := nonASCII(cell)
	if i < 0 {
		return cell, true
	}
	if d.charset == asciiSoFar {
		if utf8.ValidString(cell[i:]) {
			d.charset = utf8Checked
			return cell, true
		}
		d.charset = windows1252
	}
	return d.decode1252(cell, i), true
}

// decode1252 decodes a Windows-1252 cell whose first non-ASCII byte is at i.
func (d *cellDecoder) decode1252(cell string, i int) string {
	b := append(d.buf[:0], cell[:i]...)
	for ; i < len(cell); i++ {
		if c := cell[i]; c < utf8.RuneSelf {
			b = append(b, c)
		} else {
			b = utf8.AppendRune(b, charmap.Windows1252.DecodeByte(c))
		}
	}
	d.buf = b
	return string(b)
}

// peek decodes a header cell for separator sniffing without settling the
// charset: the header is parsed and decoded for good by the CSV reader later.
func (d *cellDecoder) peek(cell string) string {
	c := *d
	c.buf = nil
	if s, ok := c.decode(cell); ok {
		return s
	}
	return strings.ToValidUTF8(cell, "\uFFFD")
}
