package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/web"
)

var azRequestSeeds = []string{
	`{"subject":{"type":"user","id":"1"},"action":{"name":"view_reports"},"resource":{"type":"user","id":"2"}}`,
	`{"action":{"name":"manage_tasks"},"evaluations":[{"subject":{"type":"user","id":"1"},"resource":{"type":"user","id":"2"}},{"subject":{"type":"user","id":"3"},"resource":{"type":"user","id":"uid:E4"}}]}`,
	` { "subject" : { "id" : "ada@example.com" , "type" : "user" } , "evaluations" : [ { } ] , "options" : { "evaluations_semantic" : "deny_on_first_deny" } } `,
	`{"context":{"time":"2026-11-26T10:00:00+01:00"},"evaluations":[{"context":{"as_of":"2026-01-01"}},{"context":{}}]}`,
	`{"evaluations":[]}`,
	`{}`,
	// Left to encoding/json: escapes, non-ASCII, null, numbers, nested
	// values, repeated or unknown keys, other letter cases, trailing data.
	`{"subject":{"type":"user","id":"\u0031"}}`,
	`{"subject":{"type":"user","id":"é@example.com"}}`,
	`{"subject":null}`,
	`{"options":{"evaluations_semantic":1}}`,
	`{"context":{"time":{"a":"b"}}}`,
	`{"subject":{"type":"user"},"subject":{"id":"1"}}`,
	`{"Subject":{"type":"user","id":"1"}}`,
	`{"subject":{"type":"user","id":"1","properties":{}}}`,
	`{"action":{"name":"view_reports"}} {}`,
	`{"evaluations":[{"subject":{"type":"user","id":"1"}},]}`,
}

// referenceDecode is the decision point's request decoded by
// encoding/json, as before authzen_wire.go.
func referenceDecode(raw []byte, single bool) (AZEvaluationsRequest, error) {
	if single {
		var one AZEvaluationRequest
		err := web.DecodeJSONBytes(raw, &one)
		return AZEvaluationsRequest{Subject: one.Subject, Action: one.Action, Resource: one.Resource, Context: one.Context}, err
	}
	var in AZEvaluationsRequest
	err := web.DecodeJSONBytes(raw, &in)
	return in, err
}

// FuzzAZDecode checks that what the plain decoder accepts, encoding/json
// accepts too and reads the same.
func FuzzAZDecode(f *testing.F) {
	for _, s := range azRequestSeeds {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, raw []byte, single bool) {
		var got AZEvaluationsRequest
		if !decodeAZEvaluations(raw, &got, single) {
			return
		}
		want, err := referenceDecode(raw, single)
		if err != nil {
			t.Fatalf("decoded %q (single %v), which encoding/json refuses: %v", raw, single, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q (single %v):\n got %#v\nwant %#v", raw, single, got, want)
		}
	})
}

// TestAZDecodePlainShape checks which requests take the decoder without
// reflection: the batches a gateway sends do, the rest is left to
// encoding/json (which then answers, errors included, as it always did).
func TestAZDecodePlainShape(t *testing.T) {
	for _, tc := range []struct {
		body   string
		single bool
		plain  bool
	}{
		{azRequestSeeds[0], true, true},
		{azRequestSeeds[0], false, true},
		{azRequestSeeds[1], false, true},
		{azRequestSeeds[1], true, false}, // evaluations are no field of one evaluation
		{azRequestSeeds[2], false, true},
		{azRequestSeeds[3], false, true},
		{azRequestSeeds[4], false, true},
		{`{"subject":{"type":"user","id":"\u0031"}}`, false, false},
		{`{"subject":null}`, false, false},
		{`{"subject":{"type":"user"},"subject":{"id":"1"}}`, false, false},
		{`{"Subject":{"type":"user","id":"1"}}`, false, false},
		{`{"action":{"name":"view_reports"}} {}`, false, false},
	} {
		var in AZEvaluationsRequest
		if got := decodeAZEvaluations([]byte(tc.body), &in, tc.single); got != tc.plain {
			t.Errorf("decodeAZEvaluations(%s, single %v) = %v, want %v", tc.body, tc.single, got, tc.plain)
		}
	}
}

