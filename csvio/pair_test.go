package csvio

import (
	"bytes"
	"io"
	"reflect"
	"strings"
	"testing"
)

// readPairs reads every pair of in, collecting line errors as an importer
// would.
func readPairs(t *testing.T, in io.Reader) (pairs []Pair, errs []string, p *PairReader) {
	t.Helper()
	p, err := NewPairReader(in, ReaderOptions{})
	if err != nil {
		t.Fatalf("NewPairReader: %v", err)
	}
	for {
		pair, err := p.Next()
		if err == io.EOF {
			return pairs, errs, p
		}
		if err != nil {
			checkError(t, err)
			if p.Err() != nil {
				t.Fatalf("final error: %v", err)
			}
			errs = append(errs, userError(err))
			continue
		}
		pairs = append(pairs, pair)
	}
}

func TestPairReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []Pair
		errs []string
	}{
		{
			name: "template",
			in:   TemplateHeader + "\nking@arthur.co,sir@lancelot.io\n",
			want: []Pair{{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io"}},
		},
		{
			name: "empty manager means no managers",
			in:   TemplateHeader + "\n,sir@lancelot.io\n",
			want: []Pair{{Line: 2, Managee: "sir@lancelot.io"}},
		},
		{
			name: "empty managee is an error for that line only",
			in:   TemplateHeader + "\nking@arthur.co,sir@lancelot.io\n\n\n\n\nking@arthur.co,\nlady@lake.net,sir@lancelot.io\n",
			want: []Pair{
				{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io"},
				{Line: 8, Manager: "lady@lake.net", Managee: "sir@lancelot.io"},
			},
			errs: []string{`line 7: email of managee: "email of managee" is empty`},
		},
		{
			name: "reversed LMS export",
			in:   "Managee's email,Manager's email\r\nsir@lancelot.io,king@arthur.co\r\n",
			want: []Pair{{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io"}},
		},
		{
			name: "export with extra columns re-imports",
			in: "email of manager,email of managee,kind,source,valid from,valid until\n" +
				"king@arthur.co,sir@lancelot.io,line,csv,2024-01-01,2025-01-01\n",
			want: []Pair{{
				Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io",
				Kind: "line", Source: "csv", ValidFrom: "2024-01-01", ValidUntil: "2025-01-01",
			}},
		},
		{
			name: "HR export with names and emails",
			in:   "Employee;Employee email;Manager;Manager email\nSir Lancelot;sir@lancelot.io;King Arthur;king@arthur.co\n",
			want: []Pair{{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io"}},
		},
		{
			name: "header variants",
			in:   "MANAGER_EMAIL\t Email Of Managee \tType\nking@arthur.co\tsir@lancelot.io\tfunctional\n",
			want: []Pair{{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io", Kind: "functional"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs, _ := readPairs(t, strings.NewReader(tt.in))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("pairs:\n got %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors:\n got %q\nwant %q", errs, tt.errs)
			}
		})
	}
}

func TestPairReaderAccessors(t *testing.T) {
	t.Parallel()
	in := "\uFEFFManager's email;Managee's email;Note\r\nking@arthur.co;sir@lancelot.io;\r\n"
	_, _, p := readPairs(t, strings.NewReader(in))
	if got, want := p.Separator(), ';'; got != want {
		t.Errorf("Separator() = %q, want %q", got, want)
	}
	if got, want := p.Encoding(), "utf-8-bom"; got != want {
		t.Errorf("Encoding() = %q, want %q", got, want)
	}
	if got, want := p.Header(), []string{"Manager's email", "Managee's email", "Note"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Header() = %q, want %q", got, want)
	}
}

func TestNewPairReaderErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"no header", "king@arthur.co,sir@lancelot.io\n",
			`line 1: no recognisable header: expected the columns "email of manager", "email of managee", found "king@arthur.co", "sir@lancelot.io"`},
		{"managee column missing", "email of manager\nking@arthur.co\n",
			`line 1: email of managee: the header lacks the column "email of managee" (found "email of manager")`},
		{"one spelling twice", "manager email,Manager_E-mail,managee\n",
			`line 1: email of manager: the header has two "email of manager" columns: 1 ("manager email") and 2 ("Manager_E-mail"); keep only one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewPairReader(strings.NewReader(tt.in), ReaderOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			checkError(t, err)
			if got := userError(err); got != tt.want {
				t.Errorf("error\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestWriteTemplate(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := WriteTemplate(&b); err != nil {
		t.Fatal(err)
	}
	const want = "email of manager,email of managee\nking@arthur.co,sir@lancelot.io\nlady@lake.net,sir@lancelot.io\n"
	if got := b.String(); got != want {
		t.Errorf("template\n got %q\nwant %q", got, want)
	}
	pairs, errs, _ := readPairs(t, &b)
	wantPairs := []Pair{
		{Line: 2, Manager: "king@arthur.co", Managee: "sir@lancelot.io"},
		{Line: 3, Manager: "lady@lake.net", Managee: "sir@lancelot.io"},
	}
	if !reflect.DeepEqual(pairs, wantPairs) || errs != nil {
		t.Errorf("template reads as %+v %q, want %+v", pairs, errs, wantPairs)
	}
}

func TestPairColumns(t *testing.T) {
	t.Parallel()
	if got, want := strings.Join(PairHeader()[:2], ","), TemplateHeader; got != want {
		t.Errorf("PairHeader()[:2] = %q, want the template header %q", got, want)
	}
	if got, want := PairHeader(), []string{"email of manager", "email of managee", "kind", "source", "valid from", "valid until"}; !reflect.DeepEqual(got, want) {
		t.Errorf("PairHeader() = %q, want %q", got, want)
	}
	// No spelling may name two columns.
	if _, err := newColumnIndex(PairColumns); err != nil {
		t.Fatal(err)
	}
}
