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
