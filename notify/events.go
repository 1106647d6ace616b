package notify

import (
	"context"
	"fmt"
	"slices"
	"time"

	"reportline"
	"reportline/i18n"
	"reportline/notice"
	"reportline/schedule"
)

// Event notifications (issue 17): a temporary link starting or ending, a
// manager added or removed. They are found by reading, every minute on
// every replica, what changed since a cursor stored in the database (the
// audit log's ids for manager changes; the instants scanned for temporary
// links' dates), and enqueued in the same write transaction that advances
// the cursor. Every message is keyed in the outbox by its event and its
// recipient, so two replicas reading the same stretch, or one that
// crashed after the commit, still send each message once.
//
// A cursor that does not exist yet is set to "now" without sending
// anything: turning the feature on does not replay the history. Temporary
// links go through schedule.TakeEffect, the one way to act when a dated
// change takes effect.

const (
	cursorTemporaryLinks = "temporary_links"
	cursorAuditLog       = "audit_log"
	// temporaryWindow bounds how far back a replica that was down looks
	// for temporary links that started or ended.
	temporaryWindow = 48 * time.Hour
	// auditBatch is how many audit entries one transaction reads.
	auditBatch = 500
)

// eventMsg is one notification of an event to one person.
type eventMsg struct {
	typ       reportline.NotificationType
	audience  reportline.Audience
	recipient reportline.UserID
	key       string
	link      reportline.Link
	render    func(n notice.Draft, l *i18n.Localizer) notice.Draft
}

// Run sends the notifications of temporary links that started or ended
// and of managers added or removed since the last call (on any replica).
// It returns how many messages it enqueued.
func (e *Events) Run(ctx context.Context) (int, error) {
	n, err := e.notifyTemporaryLinks(ctx)
	if err != nil {
		return n, fmt.Errorf("temporary link notifications: %w", err)
	}
	for range 20 { // at most 10,000 audit entries per tick
		m, more, err := e.notifyManagerChanges(ctx)
		n += m
		if err != nil {
			return n, fmt.Errorf("manager change notifications: %w", err)
		}
		if !more {
			break
		}
	}
	return n, nil
}

func (e *Events) notifyTemporaryLinks(ctx context.Context) (int, error) {
	sent := 0
	err := e.store.Write(ctx, func(tx Tx) error {
		sent = 0
		return schedule.TakeEffect(ctx, tx, cursorTemporaryLinks, e.now(), temporaryWindow, func(from, to time.Time) error {
			links, err := tx.LinksStartingOrEnding(ctx, from, to)
			if err != nil {
				return err
			}
			var managees []reportline.UserID
			for _, l := range links {
				managees = append(managees, l.ManageeID)
			}
			slices.Sort(managees)
			managees = slices.Compact(managees)
			current, err := tx.EffectiveManagers(ctx, managees)
			if err != nil {
				return err
			}
			var msgs []eventMsg
			for _, l := range links {
				// A link made after its start date was announced as added.
				if schedule.InStretch(l.ValidFrom, from, to) && l.CreatedAt.Before(l.ValidFrom) {
					msgs = append(msgs, temporaryMsgs(reportline.NotifyTemporaryLinkStart, l, l.ValidFrom, current[l.ManageeID])...)
				}
				if schedule.InStretch(l.ValidUntil, from, to) {
					msgs = append(msgs, temporaryMsgs(reportline.NotifyTemporaryLinkEnd, l, l.ValidUntil, current[l.ManageeID])...)
				}
			}
			sent, err = e.enqueue(ctx, tx, msgs)
			return err
		})
	})
	return sent, err
}

// temporaryMsgs are the messages of one temporary link starting or ending
// at at: to its manager, its managee and the managee's other managers then.
func temporaryMsgs(t reportline.NotificationType, l reportline.Link, at time.Time, current []reportline.Link) []eventMsg {
	key := func(r reportline.UserID) string {
		return fmt.Sprintf("%s:%d:%d:%d:%d", t, l.ManagerID, l.ManageeID, at.UnixMicro(), r)
	}
	out := []eventMsg{
		{typ: t, audience: reportline.AudienceManagers, recipient: l.ManagerID, key: key(l.ManagerID), link: l, render: linkText(t, "manager", l)},
		{typ: t, audience: reportline.AudienceLearners, recipient: l.ManageeID, key: key(l.ManageeID), link: l, render: linkText(t, "managee", l)},
	}
	seen := map[reportline.UserID]bool{l.ManagerID: true, l.ManageeID: true}
	for _, o := range current {
		if seen[o.ManagerID] || !o.InEffect(at) {
			continue
		}
		seen[o.ManagerID] = true
		out = append(out, eventMsg{typ: t, audience: reportline.AudienceManagers, recipient: o.ManagerID, key: key(o.ManagerID), link: l, render: linkText(t, "other", l)})
	}
	return out
}

