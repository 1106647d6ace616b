package graphsync

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestScopeFollowsTheAPI(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	t.Parallel()
	for attempt, base := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 3: 8 * time.Second, 10: time.Minute} {
		for range 20 {
			if d := backoff(attempt); d < base*8/10 || d > base*12/10 {
				t.Errorf("backoff(%d) = %v, want %v ±20%%", attempt, d, base)
			}
		}
	}
}

// TestMergeDocumentedEntries feeds entries shaped as Graph's documentation
// shows them (delta-query-users, delta-query-overview) through merge.
func TestMergeDocumentedEntries(t *testing.T) {
	t.Parallel()
	page := `[
	  {"displayName":"Cameron White","givenName":"Cameron","surname":"White","userPrincipalName":"cameron@contoso.com","accountEnabled":true,"id":"ffff7b1a-13b6-477b-8c0c-380905cd99f7"},
	  {"id":"86462606-fde0-4fc4-9e0c-a20eb73e54c6","@removed":{"reason":"deleted"}},
	  {"id":"605d1257-ffff-40b6-8e6f-528a53f5dc55","userPrincipalName":"delia@contoso.com","mail":null,"jobTitle":"Analyst",
	   "manager@delta":[{"@odata.type":"#microsoft.graph.user","id":"ffff7b1a-13b6-477b-8c0c-380905cd99f7"}]},
	  {"id":"605d1257-ffff-40b6-8e6f-528a53f5dc55","jobTitle":null},
	  {"id":"d8c37826-ffff-4cae-b348-e2725b1e814b","manager@delta":[{"@odata.type":"#microsoft.graph.user","id":"ffff7b1a-13b6-477b-8c0c-380905cd99f7","@removed":{"reason":"deleted"}}]},
	  {"id":"25dcffff-959e-4ece-9973-e5d9b800e8cc","@removed":{"reason":"changed"}},
	  {"id":"25dcffff-959e-4ece-9973-e5d9b800e8cc","userPrincipalName":"lidia@contoso.com","accountEnabled":true}
	]`
	var items []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(page), &items); err != nil {
		t.Fatal(err)
	}
	recs := map[string]*record{}
	var order []string
	for i, item := range items {
		if err := merge(item, recs, &order); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	if len(order) != 5 {
		t.Errorf("order %v, want the 5 distinct ids once each", order)
	}
	if r := recs["86462606-fde0-4fc4-9e0c-a20eb73e54c6"]; r != nil {
		t.Errorf("removed user kept: %+v", r)
	}
	delia := recs["605d1257-ffff-40b6-8e6f-528a53f5dc55"]
	if delia == nil || !delia.propsSeen || !delia.managerSeen || delia.user.JobTitle != "" || delia.user.ManagerID != "ffff7b1a-13b6-477b-8c0c-380905cd99f7" || delia.user.UserPrincipalName != "delia@contoso.com" {
		t.Errorf("delia = %+v; want the later null jobTitle, the earlier UPN and manager", delia)
	}
	mallory := recs["d8c37826-ffff-4cae-b348-e2725b1e814b"]
	if mallory == nil || mallory.propsSeen || !mallory.managerSeen || mallory.user.ManagerID != "" {
		t.Errorf("mallory = %+v; want a manager removal without properties (to be read whole)", mallory)
	}
	if lidia := recs["25dcffff-959e-4ece-9973-e5d9b800e8cc"]; lidia == nil || !lidia.user.AccountEnabled {
		t.Errorf("lidia, removed then restored in one round = %+v; want present", lidia)
	}
	for _, bad := range []string{`{"displayName":"no id"}`, `{"id":"x","accountEnabled":"yes"}`, `{"id":"x","manager@delta":{"id":"m"}}`} {
		var item map[string]json.RawMessage
		json.Unmarshal([]byte(bad), &item)
		if err := merge(item, map[string]*record{}, new([]string)); err == nil {
			t.Errorf("merge(%s) accepted it", bad)
		}
	}
}

// TestTokenErrorsNeverEchoTheAnswer: a token endpoint (or a proxy in front of
// it) that echoes the request puts the client secret in its answer; the
// error must say what failed without repeating any of it.
func TestTokenErrorsNeverEchoTheAnswer(t *testing.T) {
	t.Parallel()
	const secret = "sEcReT~echoed-0123456789"
	for _, tc := range []struct {
		name, contentType string
		status            int
		body              string
		wantCode          string
	}{
		{"json description", "application/json", 401,
			`{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: ` + secret + `"}`, "invalid_client"},
		{"json code", "application/json", 400, `{"error":"` + secret + `"}`, ""},
		{"form body", "text/plain", 400, "client_secret=" + secret + "&error=invalid_request&error_description=" + secret, "invalid_request"},
		{"html page", "text/html", 502, "<html><body>upstream said: client_secret=" + secret + "</body></html>", ""},
		{"not a token", "application/json", 200, `{"echo":"` + secret + `"`, ""},
		{"bad query", "text/plain", 200, "client_secret=" + secret + "%zz", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c, err := New(Config{Tenant: "t", ClientID: "c", ClientSecret: secret, AuthorityURL: srv.URL, APIURL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.accessToken(t.Context(), true)
			if err == nil {
				t.Fatal("no error from a failing token endpoint")
			}
			if strings.Contains(err.Error(), "echoed") || strings.Contains(err.Error(), "upstream") {
				t.Errorf("the error repeats the answer: %q", err)
			}
			if !strings.Contains(err.Error(), "/oauth2/v2.0/token") {
				t.Errorf("err = %q, want it to name the token endpoint", err)
			}
			if tc.wantCode != "" && !strings.Contains(err.Error(), tc.wantCode) {
				t.Errorf("err = %q, want the error code %s", err, tc.wantCode)
			}
			if strings.Contains(tc.body, "AADSTS7000215") && !strings.Contains(err.Error(), "AADSTS7000215") {
				t.Errorf("err = %q, want the identity platform's error number kept", err)
			}
		})
	}
}
