package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline/webhook"
)

// snippet:begin
// VerifyReportline checks a Reportline webhook delivery: the signature over
// the timestamp and the raw body, and the timestamp's age (replays).
func VerifyReportline(secret string, h http.Header, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(h.Get("Webhook-Timestamp"), 10, 64)
	if err != nil {
		return errors.New("no timestamp")
	}
	if age := now.Sub(time.Unix(ts, 0)); age > 5*time.Minute || age < -5*time.Minute {
		return errors.New("timestamp too old or in the future")
	}
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	want := "v1=" + hex.EncodeToString(mac.Sum(nil))
	for _, sig := range strings.Split(h.Get("Webhook-Signature"), ",") {
		if hmac.Equal([]byte(strings.TrimSpace(sig)), []byte(want)) {
			return nil
		}
	}
	return errors.New("signature does not match")
}

// snippet:end

// TestSnippetIsTheDocs keeps the verification code in docs/webhooks.md
// the code this file tests.
func TestSnippetIsTheDocs(t *testing.T) {
	src, err := os.ReadFile("snippet_test.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(src)
	code := s[strings.Index(s, "// snippet:begin\n")+len("// snippet:begin\n") : strings.Index(s, "// snippet:end")]
	if !strings.Contains(string(doc), code) {
		t.Fatalf("docs/webhooks.md does not carry the verification snippet as tested here:\n%s", code)
	}
}

func TestSnippetRejectsTampering(t *testing.T) {
	secret, body := "whsec_test", []byte(`{"specversion":"1.0","id":"x","type":"com.reportline.link.created"}`)
	now := time.Unix(1_800_000_000, 0)
	h := http.Header{}
	h.Set("Webhook-Timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("Webhook-Signature", webhook.Sign(secret, now.Unix(), body))
	if err := VerifyReportline(secret, h, body, now); err != nil {
		t.Fatalf("a genuine delivery was refused: %v", err)
	}
	if err := webhook.Verify(secret, h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature"), body, now, 5*time.Minute); err != nil {
		t.Fatalf("the package's Verify refused a genuine delivery: %v", err)
	}
	tamper := func(name string, sec string, hh http.Header, b []byte, at time.Time) {
		t.Helper()
		if err := VerifyReportline(sec, hh, b, at); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if err := webhook.Verify(sec, hh.Get("Webhook-Timestamp"), hh.Get("Webhook-Signature"), b, at, 5*time.Minute); err == nil {
			t.Errorf("%s: accepted by webhook.Verify", name)
		}
	}
	changed := []byte(strings.Replace(string(body), "created", "ended", 1))
	tamper("a changed body", secret, h, changed, now)
	tamper("another secret", "whsec_other", h, body, now)
	forged := h.Clone()
	sig := []byte(h.Get("Webhook-Signature"))
	sig[len(sig)-1] ^= 1
	forged.Set("Webhook-Signature", string(sig))
	tamper("a flipped signature bit", secret, forged, body, now)
	moved := h.Clone()
	moved.Set("Webhook-Timestamp", strconv.FormatInt(now.Unix()+1, 10))
	tamper("a changed timestamp", secret, moved, body, now)
	tamper("a replay an hour later", secret, h, body, now.Add(time.Hour))
}
