package sso

import "testing"

// TestNoSHA1Signature: a SHA-1 digest under a SHA-256 signature (which
// goxmldsig would verify) is refused like an RSA-SHA1 signature; the
// SHA-1 mask digest of an encrypted assertion's RSA-OAEP key transport,
// outside any signature, is not.
func TestNoSHA1Signature(t *testing.T) {
	t.Parallel()
	const ds = `xmlns:ds="http://www.w3.org/2000/09/xmldsig#"`
	for _, tc := range []struct {
		name, xml string
		refused   bool
	}{
		{"SHA-1 digest, SHA-256 signature", `<r ` + ds + `><a><ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
			`<ds:Reference><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></ds:Reference></ds:SignedInfo></ds:Signature></a></r>`, true},
		{"RSA-SHA1 signature", `<r><Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>` +
			`<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/></SignedInfo></Signature></r>`, true},
		{"SHA-256 throughout", `<r ` + ds + `><ds:Signature><ds:SignedInfo><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>` +
			`<ds:Reference><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/></ds:Reference></ds:SignedInfo></ds:Signature></r>`, false},
		{"OAEP key transport digest", `<r><EncryptedKey><EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p">` +
			`<ds:DigestMethod ` + ds + ` Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></EncryptionMethod></EncryptedKey></r>`, false},
	} {
		if got := noSHA1Signature([]byte(tc.xml)) != nil; got != tc.refused {
			t.Errorf("%s: refused = %v, want %v", tc.name, got, tc.refused)
		}
	}
}
