package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Mail is how notifications leave: by SMTP when SMTPURL is set, else as
// .eml files in <data>/mail.
type Mail struct {
	// SMTPURL is REPORTLINE_SMTP_URL: smtp://[user:password@]host[:port]
	// with ?starttls=mandatory (the default), opportunistic or none, or
	// smtps://… for TLS from the first byte. Its password is never logged.
	SMTPURL string
	From    string  // REPORTLINE_MAIL_FROM: the From address [Reportline <reportline@localhost>]
	Pool    int     // REPORTLINE_SMTP_POOL: connections kept open and used at once [4]
	Rate    float64 // REPORTLINE_SMTP_RATE: messages per second at most; 0 for no cap [0]
	// DKIMKeyFile is REPORTLINE_DKIM_KEY_FILE: a PEM private key (RSA or
	// Ed25519); when set, every message sent by SMTP is DKIM-signed with
	// DKIMSelector (REPORTLINE_DKIM_SELECTOR, required then) for
	// DKIMDomain (REPORTLINE_DKIM_DOMAIN; the From address's domain when
	// empty).
	DKIMKeyFile, DKIMSelector, DKIMDomain string
	// UnsubscribeKey is REPORTLINE_UNSUBSCRIBE_KEY: the secret (at least 32
	// characters) that signs unsubscribe links; empty: one generated on
	// first start and kept in the database. Never logged.
	UnsubscribeKey string
	// How emails present the product (app.MailBrand): BrandName is
	// REPORTLINE_MAIL_BRAND (the name in the header band and the footers;
	// "Reportline" when empty), Accent is REPORTLINE_MAIL_ACCENT (a hex
	// colour, #rgb or #rrggbb, for the band and the buttons, which carry
	// white text), LogoURL is REPORTLINE_MAIL_LOGO_URL (an https address of
	// an image shown before the name; none by default, so an email loads
	// nothing).
	BrandName, Accent, LogoURL string
	// DefaultLocale is REPORTLINE_DEFAULT_LOCALE: the language of emails to
	// people whose profile names none ("fr", "fr-CA"; the closest language
	// with a catalogue, else English). Empty: English.
	DefaultLocale string
}

var localeTag = regexp.MustCompile(`^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$`)

var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// SMTP is a parsed REPORTLINE_SMTP_URL.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	TLS      string // mandatory, opportunistic, none, implicit
}

// DefaultMailFrom is the From address when none is configured.
const DefaultMailFrom = "Reportline <reportline@localhost>"

// LogValue keeps the password out of logs.
func (m Mail) LogValue() slog.Value {
	if m.SMTPURL == "" {
		return slog.GroupValue(slog.String("sink", "eml files in <data>/mail"), slog.String("from", m.FromAddress()))
	}
	return slog.GroupValue(slog.String("smtp_url", redactURL(m.SMTPURL)), slog.String("from", m.FromAddress()),
		slog.Int("pool", m.PoolSize()), slog.Float64("rate", m.Rate))
}

// String keeps the password out of anything printed with %v.
func (m Mail) String() string {
	return fmt.Sprintf("{SMTPURL:%s From:%s Pool:%d Rate:%g}", redactURL(m.SMTPURL), m.From, m.Pool, m.Rate)
}

// redactURL hides a URL's password.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

