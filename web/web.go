// Package web is the HTTP plumbing shared by the JSON API and the HTML
// pages: who is calling (set by the server's authentication middleware),
// how domain errors become HTTP statuses, and the request id.
package web

import (
	"context"
	"net/http"

	"reportline"
)

type ctxKey int

const (
	userKey ctxKey = iota
	requestIDKey
	sessionKey
)

// WithUser returns a context carrying the authenticated user.
func WithUser(ctx context.Context, u reportline.User) context.Context {
	return context.WithValue(ctx, userKey, u)
}

// User returns the authenticated user, if any.
func User(ctx context.Context) (reportline.User, bool) {
	u, ok := ctx.Value(userKey).(reportline.User)
	return u, ok
}

// WithSession returns a context carrying the session secret of a browser
// request (so sign-out can end it).
func WithSession(ctx context.Context, secret string) context.Context {
	return context.WithValue(ctx, sessionKey, secret)
}

// Session returns the browser session secret, if the request has one.
func Session(ctx context.Context) string {
	s, _ := ctx.Value(sessionKey).(string)
	return s
}

// WithRequestID returns a context carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id, "" outside a request.
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey).(string)
	return s
}

// Status maps an error code to its HTTP status: the one place where the
// mapping is written.
func Status(code reportline.Code) int {
	switch code {
	case reportline.Invalid:
		return http.StatusUnprocessableEntity
	case reportline.NotFound:
		return http.StatusNotFound
	case reportline.Conflict:
		return http.StatusConflict
	case reportline.Forbidden:
		return http.StatusForbidden
	case reportline.Unauthenticated:
		return http.StatusUnauthorized
	case reportline.RateLimited:
		return http.StatusTooManyRequests
	case reportline.TooLarge:
		return http.StatusRequestEntityTooLarge
	case "":
		return http.StatusOK
	default:
		return http.StatusInternalServerError
	}
}
