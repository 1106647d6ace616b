package csvio

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"

	"reportline"
)

func TestReader(t *testing.T) {
	t.Parallel()
	const hdr = "email of manager,email of managee"
	tests := []struct {
		name    string
		in      string
		wantSep rune
		wantEnc string
		want    []row
		errs    []string
	}{
		{
			name: "plain LF", in: hdr + "\na@x.io,b@x.io\nc@x.io,d@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|", "3|c@x.io|d@x.io|"),
		},
		{
			name: "CRLF", in: hdr + "\r\na@x.io,b@x.io\r\nc@x.io,d@x.io\r\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|", "3|c@x.io|d@x.io|"),
		},
		{
			name: "lone CR", in: hdr + "\ra@x.io,b@x.io\rc@x.io,d@x.io\r",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|", "3|c@x.io|d@x.io|"),
		},
		{
			name: "mixed line ends", in: hdr + "\r\na@x.io,b@x.io\rc@x.io,d@x.io\ne@x.io,f@x.io",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|", "3|c@x.io|d@x.io|", "4|e@x.io|f@x.io|"),
		},
		{
			name: "no final line end", in: hdr + "\na@x.io,b@x.io",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "semicolon", in: "email of manager;email of managee;note\na@x.io;b@x.io;x, y\n",
			wantSep: ';', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|x, y"),
		},
		{
			name: "tab", in: "email of manager\temail of managee\n\tb@x.io\na@x.io\t\n",
			wantSep: '\t', wantEnc: "utf-8",
			want: rows("2||b@x.io|", "3|a@x.io||"),
		},
		{
			name: "pipe", in: "email of manager|email of managee\na@x.io|b@x.io\n",
			wantSep: '|', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name:    "commas inside a semicolon header",
			in:      "note, free text;email of manager;email of managee\nx, y;a@x.io;b@x.io\n",
			wantSep: ';', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "Excel sep line", in: "sep=;\r\n" + "email of manager;email of managee\r\n\"a,b\";c\r\n",
			wantSep: ';', wantEnc: "utf-8",
			want: rows("3|a,b|c|"),
		},
		{
			name: "UTF-8 BOM", in: "\uFEFF" + hdr + "\nmüller@x.io,b@x.io\n",
			wantSep: ',', wantEnc: "utf-8-bom",
			want: rows("2|müller@x.io|b@x.io|"),
		},
		{
			name: "UTF-8 without BOM", in: hdr + ",note\na@x.io,b@x.io,Zoë Müller\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|Zoë Müller"),
		},
		{
			name: "Windows-1252", in: hdr + ",note\na@x.io,b@x.io,Zo\xeb M\xfcller \x80\n",
			wantSep: ',', wantEnc: "windows-1252",
			want: rows("2|a@x.io|b@x.io|Zoë Müller €"),
		},
		{
			name: "Windows-1252 non-breaking space trimmed", in: hdr + "\n\xa0a@x.io\xa0,b@x.io\n",
			wantSep: ',', wantEnc: "windows-1252",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name:    "quoted separators, quotes and line breaks",
			in:      hdr + ",note\n\"a,b\",\"say \"\"hi\"\"\",\"one\ntwo\r\nthree\rfour\"\nc@x.io,d@x.io,\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a,b|say \"hi\"|one\ntwo\nthree\nfour", "6|c@x.io|d@x.io|"),
		},
		{
			name:    "blank lines and empty rows skipped, lines counted",
			in:      "\n\n" + hdr + "\n\n,\n  ,  \n\"\",\"\"\na@x.io,b@x.io\n\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("8|a@x.io|b@x.io|"),
		},
		{
			name:    "empty semicolon rows before the header",
			in:      ";;;\r\n;;;\r\nemail of manager;email of managee;;\r\na@x.io;b@x.io;;\r\n;;;\r\n",
			wantSep: ';', wantEnc: "utf-8",
			want: rows("4|a@x.io|b@x.io|"),
		},
		{
			name: "cells trimmed, quoted or not", in: hdr + "\n  a@x.io  ,\t\" b@x.io \"\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "header spellings", in: " Email_Of_Manager ;\"EMAIL-OF-MANAGEE\";Note:\na@x.io;b@x.io;n\n",
			wantSep: ';', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|n"),
		},
		{
			name: "alias", in: "Manager e-mail,managee_email\na@x.io,b@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "reversed columns", in: "note,email of managee,email of manager\nn,b@x.io,a@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|n"),
		},
		{
			name: "unknown columns ignored", in: "id,email of manager,name,email of managee,x\n1,a@x.io,Ann,b@x.io,y\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "a fallback alone", in: "Manager,email of managee\na@x.io,b@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "an alias wins over a fallback", in: "manager,manager email,email of managee\nAnn,a@x.io,b@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|"),
		},
		{
			name: "short and long lines", in: hdr + ",note\na@x.io\na@x.io,b@x.io,n,extra,more\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io||", "3|a@x.io|b@x.io|n"),
		},
		{
			name: "header only", in: hdr + "\r\n",
			wantSep: ',', wantEnc: "utf-8",
		},
		{
			name: "duplicate lines are kept", in: hdr + "\na@x.io,b@x.io\na@x.io,b@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("2|a@x.io|b@x.io|", "3|a@x.io|b@x.io|"),
		},
		{
			name:    "bare quote: the line is rejected, the next ones read",
			in:      hdr + "\na@x.io,b\"c@x.io\nd@x.io,e@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("3|d@x.io|e@x.io|"),
			errs: []string{`line 2: a quote (") appears at position 9 inside a cell that is not quoted; put the whole cell in quotes and double the quotes inside it ("a ""b"" c")`},
		},
		{
			name:    "text after a closing quote",
			in:      hdr + "\n\"a@x.io\"x,b@x.io\nd@x.io,e@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("3|d@x.io|e@x.io|"),
			errs: []string{`line 2: malformed quoted cell at position 8: a closing quote must be followed by the separator or the end of the line, and quotes inside a quoted cell must be doubled ("")`},
		},
		{
			name:    "misplaced quote after a multi-line cell",
			in:      hdr + "\n\"a\nb\"x,c\nd@x.io,e@x.io\n",
			wantSep: ',', wantEnc: "utf-8",
			want: rows("4|d@x.io|e@x.io|"),
			errs: []string{`line 2: a quoted cell that starts on this line is not closed properly (found on line 3, position 2): a closing quote is missing or misplaced`},
		},
		{
			name:    "line numbers after a sep line and a multi-line cell",
			in:      "sep=,\n" + hdr + "\n\"a\n@x.io\",b\"c\n",
			wantSep: ',', wantEnc: "utf-8",
			errs: []string{`line 3: a quote (") appears on line 4, position 9 inside a cell that is not quoted; put the whole cell in quotes and double the quotes inside it ("a ""b"" c")`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTable(t, strings.NewReader(tt.in), testCols, ReaderOptions{})
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got.Sep != tt.wantSep {
				t.Errorf("Separator() = %q, want %q", got.Sep, tt.wantSep)
			}
			if got.Enc != tt.wantEnc {
				t.Errorf("Encoding() = %q, want %q", got.Enc, tt.wantEnc)
			}
			if !reflect.DeepEqual(got.Rows, tt.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got.Rows, tt.want)
			}
			if !reflect.DeepEqual(got.Errs, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", got.Errs, tt.errs)
			}
		})
	}
}

