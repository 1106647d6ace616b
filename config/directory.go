package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Directory holds the guards every directory source (LDAP, Graph, SCIM)
// obeys. The zero value is the safe default.
type Directory struct {
	// MayChangePlatformAdmins lets a directory deactivate, re-address or
	// rename a platform admin (REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS,
	// default false: a directory never changes a platform admin).
	MayChangePlatformAdmins bool
	// HoldPercent and HoldCount bound the deactivations one LDAP or Graph
	// run, or SCIM within a rolling hour, may make before it is held for a
	// platform admin's confirmation (REPORTLINE_DIRECTORY_HOLD_PERCENT,
	// default 10; REPORTLINE_DIRECTORY_HOLD_COUNT, default 50). 0 means the
	// default; a negative value switches that bound off.
	HoldPercent float64
	HoldCount   int
}

func (d *Directory) fromEnv(getenv func(string) string) error {
	if v := strings.TrimSpace(getenv("REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_DIRECTORY_MAY_CHANGE_PLATFORM_ADMINS %q: want true or false", v)
		}
		d.MayChangePlatformAdmins = b
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_DIRECTORY_HOLD_PERCENT")); v != "" {
		f, err := strconv.ParseFloat(strings.TrimSuffix(v, "%"), 64)
		if err != nil || f > 100 {
			return fmt.Errorf("REPORTLINE_DIRECTORY_HOLD_PERCENT %q: want a percentage such as 10 (or -1 for no share limit)", v)
		}
		d.HoldPercent = f
	}
	if v := strings.TrimSpace(getenv("REPORTLINE_DIRECTORY_HOLD_COUNT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_DIRECTORY_HOLD_COUNT %q: want a number of people such as 50 (or -1 for no count limit)", v)
		}
		d.HoldCount = n
	}
	return nil
}
