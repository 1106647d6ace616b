package csvio

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

func TestWriter(t *testing.T) {
	t.Parallel()
	lines := [][]string{
		{"email of manager", "email of managee", "note"},
		{"king@arthur.co", "sir@lancelot.io", "a;b, \"c\"\nd"},
	}
	tests := []struct {
		name string
		opt  WriterOptions
		want string
	}{
		{"default", WriterOptions{},
			"email of manager,email of managee,note\nking@arthur.co,sir@lancelot.io,\"a;b, \"\"c\"\"\nd\"\n"},
		{"European Excel", WriterOptions{Semicolon: true, BOM: true, CRLF: true},
			"\uFEFFemail of manager;email of managee;note\r\nking@arthur.co;sir@lancelot.io;\"a;b, \"\"c\"\"\r\nd\"\r\n"},
		{"CRLF", WriterOptions{CRLF: true},
			"email of manager,email of managee,note\r\nking@arthur.co,sir@lancelot.io,\"a;b, \"\"c\"\"\r\nd\"\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			w := NewWriter(&b, tt.opt)
			for _, l := range lines {
				if err := w.Write(l); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tt.want {
				t.Errorf("output\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestWriterFormulaGuard(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+33 1 23 45 67 89", "'+33 1 23 45 67 89"},
		{"-2", "'-2"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "\"'\r=1\""},
		{`=HYPERLINK("http://x","y")`, `"'=HYPERLINK(""http://x"",""y"")"`},
		{"a=1", "a=1"},
		{"user@example.com", "user@example.com"},
		{"'=already quoted", "''=already quoted"},
		{"'plain", "'plain"},
		{"", ""},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		w := NewWriter(&b, WriterOptions{})
		in := []string{tt.in}
		if err := w.Write(in); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(b.String(), "\n"); got != tt.want {
			t.Errorf("Write(%q) wrote %q, want %q", tt.in, got, tt.want)
		}
		if in[0] != tt.in {
			t.Errorf("Write(%q) modified its argument to %q", tt.in, in[0])
		}
	}
}

func TestWriterError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	w := NewWriter(iotestWriter{boom}, WriterOptions{BOM: true})
	if err := w.Write([]string{"a"}); !errors.Is(err, boom) {
		t.Errorf("Write with a failing BOM = %v, want %v", err, boom)
	}
	w = NewWriter(iotestWriter{boom}, WriterOptions{})
	_ = w.Write([]string{"a"})
	if err := w.Flush(); !errors.Is(err, boom) {
		t.Errorf("Flush = %v, want %v", err, boom)
	}
}

// iotestWriter fails every write.
type iotestWriter struct{ err error }

func (w iotestWriter) Write([]byte) (int, error) { return 0, w.err }

// TestRoundTrip writes cells with every writer option and reads them back:
// the cells come back as written, formula-guarded ones included (the
// reader removes the guard's quote). (The reader trims cells and turns CR and CRLF inside
// cells into LF, so the cells here have neither.)
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	header := []string{"email of manager", "email of managee", "note"}
	cells := [][]string{
		{"king@arthur.co", "sir@lancelot.io", "plain"},
		{"", "sir@lancelot.io", "no manager"},
		{"a,b@x.io", "c;d@x.io", "sep\tarators | all"},
		{"q\"uote@x.io", "\"\"", "line\nbreaks\n\nand blank lines"},
		{"zoë@x.io", "李伟@x.io", "emoji 😀, € and ß"},
		{"=1+1", "+cmd@x.io", "-1"},
		{"@at@x.io", "\t=tab", "'already"},
		{"sep=;", "x@x.io", ""},
	}
	// The formula guard is removed again on reading; the reader trims
	// cells ("\t=tab" comes back as "=tab").
	guard := strings.TrimSpace
	for _, opt := range []WriterOptions{{}, {Semicolon: true}, {BOM: true}, {CRLF: true}, {Semicolon: true, BOM: true, CRLF: true}} {
		var b bytes.Buffer
		w := NewWriter(&b, opt)
		for _, l := range append([][]string{header}, cells...) {
			if err := w.Write(l); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		cols := []Column{{Name: header[0], Required: true}, {Name: header[1], Required: true}, {Name: header[2]}}
		got, err := readTable(t, iotest.HalfReader(&b), cols, ReaderOptions{})
		if err != nil {
			t.Fatalf("%+v: %v", opt, err)
		}
		var want []row
		line := 2
		for _, l := range cells {
			f := make([]string, len(l))
			for i, c := range l {
				f[i] = guard(c)
			}
			want = append(want, row{line, f})
			line += 1 + strings.Count(strings.Join(l, ""), "\n")
		}
		if !reflect.DeepEqual(got.Rows, want) {
			t.Errorf("%+v:\n got %+v\nwant %+v", opt, got.Rows, want)
		}
		if wantSep := map[bool]rune{false: ',', true: ';'}[opt.Semicolon]; got.Sep != wantSep {
			t.Errorf("%+v: separator %q, want %q", opt, got.Sep, wantSep)
		}
	}
}

// TestWriterGolden writes the rows of the Reportline export fixture and
// compares the bytes.
func TestWriterGolden(t *testing.T) {
	t.Parallel()
	golden, err := os.ReadFile("testdata/handmade/reportline-export.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	w := NewWriter(&b, WriterOptions{})
	for _, l := range [][]string{
		PairHeader(),
		{"francois.dupre@example-corp.com", "zoe.muller@example-corp.com", "line", "csv", "2024-01-01", ""},
		{"jurgen.grosse@example-corp.com", "zoe.muller@example-corp.com", "functional", "ldap", "2024-03-15", "2025-03-14"},
		{`=HYPERLINK("http://evil.example/","click")`, "li.wei@example-corp.com", "line", "api", "", ""},
		{"+33 1 23 45 67 89", "li.wei@example-corp.com", "line", "api", "", ""},
	} {
		if err := w.Write(slices.Clone(l)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != string(golden) {
		t.Errorf("export\n got %q\nwant %q", got, golden)
	}
}
