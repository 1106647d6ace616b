package csvio

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// countingSource counts the bytes a Reader takes from its source.
type countingSource struct {
	r io.Reader
	n int
}

func (c *countingSource) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// A line longer than MaxLineBytes (a 190 MB one-line upload took the server
// to 1.28 GB) ends reading with one error naming the line, and the reader
// takes no more of the file than the limit and its buffers: memory stays
// bounded whatever the upload.
func TestLongLineEndsReadingEarly(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 8<<20)
	for _, tt := range []struct{ name, file, want string }{
		{"one huge line", "email of manager,email of managee\na@x.io,b@x.io\n" + huge + ",b@x.io\nc@x.io,d@x.io\n",
			"line 3: the line is longer than 64 KiB (lines are limited to 64 KiB and cells to 4 KiB); nothing after it was read"},
		{"unclosed quote", "email of manager,email of managee\na@x.io,\"b@x.io\n" + strings.Repeat("y@x.io,z@x.io\n", 1<<20),
			"line 2: the line is longer than 64 KiB"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := &countingSource{r: strings.NewReader(tt.file)}
			got, err := readTable(t, src, PairColumns, ReaderOptions{})
			if err == nil || !strings.HasPrefix(userError(err), tt.want) {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if tt.name == "one huge line" && !reflect.DeepEqual(got.Rows, rows("2|a@x.io|b@x.io||||")) {
				t.Errorf("rows before the long line = %+v", got.Rows)
			}
			if limit := MaxLineBytes + 3*sniffSize; src.n > limit {
				t.Errorf("read %d bytes of the source, want at most %d", src.n, limit)
			}
		})
	}
}

// A cell longer than MaxCellBytes refuses its line, naming the column, and
// reading goes on.
func TestLongCellRefusesItsLine(t *testing.T) {
	t.Parallel()
	file := "email of manager,email of managee\n" + strings.Repeat("m", MaxCellBytes+1) + "@x.io,b@x.io\nc@x.io,d@x.io\n"
	got, err := readTable(t, strings.NewReader(file), PairColumns, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"line 2: email of manager: the cell is longer than 4 KiB (4,096 bytes)"}
	if !reflect.DeepEqual(got.Errs, want) || !reflect.DeepEqual(got.Rows, rows("3|c@x.io|d@x.io||||")) {
		t.Errorf("errors %q rows %+v; want %q and line 3", got.Errs, got.Rows, want)
	}
}

// Spaces between a quoted cell and the separator, which hand-edited files
// hold, are accepted when the meaning is plain.
func TestSpacesAroundQuotes(t *testing.T) {
	t.Parallel()
	for _, file := range []string{
		"\"email of manager\" , \"email of managee\"\n\"a@x.io\" , \"b@x.io\"  \n  \"c@x.io\",\"d@x.io\" \r\n",
		"\"email of manager\" ; \"email of managee\"\n\"a@x.io\" ; \"b@x.io\"\n\"c@x.io\";  \"d@x.io\"\n",
		"\"email of manager\" \t \"email of managee\"\n\"a@x.io\" \t\"b@x.io\"\n \"c@x.io\"\t \"d@x.io\"\n",
	} {
		for _, in := range []io.Reader{strings.NewReader(file), iotest.OneByteReader(strings.NewReader(file))} {
			got, err := readTable(t, in, PairColumns, ReaderOptions{})
			if err != nil {
				t.Fatalf("%q: %v", file, err)
			}
			if want := rows("2|a@x.io|b@x.io||||", "3|c@x.io|d@x.io||||"); !reflect.DeepEqual(got.Rows, want) || got.Errs != nil {
				t.Errorf("%q:\n got %+v %q\nwant %+v", file, got.Rows, got.Errs, want)
			}
		}
	}
	// Text after a closing quote is still a mistake: "a" b is not one cell.
	got, _ := readTable(t, strings.NewReader("email of manager,email of managee\n\"a@x.io\" b,c@x.io\n"), PairColumns, ReaderOptions{})
	if len(got.Errs) != 1 || len(got.Rows) != 0 {
		t.Errorf("text after a closing quote: rows %+v errors %q, want one error", got.Rows, got.Errs)
	}
}

// An export re-imports as it is: the quote the writer puts before a cell
// that a spreadsheet would run as a formula is removed again on reading.
func TestFormulaGuardRoundTrip(t *testing.T) {
	t.Parallel()
	cells := []string{"=1+1", "+33 1 23 45 67 89", "-2", "@SUM(A1)", "'=already quoted", "''+x", "'plain", "a'=b", "'"}
	var b bytes.Buffer
	w := NewWriter(&b, WriterOptions{})
	if err := w.Write([]string{"email of manager", "email of managee"}); err != nil {
		t.Fatal(err)
	}
	for _, c := range cells {
		if err := w.Write([]string{c, "x@x.io"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	got, err := readTable(t, &b, PairColumns, ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cells {
		if i >= len(got.Rows) || got.Rows[i].Fields[0] != c {
			t.Errorf("cell %q came back as %+v", c, got.Rows[min(i, len(got.Rows)-1)])
		}
	}
}
