package reportline

import "time"

// SSOIdentity is a person as an identity provider asserted them at a
// single sign-on, after the protocol library checked the signature.
type SSOIdentity struct {
	// Provider names the configured provider ("oidc", "saml"); subjects are
	// unique per provider only.
	Provider string
	// Subject is the provider's stable id of the person (OIDC "sub", SAML
	// NameID).
	Subject string
	Email   string
	// EmailVerified is true when the provider asserted that it verified
	// the email (OIDC "email_verified").
	EmailVerified bool
	// DirectoryID is the person's id in the provider's directory (Entra's
	// "oid"), equal to the external id a Graph or SCIM sync stores.
	DirectoryID string
	FirstName   string
	LastName    string
}

// SSOLink is a provider's subject linked to a user.
type SSOLink struct {
	Provider  string
	Subject   string
	UserID    UserID
	Email     string // the email the provider sent when the link was made
	CreatedAt time.Time
}
