package web

import (
	"fmt"
	"net/http"
)

// CSVDownload is a response writer for a CSV file that sets the download's
// headers on the first write, so that an error found before any row (not
// allowed, no such group) can still be answered as an error.
type CSVDownload struct {
	W       http.ResponseWriter
	Name    string // the file name offered to save under
	Started bool   // a byte has been written: too late for an error status
}

// Start sends the headers and the 200 status.
func (d *CSVDownload) Start() {
	d.Started = true
	CSVHeaders(d.W, d.Name)
	d.W.WriteHeader(http.StatusOK)
}

func (d *CSVDownload) Write(p []byte) (int, error) {
	if !d.Started {
		d.Start()
	}
	return d.W.Write(p)
}

// CSVHeaders marks a response as a CSV file to save under name.
func CSVHeaders(w http.ResponseWriter, name string) {
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
}
