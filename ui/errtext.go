package ui

import (
	"errors"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// errorText is what a page says of app's refusal: the catalogue's words
// where the error's code and field say enough, else app's own sentence,
// raw (in English until app names its messages: docs/i18n.md).
func errorText(l *i18n.Localizer, err error) (text string, raw bool) {
	if e, ok := errors.AsType[*reportline.Error](err); ok && e.Code == reportline.Invalid {
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
