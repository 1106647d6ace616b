package api

import (
	"net/http"
	"strconv"

	"reportline/app"
)

// ConsistencyHeader carries a consistency token: a response to a request
// that changed the reporting graph (links, users, the org structure, the
// matrix) names the graph version it committed; a client may send it back
// on any request to any replica to get decisions no older than that write
// (the replica then answers from its in-memory index only when the index
// has caught up, else from the database).
const ConsistencyHeader = "Reportline-Consistency"

// withConsistency reads a request's token and returns the request with a
// context that records the version its writes commit.
func withConsistency(r *http.Request) (*http.Request, *app.ConsistencyToken) {
	tok := &app.ConsistencyToken{}
	ctx := app.WithConsistencyToken(r.Context(), tok)
	if s := r.Header.Get(ConsistencyHeader); s != "" {
		if v, err := strconv.ParseInt(s, 10, 64); err == nil && v > 0 {
			ctx = app.WithAtLeast(ctx, v)
		}
	}
	return r.WithContext(ctx), tok
}

// setConsistency names, before the response is written, the version the
// request's writes committed, if any.
func setConsistency(w http.ResponseWriter, tok *app.ConsistencyToken) {
	if v := tok.Value(); v > 0 {
		w.Header().Set(ConsistencyHeader, strconv.FormatInt(v, 10))
	}
}
