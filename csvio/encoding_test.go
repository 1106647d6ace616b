package csvio

import "testing"

func TestDetectEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		atEOF   bool
		want    string
		charset charset
	}{
		{"ASCII", "a,b\n", true, "utf-8", asciiSoFar},
		{"UTF-8", "a,é\n", true, "utf-8", utf8Checked},
		{"UTF-8 BOM", "\xef\xbb\xbfa,b\n", true, "utf-8-bom", utf8Checked},
		{"UTF-16LE BOM", "\xff\xfea\x00", true, "utf-16le", transcoded},
		{"UTF-16BE BOM", "\xfe\xff\x00a", true, "utf-16be", transcoded},
		{"Windows-1252", "a,\xe9\n", true, "windows-1252", windows1252},
		// A prefix cut inside a UTF-8 sequence is still UTF-8...
		{"cut rune", "a,b\n\xc3\xa9,\xe2\x82", false, "utf-8", utf8Checked},
		// ...but not at the end of the file.
		{"truncated rune at EOF", "a,b\n\xc3\xa9,\xe2\x82", true, "windows-1252", windows1252},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := detectEncoding([]byte(tt.in), tt.atEOF)
			if err != nil {
				t.Fatal(err)
			}
			if got.name != tt.want || got.charset != tt.charset {
				t.Errorf("got %q (charset %d), want %q (charset %d)", got.name, got.charset, tt.want, tt.charset)
			}
		})
	}
}

func TestCellDecoder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		charset charset
		in      string
		want    string
		ok      bool
		after   charset
	}{
		{asciiSoFar, "abc", "abc", true, asciiSoFar},
		{asciiSoFar, "zoë", "zoë", true, utf8Checked},
		{asciiSoFar, "zo\xeb", "zoë", true, windows1252},
		{utf8Checked, "zo\xeb", "", false, utf8Checked},
		{windows1252, "\x80 \x8a\x9f \xa0\xff", "€ ŠŸ \u00a0ÿ", true, windows1252},
		// The five bytes Windows-1252 leaves undefined become U+FFFD, as
		// golang.org/x/text decodes them.
		{windows1252, "\x81\x8d\x8f\x90\x9d", "\ufffd\ufffd\ufffd\ufffd\ufffd", true, windows1252},
		{transcoded, "李", "李", true, transcoded},
	}
	for _, tt := range tests {
		d := cellDecoder{charset: tt.charset}
		got, ok := d.decode(tt.in)
		if ok != tt.ok || (ok && got != tt.want) || d.charset != tt.after {
			t.Errorf("decode(%q) from charset %d = %q, %t, charset %d; want %q, %t, charset %d",
				tt.in, tt.charset, got, ok, d.charset, tt.want, tt.ok, tt.after)
		}
	}
}

func TestNormalizeHeader(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Email Of Manager":     "emailofmanager",
		" email_of_manager ":   "emailofmanager",
		"EMAIL OF MANAGER":     "emailofmanager",
		"Manager’s e-mail (1)": "managersemail1",
		"Prénom":               "prénom",
		"ÉTAT":                 "état",
		"---":                  "",
	} {
		if got := normalizeHeader(in); got != want {
			t.Errorf("normalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSniffSeparator(t *testing.T) {
	t.Parallel()
	idx, err := newColumnIndex(testCols)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		header string
		want   rune
	}{
		{"email of manager,email of managee", ','},
		{"email of manager;email of managee", ';'},
		{"email of manager\temail of managee", '\t'},
		{"email of manager|email of managee", '|'},
		{"\"note; with, all\",email of manager,email of managee", ','},
		{"note, with; all;email of manager;email of managee", ';'},
		// Nothing recognised: the separator with the most cells, so the
		// error message lists the cells.
		{"a;b;c,d", ';'},
		{"a,b;c", ','},
		{"single", ','},
	}
	for _, tt := range tests {
		d := cellDecoder{}
		lay, err := sniffLayout([]byte(tt.header+"\n"), true, testCols, idx, &d)
		if err != nil {
			t.Fatal(err)
		}
		if lay.sep != tt.want {
			t.Errorf("header %q: separator %q, want %q", tt.header, lay.sep, tt.want)
		}
	}
}

func TestExcelSepLine(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]rune{
		"sep=;": ';', "SEP=,": ',', " sep=\t": 0, "sep=|": '|', "sep=": 0, "sep=;;": 0, "sep=\"": 0, "separator": 0,
	} {
		got, ok := excelSepLine([]byte(in))
		if ok != (want != 0) || got != want {
			t.Errorf("excelSepLine(%q) = %q, %t; want %q", in, got, ok, want)
		}
	}
}
