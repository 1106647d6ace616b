package csvio

import (
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// The people of the fixtures.
const (
	francois = "francois.dupre@example-corp.com"
	jurgen   = "jurgen.grosse@example-corp.com"
	zoe      = "zoe.muller@example-corp.com"
	gunther  = "gunther.strasse@example-corp.com"
	renee    = "renee.oeuvrard@example-corp.com"
	jerome   = "jerome.facade@example-corp.com"
	liWei    = "li.wei@example-corp.com"
)

// TestFixtures reads the spreadsheet exports of testdata as pair files. Each
// expected row is "line|manager|managee|value of the extra column".
func TestFixtures(t *testing.T) {
	t.Parallel()
	// The LibreOffice files are one sheet saved four ways: they must read
	// the same.
	libreoffice := []string{
		"2|" + francois + "|" + zoe + "|Zoë Müller",
		"3|" + jurgen + "|" + zoe + "|Zoë Müller",
		"4|" + francois + "|" + gunther + "|Günther Straße",
		"7||" + renee + "|Renée Œuvrard",
		"8|" + francois + "|" + zoe + "|Zoë Müller",
		"9|" + francois + "|" + jerome + "|Jérôme Façade",
	}
	tests := []struct {
		file  string
		sep   rune
		enc   string
		extra string // header of the extra column shown in the rows
		rows  []string
		errs  []string
	}{
		{file: "libreoffice/source-utf8.csv", sep: ',', enc: "utf-8", extra: "employee name", rows: libreoffice},
		{file: "libreoffice/comma-utf8.csv", sep: ',', enc: "utf-8", extra: "employee name", rows: libreoffice},
		{file: "libreoffice/semicolon-windows1252.csv", sep: ';', enc: "windows-1252", extra: "employee name", rows: libreoffice},
		{file: "libreoffice/tab-utf16le.csv", sep: '\t', enc: "utf-16le", extra: "employee name", rows: libreoffice},
		{
			file: "handmade/excel-semicolon-windows1252-crlf.csv", sep: ';', enc: "windows-1252", extra: "prénom",
			rows: []string{
				"2|" + francois + "|" + zoe + "|Zoë",
				"3|" + jurgen + "|" + zoe + "|Zoë",
				"4||" + renee + "|Renée",
				"6|" + francois + "|" + gunther + "|Günther",
				"7|" + francois + "|" + zoe + "|Zoë",
			},
		},
		{
			file: "handmade/excel-unicode-text-utf16le-tab.txt", sep: '\t', enc: "utf-16le", extra: "notes",
			rows: []string{
				"2|" + francois + "|" + zoe + "|",
				"3|" + jurgen + "|" + zoe + "|two\nlines",
				"5||" + renee + "|no manager",
				"6|" + francois + "|" + liWei + "|said \"hi\"",
			},
		},
		{
			file: "handmade/excel-utf8-bom-crlf.csv", sep: ',', enc: "utf-8-bom", extra: "display name",
			rows: []string{
				"2|" + francois + "|" + zoe + "|Zoë Müller",
				"3|" + francois + "|" + jerome + "|Façade, Jérôme",
			},
		},
		{
			file: "handmade/lms-reversed-columns.csv", sep: ',', enc: "utf-8",
			rows: []string{
				"2|" + francois + "|" + zoe + "|",
				"3|" + jurgen + "|" + zoe + "|",
				"4||" + renee + "|",
			},
		},
		{
			file: "handmade/hand-edited-quoted-multiline.csv", sep: ',', enc: "utf-8", extra: "comment",
			rows: []string{
				"4|" + francois + "|" + zoe + "|first line\nsecond line, with a comma\nthird \"quoted\" line",
				"9|" + francois + "|" + zoe + "|duplicate",
				"10||" + renee + "|",
				// A space after a closing quote is accepted (issue 11).
				"11|lady@lake.net|" + liWei + "|space after the closing quote",
				"12|" + jurgen + "|" + gunther + "|last line",
			},
		},
		{
			file: "handmade/mac-cr-sep-line.csv", sep: ';', enc: "utf-8",
			rows: []string{
				"3|" + francois + "|" + zoe + "|",
				`4|"a;b"@example-corp.com|` + liWei + "|",
			},
		},
		{
			file: "handmade/reportline-export.csv", sep: ',', enc: "utf-8", extra: "source",
			rows: []string{
				"2|" + francois + "|" + zoe + "|csv",
				"3|" + jurgen + "|" + zoe + "|ldap",
				`4|=HYPERLINK("http://evil.example/","click")|` + liWei + "|api",
				"5|+33 1 23 45 67 89|" + liWei + "|api",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := os.Open("testdata/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := NewReader(f, PairColumns, ReaderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			extra := -1
			if tt.extra != "" {
				if extra = r.Index(tt.extra); extra < 0 {
					t.Fatalf("no column %q in %q", tt.extra, r.Header())
				}
			}
			var got, errs []string
			for {
				rec, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					checkError(t, err)
					errs = append(errs, userError(err))
					continue
				}
				x := ""
				if extra >= 0 && extra < len(rec.Cells) {
					x = rec.Cells[extra]
				}
				got = append(got, strings.Join([]string{strconv.Itoa(rec.Line), rec.Fields[0], rec.Fields[1], x}, "|"))
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows\n got %q\nwant %q", got, tt.rows)
			}
			if !reflect.DeepEqual(errs, tt.errs) {
				t.Errorf("errors\n got %q\nwant %q", errs, tt.errs)
			}
			if r.Separator() != tt.sep || r.Encoding() != tt.enc {
				t.Errorf("separator %q, encoding %q; want %q, %q", r.Separator(), r.Encoding(), tt.sep, tt.enc)
			}
		})
	}
}

// TestFixtureErrors checks the files that must be refused as a whole.
func TestFixtureErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, want string }{
		{"handmade/no-header.csv", `line 1: no recognisable header: expected the columns "email of manager", "email of managee", found "francois.dupre@example-corp.com", "zoe.muller@example-corp.com"`},
		{"libreoffice/workbook.xlsx", "the file is a ZIP archive (an .xlsx or .ods workbook?), not CSV text; save it as CSV"},
	}
	for _, tt := range tests {
		f, err := os.Open("testdata/" + tt.file)
		if err != nil {
			t.Fatal(err)
		}
		_, err = NewPairReader(f, ReaderOptions{})
		f.Close()
		if err == nil {
			t.Errorf("%s: no error", tt.file)
			continue
		}
		checkError(t, err)
		if got := userError(err); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, got, tt.want)
		}
	}
}
