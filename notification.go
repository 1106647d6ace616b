package reportline

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// NotificationType names one kind of notification Reportline sends. Each
// has an entry in the catalogue (Notifications).
type NotificationType string

// The notifications Reportline sends.
const (
	NotifyWeeklyDigest    NotificationType = "weekly_digest"
	NotifyBirthday        NotificationType = "birthday"
	NotifyTemplateMessage NotificationType = "template_message"
	NotifyPasswordReset   NotificationType = "password_reset"
	// A temporary link's start or end date passed (to its manager, its
	// managee and the managee's other managers).
	NotifyTemporaryLinkStart NotificationType = "temporary_link_start"
	NotifyTemporaryLinkEnd   NotificationType = "temporary_link_end"
	// A link was made or removed (to the managee and the manager).
	NotifyManagerAdded   NotificationType = "manager_added"
	NotifyManagerRemoved NotificationType = "manager_removed"
	// A planned reorganisation was applied or refused (to its drafter and
	// its approver).
	NotifyPlanApplied NotificationType = "reorganisation_applied"
)

// Valid reports whether t is in the catalogue.
func (t NotificationType) Valid() bool {
	_, ok := NotificationByType(t)
	return ok
}

// Audience is a role that receives notifications, as the admin page
// "Notifications per role" groups them.
type Audience string

// The audiences.
const (
	AudienceManagers Audience = "managers"
	AudienceLearners Audience = "learners"
	AudienceAdmins   Audience = "admins"
)

// Audiences lists every audience, in the order pages show them.
var Audiences = []Audience{AudienceManagers, AudienceLearners, AudienceAdmins}

// ParseAudience checks an audience name.
func ParseAudience(s string) (Audience, error) {
	for _, a := range Audiences {
		if string(a) == s {
			return a, nil
		}
	}
	return "", FieldError("role", s, "unknown role %q: want managers, learners or admins", s)
}

// Label is the audience's name on pages.
func (a Audience) Label() string {
	switch a {
	case AudienceManagers:
		return "Managers"
	case AudienceLearners:
		return "Learners"
	case AudienceAdmins:
		return "Admins"
	}
	return string(a)
}

// Notification describes one notification of the catalogue: who receives
// it, what triggers it, how it travels and which template renders it.
type Notification struct {
	Type        NotificationType
	Name        string     // short title, e.g. "Weekly digest"
	Audiences   []Audience // who receives it
	Trigger     string     // what sends it, in one sentence
	Channel     string     // "email"
	Template    string     // the template's name
	Description string     // what it says
	// Mandatory lists the audiences in which a person may not turn the
	// notification off for themself (an admin may still switch it off for
	// the whole role). Everyone else may.
	Mandatory []Audience
	// Bulk marks the notifications sent on a schedule or in numbers: they
	// carry List-Unsubscribe and Precedence: bulk, and are not sent to an
	// address that bounced for good.
	Bulk bool
}

// MandatoryFor reports whether a person in audience a must receive n.
func (n Notification) MandatoryFor(a Audience) bool {
	for _, x := range n.Mandatory {
		if x == a {
			return true
		}
	}
	return false
}

// Optional reports whether anybody may turn n off for themself.
func (n Notification) Optional() bool {
	for _, a := range n.Audiences {
		if !n.MandatoryFor(a) {
			return true
		}
	}
	return false
}

// For reports whether the notification goes to audience a.
func (n Notification) For(a Audience) bool {
	for _, x := range n.Audiences {
		if x == a {
			return true
		}
	}
	return false
}

