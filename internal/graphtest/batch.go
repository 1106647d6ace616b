package graphtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
)

// batch is POST /v1.0/$batch (JSON batching): at most 20 requests, each
// answered as if sent alone (same token, same faults, same throttling),
// the answers gathered in one body.
func (s *Server) batch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Requests []struct {
			ID      string            `json:"id"`
			Method  string            `json:"method"`
			URL     string            `json:"url"`
			Headers map[string]string `json:"headers"`
		} `json:"requests"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || len(in.Requests) == 0 {
		graphError(w, http.StatusBadRequest, "BadRequest", "Invalid batch payload format.")
		return
	}
	if len(in.Requests) > 20 {
		graphError(w, http.StatusBadRequest, "BadRequest", "The number of batch requests exceeds 20.")
		return
	}
	type answer struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	}
	out := struct {
		Responses []answer `json:"responses"`
	}{}
	seen := map[string]bool{}
	for _, q := range in.Requests {
		if q.ID == "" || seen[q.ID] || !strings.HasPrefix(q.URL, "/") {
			graphError(w, http.StatusBadRequest, "BadRequest", "Each batch request needs a unique id and a relative url: "+strconv.Quote(q.ID))
			return
		}
		seen[q.ID] = true
		sub := httptest.NewRequest(q.Method, "/v1.0"+q.URL, nil)
		sub.Header.Set("Authorization", r.Header.Get("Authorization"))
		rec := httptest.NewRecorder()
		s.mux.ServeHTTP(rec, sub)
		headers := map[string]string{"Content-Type": rec.Header().Get("Content-Type")}
		if v := rec.Header().Get("Retry-After"); v != "" {
			headers["Retry-After"] = v
		}
		out.Responses = append(out.Responses, answer{ID: q.ID, Status: rec.Code, Headers: headers, Body: json.RawMessage(rec.Body.Bytes())})
	}
	// Graph does not promise the order of the answers.
	for i, j := 0, len(out.Responses)-1; i < j; i, j = i+1, j-1 {
		out.Responses[i], out.Responses[j] = out.Responses[j], out.Responses[i]
	}
	writeJSON(w, http.StatusOK, out)
}
