package ui

import (
	"errors"

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
// app.Candidate.MsgID).
func said(l *i18n.Localizer, id string, args map[string]any) (string, bool) {
	if id == "" || !l.Has(id) {
		return "", false
	}
	return l.T(id, args), true
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
