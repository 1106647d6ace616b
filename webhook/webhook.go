// Package webhook sends change events out (issue 20): CloudEvents 1.0 in
// structured JSON mode, POSTed over HTTPS to the subscribers an admin
// registered. It follows the outbox's pattern (package outbox): a use case
// emits its events inside its own write transaction (Emit), one delivery
// per interested subscriber, so an event exists exactly when the change
// committed; the delivery worker (Worker) claims due deliveries under a
// lease, POSTs them signed with the subscriber's secret (Sign, Verify),
// retries with backoff and records every attempt. Deliveries of one
// subscriber about one person (the event's subject) go out in order: the
// next waits until the previous one was delivered or failed for good.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"reportline"
)

// Tx is the storage of subscribers and deliveries.
type Tx interface {
	CreateWebhookSubscriber(ctx context.Context, s *reportline.WebhookSubscriber) error
	DeleteWebhookSubscriber(ctx context.Context, id int64) error
	WebhookSubscribers(ctx context.Context) ([]reportline.WebhookSubscriber, error)
	// SetWebhookSecret replaces a subscriber's signing secret.
	SetWebhookSecret(ctx context.Context, id int64, secret string) error
	// SetWebhookDisabled disables a subscriber from at (zero: enables it).
	SetWebhookDisabled(ctx context.Context, id int64, at time.Time) error
	// EnqueueWebhookDeliveries inserts the deliveries whose (subscriber,
	// event) is new and reports how many it inserted.
	EnqueueWebhookDeliveries(ctx context.Context, ds []reportline.WebhookDelivery) (int, error)
	// ClaimWebhookDeliveries leases due deliveries, the first open one of
	// each (subscriber, subject) only.
	ClaimWebhookDeliveries(ctx context.Context, c reportline.WebhookClaim) ([]reportline.WebhookDelivery, error)
	ReleaseWebhookDeliveries(ctx context.Context, owner string) (int, error)
	FinishWebhookDeliveries(ctx context.Context, owner string, attempts []reportline.WebhookAttempt) (int, error)
	WebhookDeliveries(ctx context.Context, subscriber int64, limit int) ([]reportline.WebhookDelivery, error)
	// ReplayWebhookDelivery makes a delivery that failed or was sent
	// pending again.
	ReplayWebhookDelivery(ctx context.Context, subscriber, id int64, at time.Time) error
}

// Event is one change that took effect.
type Event struct {
	// ID is the CloudEvents id. Events found by a dated job carry an id
	// made from what they are about, so that two replicas find the same
	// one; "" gets a random id.
	ID      string
	Type    string
	Subject reportline.UserID // the managee (or the user): the ordering key
	// Path is the subject when the event is not about a user
	// ("plans/7"); it is then the ordering key.
	Path string
	Time time.Time
	Data any
}

