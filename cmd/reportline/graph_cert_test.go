package main

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"reportline/internal/graphtest"
	"reportline/internal/testapp"
	"reportline/store"
)

// An app registration with a certificate instead of a secret:
// REPORTLINE_GRAPH_CERTIFICATE_FILE holds the certificate and its key, and
// the sync signs in with it.
func TestSyncGraphWithCertificate(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "reportline"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), "graph.pem")
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	if err := os.WriteFile(file, pemData, 0o600); err != nil {
		t.Fatal(err)
	}
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		srv := graphtest.New(t)
		srv.Certificate = cert
		srv.Put(graphtest.User{ID: graphtest.ID(1), Mail: "boss@contoso.com", UserPrincipalName: "boss@contoso.com", GivenName: "Adele", AccountEnabled: true})
		env := map[string]string{
			"REPORTLINE_GRAPH_TENANT": srv.Tenant, "REPORTLINE_GRAPH_CLIENT_ID": srv.ClientID, "REPORTLINE_GRAPH_CERTIFICATE_FILE": file,
			"REPORTLINE_GRAPH_AUTHORITY_URL": srv.URL, "REPORTLINE_GRAPH_API_URL": srv.URL,
		}
		var out, errOut strings.Builder
		err := run(context.Background(), append([]string{"sync", "graph"}, storageArgs(t, engine)...), func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
		if err != nil || !strings.Contains(out.String(), "1 created") {
			t.Fatalf("sync with a certificate: %v\n%s%s", err, out.String(), errOut.String())
		}
		if strings.Contains(out.String()+errOut.String(), "PRIVATE KEY") {
			t.Errorf("the key was printed")
		}
	})
}
