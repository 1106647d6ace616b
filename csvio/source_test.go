package csvio

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
)

// chunkReader returns at most n bytes per Read.
type chunkReader struct {
	r io.Reader
	n int
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > c.n {
		p = p[:c.n]
	}
	return c.r.Read(p)
}

func TestCRReader(t *testing.T) {
	t.Parallel()
	// Line ends as encoding/csv will see them: CRLF stays or becomes LF,
	// lone CR becomes LF; nothing else changes.
	want := func(s string) string {
		return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	}
	inputs := []string{
		"", "\r", "\n", "\r\n", "\n\r", "\r\r", "\r\r\n", "\r\n\r\n", "a\rb\r\nc\nd\r",
		"x\r\ny\r\rz\r\n\r", "\"quoted\rcell\"\r\n",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = "ab\r\n"[rng.IntN(4)]
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		for n := 1; n <= 5; n++ {
			out, err := io.ReadAll(&crReader{r: chunkReader{strings.NewReader(in), n}})
			if err != nil {
				t.Fatal(err)
			}
			got := string(out)
			if strings.ReplaceAll(got, "\r\n", "\n") != want(in) || strings.Contains(strings.ReplaceAll(got, "\r\n", ""), "\r") {
				t.Errorf("chunks of %d: %q became %q, want %q (CRLF allowed)", n, in, got, want(in))
			}
		}
	}
}

func TestCRReaderEOFWithData(t *testing.T) {
	t.Parallel()
	// A source may return data together with io.EOF.
	out, err := io.ReadAll(&crReader{r: iotest.DataErrReader(strings.NewReader("a\rb\r"))})
	if err != nil || string(out) != "a\nb\n" {
		t.Errorf("got %q, %v; want %q", out, err, "a\nb\n")
	}
}

func TestLimitReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		limit   int64
		want    string
		wantErr error
	}{
		{"abc", 3, "abc", nil},
		{"abc", 4, "abc", nil},
		{"abcd", 3, "abc", errTooLarge},
		{"", 1, "", nil},
	}
	for _, tt := range tests {
		l := &limitReader{r: iotest.OneByteReader(strings.NewReader(tt.in)), n: tt.limit, lim: true}
		got, err := io.ReadAll(l)
		if string(got) != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("%q limited to %d: got %q, %v; want %q, %v", tt.in, tt.limit, got, err, tt.want, tt.wantErr)
		}
		if l.err != tt.wantErr {
			t.Errorf("%q limited to %d: remembered %v, want %v", tt.in, tt.limit, l.err, tt.wantErr)
		}
	}
}
