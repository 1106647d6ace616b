// Package graphsync reads Microsoft Entra ID users and their managers through
// Microsoft Graph v1.0 and maps them to a reportline.DirectoryBatch.
//
// It speaks plain HTTP: an OAuth 2.0 client-credentials token from the
// Microsoft identity platform, then users/delta rounds (@odata.nextLink pages
// until an @odata.deltaLink, which the caller keeps for the next round).
// Throttling (429, 503, 504 with Retry-After) and transient failures are
// retried with bounded exponential backoff; an expired access token is
// renewed once; an expired delta link restarts a full round. The client
// secret and the access token never appear in an error or a log line.
package graphsync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Defaults of the public Microsoft cloud.
const (
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	DefaultAPIURL       = "https://graph.microsoft.com"
	DefaultScope        = "https://graph.microsoft.com/.default"
)

// Config says how to reach a tenant.
type Config struct {
	Tenant       string // directory (tenant) id or a verified domain
	ClientID     string // the application (client) id
	ClientSecret string // never logged
	// Certificate, when set instead of ClientSecret, signs a client
	// assertion for each token request (assertion.go).
	Certificate  *Certificate
	AuthorityURL string // DefaultAuthorityURL when empty
	APIURL       string // DefaultAPIURL when empty
	Scope        string // APIURL + "/.default" when empty (DefaultScope for the public cloud)

	HTTPClient *http.Client // a client with a 2-minute timeout when nil
	Logger     *slog.Logger // slog.Default() when nil
	// MaxRetries bounds the retries of one request (6 when zero; a
	// negative value means none).
	MaxRetries int
	// Sleep waits between retries; tests make it instant. It must return
	// ctx.Err() when ctx ends first.
	Sleep func(ctx context.Context, d time.Duration) error
}

// LogValue keeps the secret out of logs even if a Config is logged whole.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("tenant", c.Tenant), slog.String("client_id", c.ClientID),
		slog.String("authority", c.AuthorityURL), slog.String("api", c.APIURL))
}

// Client reads one tenant. It is safe for concurrent use.
type Client struct {
	cfg  Config
	api  *url.URL
	http *http.Client
	log  *slog.Logger
	cc   *clientcredentials.Config

	mu    sync.Mutex
	token *oauth2.Token
}

// New checks the configuration and returns a client; it does not contact
// the tenant.
func New(cfg Config) (*Client, error) {
	if cfg.Tenant == "" || cfg.ClientID == "" || (cfg.ClientSecret == "") == (cfg.Certificate == nil) {
		return nil, errors.New("graph: the tenant, the client id and one credential (a client secret or a certificate) are all required")
	}
	cfg.AuthorityURL = strings.TrimRight(orDefault(cfg.AuthorityURL, DefaultAuthorityURL), "/")
	cfg.APIURL = strings.TrimRight(orDefault(cfg.APIURL, DefaultAPIURL), "/")
	// A national cloud's Graph is its own resource: its scope names it.
	cfg.Scope = orDefault(cfg.Scope, cfg.APIURL+"/.default")
	for name, raw := range map[string]string{"authority URL": cfg.AuthorityURL, "API URL": cfg.APIURL} {
		if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, fmt.Errorf("graph: %s %q: want https://HOST", name, raw)
		}
	}
	if strings.ContainsAny(cfg.Tenant, "/?#") {
		return nil, fmt.Errorf("graph: tenant %q: want a tenant id or domain", cfg.Tenant)
	}
	api, _ := url.Parse(cfg.APIURL)
	c := &Client{cfg: cfg, api: api, http: cfg.HTTPClient, log: cfg.Logger}
	if c.http == nil {
		c.http = &http.Client{Timeout: 2 * time.Minute}
	}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.cfg.MaxRetries == 0 {
		c.cfg.MaxRetries = 6
	}
	if c.cfg.Sleep == nil {
		c.cfg.Sleep = sleep
	}
	c.cc = &clientcredentials.Config{
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		TokenURL:  cfg.AuthorityURL + "/" + url.PathEscape(cfg.Tenant) + "/oauth2/v2.0/token",
		Scopes:    []string{cfg.Scope},
		AuthStyle: oauth2.AuthStyleInParams, // the identity platform documents the secret as a form field
	}
	return c, nil
}

// orDefault returns v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// accessToken returns a cached token, or a new one when renew is set or the
// cached one is about to expire.
func (c *Client) accessToken(ctx context.Context, renew bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !renew && c.token != nil && time.Until(c.token.Expiry) > time.Minute {
		return c.token.AccessToken, nil
	}
	cc := c.cc
	if cert := c.cfg.Certificate; cert != nil {
		params, err := cert.assertionParams(c.cfg.ClientID, cc.TokenURL, time.Now())
		if err != nil {
			return "", err
		}
		withAssertion := *cc
		withAssertion.EndpointParams = params
		cc = &withAssertion
	}
	tok, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, c.http))
	if err != nil {
		return "", c.tokenError(err)
	}
	c.token = tok
	return tok.AccessToken, nil
}

// tokenError names the token endpoint, the HTTP status, the OAuth error code
// and the identity platform's AADSTS error numbers, and explains the code in
// words of our own. It never repeats the answer's text: a misconfigured
// endpoint or a proxy in front of it may echo the request, client secret
// included.
func (c *Client) tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		e := &Error{Method: "POST", Path: c.cc.TokenURL}
		if re.Response != nil {
			e.Status = re.Response.StatusCode
			e.RetryAfter = retryAfter(re.Response.Header.Get("Retry-After"), time.Now())
		}
		if oauthErrorCode.MatchString(re.ErrorCode) {
			e.Code = re.ErrorCode
		}
		e.Message = tokenMessage(e.Code, e.Status)
		if n := aadstsNumber.FindAllString(re.ErrorDescription, 3); len(n) > 0 {
			e.Message += " (" + strings.Join(n, ", ") + ")"
		}
		return e
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// No answer at all (refused, timed out, TLS): the transport's error
		// holds no body.
		return &Error{Method: "POST", Path: c.cc.TokenURL, Message: "cannot get a token", Err: ue.Err}
	}
	// The oauth2 package's own errors about an answer it could not read
	// quote parts of that answer: say what happened instead.
	return &Error{Method: "POST", Path: c.cc.TokenURL, Message: "the token endpoint's answer is not a token"}
}

// oauthErrorCode is the shape of an OAuth 2.0 error code (RFC 6749 §5.2);
// anything else in that field is not shown.
var oauthErrorCode = regexp.MustCompile(`^[a-z_]{1,64}$`)

// aadstsNumber finds the identity platform's error numbers, which name the
// problem precisely and can be looked up.
var aadstsNumber = regexp.MustCompile(`\bAADSTS[0-9]{1,9}\b`)

// tokenMessage explains an OAuth error code to the operator.
func tokenMessage(code string, status int) string {
	switch code {
	case "invalid_client":
		return "the client id or its credential was refused (a wrong, expired or other tenant's secret, or a certificate not uploaded to the app registration)"
	case "unauthorized_client":
		return "the application may not use the client-credentials grant"
	case "invalid_scope":
		return "the scope was refused (check the Graph API URL)"
	case "invalid_request":
		return "the token request was refused (check the tenant)"
	case "":
		if t := http.StatusText(status); t != "" {
			return t
		}
		return "cannot get a token"
	}
	return "the token request was refused"
}

// unwrapURL drops *url.Error's URL (which may carry a query) and keeps the
// cause.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return strings.TrimSpace(strings.TrimSuffix(s, "\r"))
}
