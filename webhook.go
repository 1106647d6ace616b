package reportline

import "time"

// Change events out (issue 20): CloudEvents 1.0 in structured JSON mode,
// POSTed to the subscribers' HTTPS endpoints by package webhook.

// Event types a subscriber may ask for.
const (
	EventLinkCreated     = "com.reportline.link.created"
	EventLinkEnded       = "com.reportline.link.ended"
	EventLinkChanged     = "com.reportline.link.changed"
	EventUserActivated   = "com.reportline.user.activated"
	EventUserDeactivated = "com.reportline.user.deactivated"
	// A manager's absence starting and ending (docs/absences.md): the
	// delegate holds, then no longer holds, the manager's links.
	EventDelegationStarted = "com.reportline.delegation.started"
	EventDelegationEnded   = "com.reportline.delegation.ended"
	// EventPlanApplied: a planned reorganisation took effect (its link
	// events precede it, one per item).
	EventPlanApplied = "com.reportline.reorganisation.applied"
)

// EventTypes lists every event type, in the order the docs give them.
var EventTypes = []string{EventLinkCreated, EventLinkEnded, EventLinkChanged, EventUserActivated, EventUserDeactivated,
	EventDelegationStarted, EventDelegationEnded, EventPlanApplied}

// WebhookSubscriber is one endpoint that receives change events.
type WebhookSubscriber struct {
	ID int64
	// URL is the https:// endpoint the events are POSTed to.
	URL string
	// Secret is the HMAC-SHA256 key the signatures are made with; shown
	// once, when the subscriber is created.
	Secret string
	// Types are the event types it receives; empty means all of them.
	Types     []string
	CreatedBy UserID
	CreatedAt time.Time
	// DisabledAt is when an admin disabled it (zero: active). A disabled
	// subscriber gets no new event and its waiting deliveries are held.
	DisabledAt time.Time
}

// Active reports whether the subscriber is not disabled.
func (s WebhookSubscriber) Active() bool { return s.DisabledAt.IsZero() }

// Wants reports whether the subscriber receives events of type t: never
// while it is disabled.
func (s WebhookSubscriber) Wants(t string) bool {
	if !s.Active() {
		return false
	}
	if len(s.Types) == 0 {
		return true
	}
	for _, x := range s.Types {
		if x == t {
			return true
		}
	}
	return false
}

// WebhookDelivery is one event to one subscriber, delivered at least once
// and in order of ID among the deliveries of the same subscriber and
// subject (the managee the event is about).
type WebhookDelivery struct {
	ID           int64
	SubscriberID int64
	EventID      string // the CloudEvents id: the same on every retry
	Type         string
	Subject      string // the ordering key: the managee's (or user's) id
	Body         []byte // the CloudEvent, JSON
	Status       DeliveryStatus
	Attempts     int
	NextAttempt  time.Time
	LastError    string
	CreatedAt    time.Time
	SentAt       time.Time
}

// WebhookClaim asks for due deliveries, leased to Owner for Lease.
type WebhookClaim struct {
	Owner string
	Now   time.Time
	Lease time.Duration
	Limit int
}

// WebhookAttempt is one try at a delivery, for the delivery log.
type WebhookAttempt struct {
	DeliveryID  int64
	At          time.Time
	Attempt     int
	Status      DeliveryStatus // sent, pending (retry at NextAttempt) or failed
	HTTPStatus  int
	Error       string
	NextAttempt time.Time
}