// catalogue is every notification Reportline sends. A new notification is
// added here first, so the admin page and the API list it.
var catalogue = []Notification{
	{
		Type:        NotifyWeeklyDigest,
		Name:        "Weekly digest",
		Audiences:   []Audience{AudienceManagers},
		Trigger:     "Every Monday between 14:00 and 14:30 Europe/Paris, to each active manager with at least one active managee (managers may opt out; empty digests may be skipped)",
		Channel:     "email",
		Template:    "weekly_digest",
		Description: "The team's learning over the past week: completions, progress, what is late or due soon, upcoming sessions.",
		Bulk:        true,
	},
	{
		Type:        NotifyBirthday,
		Name:        "Birthday",
		Audiences:   []Audience{AudienceManagers},
		Trigger:     "On a managee's birthday, to the managers whose link grants birthday notifications",
		Channel:     "email",
		Template:    "birthday",
		Description: "Tells a manager that one of their managees has a birthday today.",
		Bulk:        true,
	},
	{
		Type:        NotifyTemplateMessage,
		Name:        "Message from a template",
		Audiences:   []Audience{AudienceManagers},
		Trigger:     "An admin sends a message built from a template to the managers of a group (managers whose link grants receiving messages)",
		Channel:     "email",
		Template:    "template_message",
		Description: "A message written by an admin, with the manager's and the group's names filled in.",
		Mandatory:   []Audience{AudienceManagers},
		Bulk:        true,
	},
	{
		Type:        NotifyTemporaryLinkStart,
		Name:        "Temporary manager starts",
		Audiences:   []Audience{AudienceManagers, AudienceLearners},
		Trigger:     "When a temporary link's start date passes: to its manager, its managee (learners) and the managee's other managers (checked every minute, sent once)",
		Channel:     "email",
		Template:    "temporary_link_start",
		Description: "Says who manages whom from now on, and until when.",
		Mandatory:   []Audience{AudienceLearners},
		Bulk:        true,
	},
	{
		Type:        NotifyTemporaryLinkEnd,
		Name:        "Temporary manager ends",
		Audiences:   []Audience{AudienceManagers, AudienceLearners},
		Trigger:     "When a temporary link's end date passes: to its manager, its managee (learners) and the managee's other managers (checked every minute, sent once)",
		Channel:     "email",
		Template:    "temporary_link_end",
		Description: "Says that a temporary manager no longer manages the person.",
		Mandatory:   []Audience{AudienceLearners},
		Bulk:        true,
	},
	{
		Type:        NotifyManagerAdded,
		Name:        "Manager added",
		Audiences:   []Audience{AudienceManagers, AudienceLearners},
		Trigger:     "When a link is made by hand, by an import or by a directory: to the managee (learners) and to the new manager",
		Channel:     "email",
		Template:    "manager_added",
		Description: "Tells a person who their new manager is, and a manager whom they now manage.",
		Mandatory:   []Audience{AudienceLearners},
		Bulk:        true,
	},
	{
		Type:        NotifyManagerRemoved,
		Name:        "Manager removed",
		Audiences:   []Audience{AudienceManagers, AudienceLearners},
		Trigger:     "When a link is removed by hand, by an import or by a directory: to the managee (learners) and to the former manager",
		Channel:     "email",
		Template:    "manager_removed",
		Description: "Tells a person that someone is no longer their manager, and the manager whom they no longer manage.",
		Mandatory:   []Audience{AudienceLearners},
		Bulk:        true,
	},
	{
		Type:        NotifyPasswordReset,
		Name:        "Password reset",
		Audiences:   []Audience{AudienceManagers, AudienceLearners, AudienceAdmins},
		Trigger:     "Someone asks for a password reset on the sign-in page (\"Forgot password?\") with the address of an active account",
		Channel:     "email",
		Template:    "password_reset",
		Description: "A single-use link, valid for 30 minutes, to choose a new password; its body is not shown in the delivery log.",
		Mandatory:   []Audience{AudienceManagers, AudienceLearners, AudienceAdmins},
	},
	{
		Type:        NotifyPlanApplied,
		Name:        "Reorganisation applied",
		Audiences:   []Audience{AudienceAdmins},
		Trigger:     "When a scheduled reorganisation falls due and is applied, or refused whole: to the admin who drafted it and the one who approved it",
		Channel:     "email",
		Template:    "reorganisation_applied",
		Description: "Says how many changes took effect, or which changes were refused and why (nothing changed then).",
		Mandatory:   []Audience{AudienceAdmins},
	},
}

// Notifications returns the catalogue, in a stable order.
func Notifications() []Notification {
	out := make([]Notification, len(catalogue))
	copy(out, catalogue)
	return out
}

// NotificationByType returns the catalogue entry of t.
func NotificationByType(t NotificationType) (Notification, bool) {
	for _, n := range catalogue {
		if n.Type == t {
			return n, true
		}
	}
	return Notification{}, false
}

// NotificationsFor returns the catalogue entries that go to audience a.
func NotificationsFor(a Audience) []Notification {
	var out []Notification
	for _, n := range catalogue {
		if n.For(a) {
			out = append(out, n)
		}
	}
	return out
}

// DeliveryStatus is where an outbox message stands.
type DeliveryStatus string

// The delivery statuses. A message is pending until a worker claims it
// (sending, under a lease); it ends sent, or failed once its attempts are
// spent. A sending message whose lease ran out is pending again.
const (
	DeliveryPending DeliveryStatus = "pending"
	DeliverySending DeliveryStatus = "sending"
	DeliverySent    DeliveryStatus = "sent"
	DeliveryFailed  DeliveryStatus = "failed"
)

// Valid reports whether s is a known status.
func (s DeliveryStatus) Valid() bool {
	switch s {
	case DeliveryPending, DeliverySending, DeliverySent, DeliveryFailed:
		return true
	}
	return false
}

