package ldapsync

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"reportline"
)

// Stats says what a read did.
type Stats struct {
	Entries int // entries read
	Pages   int // pages the server sent
	Elapsed time.Duration
}

// Read binds, reads every entry matching the filter under the base DN page
// by page, and returns them as a full batch of source ldap.
func Read(ctx context.Context, cfg Config, log *slog.Logger) (reportline.DirectoryBatch, Stats, error) {
	start := time.Now()
	if err := cfg.Validate(); err != nil {
		return reportline.DirectoryBatch{}, Stats{}, err
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Filter == "" {
		_, cfg.Filter, _ = Preset("")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conn, err := connect(cfg)
	if err != nil {
		return reportline.DirectoryBatch{}, Stats{}, err
	}
	defer conn.Close()
	// A cancelled context closes the connection, which ends any request.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	if cfg.BindDN != "" {
		if !cfg.Encrypted() {
			log.Warn("LDAP bind over an unencrypted connection: use ldaps:// or StartTLS", "url", cfg.URL)
		}
		if err := conn.Bind(cfg.BindDN, cfg.BindPassword); err != nil {
			return reportline.DirectoryBatch{}, Stats{}, ctxErr(ctx, fmt.Errorf("LDAP bind as %q: %w", cfg.BindDN, err))
		}
	}
	m := newMapper(cfg.Attributes, 0)
	stats, err := search(conn, cfg, func(page []*ldap.Entry) {
		for _, e := range page {
			m.add(e)
		}
	})
	if err != nil {
		return reportline.DirectoryBatch{}, stats, ctxErr(ctx, err)
	}
	users := m.finish()
	stats.Elapsed = time.Since(start)
	log.Info("LDAP read", "entries", stats.Entries, "pages", stats.Pages, "elapsed", stats.Elapsed)
	return reportline.DirectoryBatch{Source: reportline.SourceLDAP, Users: users, Full: true}, stats, nil
}

// ctxErr prefers the context's error: a closed connection is only how a
// cancellation shows.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("LDAP read: %w", ctx.Err())
	}
	return err
}

func connect(cfg Config) (*ldap.Conn, error) {
	u, _ := url.Parse(cfg.URL) // validated
	tlsConfig, err := tlsConfigFor(cfg, u.Hostname())
	if err != nil {
		return nil, err
	}
	opts := []ldap.DialOpt{ldap.DialWithDialer(&net.Dialer{Timeout: cfg.Timeout})}
	if u.Scheme == "ldaps" {
		opts = append(opts, ldap.DialWithTLSConfig(tlsConfig))
	}
	conn, err := ldap.DialURL(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("LDAP connect to %s: %w", cfg.URL, err)
	}
	conn.SetTimeout(cfg.Timeout)
	if cfg.StartTLS {
		if err := conn.StartTLS(tlsConfig); err != nil {
			conn.Close()
			return nil, fmt.Errorf("LDAP StartTLS with %s: %w", cfg.URL, err)
		}
	}
	return conn, nil
}

func tlsConfigFor(cfg Config, host string) (*tls.Config, error) {
	c := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
	if cfg.CAFile == "" && cfg.CAPEM == "" {
		return c, nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("LDAP CA file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("LDAP CA file %s: no PEM certificate in it", cfg.CAFile)
		}
	}
	if cfg.CAPEM != "" && !pool.AppendCertsFromPEM([]byte(cfg.CAPEM)) {
		return nil, fmt.Errorf("the LDAP certificate to trust is not a PEM certificate")
	}
	c.RootCAs = pool
	return c, nil
}

// search reads every matching entry with the simple paged results control,
// asking only for the mapped attributes, and hands each page to fn.
func search(conn *ldap.Conn, cfg Config, fn func([]*ldap.Entry)) (Stats, error) {
	var stats Stats
	paging := ldap.NewControlPaging(uint32(cfg.PageSize))
	req := ldap.NewSearchRequest(cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		cfg.Filter, cfg.Attributes.Names(), []ldap.Control{paging})
	for {
		res, err := conn.Search(req)
		if err != nil {
			var le *ldap.Error
			if errors.As(err, &le) && le.ResultCode == ldap.LDAPResultSizeLimitExceeded {
				return stats, fmt.Errorf("LDAP search under %q: the server's size limit was reached although the search pages; raise its limit for paged searches (OpenLDAP: size.prtotal): %w", cfg.BaseDN, err)
			}
			return stats, fmt.Errorf("LDAP search under %q with filter %s: %w", cfg.BaseDN, cfg.Filter, err)
		}
		stats.Pages++
		stats.Entries += len(res.Entries)
		fn(res.Entries)
		ctrl, _ := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if ctrl == nil || len(ctrl.Cookie) == 0 {
			break
		}
		paging.SetCookie(ctrl.Cookie)
	}
	return stats, nil
}

// Names lists the attributes a search asks for.
func (m AttributeMap) Names() []string {
	var out []string
	for _, f := range []string{m.ID, m.Email, m.FirstName, m.LastName, m.Position, m.OrgUnit, m.Manager} {
		for _, a := range strings.Split(f, "|") {
			if a = strings.TrimSpace(a); a != "" {
				out = append(out, a)
			}
		}
	}
	if attr, _, _ := strings.Cut(m.Disabled, "="); attr != "" {
		out = append(out, strings.TrimSpace(attr))
	}
	return out
}

// Check connects, binds and searches the base DN for one entry matching
// the filter, and says in plain words which step failed: the address, the
// TLS handshake, the bind, or the search. The errors never carry the
// password.
func Check(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Filter == "" {
		_, cfg.Filter, _ = Preset("")
	}
	conn, err := connect(cfg)
	if err != nil {
		return err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if cfg.BindDN != "" {
		if err := conn.Bind(cfg.BindDN, cfg.BindPassword); err != nil {
			if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
				return ctxErr(ctx, fmt.Errorf("the directory refused the bind DN %q or its password", cfg.BindDN))
			}
			return ctxErr(ctx, fmt.Errorf("LDAP bind as %q: %w", cfg.BindDN, err))
		}
	}
	req := ldap.NewSearchRequest(cfg.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 1, int(cfg.Timeout/time.Second), false,
		cfg.Filter, []string{"1.1"}, nil)
	if _, err := conn.Search(req); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return ctxErr(ctx, fmt.Errorf("the base DN %q does not exist in the directory", cfg.BaseDN))
		}
		return ctxErr(ctx, fmt.Errorf("LDAP search under %q: %w", cfg.BaseDN, err))
	}
	return nil
}