// notifyManagerChanges reads one batch of the audit log after the cursor.
func (e *Events) notifyManagerChanges(ctx context.Context) (sent int, more bool, err error) {
	err = e.store.Write(ctx, func(tx Tx) error {
		sent, more = 0, false
		pos, ok, err := tx.NotificationCursor(ctx, cursorAuditLog)
		if err != nil {
			return err
		}
		if !ok {
			max, err := tx.MaxAuditID(ctx)
			if err != nil {
				return err
			}
			return tx.AdvanceNotificationCursor(ctx, cursorAuditLog, max)
		}
		entries, err := tx.Audit(ctx, reportline.AuditFilter{AfterID: pos, Limit: auditBatch})
		if err != nil || len(entries) == 0 {
			return err
		}
		more = len(entries) == auditBatch
		var msgs []eventMsg
		for _, en := range entries {
			var t reportline.NotificationType
			var l *reportline.Link
			switch en.Action {
			case reportline.ActionAdd:
				t, l = reportline.NotifyManagerAdded, en.After
			case reportline.ActionRemove:
				t, l = reportline.NotifyManagerRemoved, en.Before
			default:
				continue
			}
			if l == nil {
				continue
			}
			key := func(r reportline.UserID) string { return fmt.Sprintf("%s:%d:%d", t, en.ID, r) }
			msgs = append(msgs,
				eventMsg{typ: t, audience: reportline.AudienceLearners, recipient: l.ManageeID, key: key(l.ManageeID), link: *l, render: linkText(t, "managee", *l)},
				eventMsg{typ: t, audience: reportline.AudienceManagers, recipient: l.ManagerID, key: key(l.ManagerID), link: *l, render: linkText(t, "manager", *l)})
		}
		if sent, err = e.enqueue(ctx, tx, msgs); err != nil {
			return err
		}
		return tx.AdvanceNotificationCursor(ctx, cursorAuditLog, entries[len(entries)-1].ID)
	})
	return sent, more, err
}

// linkText writes one event's notice for the recipient's role in it
// ("manager", "managee", "other"). The people's names are filled in by
// render (names map).
func linkText(t reportline.NotificationType, role string, l reportline.Link) func(n notice.Draft, loc *i18n.Localizer) notice.Draft {
	return func(n notice.Draft, loc *i18n.Localizer) notice.Draft {
		d := n.Data
		n.Subject = loc.T(string(t)+".subject."+role, d)
		n.Paras = append(n.Paras, loc.T(string(t)+".body."+role, d))
		switch t {
		case reportline.NotifyTemporaryLinkStart:
			if l.ValidUntil.IsZero() {
				n.Paras = append(n.Paras, loc.T("mail.no_end", nil))
			} else {
				n.Paras = append(n.Paras, loc.T("mail.until", d))
			}
		case reportline.NotifyManagerAdded:
			if !l.ValidFrom.IsZero() && l.ValidFrom.After(l.CreatedAt) {
				n.Paras = append(n.Paras, loc.T("mail.from", d))
			}
			if !l.ValidUntil.IsZero() {
				n.Paras = append(n.Paras, loc.T("mail.until", d))
			}
		}
		return n
	}
}

