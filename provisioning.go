package reportline

import "time"

// ProvisioningClient is a SCIM client allowed to provision users through
// /scim/v2, such as Microsoft Entra ID. It authenticates with its own bearer
// token, of which only the SHA-256 hash is stored; the token works on
// /scim/v2 and nowhere else.
type ProvisioningClient struct {
	ID         int64
	Name       string // unique, chosen by the operator ("entra")
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}

// ProvisionedUser is a user as a SCIM client sees them: the user, their
// identity at the SCIM source, the userName the client gave, and the line
// manager the SCIM source set.
type ProvisionedUser struct {
	User
	ExternalID string // the SCIM identity; "" when none
	UserName   string // "" when the client never gave one
	Manager    User   // the SCIM line manager; zero when none
	// EmailsSent is the emails the client last sent, as JSON, and
	// DisplayName its displayName: shown back as sent.
	EmailsSent  string
	DisplayName string
}

// ProvisionedQuery selects users for a SCIM listing, in id order. With ID
// set it returns that user only; else the users after AfterID, skipping
// Offset of them, at most Limit.
type ProvisionedQuery struct {
	ID      UserID
	AfterID UserID
	Offset  int
	Limit   int
}

// SCIMGroup is a Reportline group as a SCIM client sees it: a group the
// client created, or one a platform admin mapped onto the IdP's group (its
// externalId, "" when none was sent), and the members the client added
// (plain memberships; others are not the client's).
type SCIMGroup struct {
	Group
	ExternalID string
	// DirectoryName is the IdP's name of a mapped group (its displayName),
	// shown to the client instead of the Reportline name, which the IdP
	// never changes; "" for a group the client created.
	DirectoryName string
	MappedBy      UserID    // the platform admin who mapped it; -1 the operator's CLI; 0 when the client created it
	MappedAt      time.Time // zero when the client created it
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Members       []User // by id
}

// Mapped says whether a platform admin mapped the group onto the IdP's
// (else the client created it).
func (g SCIMGroup) Mapped() bool { return g.MappedBy != 0 }

// SCIMName is the group's name as the client sees it (displayName): the
// IdP's own for a mapped group, else the group's name.
func (g SCIMGroup) SCIMName() string {
	if g.Mapped() && g.DirectoryName != "" {
		return g.DirectoryName
	}
	return g.Name
}
