package app

import (
	"context"
	"fmt"

	"reportline"
	"reportline/notify"
)

// The catalogue of notifications, their samples and the delivery log are
// package notify's (Catalogue); app gathers the samples, which are
// rendered by the packages that write each notification, and wraps the
// use cases the front ends call.

// Previewer renders a notification's template with sample data, for the
// admin page "Notifications per role". It must not send anything nor
// depend on real users.
type Previewer func(a *App, ctx context.Context) (subject, text, html string, err error)

// previewers holds each notification type's sample renderer. It is filled
// by registerPreview calls in init functions of the files that render a
// notification, and only read afterwards:
//
//	func init() { registerPreview(reportline.NotifyWeeklyDigest, (*App).previewDigestSample) }
var previewers = map[reportline.NotificationType]Previewer{}

// registerPreview sets the sample renderer of a notification type. It
// panics on an unknown or doubly registered type: both are programming
// errors found by any test.
func registerPreview(t reportline.NotificationType, p Previewer) {
	if !t.Valid() {
		panic(fmt.Sprintf("app: preview of unknown notification type %q", t))
	}
	if _, dup := previewers[t]; dup {
		panic(fmt.Sprintf("app: preview of %q registered twice", t))
	}
	previewers[t] = p
}

// NotificationView is a catalogue entry as admins see it.
type NotificationView = notify.View

// Preview is a notification rendered with sample data.
type Preview = notify.Preview

// DeliveryLogPage is one page of the delivery log.
type DeliveryLogPage = notify.DeliveryLogPage

// DeliveryDetail is one message of the log with every attempt to send it.
type DeliveryDetail = notify.DeliveryDetail

// newCatalogue builds the catalogue over the store, with every registered
// sample bound to a.
func (a *App) newCatalogue() *notify.Catalogue {
	ps := make(map[reportline.NotificationType]notify.Previewer, len(previewers))
	for t, p := range previewers {
		ps[t] = func(ctx context.Context) (notify.Preview, error) {
			subject, text, html, err := p(a, ctx)
			return notify.Preview{Type: t, Subject: subject, Text: text, HTML: html}, err
		}
	}
	return notify.NewCatalogue(narrow(a.store, func(tx Tx) notify.LogTx { return tx }), ps)
}

// Notifications lists the catalogue entries that go to audience (every
// entry when audience is empty), for admins.
func (a *App) Notifications(ctx context.Context, actor Actor, audience reportline.Audience) ([]NotificationView, error) {
	return a.catalogue.Notifications(ctx, actor, audience)
}

// PreviewNotification renders a notification's template with sample data,
// for admins.
func (a *App) PreviewNotification(ctx context.Context, actor Actor, t reportline.NotificationType) (Preview, error) {
	return a.catalogue.PreviewNotification(ctx, actor, t)
}

// ParseDeliveryFilter reads the delivery log's filters as the API and the
// pages receive them (notify.ParseDeliveryFilter).
func ParseDeliveryFilter(recipient, typ, status, since, until string) (reportline.DeliveryFilter, error) {
	return notify.ParseDeliveryFilter(recipient, typ, status, since, until)
}

// DeliveryLog searches the outbox and its outcomes, newest first; platform
// admins only.
func (a *App) DeliveryLog(ctx context.Context, actor Actor, f reportline.DeliveryFilter) (DeliveryLogPage, error) {
	return a.catalogue.DeliveryLog(ctx, actor, f)
}

// Delivery returns one message of the delivery log and its attempts, for
// platform admins.
func (a *App) Delivery(ctx context.Context, actor Actor, id int64) (DeliveryDetail, error) {
	return a.catalogue.Delivery(ctx, actor, id)
}

// RunLinkEvents sends the notifications of temporary links that started or
// ended and of managers added or removed since the last call (on any
// replica; package notify). It returns how many messages it enqueued.
func (a *App) RunLinkEvents(ctx context.Context) (int, error) {
	// Reports of managers who left are moved first, so that their new
	// managers are announced in this same tick (docs/absences.md).
	if _, err := a.RunLeavers(ctx); err != nil {
		return 0, fmt.Errorf("leavers: %w", err)
	}
	return a.events.Run(ctx)
}
