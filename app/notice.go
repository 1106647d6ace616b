package app

import (
	"reportline"
	"reportline/i18n"
	layout "reportline/notice"
	"reportline/notify"
)

// A notice is a short email in the recipient's language (package notice
// lays it out). The notifications of events (package notify), the plans'
// and the password reset's emails are notices; their words are in the
// catalogues of package i18n.

// notice is a notice being written.
type notice = layout.Draft

// RenderedMail is a message's subject and bodies.
type RenderedMail = layout.Mail

// MailBrand is how emails present the product (package notice).
type MailBrand = layout.Brand

// DefaultAccent is the accent colour of the emails when none is set.
const DefaultAccent = layout.DefaultAccent

// newNoticeFor starts a notice to u in their language (else in
// defaultLocale), under brand b, with a button to My team when there is a
// public URL.
func newNoticeFor(u reportline.User, b MailBrand, public, defaultLocale string) (notice, *i18n.Localizer) {
	return layout.Start(u, b, public, defaultLocale)
}

// footer says why the notice came: mandatory, or how to stop it
// (notify.Footer).
func (a *App) footer(n *notice, l *i18n.Localizer, t reportline.NotificationType, mandatory bool) {
	notify.Footer(n, l, t, mandatory)
}