// TestReaderFileErrors covers the errors about the file as a whole, from
// NewReader or later.
func TestReaderFileErrors(t *testing.T) {
	t.Parallel()
	const hdr = "email of manager,email of managee\n"
	tests := []struct {
		name  string
		in    string
		opt   ReaderOptions
		want  string // Error()
		field string
	}{
		{name: "empty", in: "", want: "the file is empty"},
		{name: "BOM only", in: "\uFEFF", want: "the file is empty"},
		{name: "UTF-16 BOM only", in: "\xff\xfe\r\x00\n\x00", want: "the file is empty"},
		{name: "white space only", in: " \r\n\t\n", want: "the file is empty"},
		{name: "blank rows only", in: ";;;\n;;;\n", want: "the file is empty: it holds only blank lines"},
		{name: "sep line only", in: "sep=;\n", want: `the file has no header line; expected the columns "email of manager", "email of managee"`},
		{name: "NUL bytes", in: hdr + "a@x.io,\x00\x01\x02", want: "line 2: the file is not text (it contains NUL bytes); upload a CSV file"},
		{name: "control characters", in: strings.Repeat("\x01\x02\x03\x04\x05 ", 20), want: "the file is not text (it is full of control characters); upload a CSV file"},
		{name: "ZIP", in: "PK\x03\x04\x14\x00\x06\x00", want: "the file is a ZIP archive (an .xlsx or .ods workbook?), not CSV text; save it as CSV"},
		{name: "XLS", in: "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", want: "the file is an old Excel (.xls) workbook, not CSV text; save it as CSV"},
		{name: "UTF-32", in: "\xff\xfe\x00\x00e\x00\x00\x00", want: "the file is UTF-32 text, which is not supported; save it as CSV UTF-8"},
		{
			name: "no header",
			in:   "a@x.io,b@x.io\n",
			want: `line 1: no recognisable header: expected the columns "email of manager", "email of managee", found "a@x.io", "b@x.io"`,
		},
		{
			name: "no header, long line",
			in:   strings.Repeat("abcdefghij", 5) + ",2,3,4,5,6,7,8,9,10\n",
			want: `line 1: no recognisable header: expected the columns "email of manager", "email of managee", found "abcdefghijabcdefghijabcdefghijabcdefghij…", "2", "3", "4", "5", "6", "7", "8", and 2 more`,
		},
		{
			name:  "missing column",
			in:    "email of manager;name\na@x.io;Ann\n",
			want:  `line 1: email of managee: the header lacks the column "email of managee" (found "email of manager", "name")`,
			field: "email of managee",
		},
		{
			name:  "duplicate column",
			in:    "\nEmail of manager,email of managee,EMAIL OF MANAGER\n",
			want:  `line 2: email of manager: the header has two "email of manager" columns: 1 ("Email of manager") and 3 ("EMAIL OF MANAGER"); keep only one`,
			field: "email of manager",
		},
		{
			name:  "name and alias of one column",
			in:    "email of manager,email of managee,Manager Email\n",
			want:  `line 1: email of manager: the header has two "email of manager" columns: 1 ("email of manager") and 3 ("Manager Email"); keep only one`,
			field: "email of manager",
		},
		{
			name: "malformed header",
			in:   "email of manager,\"email of managee\"x\n",
			want: `line 1: malformed quoted cell at position 35: a closing quote must be followed by the separator or the end of the line, and quotes inside a quoted cell must be doubled ("")`,
		},
		{
			name: "unclosed quote",
			in:   hdr + "a@x.io,b@x.io\n\"c@x.io,d@x.io\ne@x.io,f@x.io\n",
			want: `line 3: a quoted cell that starts on this line is never closed, so everything up to the end of the file (line 4) was read as one cell; add the missing closing quote (")`,
		},
		{
			name: "header longer than the sniffing window",
			in:   "\"" + strings.Repeat("x", sniffSize+10),
			want: "line 1: the header line is longer than 64 KiB; is this a CSV file, and are its quotes closed?",
		},
		{
			name: "too large at once", in: hdr + "a@x.io,b@x.io\n", opt: ReaderOptions{MaxBytes: 10},
			want: "the file is larger than the limit of 10 bytes; split it into smaller files",
		},
		{
			name: "too large later", in: hdr + strings.Repeat("a@x.io,b@x.io\n", 10000), opt: ReaderOptions{MaxBytes: 100 << 10},
			want: "the file is larger than the limit of 100 KiB; split it into smaller files",
		},
		{
			name: "invalid UTF-8 after a UTF-8 start",
			in:   hdr + "zoë@x.io,b@x.io\n" + strings.Repeat("a@x.io,b@x.io\n", 5000) + "c@x.io,M\xfcller@x.io\n",
			want: "line 5003: email of managee: the line is not valid UTF-8 although the start of the file is; the file mixes encodings: save it again as \"CSV UTF-8\"", field: "email of managee",
		},
		{
			name: "invalid UTF-8 after a BOM",
			in:   "\uFEFF" + hdr + "c@x.io,b@x.io,M\xfcller\n",
			want: "line 2: the line is not valid UTF-8 although the start of the file is; the file mixes encodings: save it again as \"CSV UTF-8\"",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readTable(t, strings.NewReader(tt.in), testCols, tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			if got := userError(err); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
			if e := checkError(t, err); e.Field != tt.field {
				t.Errorf("Field = %q, want %q", e.Field, tt.field)
			}
		})
	}
}

