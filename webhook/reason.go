package webhook

import (
	"strconv"
	"strings"
)

// Why a delivery attempt failed, in categories a page can say in plain
// words (the worker records the error's text, which Explain reads back).
const (
	ReasonNone    = ""        // no error
	ReasonHTTP    = "http"    // the receiver answered, with a status other than 2xx
	ReasonTimeout = "timeout" // no answer in time
	ReasonDNS     = "dns"     // the host name was not found
	ReasonRefused = "refused" // nothing listens at the address
	ReasonTLS     = "tls"     // the receiver's certificate was not accepted
	ReasonAddress = "address" // the address is loopback, private, link-local or metadata
	ReasonGone    = "gone"    // the subscriber was deleted
	ReasonNetwork = "network" // the connection failed otherwise
	ReasonUnknown = "unknown" // anything else
)

// Explanation is a failed attempt's reason, and the receiver's HTTP status
// when it answered.
type Explanation struct {
	Reason     string
	HTTPStatus int
}

// Explain reads the error a delivery attempt recorded (the worker's own
// texts: "the receiver answered 503 Service Unavailable", "POST: …").
func Explain(lastError string) Explanation {
	e := strings.ToLower(lastError)
	switch {
	case e == "":
		return Explanation{Reason: ReasonNone}
	case strings.HasPrefix(e, "the receiver answered "):
		code, _ := strconv.Atoi(strings.Fields(strings.TrimPrefix(e, "the receiver answered "))[0])
		return Explanation{Reason: ReasonHTTP, HTTPStatus: code}
	case strings.HasPrefix(e, "subscriber ") && strings.HasSuffix(e, " is gone"):
		return Explanation{Reason: ReasonGone}
	case strings.Contains(e, strings.ToLower(ErrForbiddenAddress.Error())):
		return Explanation{Reason: ReasonAddress}
	case strings.Contains(e, "timeout") || strings.Contains(e, "deadline exceeded"):
		return Explanation{Reason: ReasonTimeout}
	case strings.Contains(e, "no such host") || strings.Contains(e, "server misbehaving"):
		return Explanation{Reason: ReasonDNS}
	case strings.Contains(e, "connection refused"):
		return Explanation{Reason: ReasonRefused}
	case strings.Contains(e, "x509") || strings.Contains(e, "certificate") || strings.Contains(e, "tls:"):
		return Explanation{Reason: ReasonTLS}
	case strings.HasPrefix(e, "post: "):
		return Explanation{Reason: ReasonNetwork}
	}
	return Explanation{Reason: ReasonUnknown}
}
