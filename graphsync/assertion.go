package graphsync

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" // the identity platform's "x5t" names a certificate by its SHA-1 thumbprint
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// A certificate credential: instead of a client secret, the token request
// carries a short-lived JWT signed with the private key of a certificate
// uploaded to the app registration (RFC 7523, as the identity platform
// documents it). Nothing secret crosses the network, and an organisation
// whose policy forbids client secrets can use it.

// jwtBearer is the client_assertion_type of a JWT client assertion.
const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime bounds how long a signed assertion is accepted.
const assertionLifetime = 10 * time.Minute

// Certificate is a certificate credential: the certificate uploaded to the
// app registration and its RSA private key.
type Certificate struct {
	Cert *x509.Certificate
	Key  *rsa.PrivateKey
}

// LoadCertificate reads a certificate credential from PEM data holding the
// certificate and its RSA private key (the two files openssl writes,
// concatenated).
func LoadCertificate(pemData []byte) (*Certificate, error) {
	pair, err := tls.X509KeyPair(pemData, pemData)
	if err != nil {
		return nil, fmt.Errorf("graph certificate: want a PEM certificate and its private key in one file: %w", err)
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("graph certificate: the private key is not RSA (the identity platform signs client assertions with RS256)")
	}
	cert, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("graph certificate: %w", err)
	}
	return &Certificate{Cert: cert, Key: key}, nil
}

// assertion signs a client assertion for the token endpoint at now.
func (c *Certificate) assertion(clientID, tokenURL string, now time.Time) (string, error) {
	sha1sum, sha256sum := sha1.Sum(c.Cert.Raw), sha256.Sum256(c.Cert.Raw)
	header := map[string]string{"alg": "RS256", "typ": "JWT",
		"x5t": b64(sha1sum[:]), "x5t#S256": b64(sha256sum[:])}
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	claims := map[string]any{"aud": tokenURL, "iss": clientID, "sub": clientID, "jti": b64(id),
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(assertionLifetime).Unix()}
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	cl, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signed := b64(h) + "." + b64(cl)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.Key, crypto.SHA256, digest[:])
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return signed + "." + b64(sig), nil
}

// assertionParams are the token request's fields for a client assertion.
func (c *Certificate) assertionParams(clientID, tokenURL string, now time.Time) (url.Values, error) {
	a, err := c.assertion(clientID, tokenURL, now)
	if err != nil {
		return nil, err
	}
	return url.Values{"client_assertion_type": {jwtBearer}, "client_assertion": {a}}, nil
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