func TestReaderMaxBytesExact(t *testing.T) {
	t.Parallel()
	in := "email of manager,email of managee\na@x.io,b@x.io\n"
	got, err := readTable(t, strings.NewReader(in), testCols, ReaderOptions{MaxBytes: int64(len(in))})
	if err != nil {
		t.Fatalf("a file of exactly MaxBytes: %v", err)
	}
	if want := rows("2|a@x.io|b@x.io|"); !reflect.DeepEqual(got.Rows, want) {
		t.Errorf("rows %+v, want %+v", got.Rows, want)
	}
}

// TestReaderEncodingSettlesLate checks files whose first 64 KiB are ASCII:
// the first non-ASCII cell decides between UTF-8 and Windows-1252.
func TestReaderEncodingSettlesLate(t *testing.T) {
	t.Parallel()
	ascii := "email of manager,email of managee,note\n" + strings.Repeat("a@x.io,b@x.io,\n", 5000)
	tests := []struct {
		name, tail, wantNote, wantEnc string
	}{
		{"UTF-8", "c@x.io,d@x.io,Zoë\n", "Zoë", "utf-8"},
		{"Windows-1252", "c@x.io,d@x.io,Zo\xeb\n", "Zoë", "windows-1252"},
		{"UTF-8 then garbage", "c@x.io,d@x.io,Zoë\nc@x.io,d@x.io,Zo\xeb\n", "", "utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readTable(t, strings.NewReader(ascii+tt.tail), testCols, ReaderOptions{})
			if tt.wantNote == "" {
				if err == nil || !strings.Contains(err.Error(), "line 5003: note: the line is not valid UTF-8") {
					t.Fatalf("error %v, want one about line 5003", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := len(got.Rows), 5001; got != want {
				t.Fatalf("%d rows, want %d", got, want)
			}
			last := got.Rows[len(got.Rows)-1]
			if last.Line != 5002 || last.Fields[2] != tt.wantNote {
				t.Errorf("last row %+v, want line 5002 with note %q", last, tt.wantNote)
			}
			if got.Enc != tt.wantEnc {
				t.Errorf("Encoding() = %q, want %q", got.Enc, tt.wantEnc)
			}
		})
	}
}

func TestReaderUTF16(t *testing.T) {
	t.Parallel()
	text := "email of manager\temail of managee\tnote\r\na@x.io\tb@x.io\tZoë 李伟 😀\r\n\"c\r\n@x.io\"\td@x.io\t\r\n"
	want := rows("2|a@x.io|b@x.io|Zoë 李伟 😀", "3|c\n@x.io|d@x.io|")
	tests := []struct {
		name, enc string
		bytes     []byte
	}{
		{"LE with BOM", "utf-16le", append([]byte{0xFF, 0xFE}, utf16Bytes(text, false)...)},
		{"BE with BOM", "utf-16be", append([]byte{0xFE, 0xFF}, utf16Bytes(text, true)...)},
		{"LE without BOM", "utf-16le", utf16Bytes(text, false)},
		{"BE without BOM", "utf-16be", utf16Bytes(text, true)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time, to split surrogate pairs and CRLFs.
			got, err := readTable(t, iotest.OneByteReader(strings.NewReader(string(tt.bytes))), testCols, ReaderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got.Enc != tt.enc || got.Sep != '\t' {
				t.Errorf("Encoding() = %q, Separator() = %q; want %q, tab", got.Enc, got.Sep, tt.enc)
			}
			if !reflect.DeepEqual(got.Rows, want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got.Rows, want)
			}
		})
	}
}

// utf16Bytes encodes s as UTF-16 without a BOM.
func utf16Bytes(s string, bigEndian bool) []byte {
	var out []byte
	for _, r := range s {
		units := []rune{r}
		if r >= 0x10000 {
			r -= 0x10000
			units = []rune{0xD800 + r>>10, 0xDC00 + r&0x3FF}
		}
		for _, u := range units {
			if bigEndian {
				out = append(out, byte(u>>8), byte(u))
			} else {
				out = append(out, byte(u), byte(u>>8))
			}
		}
	}
	return out
}

// TestReaderChunking reads the same files through readers that return one
// byte, or half the asked bytes, at a time: results must not depend on how
// the source splits its data (CRLF across reads, multi-byte runes, etc.).
func TestReaderChunking(t *testing.T) {
	t.Parallel()
	inputs := []string{
		"email of manager;email of managee;note\r\na@x.io;b@x.io;\"x\r\ny\"\r\r\nc@x.io;d@x.io;Zo\xeb\r",
		"\uFEFFemail of manager,email of managee,note\ra@x.io,b@x.io,Zoë\r\rc@x.io,d@x.io,\"1\r2\"\n",
		"sep=|\nemail of manager|email of managee\n\n\"a|b\"|c\r\n",
	}
	for i, in := range inputs {
		want, err := readTable(t, strings.NewReader(in), testCols, ReaderOptions{})
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		for name, wrap := range map[string]func(io.Reader) io.Reader{
			"one byte": iotest.OneByteReader,
			"half":     iotest.HalfReader,
			"data+EOF": iotest.DataErrReader,
		} {
			got, err := readTable(t, wrap(strings.NewReader(in)), testCols, ReaderOptions{})
			if err != nil {
				t.Fatalf("input %d, %s: %v", i, name, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("input %d, %s:\n got %+v\nwant %+v", i, name, got, want)
			}
		}
	}
}

// TestReaderSourceError checks that a failing source is reported as such
// (not as bad input), and that the error is final.
func TestReaderSourceError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	in := io.MultiReader(
		strings.NewReader("email of manager,email of managee\n"+strings.Repeat("a@x.io,b@x.io\n", 10000)),
		iotest.ErrReader(boom))
	r, err := NewReader(in, testCols, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var last error
	for range 20000 {
		if _, last = r.Next(); last != nil {
			break
		}
	}
	if !errors.Is(last, boom) {
		t.Fatalf("error %v, want one wrapping %v", last, boom)
	}
	if got, want := reportline.ErrorCode(last), reportline.Internal; got != want {
		t.Errorf("code %q, want %q", got, want)
	}
	if r.Err() != last {
		t.Errorf("Err() = %v, want %v", r.Err(), last)
	}
	if _, again := r.Next(); again != last {
		t.Errorf("Next after the error = %v, want %v again", again, last)
	}
}

func TestReaderCellsAndIndex(t *testing.T) {
	t.Parallel()
	in := "id;E-Mail of Manager;Prénom;email of managee\n7;a@x.io;Zoë;b@x.io;surplus\n"
	r, err := NewReader(strings.NewReader(in), testCols, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := r.Header(), []string{"id", "E-Mail of Manager", "Prénom", "email of managee"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Header() = %q, want %q", got, want)
	}
	rec, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := rec.Cells, []string{"7", "a@x.io", "Zoë", "b@x.io", "surplus"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Cells = %q, want %q", got, want)
	}
	for name, want := range map[string]int{"prénom": 2, "ID": 0, "email_of_manager": 1, "missing": -1} {
		if got := r.Index(name); got != want {
			t.Errorf("Index(%q) = %d, want %d", name, got, want)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next at the end = %v, want io.EOF", err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("Next after the end = %v, want io.EOF", err)
	}
	if err := r.Err(); err != nil {
		t.Errorf("Err() at the end = %v, want nil", err)
	}
}

func TestNewReaderBadColumns(t *testing.T) {
	t.Parallel()
	cols := []Column{{Name: "a", Aliases: []string{"x"}}, {Name: "b", Aliases: []string{"X"}}}
	_, err := NewReader(strings.NewReader("a,b\n"), cols, ReaderOptions{})
	if got, want := reportline.ErrorCode(err), reportline.Internal; got != want {
		t.Errorf("code %q (%v), want %q", got, err, want)
	}
}

// TestReaderErrorsNameTheirMessage: the errors a page shows carry their
// catalogue id and the arguments its sentence needs (line, position, column),
// so that a French reader reads them in French.
func TestReaderErrorsNameTheirMessage(t *testing.T) {
	t.Parallel()
	const hdr = "email of manager,email of managee\n"
	tests := []struct {
		name, in string
		id       string
		args     map[string]any
	}{
		{"bare quote", hdr + "a@x.io,b\"@x.io\n", "error.csv.bare_quote", map[string]any{"Position": 9}},
		{"missing column", "email of manager;name\na@x.io;Ann\n", "error.csv.missing_column",
			map[string]any{"Missing": `"email of managee"`, "Count": 1, "Found": `"email of manager", "name"`}},
		{"no header", "a@x.io,b@x.io\n", "error.csv.no_header_match",
			map[string]any{"Expected": `"email of manager", "email of managee"`, "Found": `"a@x.io", "b@x.io"`}},
		{"PDF", "%PDF-1.4\n", "error.csv.pdf", nil},
		{"too large", hdr + "a@x.io,b@x.io\n", "error.csv.too_large", map[string]any{"LimitBytes": int64(10)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := ReaderOptions{}
			if tt.id == "error.csv.too_large" {
				opt.MaxBytes = 10
			}
			var err error
			r, err := NewReader(strings.NewReader(tt.in), testCols, opt)
			if err == nil {
				for err == nil {
					_, err = r.Next()
				}
			}
			e, ok := errors.AsType[*reportline.Error](err)
			if !ok {
				t.Fatalf("error %v is not a *reportline.Error", err)
			}
			if e.MsgID != tt.id || !reflect.DeepEqual(e.MsgArgs, tt.args) {
				t.Errorf("message %q %v, want %q %v", e.MsgID, e.MsgArgs, tt.id, tt.args)
			}
		})
	}
}
