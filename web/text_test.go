package web

import (
	"net/url"
	"testing"

	"reportline"
)

func TestCheckJSONTextNamesTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, field string }{
		{`{"a": "x\u0000"}`, "a"},
		{`{"a": {"b": [1, "ok", "\u0000"]}}`, "a.b[2]"},
		{`{"a": [{"x": 1}, {"y": "\u0000"}]}`, "a[1].y"},
		{`{"ok": "\\u0000", "bad": "\u0000"}`, "bad"},
		{"{\"a\": 1, \"b\": \"M\xfcller\"}", "b"},
		{"{\"k\xff\": 1}", "k\ufffd"},
		{"[\"ok\", \"\xc3\x28\"]", "[1]"},
		{`"\u0000"`, "body"},
		{`{"a": [[], {}, "\u0000"]}`, "a[2]"},
	} {
		err := CheckJSONText([]byte(tc.in))
		e, ok := err.(*reportline.Error)
		if !ok || e.Code != reportline.Invalid || e.Field != tc.field {
			t.Errorf("%q: err = %v, want an invalid error about %q", tc.in, err, tc.field)
		}
	}
	for _, ok := range []string{`{"a": "x\\u0000"}`, `{"a": "é ✓ \ufffd"}`, `{"a": [1, 2]}`, `{"a": `} {
		if err := CheckJSONText([]byte(ok)); err != nil {
			t.Errorf("%q: %v, want no error", ok, err)
		}
	}
}

func TestCheckFormNamesTheField(t *testing.T) {
	t.Parallel()
	for raw, field := range map[string]string{
		"email=a%40b.c&first_name=A%00B": "first_name",
		"q=%FFx":                         "q",
		"n%00ame=1":                      "form",
	} {
		v, err := url.ParseQuery(raw)
		if err != nil {
			t.Fatal(err)
		}
		err = CheckForm(v)
		if e, ok := err.(*reportline.Error); !ok || e.Field != field {
			t.Errorf("%q: err = %v, want an error about %q", raw, err, field)
		}
	}
	if err := CheckForm(url.Values{"name": {"Zoë ✓"}}); err != nil {
		t.Errorf("plain text refused: %v", err)
	}
}
