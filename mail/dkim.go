package mail

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/emersion/go-msgauth/dkim"
)

// DKIM signs outgoing messages (RFC 6376) with github.com/emersion/go-msgauth
// when a key is configured: the relay's domain then vouches for the From
// address, which large mailbox providers ask of bulk senders.
type DKIM struct {
	Domain   string        // d=, the signing domain (the From address's)
	Selector string        // s=, the DNS selector: the key is at SELECTOR._domainkey.DOMAIN
	Signer   crypto.Signer // an RSA or Ed25519 private key
}

// ParseDKIMKey reads a PEM private key (PKCS #8, or PKCS #1 for RSA).
func ParseDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, errors.New("dkim key: no PEM block")
	}
	if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("dkim key: not a signing key")
	}
	k, err := x509.ParsePKCS1PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w", err)
	}
	return k, nil
}

// signedHeaders are the header fields the signature covers.
var signedHeaders = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
	"List-Unsubscribe", "List-Unsubscribe-Post"}

// Sign returns raw, a whole RFC 5322 message, with a DKIM-Signature field
// added on top.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	var b bytes.Buffer
	err := dkim.Sign(&b, bytes.NewReader(raw), &dkim.SignOptions{Domain: d.Domain, Selector: d.Selector, Signer: d.Signer,
		HeaderKeys: signedHeaders})
	if err != nil {
		return nil, fmt.Errorf("dkim sign: %w", err)
	}
	return b.Bytes(), nil
}
