package web

import (
	"net/http"
	"time"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "reportline_session"

// SetSessionCookie stores a session secret in an HttpOnly, SameSite=Lax
// cookie, Secure whenever the client reached the service over https
// (directly, or through a proxy behind an https public URL).
func SetSessionCookie(w http.ResponseWriter, r *http.Request, secret string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: secret, Path: "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: Secure(r),
	})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: Secure(r),
	})
}
