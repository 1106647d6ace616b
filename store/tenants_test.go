package store_test

import (
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
	"reportline/store/storetest"
)

// TestConformanceTwoTenants runs the conformance suite in a second tenant
// of a database whose implicit tenant holds identical data.
func TestConformanceTwoTenants(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		storetest.RunTwoTenants(t, func(t *testing.T) *store.DB { return testapp.OpenDB(t, engine) })
	})
}
