package reportline

import (
	"strings"
	"unicode/utf8"
)

// The longest value each text field may hold, in characters (Unicode code
// points). They are checked by the Validate methods, so every way in (API,
// pages, CSV, LMS import, directory sync, SCIM, CLI) gets the same answer.
const (
	MaxNameLength     = 200  // a first or last name, a group name, a course or session title
	MaxEmailLength    = 254  // an email address (RFC 5321's path limit)
	MaxUIDLength      = 255  // an external uid, a directory's external id, an LMS id
	MaxPositionLength = 200  // a position or an org unit
	MaxCommentLength  = 1000 // a link's comment
	MaxLocaleLength   = 35   // a BCP 47 language tag ("fr", "en-GB", "zh-Hant-TW")
	MaxTimeZoneLength = 64   // an IANA time zone name ("America/Argentina/ComodRivadavia")
)

// CheckText refuses a value that is not text: invalid UTF-8, or a NUL
// character (which PostgreSQL cannot store and which no name contains).
// field names the value in the error.
func CheckText(field, s string) error {
	if !utf8.ValidString(s) {
		return FieldError(field, "", "%s is not valid UTF-8 text; send text encoded as UTF-8", field)
	}
	if strings.IndexByte(s, 0) >= 0 {
		return FieldError(field, "", "%s contains a NUL character, which is not allowed in text", field)
	}
	return nil
}

// CheckField is CheckText plus a maximum length in characters.
func CheckField(field, s string, max int) error {
	if err := CheckText(field, s); err != nil {
		return err
	}
	// Bytes first: a value with no more bytes than max has no more
	// characters either, and most values are short.
	if len(s) > max {
		if n := utf8.RuneCountInString(s); n > max {
			return FieldError(field, "", "%s is longer than %d characters (it has %d)", field, max, n)
		}
	}
	return nil
}

// checkFields runs CheckField over (field, value, max) triples and returns
// the first error.
func checkFields(fields ...textField) error {
	for _, f := range fields {
		if err := CheckField(f.name, f.value, f.max); err != nil {
			return err
		}
	}
	return nil
}

type textField struct {
	name, value string
	max         int
}
