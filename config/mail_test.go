package config

import (
	"fmt"
	"strings"
	"testing"
)

func TestMailSMTPURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		want    SMTP
		wantErr string
	}{
		{url: "smtp://relay.example.com", want: SMTP{Host: "relay.example.com", Port: 587, TLS: "mandatory"}},
		{url: "smtp://u%40x:s3cret@relay.example.com:2525?starttls=opportunistic",
			want: SMTP{Host: "relay.example.com", Port: 2525, Username: "u@x", Password: "s3cret", TLS: "opportunistic"}},
		{url: "smtps://relay.example.com", want: SMTP{Host: "relay.example.com", Port: 465, TLS: "implicit"}},
		{url: "smtp://127.0.0.1:1025?starttls=none", want: SMTP{Host: "127.0.0.1", Port: 1025, TLS: "none"}},
		{url: "smtp://relay.example.com?starttls=sometimes", wantErr: "starttls"},
		{url: "http://relay.example.com", wantErr: "want smtp://"},
		{url: "smtp://relay.example.com:99999", wantErr: "port"},
		{url: "smtp://u:s3cret@relay.example.com?starttls=none", wantErr: "unencrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := Mail{SMTPURL: tt.url}.SMTP()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestMailFromEnvAndRedaction(t *testing.T) {
	t.Parallel()
	env := map[string]string{"REPORTLINE_SMTP_URL": "smtp://u:s3cret@relay.example.com", "REPORTLINE_SMTP_POOL": "8",
		"REPORTLINE_SMTP_RATE": "12.5", "REPORTLINE_MAIL_FROM": "Team <team@example.com>"}
	c := Default()
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Mail.Pool != 8 || c.Mail.Rate != 12.5 || c.Mail.FromAddress() != "Team <team@example.com>" {
		t.Errorf("mail config = %v", c.Mail)
	}
	for _, shown := range []string{fmt.Sprint(c.Mail), fmt.Sprintf("%+v", c.Mail), c.Mail.LogValue().String()} {
		if strings.Contains(shown, "s3cret") {
			t.Errorf("the password is shown: %s", shown)
		}
	}
	for _, bad := range []map[string]string{{"REPORTLINE_SMTP_POOL": "0"}, {"REPORTLINE_SMTP_RATE": "fast"}} {
		c := Default()
		if err := c.FromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The brand of the emails: a name, an accent colour and a logo, each
// refused in words when it would break the emails.
func TestMailBrandFromEnv(t *testing.T) {
	t.Parallel()
	read := func(env map[string]string) (Mail, error) {
		c := Default()
		err := c.FromEnv(func(k string) string { return env[k] })
		return c.Mail, err
	}
	m, err := read(map[string]string{"REPORTLINE_MAIL_BRAND": "  Acme   Learning ", "REPORTLINE_MAIL_ACCENT": "#0a7",
		"REPORTLINE_MAIL_LOGO_URL": "https://cdn.example.com/logo.png"})
	if err != nil || m.BrandName != "Acme Learning" || m.Accent != "#0a7" || m.LogoURL != "https://cdn.example.com/logo.png" {
		t.Errorf("brand = %q %q %q, %v", m.BrandName, m.Accent, m.LogoURL, err)
	}
	if m, err := read(map[string]string{"REPORTLINE_DEFAULT_LOCALE": "fr-CA"}); err != nil || m.DefaultLocale != "fr-CA" {
		t.Errorf("default locale = %q, %v", m.DefaultLocale, err)
	}
	for k, v := range map[string]string{"REPORTLINE_DEFAULT_LOCALE": "fr; rm", "REPORTLINE_MAIL_ACCENT": "red; background: url(x)", "REPORTLINE_MAIL_LOGO_URL": "http://cdn.example.com/logo.png",
		"REPORTLINE_MAIL_BRAND": strings.Repeat("Acme ", 20)} {
		if _, err := read(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: %v, want an error naming the variable", k, v, err)
		}
	}
}
