package web

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"reportline"
)

// CheckJSONText refuses a JSON document with invalid UTF-8 or a NUL
// character (written \u0000) in any key or string, naming the field
// ("first_name", "users[3].email"). The standard decoder would silently
// replace invalid bytes with U+FFFD and pass NUL through, which one engine
// stores and the other refuses. Syntax errors are left to the decoder.
func CheckJSONText(raw []byte) error {
	bad := invalidUTF8At(raw)
	if bad < 0 && !bytes.Contains(raw, []byte(`\u0000`)) {
		return nil // the common case: one pass over the bytes
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	type frame struct {
		array   bool
		index   int
		key     string
		wantKey bool
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		for _, f := range stack {
			switch {
			case f.array:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			case f.key != "":
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(f.key)
			}
		}
		if b.Len() == 0 {
			return "body"
		}
		return b.String()
	}
	done := func() { // a value of the innermost container is complete
		if n := len(stack); n > 0 {
			if stack[n-1].array {
				stack[n-1].index++
			} else {
				stack[n-1].wantKey = true
			}
		}
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		end := dec.InputOffset()
		if s, ok := tok.(string); ok {
			n := len(stack)
			isKey := n > 0 && !stack[n-1].array && stack[n-1].wantKey
			if isKey {
				stack[n-1].key, stack[n-1].wantKey = s, false
			}
			if bad >= int(start) && bad < int(end) {
				return reportline.FieldError(path(), "", "%s is not valid UTF-8 text; send text encoded as UTF-8", path())
			}
			if strings.IndexByte(s, 0) >= 0 {
				return reportline.FieldError(path(), "", "%s contains a NUL character (\\u0000), which is not allowed in text", path())
			}
			if !isKey {
				done()
			}
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, frame{wantKey: true})
		case json.Delim('['):
			stack = append(stack, frame{array: true})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// invalidUTF8At returns the offset of the first byte that is not valid
// UTF-8, or -1.
func invalidUTF8At(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// CheckForm refuses a posted form or query whose names or values hold
// invalid UTF-8 or a NUL character (%00), naming the field.
func CheckForm(v url.Values) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := reportline.CheckText(k, k); err != nil {
			return reportline.FieldError("form", "", "a form field name is not text: %s", reportline.ErrorMessage(err))
		}
		for _, s := range v[k] {
			if err := reportline.CheckText(k, s); err != nil {
				return err
			}
		}
	}
	return nil
}
