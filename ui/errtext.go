package ui

import (
	"errors"
	"maps"
	"strings"
	"unicode"
	"unicode/utf8"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// errorText is what a page says of app's refusal: the catalogue's words
// where the error names its message (MsgID) or where its code and field say
// enough, else app's own sentence, raw (in English: docs/i18n.md).
func errorText(l *i18n.Localizer, err error) (text string, raw bool) {
	e, ok := errors.AsType[*reportline.Error](err)
	if ok {
		if text, ok := said(l, e.MsgID, e.MsgArgs); ok {
			return text, false
		}
	}
	if ok && e.Code == reportline.Invalid {
		switch e.Field {
		case "token": // the password reset link (app.errResetLink)
			return l.T("error.reset_link", nil), false
		case "current": // the current password, on Change password
			return l.T("error.current_password", nil), false
		case "password": // a new password's length
			return l.T("error.password_length", map[string]any{"Min": app.MinPasswordLength, "Max": app.MaxPasswordLength}), false
		}
	}
	return reportline.ErrorMessage(err), true
}

// said is message id in the reader's language, when the catalogue knows it
// (app names its messages beside their English: reportline.Error.MsgID,
// app.Candidate.MsgID). An argument whose name ends in "Bytes" is a size,
// written for the reader ("64 KiB", "64 Kio"); a reportline.Term is the
// catalogue's words for it; a "Count" chooses the message's plural form.
func said(l *i18n.Localizer, id string, args map[string]any) (string, bool) {
	if id == "" || !l.Has(id) {
		return "", false
	}
	count, plural := -1, false
	var local map[string]any
	for k, v := range args {
		n, isNum := wholeNumber(v)
		switch {
		case strings.HasSuffix(k, "Bytes") && isNum:
			if local == nil {
				local = maps.Clone(args)
			}
			local[k] = size(l, n)
		case k == "Count" && isNum:
			count, plural = int(n), true
		}
		if term, ok := v.(reportline.Term); ok {
			if local == nil {
				local = maps.Clone(args)
			}
			local[k] = l.T(string(term), nil)
		}
	}
	if local != nil {
		args = local
	}
	if plural {
		return l.N(id, count, args), true
	}
	return l.T(id, args), true
}

// wholeNumber is v as an int64 when it is a number: the arguments of a
// message kept in a file (an import's rejected lines) come back from JSON
// as float64.
func wholeNumber(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// atLine is a refusal about one line of a file: "Line 4: the header …".
func atLine(l *i18n.Localizer, line int, text string) string {
	if r, n := utf8.DecodeRuneInString(text); n > 0 {
		if next, _ := utf8.DecodeRuneInString(text[n:]); !unicode.IsUpper(next) {
			text = string(unicode.ToLower(r)) + text[n:]
		}
	}
	return l.T("error.at_line", map[string]any{"Line": line, "Message": text})
}

// words is a sentence on a page, and whether it is app's English (Raw: the
// page marks it class "raw", docs/i18n.md).
type words struct {
	Text string
	Raw  bool
}

// detailWords is what a page says of one refused item of a list: the
// catalogue's words where the detail names its message, else app's.
func detailWords(l *i18n.Localizer, d reportline.Detail) words {
	if text, ok := said(l, d.MsgID, d.MsgArgs); ok {
		return words{Text: text}
	}
	return words{Text: sentence(d.Message), Raw: true}
}

// appOr is app's English for English readers, where it names more than the
// catalogue's sentence for its code (a sync problem's manager id, say), and
// the catalogue's sentence (id, args) for readers of other languages.
func appOr(l *i18n.Localizer, english, id string, args map[string]any) words {
	if (l.Lang() == i18n.Default && !l.Pseudo()) || !l.Has(id) {
		return words{Text: sentence(english), Raw: true}
	}
	return words{Text: l.T(id, args)}
}

// storedWords is a failure kept with its record (an import's, a sync run's:
// ImportBatch.ErrorID, SyncRun.ErrorID) in the reader's language when it
// names a message the catalogue knows, else its stored English, raw. An
// "AtLine" argument is the line of the file the message is about, said
// around it as a live refusal is ("Line 4: …", atLine).
func storedWords(l *i18n.Localizer, english, id string, args map[string]any) words {
	text, ok := said(l, id, args)
	if !ok {
		return words{Text: sentence(english), Raw: true}
	}
	if line, ok := wholeNumber(args["AtLine"]); ok && line > 0 {
		text = atLine(l, int(line), text)
	}
	return words{Text: text}
}
