package store_test

import (
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
	"reportline/store/storetest"
)

func TestMain(m *testing.M) { testapp.Main(m) }

func TestConformance(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		storetest.Run(t, func(t *testing.T) *store.DB { return testapp.OpenDB(t, engine) })
	})
}
