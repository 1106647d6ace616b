package ui

import "net/http"

// registerOrg adds the Policies → Subordinates settings and org structure pages.
func (u *UI) registerOrg(mux *http.ServeMux) {}
