package app

import (
	"context"
	"time"

	"reportline"
)

// authTx is the storage of sign-in: the throttle counters every replica
// shares, the API token lifecycle, sessions per user and password resets.
// (Passwords, token creation and single sessions are in Tx itself.)
type authTx interface {
	// TakeAttempt counts one attempt against key at now unless the key is
	// blocked then (ok false, and when the block ends). A key whose last
	// attempt is older than forgetBefore starts again from zero. Concurrent
	// callers on one key each see a distinct count.
	TakeAttempt(ctx context.Context, key string, now, forgetBefore time.Time) (n int, blockedUntil time.Time, ok bool, err error)
	// BlockAttempts refuses attempts on key until the given time.
	BlockAttempts(ctx context.Context, key string, until time.Time) error
	// ClearAttempts forgets key.
	ClearAttempts(ctx context.Context, key string) error
	// ForgiveAttempt takes back one attempt counted against key.
	ForgiveAttempt(ctx context.Context, key string) error
	// DeleteStaleAttempts forgets keys idle since before and not blocked at now.
	DeleteStaleAttempts(ctx context.Context, before, now time.Time) error

	// Token returns a token by id; NotFound when there is none.
	Token(ctx context.Context, id int64) (reportline.APIToken, error)
	// Tokens returns a user's tokens (everybody's for user 0), newest first.
	Tokens(ctx context.Context, user reportline.UserID) ([]reportline.APIToken, error)
	// RevokeToken marks a token revoked (the first time counts).
	RevokeToken(ctx context.Context, id int64, at time.Time) error
	// RevokeUserTokens revokes every live token of a user.
	RevokeUserTokens(ctx context.Context, user reportline.UserID, at time.Time) (int, error)
	// DeleteUserSessions ends a user's sessions except the one hashed keep.
	DeleteUserSessions(ctx context.Context, user reportline.UserID, keep []byte) (int, error)

	// CreatePasswordReset stores a reset (its hash).
	CreatePasswordReset(ctx context.Context, r reportline.PasswordReset) error
	// PasswordReset returns a reset by hash; NotFound when there is none.
	PasswordReset(ctx context.Context, hash []byte) (reportline.PasswordReset, error)
	// UsePasswordReset marks a live, unused reset used; false when it was not.
	UsePasswordReset(ctx context.Context, hash []byte, at time.Time) (bool, error)
	// DeletePasswordResets voids a user's unused resets and every expired one.
	DeletePasswordResets(ctx context.Context, user reportline.UserID, t time.Time) error
}
