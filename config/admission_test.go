package config

import (
	"maps"
	"strings"
	"testing"
	"time"
)

func TestAdmissionFromEnv(t *testing.T) {
	c := Default()
	err := c.FromEnv(env(map[string]string{
		"REPORTLINE_ADMISSION":         "off",
		"REPORTLINE_ADMISSION_SLOTS":   "write:8, sign-in:2",
		"REPORTLINE_ADMISSION_WAIT":    "500ms",
		"REPORTLINE_SIGNIN_PER_MINUTE": "600",
	}))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Admission
	if !a.Off || !maps.Equal(a.Slots, map[string]int{"write": 8, "sign-in": 2}) || a.MaxWait != 500*time.Millisecond || a.SignInPerMinute != 600 {
		t.Errorf("admission = %+v", a)
	}
	if d := Default(); d.FromEnv(env(nil)) != nil || d.Admission.Off || d.Admission.Slots != nil {
		t.Errorf("default admission = %+v, want on with the server's defaults", d.Admission)
	}
	for name, bad := range map[string]string{
		"REPORTLINE_ADMISSION":         "maybe",
		"REPORTLINE_ADMISSION_SLOTS":   "writes:8",
		"REPORTLINE_ADMISSION_WAIT":    "forever",
		"REPORTLINE_SIGNIN_PER_MINUTE": "0",
	} {
		c := Default()
		if err := c.FromEnv(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: err = %v, want it refused naming the variable", name, bad, err)
		}
	}
	if _, err := ParseSlots("upload:0"); err == nil {
		t.Errorf("upload:0 accepted, want at least 1 slot")
	}
}

// The operator's default tenant limits come from the environment; a
// wrong value is refused naming the variable.
func TestTenantLimitsFromEnv(t *testing.T) {
	c := Default()
	if err := c.FromEnv(env(map[string]string{
		"REPORTLINE_TENANT_API_RATE":        "50",
		"REPORTLINE_TENANT_API_BURST":       "200",
		"REPORTLINE_TENANT_MAIL_PER_MINUTE": "0.5",
	})); err != nil {
		t.Fatal(err)
	}
	if a := c.Admission; a.TenantAPIRate != 50 || a.TenantAPIBurst != 200 || a.TenantMailPerMinute != 0.5 {
		t.Errorf("tenant limits = %+v", a)
	}
	if d := Default(); d.FromEnv(env(nil)) != nil || d.Admission.TenantAPIRate != 0 || d.Admission.TenantMailPerMinute != 0 {
		t.Errorf("default tenant limits = %+v, want none", d.Admission)
	}
	for name, bad := range map[string]string{
		"REPORTLINE_TENANT_API_RATE":        "-1",
		"REPORTLINE_TENANT_API_BURST":       "1.5",
		"REPORTLINE_TENANT_MAIL_PER_MINUTE": "NaN",
	} {
		c := Default()
		if err := c.FromEnv(env(map[string]string{name: bad})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: err = %v, want it refused naming the variable", name, bad, err)
		}
	}
}
