package ldapsync

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// TestManagerDNsMatchProperly checks that a manager DN finds its entry
// however it is written: escaping (\, or \2C), spaces around separators,
// case of types and values, the order of a multi-valued RDN.
func TestManagerDNsMatchProperly(t *testing.T) {
	t.Parallel()
	entry := func(dn string, attrs map[string][]string) *ldap.Entry { return ldap.NewEntry(dn, attrs) }
	entries := []*ldap.Entry{
		entry(`cn=Doe\, Jane,ou=People,dc=example,dc=com`, map[string][]string{"entryUUID": {"jane"}, "mail": {"jane@example.com"}}),
		entry(`cn=Sam+uid=sam,ou=People,dc=example,dc=com`, map[string][]string{"entryUUID": {"sam"}, "mail": {"sam@example.com"}}),
	}
	tests := []struct {
		manager, want string
	}{
		{`cn=Doe\, Jane,ou=People,dc=example,dc=com`, "jane"},
		{`CN=doe\2c jane, OU=people, DC=EXAMPLE, DC=com`, "jane"},
		{`cn = Doe\2C Jane , ou=People,dc=example,dc=com`, "jane"},
		{`uid=sam+cn=SAM,ou=people,dc=example,dc=com`, "sam"},
		{`cn=Doe\, Jane,ou=People,dc=example`, `dn:cn=Doe\, Jane,ou=People,dc=example`},           // another DN
		{`cn=Doe Jane,ou=People,dc=example,dc=com`, `dn:cn=Doe Jane,ou=People,dc=example,dc=com`}, // the comma matters
		{`not a DN`, `dn:not a DN`},
	}
	for _, tt := range tests {
		t.Run(tt.manager, func(t *testing.T) {
			e := entry("cn=X,ou=People,dc=example,dc=com", map[string][]string{"entryUUID": {"x"}, "mail": {"x@example.com"}, "manager": {tt.manager}})
			users := mapEntries(append(entries[:2:2], e), OpenLDAPAttributes())
			if got := users[2].ManagerExternalID; got != tt.want {
				t.Errorf("manager %q → %q, want %q", tt.manager, got, tt.want)
			}
		})
	}
}

func TestFormatGUID(t *testing.T) {
	t.Parallel()
	b := []byte{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}
	if got, want := FormatGUID(b), "04030201-0605-0807-090a-0b0c0d0e0f10"; got != want {
		t.Errorf("FormatGUID = %s, want %s", got, want)
	}
}

func TestDisabled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule  string
		attrs map[string][]string
		want  bool
	}{
		{"", map[string][]string{"userAccountControl": {"514"}}, false},
		{"userAccountControl", map[string][]string{"userAccountControl": {"514"}}, true},
		{"userAccountControl", map[string][]string{"userAccountControl": {"512"}}, false},
		{"userAccountControl", map[string][]string{"userAccountControl": {"66050"}}, true}, // 0x10202: disabled, password never expires
		{"userAccountControl", map[string][]string{}, false},
		{"nsAccountLock=true", map[string][]string{"nsAccountLock": {"TRUE"}}, true},
		{"employeeType=disabled", map[string][]string{"employeeType": {"staff", "Disabled"}}, true},
		{"employeeType=disabled", map[string][]string{"employeeType": {"staff"}}, false},
	}
	for _, tt := range tests {
		if got := disabled(ldap.NewEntry("cn=x", tt.attrs), tt.rule); got != tt.want {
			t.Errorf("disabled(%q, %v) = %v, want %v", tt.rule, tt.attrs, got, tt.want)
		}
	}
}
