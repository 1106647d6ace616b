package graphtest

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// checkAssertion verifies a client assertion as the identity platform does
// (its documented checks): RS256 signed by the registered certificate,
// named by its thumbprint, for this token endpoint, issued by and about
// the client, within its validity, never seen before.
func (s *Server) checkAssertion(cert *x509.Certificate, assertion, tokenURL string) string {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "AADSTS50027: JWT token is invalid or malformed."
	}
	var header map[string]string
	var claims struct {
		Aud, Iss, Sub, Jti string
		Nbf, Exp           int64
	}
	h, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	c, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if errors.Join(err1, err2, err3) != nil || json.Unmarshal(h, &header) != nil || json.Unmarshal(c, &claims) != nil {
		return "AADSTS50027: JWT token is invalid or malformed."
	}
	thumb := sha256.Sum256(cert.Raw)
	if header["alg"] != "RS256" || header["x5t#S256"] != base64.RawURLEncoding.EncodeToString(thumb[:]) {
		return "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application."
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok || rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], sig) != nil {
		return "AADSTS700027: Client assertion contains an invalid signature."
	}
	now := time.Now().Unix()
	switch {
	case claims.Aud != tokenURL:
		return "AADSTS700024: Client assertion audience claim does not match Realm issuer."
	case claims.Iss != s.ClientID || claims.Sub != s.ClientID:
		return "AADSTS700023: Client assertion contains an invalid issuer or subject."
	case claims.Exp <= now || claims.Nbf > now+300 || claims.Exp-claims.Nbf > 3600:
		return "AADSTS700024: Client assertion is not within its valid time range."
	case claims.Jti == "":
		return "AADSTS700025: Client assertion has no jti claim."
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jtis[claims.Jti] {
		return "AADSTS700025: The client assertion was already used."
	}
	s.jtis[claims.Jti] = true
	return ""
}
