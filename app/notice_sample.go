package app

import (
	"context"
	"time"

	"reportline"
	"reportline/notify"
)

// Samples of the event notifications (package notify) and the password
// reset, for "Notifications per role": made-up people, never sent. Each
// shows the managee's version (the one that is mandatory).
func init() {
	for _, t := range []reportline.NotificationType{reportline.NotifyTemporaryLinkStart, reportline.NotifyTemporaryLinkEnd,
		reportline.NotifyManagerAdded, reportline.NotifyManagerRemoved} {
		registerPreview(t, func(a *App, ctx context.Context) (string, string, string, error) {
			r, err := a.sampleEvent(t, "managee", sampleTeam[0], a.branding(ctx))
			return r.Subject, r.Text, r.HTML, err
		})
	}
	registerPreview(reportline.NotifyPasswordReset, func(a *App, ctx context.Context) (string, string, string, error) {
		r, err := a.renderPasswordReset(sampleTeam[0], a.public, a.branding(ctx), a.resetLink(a.public, "SAMPLE-NOT-A-SECRET"), a.now().Add(30*time.Minute))
		return r.Subject, r.Text, r.HTML, err
	})
}

// sampleEvent renders one event notification about a made-up temporary
// link from sampleManager to sampleTeam[0], for a recipient in a role,
// under branding br.
func (a *App) sampleEvent(t reportline.NotificationType, role string, to reportline.User, br reportline.Branding) (RenderedMail, error) {
	return a.events.Sample(t, role, to, sampleManager, sampleTeam[0], notify.Look{PublicURL: a.public, Brand: MailBrandOf(br), DefaultLocale: br.Locale})
}

// SampleEmail renders a sample of an event notification for a recipient in
// a role ("managee", "manager", "other"; "user" for the password reset)
// who reads lang: the golden tests of every email in every language.
func (a *App) SampleEmail(t reportline.NotificationType, role, lang string) (RenderedMail, error) {
	to := sampleTeam[0]
	switch role {
	case "manager":
		to = sampleManager
	case "other":
		to = sampleTeam[1]
	}
	to.Locale = lang
	if t == reportline.NotifyTemplateMessage {
		r, err := a.sampleTemplateMessage(lang, a.envBranding())
		return RenderedMail{Subject: r.Subject, Text: r.Text, HTML: r.HTML}, err
	}
	if t == reportline.NotifyPasswordReset {
		return a.renderPasswordReset(to, a.public, a.envBranding(), a.resetLink(a.public, "SAMPLE-NOT-A-SECRET"), time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC))
	}
	return a.sampleEvent(t, role, to, a.envBranding())
}