// FuzzAZEncode checks that azWriter writes a decision as encoding/json
// does, or says it cannot.
func FuzzAZEncode(f *testing.F) {
	f.Add(true, "link", "a@example.com manages b@example.com through a line link (source csv), which grants manage_tasks",
		"You are linked to this person as their manager or managee.", "link", "12", "34", "line", "csv", "", "", int64(0), int64(0), 0, "")
	f.Add(false, "not_in_effect", "the link a → b is temporary & <grants> nothing", "\"quoted\"\n\x00\u2028", "", "", "", "", "", "", "",
		int64(1764000000123456789), int64(-1), 0, "")
	f.Add(true, "chain", "x", "y", "chain", "1", "2", "line", "api", "1", "7", int64(0), int64(1764000000000000000), 0, "")
	f.Add(false, "invalid", "evaluations[3].action.name: unknown", "", "", "", "", "", "", "", "", int64(0), int64(0), 400, "bad \xff")
	f.Add(true, "group_admin", "g", "h", "group_admin", "", "", "", "", "", "42", int64(-1<<62), int64(0), 0, "")
	f.Fuzz(func(t *testing.T, allowed bool, id, admin, user, by, manager, managee, kind, source, chain, group string,
		from, until int64, status int, message string) {
		c := &AZDecisionContext{ID: id, ReasonAdmin: &AZReason{EN: admin}}
		if user != "" {
			c.ReasonUser = &AZReason{EN: user}
		}
		if by != "" {
			g := &AZGrant{By: by, Manager: manager, Managee: managee, Kind: kind, Source: source, Group: group}
			if chain != "" {
				g.Chain = []string{manager, chain, managee}
			}
			if from != 0 {
				t := time.Unix(0, from).UTC()
				g.ValidFrom = &t
			}
			if until != 0 {
				t := time.Unix(until, 0).In(time.FixedZone("x", 3600))
				g.ValidUntil = &t
			}
			c.Grant = g
		}
		if status != 0 {
			c.Error = &AZError{Status: status, Message: message}
		}
		for _, d := range []AZDecision{{Decision: allowed, Context: c}, {Decision: allowed}} {
			want, wantErr := json.Marshal(d)
			var w azWriter
			w.decision(d)
			if (w.err != nil) != (wantErr != nil) {
				t.Fatalf("azWriter error %v, encoding/json's %v", w.err, wantErr)
			}
			if w.err == nil && !bytes.Equal(w.b, want) {
				t.Fatalf("azWriter wrote\n%s\nencoding/json\n%s", w.b, want)
			}
		}
	})
}

// TestWriteCompact checks that the decision point's answers are the bytes
// encoding/json's Encoder writes.
func TestWriteCompact(t *testing.T) {
	until := time.Date(2026, 12, 24, 0, 0, 0, 0, time.UTC)
	one := AZDecision{Decision: true, Context: &AZDecisionContext{ID: "link", ReasonAdmin: &AZReason{EN: "a <b> & c → d"},
		ReasonUser: &AZReason{EN: "You are linked to this person as their manager or managee."},
		Grant:      &AZGrant{By: "link", Manager: "1", Managee: "2", Kind: "line", Source: "csv", ValidUntil: &until}}}
	refused := AZDecision{Context: &AZDecisionContext{ID: "invalid", ReasonAdmin: &AZReason{EN: "x"}, Error: &AZError{Status: 400, Message: "x"}}}
	for _, v := range []any{
		one,
		AZEvaluationsResponse{Evaluations: []AZDecision{one, refused, {}}},
		AZEvaluationsResponse{Evaluations: []AZDecision{}},
		AZEvaluationsResponse{},
		AZActionSearchResponse{Results: []AZAction{{Name: "view_reports"}}},
	} {
		var want bytes.Buffer
		json.NewEncoder(&want).Encode(v)
		rec := httptest.NewRecorder()
		writeCompact(rec, http.StatusOK, v)
		if got := rec.Body.String(); got != want.String() {
			t.Errorf("writeCompact(%T) =\n%s\nwant\n%s", v, got, want.String())
		}
		if got := rec.Header().Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
	}
}

