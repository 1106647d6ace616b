package ldapsync

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"reportline"
)

// mapEntries turns entries into directory users (see mapper).
func mapEntries(entries []*ldap.Entry, m AttributeMap) []reportline.DirectoryUser {
	p := newMapper(m, len(entries))
	for _, e := range entries {
		p.add(e)
	}
	return p.finish()
}

// mapper turns entries into directory users as pages arrive, keeping only
// what the users need (a read of 100,000 entries does not hold them all),
// then resolves the managers. Each manager DN becomes the external id of
// the entry it names; a manager DN that names no entry read (outside the
// base DN or the filter, or deleted) becomes "dn:" and the DN, which the
// sync reports as a manager missing from the directory.
type mapper struct {
	m        AttributeMap
	users    []reportline.DirectoryUser
	managers []string         // each user's manager DN as the directory wrote it
	dns      []string         // each user's own DN
	byKey    map[string][]int // users by dnKey of their DN
}

func newMapper(m AttributeMap, n int) *mapper {
	return &mapper{m: m, byKey: make(map[string][]int, n)}
}

func (p *mapper) add(e *ldap.Entry) {
	m := p.m
	p.users = append(p.users, reportline.DirectoryUser{
		ExternalID: externalID(e, m.ID),
		Email:      first(e, m.Email),
		FirstName:  first(e, m.FirstName),
		LastName:   first(e, m.LastName),
		Position:   first(e, m.Position),
		OrgUnit:    first(e, m.OrgUnit),
		Active:     !disabled(e, m.Disabled),
	})
	p.managers = append(p.managers, first(e, m.Manager))
	p.dns = append(p.dns, e.DN)
	if dn, err := ldap.ParseDN(e.DN); err == nil {
		k := dnKey(dn)
		p.byKey[k] = append(p.byKey[k], len(p.users)-1)
	}
}

func (p *mapper) finish() []reportline.DirectoryUser {
	for i, raw := range p.managers {
		if raw == "" {
			continue
		}
		p.users[i].ManagerExternalID = "dn:" + raw
		dn, err := ldap.ParseDN(raw)
		if err != nil {
			continue
		}
		for _, j := range p.byKey[dnKey(dn)] {
			// The key folds case like EqualFold; EqualFold has the last word.
			cand, err := ldap.ParseDN(p.dns[j])
			if err == nil && cand.EqualFold(dn) && p.users[j].ExternalID != "" {
				p.users[i].ManagerExternalID = p.users[j].ExternalID
				break
			}
		}
	}
	return p.users
}

// dnKey is a map key for a parsed DN: attribute types and values in lower
// case, the attributes of each RDN sorted. Separators are control
// characters, so no value can forge one; escapes were decoded by ParseDN.
func dnKey(dn *ldap.DN) string {
	var b strings.Builder
	for i, rdn := range dn.RDNs {
		if i > 0 {
			b.WriteByte(0)
		}
		parts := make([]string, len(rdn.Attributes))
		for j, a := range rdn.Attributes {
			parts[j] = strings.ToLower(strings.TrimSpace(a.Type)) + "\x01" + strings.ToLower(a.Value)
		}
		slices.Sort(parts)
		b.WriteString(strings.Join(parts, "\x02"))
	}
	return b.String()
}

// attribute returns the entry's attribute of that name, compared
// case-insensitively as LDAP compares attribute descriptions (go-ldap's
// Entry getters compare them exactly: "Manager" would find nothing).
func attribute(e *ldap.Entry, name string) *ldap.EntryAttribute {
	name = strings.TrimSpace(name)
	for _, a := range e.Attributes {
		if strings.EqualFold(a.Name, name) {
			return a
		}
	}
	return nil
}

// values returns the values of the entry's attribute; none when absent.
func values(e *ldap.Entry, name string) []string {
	if a := attribute(e, name); a != nil {
		return a.Values
	}
	return nil
}

// first returns the first value of the first of the "|"-separated
// attributes the entry has.
func first(e *ldap.Entry, attrs string) string {
	if attrs == "" {
		return ""
	}
	for _, a := range strings.Split(attrs, "|") {
		if vs := values(e, a); len(vs) > 0 {
			if v := strings.TrimSpace(vs[0]); v != "" {
				return v
			}
		}
	}
	return ""
}

// externalID reads the entry's stable id. objectGUID is 16 bytes and is
// written in the canonical GUID form, as Active Directory tools show it.
func externalID(e *ldap.Entry, attr string) string {
	if strings.EqualFold(attr, "objectGUID") {
		var raw []byte
		if a := attribute(e, attr); a != nil && len(a.ByteValues) > 0 {
			raw = a.ByteValues[0]
		}
		if len(raw) != 16 {
			return ""
		}
		return FormatGUID(raw)
	}
	return first(e, attr)
}

// FormatGUID writes a 16-byte Microsoft GUID as
// xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx: the first three groups are stored
// little-endian, the last two as they are.
func FormatGUID(b []byte) string {
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

// accountDisable is userAccountControl's ACCOUNTDISABLE flag.
const accountDisable = 0x2

// disabled applies AttributeMap.Disabled to an entry.
func disabled(e *ldap.Entry, rule string) bool {
	if rule == "" {
		return false
	}
	attr, want, isValue := strings.Cut(rule, "=")
	attr = strings.TrimSpace(attr)
	if isValue {
		for _, v := range values(e, attr) {
			if strings.EqualFold(strings.TrimSpace(v), strings.TrimSpace(want)) {
				return true
			}
		}
		return false
	}
	flags, err := strconv.ParseInt(first(e, attr), 10, 64)
	return err == nil && flags&accountDisable != 0
}
