package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Admission is what an operator may change of the server's admission
// control (server.Admission; docs/security.md lists every default). Zero
// values keep the defaults.
type Admission struct {
	// Off turns admission control off (REPORTLINE_ADMISSION=off), for a
	// deployment whose proxy already does it.
	Off bool
	// Slots are the requests of each class that run at once
	// (REPORTLINE_ADMISSION_SLOTS=read:64,write:32,upload:4,sign-in:16; the
	// classes not named keep their defaults).
	Slots map[string]int
	// MaxWait is the longest a request waits for a slot
	// (REPORTLINE_ADMISSION_WAIT, a duration such as 2s).
	MaxWait time.Duration
	// SignInPerMinute is the sustained rate of sign-in attempts per client
	// address (REPORTLINE_SIGNIN_PER_MINUTE, default 120 with a burst of
	// 20): raise it when many users share one address and no trusted proxy
	// tells them apart.
	SignInPerMinute int
	// TenantAPIRate and TenantAPIBurst are every tenant's default request
	// rate (requests a second of its callers together) and burst
	// (REPORTLINE_TENANT_API_RATE, REPORTLINE_TENANT_API_BURST; unset: no
	// limit, burst twice the rate); TenantMailPerMinute its default mail
	// rate (REPORTLINE_TENANT_MAIL_PER_MINUTE; unset: no limit). A tenant's
	// own limits, which the operator sets (reportline tenant limits),
	// replace them.
	TenantAPIRate       float64
	TenantAPIBurst      int
	TenantMailPerMinute float64
}

// AdmissionClasses are the classes REPORTLINE_ADMISSION_SLOTS may name.
var AdmissionClasses = []string{"read", "write", "upload", "sign-in"}

func (a *Admission) fromEnv(getenv func(string) string) error {
	switch v := strings.ToLower(strings.TrimSpace(getenv("REPORTLINE_ADMISSION"))); v {
	case "", "on":
	case "off":
		a.Off = true
	default:
		return fmt.Errorf("REPORTLINE_ADMISSION=%q: want on or off", v)
	}
	if v := getenv("REPORTLINE_ADMISSION_SLOTS"); v != "" {
		s, err := ParseSlots(v)
		if err != nil {
			return fmt.Errorf("REPORTLINE_ADMISSION_SLOTS: %w", err)
		}
		a.Slots = s
	}
	if v := getenv("REPORTLINE_ADMISSION_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > time.Minute {
			return fmt.Errorf("REPORTLINE_ADMISSION_WAIT=%q: want a duration from 1ms to 1m, such as 2s", v)
		}
		a.MaxWait = d
	}
	if v := getenv("REPORTLINE_SIGNIN_PER_MINUTE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("REPORTLINE_SIGNIN_PER_MINUTE=%q: want a whole number of attempts a minute, at least 1", v)
		}
		a.SignInPerMinute = n
	}
	for _, f := range []struct {
		name string
		dst  *float64
		what string
	}{{"REPORTLINE_TENANT_API_RATE", &a.TenantAPIRate, "requests a second"}, {"REPORTLINE_TENANT_MAIL_PER_MINUTE", &a.TenantMailPerMinute, "messages a minute"}} {
		if v := getenv(f.name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x > 1_000_000 || x != x {
				return fmt.Errorf("%s=%q: want a number of %s from 0 (no limit) to 1000000", f.name, v, f.what)
			}
			*f.dst = x
		}
	}
	if v := getenv("REPORTLINE_TENANT_API_BURST"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return fmt.Errorf("REPORTLINE_TENANT_API_BURST=%q: want a whole number of requests from 0 (twice the rate) to 1000000", v)
		}
		a.TenantAPIBurst = n
	}
	return nil
}

// ParseSlots reads "read:64,write:32,upload:4,sign-in:16" (any subset, in
// any order).
func ParseSlots(s string) (map[string]int, error) {
	out := map[string]int{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		name, num, ok := strings.Cut(f, ":")
		n, err := strconv.Atoi(num)
		known := false
		for _, c := range AdmissionClasses {
			known = known || c == name
		}
		if !ok || !known || err != nil || n < 1 {
			return nil, fmt.Errorf("%q: want CLASS:SLOTS with a class among %s and at least 1 slot", f, strings.Join(AdmissionClasses, ", "))
		}
		out[name] = n
	}
	return out, nil
}
