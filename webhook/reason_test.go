package webhook

import (
	"fmt"
	"testing"
)

// TestExplain: the errors the worker records read back as the reasons the
// Settings page says in plain words.
func TestExplain(t *testing.T) {
	for _, c := range []struct {
		err  string
		want Explanation
	}{
		{"", Explanation{}},
		{"the receiver answered 503 Service Unavailable", Explanation{Reason: ReasonHTTP, HTTPStatus: 503}},
		{"subscriber 4 is gone", Explanation{Reason: ReasonGone}},
		{fmt.Sprintf("POST: dial tcp 127.0.0.1:443: %v: 127.0.0.1", ErrForbiddenAddress), Explanation{Reason: ReasonAddress}},
		{"POST: context deadline exceeded (Client.Timeout exceeded while awaiting headers)", Explanation{Reason: ReasonTimeout}},
		{"POST: dial tcp: lookup hooks.example.invalid: no such host", Explanation{Reason: ReasonDNS}},
		{"POST: dial tcp 192.0.2.1:443: connect: connection refused", Explanation{Reason: ReasonRefused}},
		{"POST: tls: failed to verify certificate: x509: certificate signed by unknown authority", Explanation{Reason: ReasonTLS}},
		{"POST: EOF", Explanation{Reason: ReasonNetwork}},
		{"something else", Explanation{Reason: ReasonUnknown}},
	} {
		if got := Explain(c.err); got != c.want {
			t.Errorf("Explain(%q) = %+v, want %+v", c.err, got, c.want)
		}
	}
}
