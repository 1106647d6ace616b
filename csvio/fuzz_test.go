package csvio

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"reportline"
)

// FuzzReader checks that the reader never panics, that every error is an
// Invalid *reportline.Error with a line ≥ 0, that records have one field per
// column, increasing lines and trimmed valid UTF-8 cells, and that the
// result does not depend on how the source splits its data.
func FuzzReader(f *testing.F) {
	files, err := filepath.Glob("testdata/*/*")
	if err != nil {
		f.Fatal(err)
	}
	files2, _ := filepath.Glob("testdata/csv-spectrum/csvs/*")
	for _, file := range append(files, files2...) {
		if data, err := os.ReadFile(file); err == nil && len(data) < 8<<10 {
			f.Add(data, uint16(0))
		}
	}
	for _, s := range []string{
		"", "\uFEFF", "\xff\xfe", "sep=;\n", "email of manager,email of managee\n",
		"email of manager;email of managee\r\n\"a\r\nb\";c\r\r\n",
		"email of manager\temail of managee\rZo\xeb\t\"\"\"x\"\"\"\r",
		"a,b\n\"unclosed\n", "a,b\nx\"y,z\n",
	} {
		f.Add([]byte(s), uint16(0))
	}
	f.Add([]byte("email of manager,email of managee\na,b\nc,d\n"), uint16(40))

	optional := []Column{{Name: "a"}, {Name: "b", Aliases: []string{"email of managee"}}}
	f.Fuzz(func(t *testing.T, data []byte, limit uint16) {
		opt := ReaderOptions{MaxBytes: int64(limit)}
		for _, cols := range [][]Column{PairColumns, optional} {
			whole := fuzzRead(t, bytes.NewReader(data), cols, opt)
			split := fuzzRead(t, iotest.OneByteReader(bytes.NewReader(data)), cols, opt)
			if !reflect.DeepEqual(whole, split) {
				t.Fatalf("read whole:\n%q\nread byte by byte:\n%q", whole, split)
			}
		}
	})
}

// fuzzRead reads in and returns a transcript of what the reader said.
func fuzzRead(t *testing.T, in io.Reader, cols []Column, opt ReaderOptions) []string {
	var out []string
	r, err := NewReader(in, cols, opt)
	if err != nil {
		return append(out, fuzzError(t, err))
	}
	out = append(out, fmt.Sprintf("sep %q header %q", r.Separator(), r.Header()))
	last := 0
	for range 1 << 20 {
		rec, err := r.Next()
		if err == io.EOF {
			return append(out, "EOF "+r.Encoding())
		}
		if err != nil {
			out = append(out, fuzzError(t, err))
			if r.Err() != nil {
				if _, again := r.Next(); again != err {
					t.Fatalf("Next after the final error %v returned %v", err, again)
				}
				return out
			}
			continue
		}
		if len(rec.Fields) != len(cols) {
			t.Fatalf("line %d: %d fields, want %d", rec.Line, len(rec.Fields), len(cols))
		}
		if rec.Line <= last {
			t.Fatalf("record on line %d after one on line %d", rec.Line, last)
		}
		last = rec.Line
		for _, c := range rec.Cells {
			if !utf8.ValidString(c) || c != strings.TrimSpace(c) {
				t.Fatalf("line %d: cell %q is not trimmed valid UTF-8", rec.Line, c)
			}
		}
		out = append(out, fmt.Sprintf("%d %q", rec.Line, rec.Cells))
	}
	t.Fatal("Next never returned io.EOF")
	return nil
}

// fuzzError checks err and returns it for the transcript.
func fuzzError(t *testing.T, err error) string {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *reportline.Error", err, err)
	}
	if e.Code != wantCode(e) || e.Line < 0 || e.Message == "" {
		t.Fatalf("error %q: code %q, line %d", err, e.Code, e.Line)
	}
	return err.Error()
}
