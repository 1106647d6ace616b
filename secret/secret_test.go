package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"reportline/secret"
)

func key(b byte) string { return base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{b}, 32)) }

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func mustRing(t *testing.T, m map[string]string) *secret.Keyring {
	t.Helper()
	k, err := secret.FromEnv(env(m))
	if err != nil {
		t.Fatalf("FromEnv: %v", err)
	}
	return k
}

func TestSealOpen(t *testing.T) {
	k := mustRing(t, map[string]string{secret.EnvKey: key(1)})
	b := secret.Binding{Tenant: 7, Name: "sso.oidc.client_secret"}
	s, err := k.Seal("hunter2", b)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(s.Box, []byte("hunter2")) {
		t.Fatal("the sealed box holds the secret in the clear")
	}
	again, _ := k.Seal("hunter2", b)
	if bytes.Equal(s.Box, again.Box) {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	got, err := k.Open(s, b)
	if err != nil || got.Reveal() != "hunter2" {
		t.Fatalf("Open = %q, %v; want hunter2", got.Reveal(), err)
	}
	for name, other := range map[string]secret.Binding{
		"another tenant":                   {Tenant: 8, Name: b.Name},
		"another setting":                  {Tenant: 7, Name: "smtp.password"},
		"a name that shifts the separator": {Tenant: 70, Name: "sso.oidc.client_secret"},
	} {
		if _, err := k.Open(s, other); !errors.Is(err, secret.ErrNotOpened) {
			t.Errorf("%s: Open = %v, want ErrNotOpened", name, err)
		}
	}
	tampered := secret.Sealed{KeyID: s.KeyID, Box: append([]byte(nil), s.Box...)}
	tampered.Box[len(tampered.Box)-1] ^= 1
	if _, err := k.Open(tampered, b); !errors.Is(err, secret.ErrNotOpened) {
		t.Errorf("tampered: Open = %v, want ErrNotOpened", err)
	}
}

func TestRotation(t *testing.T) {
	old := mustRing(t, map[string]string{secret.EnvKey: "2026:" + key(1)})
	b := secret.Binding{Tenant: 2, Name: "x"}
	s, err := old.Seal("v", b)
	if err != nil || s.KeyID != "2026" {
		t.Fatalf("Seal = %+v, %v; want key id 2026", s, err)
	}
	rotated := mustRing(t, map[string]string{secret.EnvKey: "2027:" + key(2), secret.EnvOldKeys: "2026:" + key(1)})
	if got, err := rotated.Open(s, b); err != nil || got.Reveal() != "v" {
		t.Fatalf("after rotation Open = %q, %v", got.Reveal(), err)
	}
	if rotated.CurrentID() != "2027" {
		t.Errorf("CurrentID = %q, want 2027", rotated.CurrentID())
	}
	if s2, _ := rotated.Seal("v", b); s2.KeyID != "2027" {
		t.Errorf("new seals use %q, want 2027", s2.KeyID)
	}
	dropped := mustRing(t, map[string]string{secret.EnvKey: "2027:" + key(2)})
	_, err = dropped.Open(s, b)
	if err == nil || !strings.Contains(err.Error(), `"2026"`) || !strings.Contains(err.Error(), secret.EnvOldKeys) {
		t.Errorf("old key dropped: Open = %v, want an error naming key 2026 and %s", err, secret.EnvOldKeys)
	}
	// A key without an id is named by its fingerprint, the same each time.
	a, b2 := mustRing(t, map[string]string{secret.EnvKey: key(3)}), mustRing(t, map[string]string{secret.EnvKey: key(3)})
	if a.CurrentID() == "" || a.CurrentID() != b2.CurrentID() || strings.Contains(a.CurrentID(), key(3)[:8]) {
		t.Errorf("fingerprint ids %q, %q", a.CurrentID(), b2.CurrentID())
	}
}

func TestFromEnv(t *testing.T) {
	none := mustRing(t, nil)
	if none.Configured() {
		t.Error("no variable: Configured")
	}
	if _, err := none.Seal("x", secret.Binding{}); !errors.Is(err, secret.ErrNoKey) || !strings.Contains(err.Error(), secret.EnvKey) {
		t.Errorf("Seal without a key = %v, want ErrNoKey naming %s", err, secret.EnvKey)
	}
	for _, c := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"short key", map[string]string{secret.EnvKey: base64.StdEncoding.EncodeToString([]byte("short"))}, "5 bytes, want 32"},
		{"not base64", map[string]string{secret.EnvKey: "!!!"}, "base64"},
		{"bad id", map[string]string{secret.EnvKey: "a b:" + key(1)}, "key id"},
		{"old keys alone", map[string]string{secret.EnvOldKeys: key(1)}, secret.EnvKey + " is not"},
		{"duplicate id", map[string]string{secret.EnvKey: "a:" + key(1), secret.EnvOldKeys: "a:" + key(2)}, "used twice"},
		{"bad old key", map[string]string{secret.EnvKey: key(1), secret.EnvOldKeys: key(2) + ",zz"}, "key 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := secret.FromEnv(env(c.env))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("FromEnv = %v, want an error with %q", err, c.want)
			}
			for _, v := range c.env {
				if len(v) > 20 && strings.Contains(err.Error(), v) {
					t.Errorf("the error repeats the key: %v", err)
				}
			}
		})
	}
}

// TestValueHidden: a secret in a struct does not leak through fmt, slog or
// JSON.
func TestValueHidden(t *testing.T) {
	v := secret.Value("hunter2")
	s := struct{ Secret secret.Value }{v}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("x", "secret", v, "struct", s)
	j, _ := json.Marshal(s)
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", s), "%+v": fmt.Sprintf("%+v", s), "%#v": fmt.Sprintf("%#v", s),
		"%s": fmt.Sprintf("<%s>", v), "%q": fmt.Sprintf("%q", v), "slog": buf.String(), "json": string(j),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s shows the secret: %s", name, out)
		}
	}
}

// FuzzOpen: whatever is stored, Open never panics and never opens a box
// that is not exactly the one sealed for the binding.
func FuzzOpen(f *testing.F) {
	k, err := secret.FromEnv(env(map[string]string{secret.EnvKey: "cur:" + key(1), secret.EnvOldKeys: "old:" + key(2)}))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := k.Seal("the secret", secret.Binding{Tenant: 1, Name: "n"})
	f.Add("cur", good.Box, int64(1), "n")
	f.Add("old", good.Box, int64(1), "n")
	f.Add("cur", []byte{}, int64(0), "")
	f.Add("nope", good.Box[:12], int64(-1), "n\x00")
	f.Fuzz(func(t *testing.T, id string, box []byte, tenant int64, name string) {
		v, err := k.Open(secret.Sealed{KeyID: id, Box: box}, secret.Binding{Tenant: tenant, Name: name})
		if err != nil {
			return
		}
		// Each fuzzing process seals its own box (a fresh nonce), so the
		// check is on what opened: only "the secret", for (1, "n"), under cur.
		if id != good.KeyID || tenant != 1 || name != "n" || v.Reveal() != "the secret" {
			t.Fatalf("opened %q from key %q box %x for (%d, %q)", v.Reveal(), id, box, tenant, name)
		}
	})
}
