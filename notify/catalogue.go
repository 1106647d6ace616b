package notify

import (
	"context"
	"fmt"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// LogTx is what the catalogue and the delivery log read: the actor's
// authority and the outbox with its attempts.
type LogTx interface {
	usecase.AuthorityTx

	// OutboxMessages returns the messages f selects, newest first.
	OutboxMessages(ctx context.Context, f reportline.DeliveryFilter) ([]reportline.OutboxMessage, error)
	// OutboxMessage returns one message; NotFound when absent.
	OutboxMessage(ctx context.Context, id int64) (reportline.OutboxMessage, error)
	// DeliveryAttempts returns every attempt to send message, oldest
	// first.
	DeliveryAttempts(ctx context.Context, message int64) ([]reportline.DeliveryAttempt, error)
}

// Previewer renders a notification's template with sample data: made-up
// people, nothing sent, nothing real read.
type Previewer func(ctx context.Context) (Preview, error)

// Catalogue is the admins' view of the notifications: what each is, a
// sample of each, and the log of what was sent.
type Catalogue struct {
	store    usecase.Store[LogTx]
	previews map[reportline.NotificationType]Previewer
}

// NewCatalogue returns the catalogue over store, with the sample renderer
// of each notification type that has one (the packages that write the
// notifications supply them; app gathers them).
func NewCatalogue(store usecase.Store[LogTx], previews map[reportline.NotificationType]Previewer) *Catalogue {
	return &Catalogue{store: store, previews: previews}
}

// View is a catalogue entry as admins see it.
type View struct {
	reportline.Notification
	Previewable bool // a sample rendering is available
}

// Preview is a notification rendered with sample data.
type Preview struct {
	Type    reportline.NotificationType
	Subject string
	Text    string
	HTML    string // empty when the notification has no HTML part
}

// MayRead lets admins (platform admins, group admins and user admins)
// read the catalogue, previews and which notifications each role gets:
// they describe the platform, not anyone's data.
func MayRead(ctx context.Context, tx usecase.AuthorityTx, actor usecase.Actor) error {
	ac, err := usecase.LoadAuthority(ctx, tx, actor)
	if err != nil {
		return err
	}
	return ac.Authorize(policy.ReadNotifications, policy.Target{})
}

// Notifications lists the catalogue entries that go to audience (every
// entry when audience is empty), for admins.
func (c *Catalogue) Notifications(ctx context.Context, actor usecase.Actor, audience reportline.Audience) ([]View, error) {
	if audience != "" {
		if _, err := reportline.ParseAudience(string(audience)); err != nil {
			return nil, err
		}
	}
	if err := c.store.Read(ctx, func(tx LogTx) error { return MayRead(ctx, tx, actor) }); err != nil {
		return nil, err
	}
	var out []View
	for _, n := range reportline.Notifications() {
		if audience == "" || n.For(audience) {
			_, ok := c.previews[n.Type]
			out = append(out, View{Notification: n, Previewable: ok})
		}
	}
	return out, nil
}

// PreviewNotification renders a notification's template with sample data,
// for admins.
func (c *Catalogue) PreviewNotification(ctx context.Context, actor usecase.Actor, t reportline.NotificationType) (Preview, error) {
	if !t.Valid() {
		return Preview{}, reportline.FieldError("type", string(t), "unknown notification type %q", t)
	}
	if err := c.store.Read(ctx, func(tx LogTx) error { return MayRead(ctx, tx, actor) }); err != nil {
		return Preview{}, err
	}
	p, ok := c.previews[t]
	if !ok {
		return Preview{}, reportline.Errorf(reportline.NotFound, "the %s notification has no preview yet", t).
			Say("error.notify.no_preview", map[string]any{"Name": reportline.Term("notification." + string(t))})
	}
	pv, err := p(ctx)
	if err != nil {
		return Preview{}, fmt.Errorf("preview %s: %w", t, err)
	}
	pv.Type = t
	return pv, nil
}

// ParseDeliveryFilter reads the delivery log's filters as the API and the
// pages receive them. Dates are YYYY-MM-DD (UTC; until includes its day)
// or RFC 3339 instants.
func ParseDeliveryFilter(recipient, typ, status, since, until string) (reportline.DeliveryFilter, error) {
	f := reportline.DeliveryFilter{Recipient: recipient, Type: reportline.NotificationType(typ), Status: reportline.DeliveryStatus(status)}
	var err error
	if f.Since, err = parseDay(since, "since", false); err != nil {
		return f, err
	}
	if f.Until, err = parseDay(until, "until", true); err != nil {
		return f, err
	}
	return f, nil
}

// parseDay reads YYYY-MM-DD (for an end, the day after, so that the day
// is included) or an RFC 3339 instant.
func parseDay(s, field string, end bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if end {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, reportline.FieldError(field, s, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", field)
	}
	return t, nil
}

// DeliveryLogPage is one page of the delivery log.
type DeliveryLogPage struct {
	Messages []reportline.OutboxMessage
	Next     int64 // BeforeID of the next page; 0 on the last page
}

// maxDeliveryLogPage is the longest page of the delivery log.
const maxDeliveryLogPage = 100

// DeliveryLog searches the outbox and its outcomes, newest first. Only
// platform admins may: it names every recipient on the platform.
func (c *Catalogue) DeliveryLog(ctx context.Context, actor usecase.Actor, f reportline.DeliveryFilter) (DeliveryLogPage, error) {
	if f.Type != "" && !f.Type.Valid() {
		return DeliveryLogPage{}, reportline.FieldError("type", string(f.Type), "unknown notification type %q", f.Type)
	}
	if f.Status != "" && !f.Status.Valid() {
		return DeliveryLogPage{}, reportline.FieldError("status", string(f.Status), "unknown status %q: want pending, sending, sent or failed", f.Status)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Until.After(f.Since) {
		return DeliveryLogPage{}, reportline.FieldError("until", f.Until.Format(time.DateOnly), "the end of the period must come after its start")
	}
	f.Recipient = strings.TrimSpace(f.Recipient)
	if f.Limit <= 0 || f.Limit > maxDeliveryLogPage {
		f.Limit = maxDeliveryLogPage
	}
	var page DeliveryLogPage
	err := c.store.Read(ctx, func(tx LogTx) error {
		if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
			return err
		}
		// One more than asked tells whether there is a next page.
		g := f
		g.Limit++
		ms, err := tx.OutboxMessages(ctx, g)
		if err != nil {
			return err
		}
		if len(ms) > f.Limit {
			ms = ms[:f.Limit]
			page.Next = ms[len(ms)-1].ID
		}
		page.Messages = ms
		return nil
	})
	return page, err
}

// DeliveryDetail is one message of the log with every attempt to send it.
type DeliveryDetail struct {
	Message  reportline.OutboxMessage
	Attempts []reportline.DeliveryAttempt
}

// Delivery returns one message of the delivery log and its attempts, for
// platform admins.
func (c *Catalogue) Delivery(ctx context.Context, actor usecase.Actor, id int64) (DeliveryDetail, error) {
	var d DeliveryDetail
	err := c.store.Read(ctx, func(tx LogTx) error {
		if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
			return err
		}
		var err error
		if d.Message, err = tx.OutboxMessage(ctx, id); err != nil {
			return err
		}
		if d.Message.Type == reportline.NotifyPasswordReset {
			// Its body holds a live sign-in secret (app's password_reset.go).
			d.Message.Text, d.Message.HTML = "(The body of a password reset email is not shown: its link is a secret of the recipient.)", ""
		}
		d.Attempts, err = tx.DeliveryAttempts(ctx, id)
		return err
	})
	return d, err
}
