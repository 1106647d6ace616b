package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// The headers of a delivery.
const (
	HeaderID        = "Webhook-Id"        // the CloudEvents id: the same on every retry
	HeaderTimestamp = "Webhook-Timestamp" // Unix seconds of this attempt
	HeaderSignature = "Webhook-Signature" // "v1=" + hex HMAC-SHA256(secret, timestamp + "." + body)
)

// Sign returns the signature header of body sent at ts with secret.
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// ErrSignature is what Verify returns for a delivery that is not genuine.
var ErrSignature = errors.New("webhook signature does not match")

// Verify checks a delivery as a receiver must: the signature (one of the
// comma-separated v1= values) over the timestamp and the body, and the
// timestamp within tolerance of now, so that a captured delivery cannot
// be replayed later. docs/webhooks.md gives the same code to copy.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return errors.New("webhook timestamp too far from now")
	}
	want := []byte(Sign(secret, ts, body))
	for _, s := range strings.Split(signature, ",") {
		if hmac.Equal([]byte(strings.TrimSpace(s)), want) {
			return nil
		}
	}
	return ErrSignature
}