// TestWriteAnswer checks that azWriter writes a decision as it writes the
// decision's AuthZEN shape (az), which FuzzAZEncode and TestWriteCompact
// hold to encoding/json's bytes.
func TestWriteAnswer(t *testing.T) {
	from := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	until := time.Date(2026, 12, 24, 0, 0, 0, 0, time.FixedZone("x", 3600))
	link := reportline.Link{ManagerID: 12, ManageeID: 345, Kind: reportline.Line, Source: reportline.SourceCSV}
	temporary := link
	temporary.Kind, temporary.ValidFrom, temporary.ValidUntil = reportline.Functional, from, until
	chain := []reportline.Link{{ManagerID: 1, ManageeID: 20, Kind: reportline.Line}, {ManagerID: 20, ManageeID: 300, Kind: reportline.Line}}
	for _, a := range []azAnswer{
		{d: &app.Decision{Allowed: true, Code: "link", Reason: "a@example.com manages b@example.com", Grant: app.Grant{By: app.GrantLink, Link: link}}},
		{d: &app.Decision{Allowed: true, Code: "link", Reason: "a <b> & c → d", Grant: app.Grant{By: app.GrantLink, Link: temporary}}},
		{d: &app.Decision{Allowed: true, Code: "link", Reason: "lean", Grant: app.Grant{By: app.GrantLink, Link: reportline.Link{ManagerID: -1}}}},
		{d: &app.Decision{Allowed: true, Code: "chain", Reason: "above", Grant: app.Grant{By: app.GrantChain, Link: chain[0], Chain: chain}}},
		{d: &app.Decision{Allowed: true, Code: "chain", Reason: "redacted", Grant: app.Grant{By: app.GrantChain}}},
		{d: &app.Decision{Allowed: true, Code: "group_admin", Reason: "admin", Grant: app.Grant{By: app.GrantGroupAdmin, Group: 77}}},
		{d: &app.Decision{Allowed: true, Code: "platform_admin", Reason: "", Grant: app.Grant{By: app.GrantPlatformAdmin}}},
		{d: &app.Decision{Allowed: true, Code: "odd", Reason: "no grant kind", Grant: app.Grant{}}},
		{d: &app.Decision{Code: app.RefusedNotLinked, Reason: "x is not a manager of \"y\"", Grant: app.Grant{By: app.GrantLink, Link: link}}},
		{d: &app.Decision{Code: "unheard_of", Reason: "\x00\u2028"}},
		{d: &app.Decision{Allowed: true, Code: "unheard_of"}},
		{err: reportline.FieldError("evaluations[3].action.name", "x", "unknown <action>")},
		{err: errors.New("plain")},
	} {
		var p azDecisionParts
		var want, got azWriter
		want.decision(a.az(&p))
		got.answer(a)
		if want.err != nil || got.err != nil || !bytes.Equal(got.b, want.b) {
			t.Errorf("answer wrote (%v)\n%s\nwant (%v)\n%s", got.err, got.b, want.err, want.b)
		}
	}
	// A whole answer, with encoding/json's Encoder as the reference.
	d := app.Decision{Allowed: true, Code: "link", Reason: "r", Grant: app.Grant{By: app.GrantLink, Link: temporary}}
	for _, v := range []any{azAnswer{d: &d}, azAnswers{{d: &d}, {err: errors.New("bad")}}, azAnswers{}} {
		var want any
		switch v := v.(type) {
		case azAnswer:
			var p azDecisionParts
			want = v.az(&p)
		case azAnswers:
			want = v.az()
		}
		var buf bytes.Buffer
		json.NewEncoder(&buf).Encode(want)
		rec := httptest.NewRecorder()
		writeCompact(rec, http.StatusOK, v)
		if rec.Body.String() != buf.String() {
			t.Errorf("writeCompact(%T) =\n%s\nwant\n%s", v, rec.Body, buf.String())
		}
	}
}
