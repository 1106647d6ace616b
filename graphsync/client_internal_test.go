package graphsync

import (
	"net/http"
	"testing"
	"time"
)

func TestScopeFollowsTheAPI(t *testing.T) {
	for api, want := range map[string]string{
		"":                            "https://graph.microsoft.com/.default",
		"https://graph.microsoft.com": "https://graph.microsoft.com/.default",
		"https://graph.microsoft.us/": "https://graph.microsoft.us/.default",
		"https://microsoftgraph.chinacloudapi.cn": "https://microsoftgraph.chinacloudapi.cn/.default",
	} {
		c, err := New(Config{Tenant: "t", ClientID: "c", ClientSecret: "s", APIURL: api})
		if err != nil {
			t.Fatal(err)
		}
		if got := c.cc.Scopes; len(got) != 1 || got[0] != want {
			t.Errorf("API %q: scopes %v, want %s", api, got, want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":      0,
		"0":     0,
		"7":     7 * time.Second,
		"-3":    0,
		"soon":  0,
		"86400": maxWait, // bounded
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestBackoffGrowsAndIsBounded(t *testing.T) {
	for attempt, base := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 3: 8 * time.Second, 10: time.Minute} {
		for range 20 {
			if d := backoff(attempt); d < base*8/10 || d > base*12/10 {
				t.Errorf("backoff(%d) = %v, want %v ±20%%", attempt, d, base)
			}
		}
	}
}
