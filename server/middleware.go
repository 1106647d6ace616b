package server

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// requestID gives every request an id, echoed in X-Request-Id and in every
// log line about the request.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := make([]byte, 8)
		rand.Read(b)
		id := hex.EncodeToString(b)
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(web.WithRequestID(r.Context(), id)))
	})
}

// recoverPanics turns a panic into a 500 and a log line, so one bad request
// cannot take the service down.
func recoverPanics(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				log.Error("panic", "request_id", web.RequestID(r.Context()), "panic", p)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	// routed and pattern: the mux's route for this request, noted by
	// notePattern when the request reached the mux.
	routed  bool
	pattern string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach Flush on the real writer, so
// streamed responses stream.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog writes one line per request. It logs the path, never the query
// string or headers, so tokens and search terms stay out of the logs.
func accessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		level := slog.LevelInfo
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" || r.URL.Path == "/metrics" {
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		// Typed attributes: no value is boxed into an interface.
		log.LogAttrs(r.Context(), level, "request", slog.String("request_id", web.RequestID(r.Context())),
			slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes), slog.Duration("duration", time.Since(start).Round(time.Microsecond)),
			slog.String("client", web.ClientIP(r).String()))
	})
}

// contentSecurityPolicy allows only the service's own scripts, styles,
// images and forms: no inline code, no third party, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// The security headers' values, made once: each response's header map
// points at these slices instead of allocating its own (the keys are
// already canonical, so no Header.Set is needed). Nothing writes into a
// header value in place; Header.Add appends to a full slice, which copies.
var (
	cspValue          = []string{contentSecurityPolicy}
	nosniffValue      = []string{"nosniff"}
	sameOriginValue   = []string{"same-origin"}
	denyValue         = []string{"DENY"}
	transportSecurity = []string{"max-age=31536000"}
)

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Security-Policy"] = cspValue
		h["X-Content-Type-Options"] = nosniffValue
		h["Referrer-Policy"] = sameOriginValue
		h["X-Frame-Options"] = denyValue
		h["Cross-Origin-Opener-Policy"] = sameOriginValue
		if web.Secure(r) {
			h["Strict-Transport-Security"] = transportSecurity
		}
		next.ServeHTTP(w, r)
	})
}

// crossOrigin refuses state-changing browser requests from other origins
// (CSRF), using the browser's Sec-Fetch-Site and Origin headers. API
// clients that send neither header, such as curl or an HRIS, pass.
func crossOrigin(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	// A SAML identity provider posts its signed response to us from its own
	// site: the response's signature and the request it answers protect
	// that route, not the origin.
	cop.AddInsecureBypassPattern("POST /sso/saml/{name}/acs")
	// So does its single logout (signed LogoutRequests and LogoutResponses).
	cop.AddInsecureBypassPattern("POST /sso/saml/{name}/slo")
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
	}))
	return cop.Handler(next)
}

// authenticate identifies the caller from a bearer token (API clients) or
// the session cookie (browsers) and puts the user in the request context.
// A wrong token is refused at once; a stale cookie is dropped and the
// request goes on anonymously, so the page can ask to sign in.
func authenticate(a *app.App, log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if strings.HasPrefix(r.URL.Path, "/scim/") {
			// SCIM clients have tokens of their own, checked by the SCIM
			// endpoint; API tokens and sessions grant nothing there.
			next.ServeHTTP(w, r)
			return
		}
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				web.WriteJSONError(w, r, log, reportline.Errorf(reportline.Unauthenticated, "the Authorization header must be \"Bearer TOKEN\""))
				return
			}
			u, err := a.TokenUser(ctx, strings.TrimSpace(token))
			if err != nil {
				web.WriteJSONError(w, r, log, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(web.WithUser(ctx, u)))
			return
		}
		if c, err := r.Cookie(web.SessionCookie); err == nil && c.Value != "" {
			u, err := a.SessionUser(ctx, c.Value)
			if err != nil {
				if !reportline.IsCode(err, reportline.Unauthenticated) {
					log.Error("session lookup", "request_id", web.RequestID(ctx), "err", err)
				}
				web.ClearSessionCookie(w, r)
			} else {
				ctx = web.WithSession(web.WithUser(ctx, u), c.Value)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