// OutboxMessage is one email waiting in, or gone through, the outbox.
type OutboxMessage struct {
	ID int64
	// Key makes enqueuing idempotent: it is unique across the outbox, and
	// enqueuing a message whose key exists does nothing. E.g.
	// "weekly_digest:2026-W47:123".
	Key       string
	Type      NotificationType
	Recipient UserID // 0 when the address is not a user's
	To        string // the address
	Subject   string
	Text      string
	HTML      string // empty for a text-only message
	// MessageID is the Message-ID header, angle brackets included, and
	// deterministic (derived from Key), so a message sent twice by a
	// crashed worker is recognisably the same message. E.g.
	// "<weekly_digest.2026-W47.123@reportline.local>".
	MessageID string
	// Late says the message was sent after its due time (a digest sent
	// after 14:30); the delivery log shows it.
	Late bool
	// ListUnsubscribe is the one-click unsubscribe address of a bulk
	// message (RFC 8058), set by the delivery worker as it sends; not
	// stored.
	ListUnsubscribe string

	Status      DeliveryStatus
	Attempts    int
	NextAttempt time.Time // when a pending message may next be tried
	CreatedAt   time.Time
	SentAt      time.Time // zero until sent
	LastError   string    // the last failure, kept when the message gives up
}

// MessageIDDomain is the right-hand side of the Message-IDs Reportline
// makes.
const MessageIDDomain = "reportline.local"

// MessageIDFor derives a deterministic Message-ID from an idempotency key:
// the key's characters that are not allowed in a Message-ID are replaced
// by dots.
func MessageIDFor(key string) string {
	var b strings.Builder
	b.WriteByte('<')
	for _, r := range key {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9',
			strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r):
			b.WriteRune(r)
		default:
			b.WriteByte('.')
		}
	}
	b.WriteString("@" + MessageIDDomain + ">")
	return b.String()
}

// maxKeyLen bounds idempotency keys, which are indexed.
const maxKeyLen = 200

// Validate checks a message before it enters the outbox, filling in the
// Message-ID from the key when it is empty.
func (m *OutboxMessage) Validate() error {
	switch {
	case m.Key == "" || len(m.Key) > maxKeyLen || !utf8.ValidString(m.Key):
		return FieldError("key", m.Key, "an outbox message needs a key of 1 to %d bytes", maxKeyLen)
	case !m.Type.Valid():
		return FieldError("type", string(m.Type), "unknown notification type %q", m.Type)
	case m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n"):
		return FieldError("subject", m.Subject, "the subject must be one non-empty line")
	case m.Text == "":
		return FieldError("text", "", "the message needs a plain-text body")
	}
	to, err := NormalizeEmail(m.To)
	if err != nil {
		return FieldError("to", m.To, "the recipient address is not valid: %s", ErrorMessage(err))
	}
	m.To = to
	if m.MessageID == "" {
		m.MessageID = MessageIDFor(m.Key)
	}
	if !strings.HasPrefix(m.MessageID, "<") || !strings.HasSuffix(m.MessageID, ">") || strings.ContainsAny(m.MessageID, " \r\n") {
		return FieldError("message_id", m.MessageID, "a Message-ID looks like <local@domain>")
	}
	return nil
}

// DeliveryFilter selects entries of the delivery log.
type DeliveryFilter struct {
	Recipient string // part of the recipient's address, any case
	Type      NotificationType
	Status    DeliveryStatus
	Since     time.Time // created at or after; zero for no bound
	Until     time.Time // created before; zero for no bound
	BeforeID  int64     // paging: entries with a smaller id; 0 for the first page
	Limit     int       // at most this many; the store caps it
}

// DeliveryAttempt is one try at sending an outbox message, as the delivery
// log keeps it.
type DeliveryAttempt struct {
	MessageID int64 // the outbox message's ID
	At        time.Time
	Attempt   int            // 1 for the first try
	Status    DeliveryStatus // sent, or pending (will retry), or failed (gave up)
	Error     string
	// NextAttempt is, for a retry (status pending), when the message may
	// be tried again.
	NextAttempt time.Time
}

// OutboxClaim asks the outbox for due messages.
type OutboxClaim struct {
	Owner string        // the claiming worker, unique per process
	Now   time.Time     // messages due at or before Now (the service's clock: retries are scheduled by it)
	Lease time.Duration // the claimed messages are the owner's for this long, by the database's clock
	Limit int
}

// String shows a message in logs without its body.
func (m OutboxMessage) String() string {
	return fmt.Sprintf("outbox message %d (%s, %s)", m.ID, m.Type, m.Key)
}

// TemplateSend records one message an admin sent from a template to the
// managers of a group: the audit of template messages.
type TemplateSend struct {
	ID         int64
	At         time.Time
	ActorID    UserID // 0 for the system
	Source     Source
	GroupID    GroupID
	Subject    string // the template of the subject
	Body       string // the template of the body
	Recipients int    // how many managers it was enqueued for
}

// NotificationRole is one notification for one audience: what admins
// switch on and off on "Notifications per role".
type NotificationRole struct {
	Type     NotificationType
	Audience Audience
}
