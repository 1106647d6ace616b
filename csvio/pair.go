package csvio

import (
	"io"

	"reportline"
)

// TemplateHeader is the header of the bulk import template, and the first two
// columns of the export, so that an export can be edited and re-imported.
const TemplateHeader = "email of manager,email of managee"

// The positions of the pair columns in PairColumns and Record.Fields.
const (
	pairManager = iota
	pairManagee
	pairKind
	pairSource
	pairValidFrom
	pairValidUntil
)

// PairColumns are the columns of a manager–managee file: the two emails of
// the import template, then the optional columns the export adds (kind,
// source, validity dates) so that an export re-imports as it is. The aliases
// cover the spellings people and other tools (LMS exports among them) use;
// matching ignores case, spacing and punctuation, so "Manager's e-mail" and
// "MANAGER_EMAIL" need no alias of their own. Do not modify it.
var PairColumns = []Column{
	// Bare nouns ("Manager") are fallbacks: they often head a column of
	// names next to the email column.
	pairManager: {
		Name: "email of manager", Required: true,
		Aliases: []string{
			"manager email", "manager's email", "email manager", "manager email address",
			"email address of manager", "manager mail", "mail of manager",
			"line manager email", "supervisor email",
		},
		Fallbacks: []string{"manager", "line manager", "supervisor"},
	},
	pairManagee: {
		Name: "email of managee", Required: true,
		Aliases: []string{
			"managee email", "managee's email", "email managee", "managee email address",
			"email address of managee", "managee mail", "mail of managee",
			"employee email", "user email", "learner email", "direct report email",
		},
		Fallbacks: []string{"managee", "employee", "user", "learner", "direct report"},
	},
	pairKind:       {Name: "kind", Aliases: []string{"link kind", "link type"}, Fallbacks: []string{"type"}},
	pairSource:     {Name: "source", Aliases: []string{"link source"}, Fallbacks: []string{"origin"}},
	pairValidFrom:  {Name: "valid from", Aliases: []string{"start date"}, Fallbacks: []string{"from", "start", "since"}},
	pairValidUntil: {Name: "valid until", Aliases: []string{"valid to", "end date"}, Fallbacks: []string{"until", "end", "expires"}},
}

// PairHeader returns the canonical names of PairColumns, the header of a
// full export in that order.
func PairHeader() []string {
	names := make([]string, len(PairColumns))
	for i, c := range PairColumns {
		names[i] = c.Name
	}
	return names
}

// Pair is one line of a manager–managee file. An empty Manager means that
// the managee has no managers. The optional columns are "" when absent; the
// emails are as written (trimmed, not validated nor lower-cased).
type Pair struct {
	Line       int // 1-based line of the file where the pair starts
	Manager    string
	Managee    string
	Kind       string
	Source     string
	ValidFrom  string
	ValidUntil string
}

// PairReader reads a manager–managee file: the import template, an export of
// Reportline, or a spreadsheet with the columns in any order.
type PairReader struct {
	r *Reader
}

// NewPairReader reads the header of a manager–managee file. See NewReader for
// what it detects and the errors it returns.
func NewPairReader(r io.Reader, opt ReaderOptions) (*PairReader, error) {
	rd, err := NewReader(r, PairColumns, opt)
	if err != nil {
		return nil, err
	}
	return &PairReader{r: rd}, nil
}

// Next returns the next pair, or io.EOF at the end of the file. A line with
// an empty managee cell is an Invalid error for that line only, returned
// with the line's Pair so the caller can show it: as with Reader.Next, the
// caller may call Next again to continue, and Err tells whether reading has
// ended for good.
func (p *PairReader) Next() (Pair, error) {
	rec, err := p.r.Next()
	if err != nil {
		return Pair{}, err
	}
	f := rec.Fields
	pair := Pair{
		Line:       rec.Line,
		Manager:    f[pairManager],
		Managee:    f[pairManagee],
		Kind:       f[pairKind],
		Source:     f[pairSource],
		ValidFrom:  f[pairValidFrom],
		ValidUntil: f[pairValidUntil],
	}
	if pair.Managee == "" {
		name := PairColumns[pairManagee].Name
		e := reportline.FieldError(name, "", "%q is empty", name).Say("error.csv.empty_cell", map[string]any{"Column": name})
		e.Line = rec.Line
		return pair, e
	}
	return pair, nil
}

// Err returns the error that ended reading, or nil (see Reader.Err).
func (p *PairReader) Err() error { return p.r.Err() }

// Separator returns the separator of the file (see Reader.Separator).
func (p *PairReader) Separator() rune { return p.r.Separator() }

// Encoding returns the encoding of the file (see Reader.Encoding).
func (p *PairReader) Encoding() string { return p.r.Encoding() }

// Header returns the header cells as read (see Reader.Header).
func (p *PairReader) Header() []string { return p.r.Header() }

// WriteTemplate writes the bulk import template: the header and two example
// lines giving sir@lancelot.io two managers.
func WriteTemplate(w io.Writer) error {
	_, err := io.WriteString(w, TemplateHeader+"\n"+
		"king@arthur.co,sir@lancelot.io\n"+
		"lady@lake.net,sir@lancelot.io\n")
	return err
}
