package mail_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"

	"reportline"
	"reportline/internal/smtptest"
	rlmail "reportline/mail"
)

// TestDKIM: with a key, every message is signed, the signature verifies
// against the published key (a DNS TXT record, here a lookup function),
// the message goes through a real relay, and a 550 to RCPT is still a
// bounce.
func TestDKIM(t *testing.T) {
	t.Parallel()
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	d := &rlmail.DKIM{Domain: "example.com", Selector: "rl", Signer: priv}
	m := reportline.OutboxMessage{Key: "weekly_digest:2026-W48:7", Type: reportline.NotifyWeeklyDigest, To: "a@example.com",
		Subject: "Week", Text: "Hello", HTML: "<p>Hello</p>", MessageID: "<x@reportline.local>", CreatedAt: time.Unix(1795000000, 0),
		ListUnsubscribe: "https://rl.example.com/unsubscribe?t=a.b"}
	raw, err := rlmail.Render(m, "reportline@example.com")
	if err != nil {
		t.Fatal(err)
	}
	signed, err := d.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(domain string) ([]string, error) {
		if domain != "rl._domainkey.example.com" {
			return nil, errors.New("no such record")
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil || len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "example.com" {
		t.Fatalf("verify: %+v, %v", vs, err)
	}
	tampered := bytes.Replace(signed, []byte("Subject: Week"), []byte("Subject: Weak"), 1)
	vs, _ = dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: lookup})
	if len(vs) != 1 || vs[0].Err == nil {
		t.Errorf("a changed subject still verifies: %+v", vs)
	}

	srv := smtptest.Start(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	s, err := rlmail.NewSMTPSender(rlmail.SMTPConfig{Host: host, Port: p, TLS: rlmail.TLSNone, From: "reportline@example.com", DKIM: d})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	m.To, m.MessageID = "reject-me@example.com", "<y@reportline.local>"
	err = s.Send(context.Background(), m)
	var b interface{ Bounced() bool }
	if !errors.As(err, &b) || !b.Bounced() {
		t.Errorf("a 550 to RCPT with DKIM on: %v, want a bounce", err)
	}
	got := srv.WaitMessages(t, 1, 5*time.Second)
	if len(got) != 1 || got[0].MessageID != "<x@reportline.local>" {
		t.Errorf("the relay got %+v", got)
	}
}
