package usecase

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// NewSecret returns a random secret with a recognisable prefix (so leaked
// tokens can be found by scanners) and its SHA-256 hash, which is all that
// is stored.
func NewSecret(prefix string) (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails on Linux; see crypto/rand
	s := prefix + base64.RawURLEncoding.EncodeToString(b)
	return s, HashSecret(s)
}

// HashSecret is the SHA-256 of a secret, as stored.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
