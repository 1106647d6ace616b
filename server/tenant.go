package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// Tenants is what the server resolves a request's tenant from: the tenants
// and the credential routes. Both are above tenants: resolving reads no
// tenant's data. The server keeps no copy of the list: serve passes the
// application's, cached for app.TenantsTTL, so the process holds one list
// with one staleness (tests pass the *store.DB, read afresh).
type Tenants interface {
	Tenants(ctx context.Context) ([]reportline.Tenant, error)
	CredentialTenant(ctx context.Context, hash []byte) (reportline.TenantID, bool, error)
}

// routeCacheMax bounds the credential routes kept in memory.
const routeCacheMax = 10_000

// resolver finds the tenant of a request (docs/tenants.md, "Resolving the
// tenant").
type resolver struct {
	src Tenants
	// publicHost is the host of REPORTLINE_PUBLIC_URL: the implicit
	// tenant's when no tenant claims it, as the environment's other
	// settings are.
	publicHost string

	mu     sync.Mutex
	list   []reportline.Tenant // the list byHost and byID were made from
	byHost map[string]reportline.Tenant
	byID   map[reportline.TenantID]reportline.Tenant
	routes map[string]reportline.TenantID // credential hash → tenant
}

// snapshot returns the tenants by host and by id. The maps are made again
// only when the source returns another list than last time (a cached list
// is the same slice until its next read).
func (rs *resolver) snapshot(ctx context.Context) (map[string]reportline.Tenant, map[reportline.TenantID]reportline.Tenant, error) {
	ts, err := rs.src.Tenants(ctx)
	if err != nil {
		return nil, nil, err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byID == nil || !sameList(ts, rs.list) {
		rs.list, rs.byHost, rs.byID = ts, map[string]reportline.Tenant{}, map[reportline.TenantID]reportline.Tenant{}
		for _, t := range ts {
			rs.byID[t.ID] = t
			if t.Host != "" {
				rs.byHost[t.Host] = t
			}
		}
	}
	return rs.byHost, rs.byID, nil
}

// sameList reports whether a and b are the same slice (not merely equal).
func sameList(a, b []reportline.Tenant) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// route returns the tenant of a credential. A route never changes tenant
// (the hash of a random secret), so a found one is kept; a route whose
// credential is gone later costs nothing: the look-up in its tenant then
// finds no credential.
func (rs *resolver) route(ctx context.Context, secret string) (reportline.TenantID, bool, error) {
	hash := app.CredentialHash(secret)
	rs.mu.Lock()
	id, ok := rs.routes[string(hash)]
	rs.mu.Unlock()
	if ok {
		return id, true, nil
	}
	id, ok, err := rs.src.CredentialTenant(ctx, hash)
	if err != nil || !ok {
		return 0, false, err
	}
	rs.mu.Lock()
	if rs.routes == nil || len(rs.routes) >= routeCacheMax {
		rs.routes = map[string]reportline.TenantID{}
	}
	rs.routes[string(hash)] = id
	rs.mu.Unlock()
	return id, true, nil
}

// requestCredential is the secret a request presents: a bearer token (an
// API or a SCIM client's token), else the session cookie.
func requestCredential(r *http.Request) string {
	if token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return strings.TrimSpace(token)
	}
	if c, err := r.Cookie(web.SessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// installationPaths answer for the installation, not for a tenant: a load
// balancer's probes and the scraper reach them by address.
var installationPaths = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// resolveTenant puts the request's tenant on its context
// (reportline.WithTenant) before anything authenticates it. The tenant is,
// the first that applies:
//
//   - the tenant whose host is the request's Host (lower-cased, port
//     stripped; the Host header as received, X-Forwarded-Host is never
//     believed). A credential presented there is then looked up in that
//     tenant alone: another tenant's token is an unknown token (401) and
//     its session cookie signs nobody in, exactly as a made-up one;
//   - else, on the host of the public URL (REPORTLINE_PUBLIC_URL), the
//     implicit tenant: the environment's settings are its own, and so an
//     installation that had one tenant keeps answering on its address once
//     the operator adds a second;
//   - else the tenant of the credential presented (credential_routes);
//   - else the implicit tenant, only when the installation has one tenant.
//
// This is the design's order (credential, then host) with the same
// answers: a credential decides only where the host names no tenant, and
// where it does, a credential of another tenant is refused as unknown. It
// also reads a route only when the host does not decide.
//
// No tenant: 404 with nothing about other tenants. A suspended tenant: 503.
// Without a source every request is the implicit tenant's.
func resolveTenant(src Tenants, public *url.URL, log *slog.Logger, next http.Handler) http.Handler {
	if src == nil {
		return next
	}
	rs := &resolver{src: src}
	if public != nil {
		rs.publicHost = reportline.NormalizeHost(public.Host)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if installationPaths[r.URL.Path] {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		byHost, byID, err := rs.snapshot(ctx)
		if err != nil {
			log.Error("resolve tenant", "request_id", web.RequestID(ctx), "err", err)
			http.Error(w, "service unavailable", http.StatusServiceUnavailable)
			return
		}
		host := reportline.NormalizeHost(r.Host)
		t, found := byHost[host]
		if !found && host != "" && host == rs.publicHost {
			t, found = byID[reportline.ImplicitTenant]
		}
		if !found {
			if secret := requestCredential(r); secret != "" {
				id, ok, err := rs.route(ctx, secret)
				if err != nil {
					log.Error("resolve tenant", "request_id", web.RequestID(ctx), "err", err)
					http.Error(w, "service unavailable", http.StatusServiceUnavailable)
					return
				}
				t, found = byID[id]
				found = found && ok
			}
		}
		if !found && len(byID) == 1 {
			for _, only := range byID {
				t, found = only, true
			}
		}
		if !found {
			http.Error(w, "404 page not found", http.StatusNotFound)
			return
		}
		if t.Suspended {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "this organisation's service is suspended", http.StatusServiceUnavailable)
			return
		}
		next.ServeHTTP(w, r.WithContext(reportline.WithTenant(ctx, t.ID)))
	})
}