// enqueue renders and enqueues the messages that should go: to active
// people, for a role an admin did not switch off, and, unless the
// notification is mandatory for that role, to people who did not turn it
// off.
func (e *Events) enqueue(ctx context.Context, tx Tx, msgs []eventMsg) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	msgs, err := e.routeCover(ctx, tx, msgs)
	if err != nil {
		return 0, err
	}
	off, err := tx.NotificationRolesOff(ctx)
	if err != nil {
		return 0, err
	}
	ids := map[reportline.UserID]bool{}
	for _, m := range msgs {
		// The people named (manager, managee) are read too: a delegate's
		// copy names the manager they cover for.
		ids[m.link.ManagerID], ids[m.link.ManageeID] = true, true
	}
	byType := map[reportline.NotificationType][]reportline.UserID{}
	for _, m := range msgs {
		ids[m.recipient] = true
		byType[m.typ] = append(byType[m.typ], m.recipient)
	}
	users, err := tx.UsersByIDs(ctx, sortedKeys(ids))
	if err != nil {
		return 0, err
	}
	optedOut := map[reportline.NotificationType]map[reportline.UserID]bool{}
	for t, us := range byType {
		if optedOut[t], err = tx.NotificationOptOuts(ctx, t, us); err != nil {
			return 0, err
		}
	}
	var out []reportline.OutboxMessage
	lk := e.look(ctx)
	for _, m := range msgs {
		u, ok := users[m.recipient]
		if !ok || u.Status != reportline.StatusActive || off[reportline.NotificationRole{Type: m.typ, Audience: m.audience}] {
			continue
		}
		cat, _ := reportline.NotificationByType(m.typ)
		mandatory := cat.MandatoryFor(m.audience)
		if !mandatory && optedOut[m.typ][m.recipient] {
			continue
		}
		r, err := e.render(u, lk, m, users, mandatory)
		if err != nil {
			return 0, err
		}
		out = append(out, reportline.OutboxMessage{Key: m.key, Type: m.typ, Recipient: u.ID, To: u.Email,
			Subject: r.Subject, Text: r.Text, HTML: r.HTML})
	}
	return e.box.Enqueue(ctx, tx, out...)
}

// routeCover sends the notifications of a manager who is away (an
// absence in effect now) to their delegate too, or instead of them, as the
// setting cover.notify says (docs/absences.md).
func (e *Events) routeCover(ctx context.Context, tx Tx, msgs []eventMsg) ([]eventMsg, error) {
	now := e.now()
	covers := map[reportline.UserID]*Cover{}
	out := msgs[:0:0]
	for _, m := range msgs {
		if m.audience != reportline.AudienceManagers {
			out = append(out, m)
			continue
		}
		c, seen := covers[m.recipient]
		if !seen {
			cv, ok, err := tx.CoverOf(ctx, m.recipient, now)
			if err != nil {
				return nil, err
			}
			if ok {
				c = &cv
			}
			covers[m.recipient] = c
		}
		if c == nil || c.Delegate == m.link.ManagerID || c.Delegate == m.link.ManageeID {
			out = append(out, m)
			continue
		}
		if !c.Instead {
			out = append(out, m)
		}
		d := m
		d.recipient, d.key = c.Delegate, m.key+":cover:"+fmt.Sprint(c.Delegate)
		out = append(out, d)
	}
	return out, nil
}

// render writes one event message in its recipient's language.
func (e *Events) render(u reportline.User, lk Look, m eventMsg, users map[reportline.UserID]reportline.User, mandatory bool) (notice.Mail, error) {
	n, loc := start(u, lk)
	mgr, mgee := users[m.link.ManagerID], users[m.link.ManageeID]
	n.Data = map[string]any{"Manager": mgr.Name(), "ManagerEmail": mgr.Email, "Managee": mgee.Name(), "ManageeEmail": mgee.Email,
		"Brand": n.BrandName, "From": loc.DateTime(m.link.ValidFrom.In(e.zone)), "Until": loc.DateTime(m.link.ValidUntil.In(e.zone))}
	n = m.render(n, loc)
	Footer(&n, loc, m.typ, mandatory)
	return n.Render()
}

// Sample renders the notification t of a made-up temporary link from
// manager to managee (a week old, ending in two weeks; ended a minute ago
// for t = temporary link end) for to in a role ("managee", "manager",
// "other"), under the look lk: for the catalogue's previews and the golden
// tests of every email. Nothing is read or sent.
func (e *Events) Sample(t reportline.NotificationType, role string, to, manager, managee reportline.User, lk Look) (notice.Mail, error) {
	now := e.now()
	l := reportline.Link{ManagerID: manager.ID, ManageeID: managee.ID, Kind: reportline.Functional,
		CreatedAt: now.AddDate(0, 0, -7), ValidFrom: now.AddDate(0, 0, -7).Add(time.Hour), ValidUntil: now.AddDate(0, 0, 14)}
	if t == reportline.NotifyTemporaryLinkEnd {
		l.ValidUntil = now.Add(-time.Minute)
	}
	users := map[reportline.UserID]reportline.User{manager.ID: manager, managee.ID: managee}
	cat, _ := reportline.NotificationByType(t)
	aud := reportline.AudienceManagers
	if role == "managee" {
		aud = reportline.AudienceLearners
	}
	return e.render(to, lk, eventMsg{typ: t, audience: aud, link: l, render: linkText(t, role, l)}, users, cat.MandatoryFor(aud))
}

// sortedKeys returns the map's keys in order.
func sortedKeys[V any](m map[reportline.UserID]V) []reportline.UserID {
	out := make([]reportline.UserID, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
