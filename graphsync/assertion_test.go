package graphsync_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"reportline/graphsync"
)

// certificatePEM makes a self-signed certificate and its key, as
// `openssl req -x509 -newkey rsa:2048` writes them, concatenated.
func certificatePEM(t *testing.T) (*x509.Certificate, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "reportline graph sync"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return cert, append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
}

// A registration with a certificate: each token request carries a fresh,
// signed client assertion and no secret, and the sync reads the directory.
func TestCertificateCredential(t *testing.T) {
	t.Parallel()
	cert, pemData := certificatePEM(t)
	cred, err := graphsync.LoadCertificate(pemData)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *graphsync.Config) { c.ClientSecret, c.Certificate = "", cred })
	h.srv.Certificate = cert
	h.org()
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatalf("fetch with a certificate credential: %v", err)
	}
	// A second token (the first revoked) carries a new assertion: the
	// identity platform refuses one it has seen.
	h.srv.RevokeTokens()
	if _, err := h.client.Fetch(t.Context(), ""); err != nil {
		t.Fatalf("fetch after the token was revoked: %v", err)
	}
	tokenPath := "/" + h.srv.Tenant + "/oauth2/v2.0/token"
	if n := h.srv.Count(tokenPath); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
	for _, r := range h.srv.Requests() {
		if r.Path == tokenPath && (r.Form.Has("client_secret") || r.Form.Get("client_assertion") == "") {
			t.Errorf("token request fields %v: want a client assertion and no secret", keys(r.Form))
		}
	}
}

// A certificate the registration does not know is refused with words an
// operator can act on, and the key never appears.
func TestCertificateNotRegisteredIsRefused(t *testing.T) {
	t.Parallel()
	registered, _ := certificatePEM(t)
	_, otherPEM := certificatePEM(t)
	cred, err := graphsync.LoadCertificate(otherPEM)
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *graphsync.Config) { c.ClientSecret, c.Certificate = "", cred })
	h.srv.Certificate = registered
	_, err = h.client.Fetch(t.Context(), "")
	if err == nil || !strings.Contains(err.Error(), "certificate not uploaded to the app registration") || !strings.Contains(err.Error(), "AADSTS700027") {
		t.Fatalf("err = %v, want invalid_client naming the certificate and AADSTS700027", err)
	}
	if strings.Contains(err.Error()+h.logs.String(), "PRIVATE KEY") {
		t.Errorf("the key reached an error or a log")
	}
}

func TestLoadCertificateRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	_, good := certificatePEM(t)
	certOnly := good[strings.Index(string(good), "-----BEGIN CERTIFICATE"):]
	for name, data := range map[string][]byte{"empty": nil, "certificate without its key": certOnly, "not PEM": []byte("s3cret")} {
		if _, err := graphsync.LoadCertificate(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := graphsync.New(graphsync.Config{Tenant: "t", ClientID: "c", ClientSecret: "s", Certificate: &graphsync.Certificate{}}); err == nil {
		t.Errorf("New accepted both a secret and a certificate")
	}
}

func keys(v map[string][]string) []string {
	var out []string
	for k := range v {
		out = append(out, k)
	}
	return out
}
