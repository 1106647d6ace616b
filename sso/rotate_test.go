package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"

	"reportline/internal/testapp"
	"reportline/sso"
	"reportline/store"
)

// rsaKey is a signing key of the rotating provider.
type rsaKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k rsaKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k rsaKey) Key() any                                    { return k.key }
func (k rsaKey) ID() string                                  { return k.id }

// rsaPublic is its published half.
type rsaPublic struct{ k rsaKey }

func (p rsaPublic) ID() string                         { return p.k.id }
func (p rsaPublic) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p rsaPublic) Use() string                        { return "sig" }
func (p rsaPublic) Key() any                           { return &p.k.key.PublicKey }

// rotating is the example provider's storage with a signing key that the
// test replaces; only the current key is published.
type rotating struct {
	*storage.Storage
	mu  sync.Mutex
	cur rsaKey
}

func newKey(t *testing.T, id string) rsaKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return rsaKey{id, k}
}

func (r *rotating) SigningKey(context.Context) (op.SigningKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cur, nil
}

func (r *rotating) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (r *rotating) KeySet(context.Context) ([]op.Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return []op.Key{rsaPublic{r.cur}}, nil
}

func (r *rotating) rotate(k rsaKey) {
	r.mu.Lock()
	r.cur = k
	r.mu.Unlock()
}

// TestOIDCFollowsKeyRotation: the provider replaces its signing key (the
// old one is no longer published); the next sign-in's token, signed by a
// key Reportline has not seen, is verified after the key set is fetched
// again.
func TestOIDCFollowsKeyRotation(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ln, base := listen(t)
		rot := &rotating{cur: newKey(t, "k1")}
		o := newOpenIDWith(t, "reportline-"+t.Name(), base+"/sso/oidc/oidc/callback", func(s *storage.Storage) exampleop.Storage {
			rot.Storage = s
			return rot
		})
		s := newSite(t, engine, ln, base, siteConfig{client: o.client(), providers: func(string) []sso.Provider {
			return []sso.Provider{{Name: "oidc", OIDC: &sso.OIDCConfig{Issuer: o.issuer, ClientID: "reportline-" + t.Name(), ClientSecret: "s3cret"}}}
		}})
		o.signIn(t, s, s.client, "ada")
		if got := s.signedInAs(s.client); got != "ada@example.com" {
			t.Fatalf("before the rotation: signed in as %q", got)
		}
		rot.rotate(newKey(t, "k2"))
		c := newBrowser(t)
		p := o.signIn(t, s, c, "ada")
		if got := s.signedInAs(c); got != "ada@example.com" {
			t.Fatalf("after the rotation: signed in as %q (%d): %.300s", got, p.status, p.body)
		}
	})
}
