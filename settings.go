package reportline

import "time"

// Per-tenant settings and secrets (docs/tenants.md, "Built: step 3, part
// 2"). A tenant's own setting wins for that tenant; the environment's
// settings are the implicit tenant's defaults.

// Branding is how a tenant's emails present the product, and the language
// of those whose profile names none.
type Branding struct {
	// Name heads every email and signs its footer; "Reportline" when empty.
	Name string
	// Accent is a #rrggbb colour for the header band and buttons, which
	// carry white text.
	Accent string
	// LogoURL is an https address of a logo; empty: the email loads
	// nothing from anywhere.
	LogoURL string
	// Locale is the language of emails to people whose profile names none
	// ("en", "fr"); English when empty.
	Locale string
}

// SealedSecret is a tenant's secret as stored: sealed by package secret
// under the key KeyID names, bound to the tenant and Name.
type SealedSecret struct {
	Name      string
	KeyID     string
	Box       []byte
	UpdatedAt time.Time
}
