package reportline

import "time"

// UserFilter selects users. Zero fields do not filter.
type UserFilter struct {
	Query       string    // matched against email, names, external uid, position and org unit
	Email       string    // exact, normalised
	ExternalUID string    // exact
	Groups      []GroupID // members of any of these groups (exact groups); set by the caller's scope
	Status      Status
	IDs         []UserID
	NoGroup     bool   // only users who belong to no group
	NoManager   bool   // only users who have no manager link at all (of either kind, current or not)
	AfterID     UserID // keyset pagination: users with a larger id
	Limit       int    // 0 means the store's default page size
}

// LinkFilter selects links. Zero fields do not filter.
type LinkFilter struct {
	ManagerID UserID
	ManageeID UserID
	Kind      Kind
	Source    Source
}

// MembershipFilter selects memberships; at least one list should be set.
type MembershipFilter struct {
	UserIDs  []UserID
	GroupIDs []GroupID
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	UserID   UserID // entries where the user is the manager or the managee
	BatchID  int64
	BeforeID int64 // keyset pagination: entries older than this id
	// AfterID, when set, selects entries newer than this id, oldest first
	// (the notifications of manager changes read the log this way).
	AfterID int64
	Limit   int
}

// APIToken is a bearer token for integrations. Only its SHA-256 hash is
// stored; the token itself is shown once, when created.
type APIToken struct {
	ID         int64
	UserID     UserID
	Name       string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used
	ExpiresAt  time.Time // zero for a token that does not expire
	RevokedAt  time.Time // zero until revoked
}

// TokenStatus says whether a token still works.
type TokenStatus string

// The token statuses.
const (
	TokenActive  TokenStatus = "active"
	TokenExpired TokenStatus = "expired"
	TokenRevoked TokenStatus = "revoked"
)

// Status is the token's status at time now: a revoked or expired token
// stops working at once.
func (t APIToken) Status(now time.Time) TokenStatus {
	switch {
	case !t.RevokedAt.IsZero():
		return TokenRevoked
	case !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt):
		return TokenExpired
	}
	return TokenActive
}

// Session is a signed-in browser session. Only the hash of its cookie value
// is stored.
type Session struct {
	Hash      []byte
	UserID    UserID
	CreatedAt time.Time
	ExpiresAt time.Time
	// Method is how the session was opened: "password", "oidc" or "saml"
	// (empty means password).
	Method string
	// LogoutHint is what the identity provider needs to end its own session
	// at sign-out (the OIDC ID token); empty for a password session.
	LogoutHint string
}

// PasswordReset is a self-service password reset sent by email. Only the
// hash of the link's secret is stored; a reset works once, before ExpiresAt.
type PasswordReset struct {
	Hash      []byte
	UserID    UserID
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time // zero until used
}
