package slapdtest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"reportline/internal/slapdtest"
)

func TestStartLoadsAndSearches(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&b, "dn: uid=u%d,%s\nobjectClass: inetOrgPerson\nuid: u%d\ncn: U %d\nsn: U\nmail: u%d@example.com\n\n", i, slapdtest.People, i, i, i)
	}
	s := slapdtest.Start(t, []byte(b.String()))
	n, _, err := s.Search(context.Background(), "(objectClass=inetOrgPerson)", 500, "mail")
	if err != nil {
		t.Fatal(err)
	}
	if n != 1500 {
		t.Errorf("ldapsearch read %d entries, want 1500", n)
	}
}
