package api

import (
	"net/http"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/web"
)

// UserCSVResult is the answer of POST /api/v2/users-import/csv: one entry
// per data row of the file, in the file's order.
type UserCSVResult struct {
	DryRun         bool           `json:"dry_run" doc:"true: nothing was changed; the rows say what an import would do"`
	Encoding       string         `json:"encoding" enum:"utf-8,utf-8-bom,utf-16le,utf-16be,windows-1252"`
	Separator      string         `json:"separator" doc:"the separator found: \",\", \";\" or a tab"`
	Columns        []string       `json:"columns" doc:"the columns found, by the names of the JSON import's fields"`
	IgnoredColumns []string       `json:"ignored_columns,omitempty" doc:"header cells of known LMS fields, accepted and not used"`
	Counts         map[string]int `json:"counts" doc:"rows, created, updated, unchanged and failed"`
	Rows           []UserCSVRow   `json:"rows"`
}

// UserCSVRow is the outcome of one row of a users CSV.
type UserCSVRow struct {
	Line   int               `json:"line" doc:"the file's line where the row starts (the header is line 1)"`
	UID    string            `json:"uid,omitempty"`
	Email  string            `json:"email,omitempty"`
	OK     bool              `json:"ok"`
	Result *UserImportResult `json:"result,omitempty"`
	Error  *ImportError      `json:"error,omitempty" doc:"why the row was refused; field names the column"`
}

// userCSVRoute is the users CSV import, listed with the /api/v2 routes.
func (v *V2) userCSVRoute() route {
	return route{id: "importUsersCSV", method: "POST", path: "/api/v2/users-import/csv", tag: "import-api",
		summary: "Import a CSV file of users (columns named like the fields of users-import/single: uid, email, firstname, secondname, is_active, birth_date, position, department, manager_id, manager_uid…; ',' ';' or tab; UTF-8, UTF-16 or Windows-1252) row by row, each row all or nothing as users-import/single; an absent column leaves that field alone, an empty manager cell removes the user's line managers",
		query:   []param{{"dry_run", "boolean", "true: check every row and change nothing"}},
		request: csvBody{}, response: UserCSVResult{}, status: http.StatusOK, handler: v.importCSV}
}

// importCSV streams the body into the import: rows are read and imported one
// after the other, so a slow upload never holds a transaction open.
func (v *V2) importCSV(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, reportline.Errorf(reportline.Invalid, "send the file itself as the body (Content-Type: text/csv), not %s", ct)
	}
	if r.ContentLength > app.MaxUserCSVBytes {
		return nil, web.TooLarge("the file", app.MaxUserCSVBytes)
	}
	dry := r.URL.Query().Get("dry_run")
	if dry != "" && dry != "true" && dry != "false" {
		return nil, reportline.FieldError("dry_run", dry, "dry_run must be true or false")
	}
	rep, err := v.app.ImportUsersCSV(r.Context(), actor, r.Body, app.UserCSVOptions{DryRun: dry == "true"})
	if err != nil {
		return nil, err
	}
	return toUserCSVResult(rep), nil
}

func toUserCSVResult(rep app.UserCSVReport) UserCSVResult {
	c := rep.Counts
	out := UserCSVResult{DryRun: rep.DryRun, Encoding: rep.Encoding, Separator: string(rep.Separator),
		Columns: rep.Columns, IgnoredColumns: rep.Ignored, Rows: make([]UserCSVRow, len(rep.Rows)),
		Counts: map[string]int{"rows": c.Rows, "created": c.Created, "updated": c.Updated, "unchanged": c.Unchanged, "failed": c.Failed}}
	for i, row := range rep.Rows {
		o := UserCSVRow{Line: row.Line, UID: row.UID, Email: row.Email}
		if row.Err != nil {
			o.Error = toImportError(row.Err)
		} else {
			res := toUserImportResult(row.Result, nil)
			o.OK, o.Result = true, &res
		}
		out.Rows[i] = o
	}
	return out
}
