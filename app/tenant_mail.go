package app

import (
	"context"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"reportline"
	"reportline/directory"
	"reportline/secret"
)

// A tenant's own mail relay (issue 13; docs/tenants.md). The implicit
// tenant's mail leaves through the installation's relay
// (REPORTLINE_SMTP_URL, or the .eml folder); another tenant may set its
// own, and its mail then goes through it (cmd/reportline's sender picks
// the relay by the message's tenant). Stored as the directory sources
// are: settings rows, the password sealed in secrets.

const (
	settingSMTPHost = "mail.smtp.host"
	settingSMTPPort = "mail.smtp.port"
	settingSMTPTLS  = "mail.smtp.tls"
	settingSMTPUser = "mail.smtp.username"
	settingSMTPFrom = "mail.smtp.from"
	secretSMTPPass  = "mail.smtp.password"
)

// TenantSMTP is a tenant's mail relay. Password is filled only for
// sending and the connection test (TenantRelay).
type TenantSMTP struct {
	Host        string // "" when the tenant uses the installation's relay
	Port        int    // 587 when 0 (465 for implicit TLS)
	TLS         string // mandatory (default), opportunistic, implicit or none
	Username    string // "" for no SMTP AUTH
	From        string // the From address of the tenant's mail
	PasswordSet bool
	Password    secret.Value
	// Environment is true for the implicit tenant, whose relay is the
	// installation's.
	Environment bool
}

// Enabled says whether the tenant has a relay of its own.
func (r TenantSMTP) Enabled() bool { return r.Host != "" }

// TenantSMTPChange changes the fields that are not nil; Password is
// write-only, a pointer to "" removes it.
type TenantSMTPChange struct {
	Host, TLS, Username, From *string
	Port                      *int
	Password                  *secret.Value
}

// readTenantSMTP reads the context's tenant's relay, without its password.
func readTenantSMTP(ctx context.Context, tx tenantTx) (TenantSMTP, error) {
	var r TenantSMTP
	if !directory.Own(ctx) {
		r.Environment = true
		return r, nil
	}
	var port string
	if err := readSettings(settingReader(ctx, tx), map[string]*string{settingSMTPHost: &r.Host, settingSMTPPort: &port,
		settingSMTPTLS: &r.TLS, settingSMTPUser: &r.Username, settingSMTPFrom: &r.From}); err != nil {
		return r, err
	}
	r.Port, _ = strconv.Atoi(port)
	if r.TLS == "" {
		r.TLS = "mandatory"
	}
	var err error
	r.PasswordSet, err = secretSet(ctx, tx, secretSMTPPass)
	return r, err
}

// TenantSMTP returns the context's tenant's relay as its platform admins
// see it: the password only as set or not set.
func (a *App) TenantSMTP(ctx context.Context, actor Actor) (TenantSMTP, error) {
	return readTenantConfig(ctx, a, actor, readTenantSMTP)
}

// SetTenantSMTP changes the context's tenant's relay; platform admins of
// the tenant only, audited (the password as "set" or "removed"). The
// implicit tenant's relay is the environment's: refused.
func (a *App) SetTenantSMTP(ctx context.Context, actor Actor, c TenantSMTPChange) (TenantSMTP, error) {
	err := a.setTenantSettings(ctx, actor, tenantSettingsChange{
		what:     "tenant mail relay",
		implicit: errEnvironmentDirectory(),
		settings: c.settings,
		then: func(tx tenantTx, _, after map[string]string) error {
			if err := a.changeSecret(ctx, tx, secretSMTPPass, "password", c.Password, after); err != nil {
				return err
			}
			r, err := readTenantSMTP(ctx, tx)
			if err != nil {
				return err
			}
			if r.Enabled() && r.From == "" {
				return reportline.FieldError("from", "", "a mail relay needs the From address the organisation's mail is sent from")
			}
			if r.PasswordSet && r.Username == "" {
				return reportline.FieldError("username", "", "a password needs the user name it belongs to")
			}
			return nil
		}})
	if err != nil {
		return TenantSMTP{}, err
	}
	return a.TenantSMTP(ctx, actor)
}

// settings checks the change and lists the settings it writes.
func (c TenantSMTPChange) settings() ([][2]string, error) {
	var out [][2]string
	if p := c.Host; p != nil {
		v := strings.ToLower(strings.TrimSpace(*p))
		if len(v) > 253 || strings.ContainsAny(v, " /:@?#[]") || reportline.CheckText("host", v) != nil {
			return nil, reportline.FieldError("host", v, "the relay is a host name such as smtp.example.com, without a port or scheme")
		}
		out = append(out, [2]string{settingSMTPHost, v})
	}
	if p := c.Port; p != nil {
		if *p < 0 || *p > 65535 {
			return nil, reportline.FieldError("port", strconv.Itoa(*p), "the port is 1 to 65535, or 0 for the usual one (587; 465 with implicit TLS)")
		}
		out = append(out, [2]string{settingSMTPPort, strconv.Itoa(*p)})
	}
	if p := c.TLS; p != nil {
		v := strings.ToLower(strings.TrimSpace(*p))
		switch v {
		case "", "mandatory", "opportunistic", "implicit", "none":
		default:
			return nil, reportline.FieldError("tls", v, "the encryption is mandatory (STARTTLS), opportunistic, implicit (TLS from the start, port 465) or none")
		}
		out = append(out, [2]string{settingSMTPTLS, v})
	}
	if p := c.Username; p != nil {
		v := strings.TrimSpace(*p)
		if len(v) > 320 || reportline.CheckText("username", v) != nil {
			return nil, reportline.FieldError("username", v, "the user name is one line of at most 320 bytes")
		}
		out = append(out, [2]string{settingSMTPUser, v})
	}
	if p := c.From; p != nil {
		v := strings.TrimSpace(*p)
		if v != "" {
			if _, err := mail.ParseAddress(v); err != nil || strings.ContainsAny(v, "\r\n") {
				return nil, reportline.FieldError("from", v, "the From address is an email address, such as \"Acme HR <hr@acme.example>\"")
			}
		}
		out = append(out, [2]string{settingSMTPFrom, v})
	}
	if c.Password != nil && strings.ContainsAny(c.Password.Reveal(), "\r\n") {
		return nil, reportline.FieldError("password", "", "the password is one line")
	}
	return out, nil
}

// tenantRelay is the context's tenant's relay with its password opened.
func (a *App) tenantRelay(ctx context.Context) (TenantSMTP, error) {
	var r TenantSMTP
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		if r, err = readTenantSMTP(ctx, tx); err != nil || !r.PasswordSet {
			return err
		}
		r.Password, err = a.openSecret(ctx, tx, secretSMTPPass)
		return err
	})
	if err != nil {
		return TenantSMTP{}, fmt.Errorf("the organisation's mail relay: %w", err)
	}
	return r, nil
}

// TenantRelay is the context's tenant's relay with its password, for the
// mail sender; not Enabled when the tenant uses the installation's (the
// implicit tenant always does). No actor: the outbox worker asks.
func (a *App) TenantRelay(ctx context.Context) (TenantSMTP, error) {
	return a.tenantRelay(ctx)
}
