package ui

import "net/http"

// registerAccess adds the contacts and orphans pages.
func (u *UI) registerAccess(mux *http.ServeMux) {}
