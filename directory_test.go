package reportline_test

import (
	"strings"
	"testing"

	"reportline"
)

func TestDirectoryUserNormalize(t *testing.T) {
	t.Parallel()
	good := reportline.DirectoryUser{ExternalID: " 7f3c ", Email: " Ann@Example.COM ", FirstName: " Ann ", Position: " Head ", ManagerExternalID: " m1 "}
	got, p := good.Normalize()
	if p != nil {
		t.Fatalf("problem = %+v", p)
	}
	if got.ExternalID != "7f3c" || got.Email != "ann@example.com" || got.FirstName != "Ann" || got.Position != "Head" || got.ManagerExternalID != "m1" {
		t.Errorf("normalised = %+v", got)
	}
	tests := []struct {
		name  string
		user  reportline.DirectoryUser
		field string
	}{
		{"no external id", reportline.DirectoryUser{ExternalID: "  ", Email: "a@example.com"}, "external_id"},
		{"external id too long", reportline.DirectoryUser{ExternalID: strings.Repeat("x", 256), Email: "a@example.com"}, "external_id"},
		{"no email", reportline.DirectoryUser{ExternalID: "1"}, "email"},
		{"not an address", reportline.DirectoryUser{ExternalID: "1", Email: "Ann Smith"}, "email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, p := tt.user.Normalize()
			if p == nil || p.Field != tt.field || p.Code != reportline.ProblemInvalid || p.Reason == "" {
				t.Errorf("problem = %+v, want an invalid %s", p, tt.field)
			}
		})
	}
}

func TestDirectoryBatchValidate(t *testing.T) {
	t.Parallel()
	for _, s := range []reportline.Source{reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM} {
		if err := (reportline.DirectoryBatch{Source: s}).Validate(); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []reportline.Source{reportline.SourceUI, reportline.SourceCSV, "", "ldapx"} {
		if err := (reportline.DirectoryBatch{Source: s}).Validate(); !reportline.IsCode(err, reportline.Invalid) {
			t.Errorf("%q: %v, want invalid", s, err)
		}
	}
}

// An on-premises UPN is not an email: the entry is refused with a problem
// that says what to map instead.
func TestDirectoryUserRefusesOnPremisesUPN(t *testing.T) {
	t.Parallel()
	for _, email := range []string{"user@corp.local", "USER@Corp.Local", "user@ad.internal", "user@dc01.corp"} {
		_, p := reportline.DirectoryUser{ExternalID: "x", Email: email, Active: true}.Normalize()
		if p == nil || p.Field != "email" || !strings.Contains(p.Reason, "on-premises") {
			t.Errorf("%s: problem %+v, want an on-premises UPN problem on email", email, p)
		}
	}
	if _, p := (reportline.DirectoryUser{ExternalID: "x", Email: "user@corp.example.com", Active: true}).Normalize(); p != nil {
		t.Errorf("a routable address refused: %+v", p)
	}
}