func (m *Mail) fromEnv(getenv func(string) string) error {
	if v := strings.TrimSpace(getenv("REPORTLINE_SMTP_URL")); v != "" {
		m.SMTPURL = v
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_MAIL_FROM")); v != "" {
		m.From = v
	}
	m.DKIMKeyFile = strings.TrimSpace(getenv("REPORTLINE_DKIM_KEY_FILE"))
	m.DKIMSelector = strings.TrimSpace(getenv("REPORTLINE_DKIM_SELECTOR"))
	m.DKIMDomain = strings.TrimSpace(getenv("REPORTLINE_DKIM_DOMAIN"))
	if m.DKIMKeyFile != "" && m.DKIMSelector == "" {
		return fmt.Errorf("REPORTLINE_DKIM_KEY_FILE is set without REPORTLINE_DKIM_SELECTOR")
	}
	m.BrandName = strings.Join(strings.Fields(getenv("REPORTLINE_MAIL_BRAND")), " ")
	if len(m.BrandName) > 60 {
		return fmt.Errorf("REPORTLINE_MAIL_BRAND: at most 60 bytes (it heads every email)")
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_MAIL_ACCENT")); v != "" {
		if !hexColour.MatchString(v) {
			return fmt.Errorf("REPORTLINE_MAIL_ACCENT %q: want a hex colour such as #1d4ed8 (white text goes on it)", v)
		}
		m.Accent = v
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_MAIL_LOGO_URL")); v != "" {
		u, err := url.Parse(v)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("REPORTLINE_MAIL_LOGO_URL %q: want an https:// address of an image", v)
		}
		m.LogoURL = v
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_DEFAULT_LOCALE")); v != "" {
		if !localeTag.MatchString(v) {
			return fmt.Errorf("REPORTLINE_DEFAULT_LOCALE %q: want a language tag such as fr or en-GB", v)
		}
		m.DefaultLocale = v
	}
	if v := getenv("REPORTLINE_UNSUBSCRIBE_KEY"); v != "" {
		if len(v) < 32 {
			return fmt.Errorf("REPORTLINE_UNSUBSCRIBE_KEY: want at least 32 characters")
		}
		m.UnsubscribeKey = v
	}
	if v := getenv("REPORTLINE_SMTP_POOL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return fmt.Errorf("REPORTLINE_SMTP_POOL %q: want a number of connections from 1 to 100", v)
		}
		m.Pool = n
	}
	if v := getenv("REPORTLINE_SMTP_RATE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 {
			return fmt.Errorf("REPORTLINE_SMTP_RATE %q: want messages per second, e.g. 10 or 0.5, or 0 for no cap", v)
		}
		m.Rate = r
	}
	return nil
}

func (m Mail) validate() error {
	if _, err := mail.ParseAddress(m.from()); err != nil {
		return fmt.Errorf("REPORTLINE_MAIL_FROM %q: not an email address: %w", m.From, err)
	}
	if m.SMTPURL != "" {
		if _, err := m.SMTP(); err != nil {
			return err
		}
	}
	return nil
}

func (m Mail) from() string {
	if m.From == "" {
		return DefaultMailFrom
	}
	return m.From
}

// DefaultSMTPPool is how many SMTP connections are kept when
// REPORTLINE_SMTP_POOL is not set.
const DefaultSMTPPool = 4

// PoolSize is the SMTP pool size, the default when none is set.
func (m Mail) PoolSize() int {
	if m.Pool <= 0 {
		return DefaultSMTPPool
	}
	return m.Pool
}

// FromAddress is the From address, the default when none is set.
func (m Mail) FromAddress() string { return m.from() }

// SMTP parses SMTPURL. Errors never show the password.
func (m Mail) SMTP() (SMTP, error) {
	shown := redactURL(m.SMTPURL)
	u, err := url.Parse(m.SMTPURL)
	if err != nil {
		return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: not a URL", shown)
	}
	var s SMTP
	switch u.Scheme {
	case "smtp":
		s.TLS, s.Port = "mandatory", 587
		if v := u.Query().Get("starttls"); v != "" {
			if v != "mandatory" && v != "opportunistic" && v != "none" {
				return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: starttls=%q: want mandatory, opportunistic or none", shown, v)
			}
			s.TLS = v
		}
	case "smtps":
		s.TLS, s.Port = "implicit", 465
	default:
		return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: want smtp://host[:port] or smtps://host[:port]", shown)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: no host", shown)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: port %q is not a port number", shown, p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	if s.Password != "" && s.TLS == "none" && !isLoopback(s.Host) {
		return SMTP{}, fmt.Errorf("REPORTLINE_SMTP_URL %s: refusing to send a password unencrypted to %s; use starttls=mandatory or smtps://", shown, s.Host)
	}
	return s, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