// CloudEvent is the structured-mode JSON document POSTed to a subscriber.
type CloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject"`
	Time            string          `json:"time"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
}

// Source is the CloudEvents source of every event.
const Source = "/reportline"

// LinkData is the data of a link event.
type LinkData struct {
	ManagerID  reportline.UserID `json:"manager_id"`
	ManageeID  reportline.UserID `json:"managee_id"`
	Kind       string            `json:"kind"`
	Source     string            `json:"source"`
	ValidFrom  *time.Time        `json:"valid_from,omitempty"`
	ValidUntil *time.Time        `json:"valid_until,omitempty"`
	// Before is the link as it was, for link.changed.
	Before *LinkData `json:"before,omitempty"`
}

// UserData is the data of a user event.
type UserData struct {
	UserID reportline.UserID `json:"user_id"`
}

// linkData describes l.
func linkData(l reportline.Link) *LinkData {
	d := &LinkData{ManagerID: l.ManagerID, ManageeID: l.ManageeID, Kind: string(l.Kind), Source: string(l.Source)}
	if !l.ValidFrom.IsZero() {
		t := l.ValidFrom.UTC()
		d.ValidFrom = &t
	}
	if !l.ValidUntil.IsZero() {
		t := l.ValidUntil.UTC()
		d.ValidUntil = &t
	}
	return d
}

// Emit records events for every subscriber that wants them, inside tx, an
// open write transaction, and returns how many deliveries it added. Called
// with no subscribers it costs one read.
func Emit(ctx context.Context, tx Tx, now time.Time, events ...Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	subs, err := tx.WebhookSubscribers(ctx)
	if err != nil || len(subs) == 0 {
		return 0, err
	}
	var ds []reportline.WebhookDelivery
	for _, e := range events {
		body, id, err := e.encode()
		if err != nil {
			return 0, err
		}
		for _, s := range subs {
			if s.Wants(e.Type) {
				ds = append(ds, reportline.WebhookDelivery{SubscriberID: s.ID, EventID: id, Type: e.Type,
					Subject: e.key(), Body: body, NextAttempt: now, CreatedAt: now})
			}
		}
	}
	return tx.EnqueueWebhookDeliveries(ctx, ds)
}

// subject is the CloudEvents subject.
func (e Event) subject() string {
	if e.Path != "" {
		return e.Path
	}
	return fmt.Sprintf("users/%d", e.Subject)
}

// key is the ordering key deliveries are kept in order by.
func (e Event) key() string {
	if e.Path != "" {
		return e.Path
	}
	return fmt.Sprint(e.Subject)
}

// PlanData is the data of a reorganisation event.
type PlanData struct {
	PlanID  int64  `json:"plan_id"`
	Name    string `json:"name"`
	Changes int    `json:"changes"`
}

// PlanApplied is the event of a planned reorganisation that took effect
// at now: its link events (one per change) are emitted before it in the
// same transaction.
func PlanApplied(id int64, name string, changes int, now time.Time) Event {
	return Event{ID: fmt.Sprintf("plan-%d-applied", id), Type: reportline.EventPlanApplied, Path: fmt.Sprintf("plans/%d", id), Time: now,
		Data: PlanData{PlanID: id, Name: name, Changes: changes}}
}

// encode returns the event's CloudEvent JSON and its id.
func (e Event) encode() ([]byte, string, error) {
	id := e.ID
	if id == "" {
		id = rand.Text()
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return nil, "", fmt.Errorf("event %s: %w", e.Type, err)
	}
	body, err := json.Marshal(CloudEvent{SpecVersion: "1.0", ID: id, Source: Source, Type: e.Type,
		Subject: e.subject(), Time: e.Time.UTC().Format(time.RFC3339Nano),
		DataContentType: "application/json", Data: data})
	return body, id, err
}

// FromAudit returns the events of link changes as they are written to the
// audit log at now: a link added (unless it starts later: its start is an
// event of Effects), removed (unless it never started) or changed.
func FromAudit(entries []reportline.AuditEntry, now time.Time) []Event {
	var out []Event
	for _, a := range entries {
		switch {
		case a.Action == reportline.ActionAdd && a.After != nil:
			if a.After.ValidFrom.After(now) || (!a.After.ValidUntil.IsZero() && !a.After.ValidUntil.After(now)) {
				continue
			}
			out = append(out, Event{Type: reportline.EventLinkCreated, Subject: a.ManageeID, Time: now, Data: linkData(*a.After)})
		case a.Action == reportline.ActionRemove && a.Before != nil:
			if a.Before.ValidFrom.After(now) || (!a.Before.ValidUntil.IsZero() && !a.Before.ValidUntil.After(now)) {
				continue // never started, or already ended (its end was an event)
			}
			out = append(out, Event{Type: reportline.EventLinkEnded, Subject: a.ManageeID, Time: now, Data: linkData(*a.Before)})
		case a.Action == reportline.ActionUpdate && a.After != nil:
			d := linkData(*a.After)
			if a.Before != nil {
				d.Before = linkData(*a.Before)
			}
			out = append(out, Event{Type: reportline.EventLinkChanged, Subject: a.ManageeID, Time: now, Data: d})
		}
	}
	return out
}

// Effects returns the events of temporary links whose dates fall in the
// stretch (from, to] that schedule.TakeEffect handed out: a start (of a
// link made before it) is link.created, an end link.ended. Their ids are
// made from the link and the instant, the same on every replica.
func Effects(links []reportline.Link, from, to time.Time) []Event {
	in := func(t time.Time) bool { return !t.IsZero() && t.After(from) && !t.After(to) }
	var out []Event
	for _, l := range links {
		if in(l.ValidFrom) && l.CreatedAt.Before(l.ValidFrom) {
			out = append(out, Event{ID: fmt.Sprintf("link.created-%d-%d-%d", l.ManagerID, l.ManageeID, l.ValidFrom.UnixMicro()),
				Type: reportline.EventLinkCreated, Subject: l.ManageeID, Time: l.ValidFrom, Data: linkData(l)})
		}
		if in(l.ValidUntil) {
			out = append(out, Event{ID: fmt.Sprintf("link.ended-%d-%d-%d", l.ManagerID, l.ManageeID, l.ValidUntil.UnixMicro()),
				Type: reportline.EventLinkEnded, Subject: l.ManageeID, Time: l.ValidUntil, Data: linkData(l)})
		}
	}
	return out
}

// UserActive returns the event of a user becoming active or inactive.
func UserActive(user reportline.UserID, active bool, now time.Time) Event {
	t := reportline.EventUserDeactivated
	if active {
		t = reportline.EventUserActivated
	}
	return Event{Type: t, Subject: user, Time: now, Data: UserData{UserID: user}}
}

// DelegationData is the data of a delegation event: who is away, who
// covers, for whom, and the absence's dates.
type DelegationData struct {
	AbsenceID  int64               `json:"absence_id"`
	ManagerID  reportline.UserID   `json:"manager_id"`
	DelegateID reportline.UserID   `json:"delegate_id"`
	Managees   []reportline.UserID `json:"managee_ids"`
	Starts     time.Time           `json:"starts"`
	Ends       time.Time           `json:"ends"`
}

// Delegation returns the event of an absence's cover starting or ending at
// at. Its subject is the manager who is away (the ordering key); its id is
// made from the absence and the instant, the same on every replica and
// whether the scheduler or the hand that ended it found it.
func Delegation(ab reportline.Absence, started bool, at time.Time) Event {
	t, name := reportline.EventDelegationEnded, "delegation.ended"
	if started {
		t, name = reportline.EventDelegationStarted, "delegation.started"
	}
	return Event{ID: fmt.Sprintf("%s-%d-%d", name, ab.ID, at.UnixMicro()), Type: t, Subject: ab.ManagerID, Time: at,
		Data: DelegationData{AbsenceID: int64(ab.ID), ManagerID: ab.ManagerID, DelegateID: ab.DelegateID, Managees: ab.Managees,
			Starts: ab.Starts.UTC(), Ends: ab.Ends.UTC()}}
}

// DelegationEffects returns the events of absences whose start or end
// falls in the stretch (from, to] that schedule.TakeEffect handed out: a
// start of an absence set before it, an end that is the absence's own (a
// cancelled absence, whose end equals its start, has neither).
func DelegationEffects(absences []reportline.Absence, from, to time.Time) []Event {
	in := func(t time.Time) bool { return !t.IsZero() && t.After(from) && !t.After(to) }
	var out []Event
	for _, ab := range absences {
		if !ab.Starts.Before(ab.Ends) {
			continue
		}
		if in(ab.Starts) && ab.CreatedAt.Before(ab.Starts) {
			out = append(out, Delegation(ab, true, ab.Starts))
		}
		if in(ab.Ends) {
			out = append(out, Delegation(ab, false, ab.Ends))
		}
	}
	return out
}
