// Package secret seals the secrets tenants configure (an SSO client
// secret, later a directory's password) before they are stored, and opens
// them when they are used: AES-256-GCM under a key from the environment
// (REPORTLINE_SECRET_KEY), the key's id stored beside each sealed value so
// the key can rotate (old keys stay readable from REPORTLINE_SECRET_KEYS),
// and associated data binding each value to its tenant and setting name,
// so a sealed value copied to another tenant or another setting does not
// open. docs/security.md, "Secrets at rest".
//
// Standard library only: the cryptography is crypto/aes and crypto/cipher.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
)

// The environment variables a Keyring is read from.
const (
	// EnvKey holds the current key: 32 bytes in standard base64, optionally
	// preceded by an id and a colon ("2027-01:BASE64").
	EnvKey = "REPORTLINE_SECRET_KEY"
	// EnvOldKeys holds the previous keys, comma-separated, in the same
	// form: values sealed under them still open, new ones are sealed under
	// the current key.
	EnvOldKeys = "REPORTLINE_SECRET_KEYS"
)

// ErrNoKey is returned by Seal and Open on a Keyring without a key.
var ErrNoKey = errors.New("no secret key is configured: set " + EnvKey + " to 32 random bytes in base64 (openssl rand -base64 32)")

// ErrNotOpened is returned when a sealed value does not open: wrong key,
// another tenant or setting, or altered bytes. It says no more, on purpose.
var ErrNotOpened = errors.New("the sealed secret does not open with this key for this tenant and setting")

// Sealed is a secret as stored: the id of the key it was sealed under and
// the nonce followed by the ciphertext and its tag.
type Sealed struct {
	KeyID string
	Box   []byte
}

// Binding is what a sealed value belongs to: it is the associated data of
// the seal, not encrypted but checked.
type Binding struct {
	Tenant int64
	Name   string // the setting's name, such as "sso.oidc.client_secret"
}

func (b Binding) associatedData() []byte {
	return []byte("reportline secret v1\x00" + strconv.FormatInt(b.Tenant, 10) + "\x00" + b.Name)
}

// Keyring holds the current key and the old ones, by id. The zero value
// (and nil) has no key: Seal and Open return ErrNoKey.
type Keyring struct {
	current string
	keys    map[string]cipher.AEAD
}

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

var keyID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// FromEnv reads the keyring from the environment. Neither variable set is
// not an error: the keyring then has no key (Configured is false), and
// storing a secret is refused with ErrNoKey. Old keys without a current
// one are refused: nothing could be sealed again.
func FromEnv(getenv func(string) string) (*Keyring, error) {
	cur := strings.TrimSpace(getenv(EnvKey))
	old := strings.TrimSpace(getenv(EnvOldKeys))
	k := &Keyring{keys: map[string]cipher.AEAD{}}
	if cur == "" {
		if old != "" {
			return nil, fmt.Errorf("%s is set but %s is not: the current key seals new values", EnvOldKeys, EnvKey)
		}
		return k, nil
	}
	id, aead, err := parseKey(cur)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvKey, err)
	}
	k.current, k.keys[id] = id, aead
	for i, s := range strings.Split(old, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		id, aead, err := parseKey(s)
		if err != nil {
			return nil, fmt.Errorf("%s, key %d: %w", EnvOldKeys, i+1, err)
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("%s, key %d: id %q is used twice", EnvOldKeys, i+1, id)
		}
		k.keys[id] = aead
	}
	return k, nil
}

// New returns a keyring whose current key is key, with id id ("" for the
// key's fingerprint). For tests and embedders; the binary uses FromEnv.
func New(id string, key []byte) (*Keyring, error) {
	if id == "" {
		id = fingerprint(key)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	return &Keyring{current: id, keys: map[string]cipher.AEAD{id: aead}}, nil
}

// parseKey reads "[ID:]BASE64". Standard base64 has no colon, so the two
// forms cannot be confused. A key without an id gets its fingerprint.
func parseKey(s string) (string, cipher.AEAD, error) {
	id, b64, named := strings.Cut(s, ":")
	if !named {
		id, b64 = "", s
	}
	if named && !keyID.MatchString(id) {
		return "", nil, fmt.Errorf("key id %q: want 1 to 32 letters, digits, '.', '_' or '-'", id)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("not standard base64 (openssl rand -base64 32 makes one)")
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", nil, err
	}
	if id == "" {
		id = fingerprint(key)
	}
	return id, aead, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("the key: %w", err)
	}
	return cipher.NewGCM(block)
}

// fingerprint names a key without revealing it: the first 12 hex digits of
// a SHA-256 of a label and the key.
func fingerprint(key []byte) string {
	h := sha256.Sum256(append([]byte("reportline secret key id\x00"), key...))
	return "k" + hex.EncodeToString(h[:6])
}

// Configured says whether the keyring has a key to seal with.
func (k *Keyring) Configured() bool { return k != nil && k.current != "" }

// CurrentID is the id new values are sealed under; "" without a key. A
// stored value whose KeyID differs is sealed again when next written.
func (k *Keyring) CurrentID() string {
	if k == nil {
		return ""
	}
	return k.current
}

// Seal encrypts plain for b under the current key.
func (k *Keyring) Seal(plain Value, b Binding) (Sealed, error) {
	if !k.Configured() {
		return Sealed{}, ErrNoKey
	}
	aead := k.keys[k.current]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return Sealed{}, fmt.Errorf("seal a secret: %w", err)
	}
	return Sealed{KeyID: k.current, Box: aead.Seal(nonce, nonce, []byte(plain), b.associatedData())}, nil
}

// Open decrypts s, which must have been sealed for b. A value sealed under
// a key this keyring does not hold names that key's id (so the operator
// knows which key to put back in REPORTLINE_SECRET_KEYS); any other
// failure is ErrNotOpened.
func (k *Keyring) Open(s Sealed, b Binding) (Value, error) {
	if k == nil || len(k.keys) == 0 {
		return "", ErrNoKey
	}
	aead, ok := k.keys[s.KeyID]
	if !ok {
		return "", fmt.Errorf("the secret %q was sealed under key %q, which neither %s nor %s holds", b.Name, s.KeyID, EnvKey, EnvOldKeys)
	}
	n := aead.NonceSize()
	if len(s.Box) < n+aead.Overhead() {
		return "", ErrNotOpened
	}
	plain, err := aead.Open(nil, s.Box[:n], s.Box[n:], b.associatedData())
	if err != nil {
		return "", ErrNotOpened
	}
	return Value(plain), nil
}

// Value is a secret in the clear. It prints, logs and marshals as
// "[secret]", so that a struct carrying one cannot leak it by accident;
// Reveal gives the secret to the code that uses it.
type Value string

const redacted = "[secret]"

// Reveal returns the secret itself.
func (v Value) Reveal() string { return string(v) }

// String hides the secret.
func (v Value) String() string { return redacted }

// GoString hides the secret from %#v.
func (v Value) GoString() string { return redacted }

// LogValue hides the secret from log/slog.
func (v Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText hides the secret from encoding/json and the like.
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }
