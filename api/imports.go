package api

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/web"
)

// csvBody marks a CSV request or response body in the route table.
type csvBody struct{}

// written is returned by handlers that wrote their own response.
type written struct{}

// Import is an import (a preview or an apply) as the API shows it.
type Import struct {
	ID         int64                   `json:"id"`
	ActorID    int64                   `json:"actor_id,omitempty"`
	Actor      string                  `json:"actor,omitempty" doc:"who ran it when no user did, e.g. system (os user root) for the CLI without --as"`
	FileName   string                  `json:"file_name"`
	FileSize   int64                   `json:"file_size"`
	DryRun     bool                    `json:"dry_run"`
	Status     string                  `json:"status" enum:"running,done,failed"`
	Phase      string                  `json:"phase,omitempty"`
	Done       int64                   `json:"progress_done,omitempty"`
	Total      int64                   `json:"progress_total,omitempty"`
	Counts     reportline.ImportCounts `json:"counts"`
	Encoding   string                  `json:"encoding,omitempty" doc:"as detected: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252"`
	Separator  string                  `json:"separator,omitempty" enum:"comma,semicolon,tab,pipe"`
	Error      string                  `json:"error,omitempty"`
	PreviewID  int64                   `json:"preview_id,omitempty"`
	CreatedAt  time.Time               `json:"created_at"`
	FinishedAt *time.Time              `json:"finished_at,omitempty"`
	Files      map[string]string       `json:"files" doc:"URLs of the kept upload, rejected lines and changes (CSV)"`
}

func toImport(b reportline.ImportBatch) Import {
	out := Import{ID: b.ID, ActorID: int64(b.ActorID), Actor: b.ActorLabel, FileName: b.FileName, FileSize: b.FileSize, DryRun: b.DryRun, Status: string(b.Status),
		Phase: b.Phase, Done: b.Done, Total: b.Total, Counts: b.Counts, Encoding: b.Encoding, Separator: b.Separator, Error: b.Error, PreviewID: b.PreviewID, CreatedAt: b.CreatedAt,
		FinishedAt: timePtr(b.FinishedAt), Files: map[string]string{}}
	if b.Status == reportline.ImportDone {
		for _, k := range []reportline.ImportFileKind{reportline.FileUpload, reportline.FileRejected, reportline.FileChanges} {
			out.Files[string(k)] = fmt.Sprintf("/api/v1/managers/imports/%d/files/%s", b.ID, k)
		}
	}
	return out
}

// ImportResult is an import with the first of its rejected lines and
// changes; the files hold them all.
type ImportResult struct {
	Import    Import                    `json:"import"`
	Encoding  string                    `json:"encoding"`
	Separator string                    `json:"separator"`
	Rejected  []bulkimport.RejectedLine `json:"rejected"`
	Changes   []Change                  `json:"changes"`
	Truncated bool                      `json:"truncated" doc:"true when the lists hold only the first entries; download the files for all"`
}

// Change is one link an import adds, updates or removes.
type Change struct {
	Action     string `json:"action" enum:"add,update,remove"`
	Manager    string `json:"manager"`
	Managee    string `json:"managee"`
	Kind       string `json:"kind"`
	ValidFrom  string `json:"valid_from,omitempty"`
	ValidUntil string `json:"valid_until,omitempty"`
}

// maxListed bounds the lists inlined in an import's JSON answer.
const maxListed = 1000

func toImportResult(r bulkimport.Result) ImportResult {
	out := ImportResult{Import: toImport(r.Batch), Encoding: r.Encoding, Separator: r.Separator,
		Rejected: r.Rejected, Changes: []Change{}}
	if out.Rejected == nil {
		out.Rejected = []bulkimport.RejectedLine{}
	}
	if len(out.Rejected) > maxListed {
		out.Rejected, out.Truncated = out.Rejected[:maxListed], true
	}
	for i, c := range r.Changes {
		if i == maxListed {
			out.Truncated = true
			break
		}
		out.Changes = append(out.Changes, Change{Action: string(c.Action), Manager: c.Manager, Managee: c.Managee, Kind: string(c.Kind),
			ValidFrom: dateOnly(c.ValidFrom), ValidUntil: dateOnly(c.ValidUntil)})
	}
	return out
}

func dateOnly(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// ImportList is a page of the import history.
type ImportList struct {
	Imports []Import `json:"imports"`
}

func (api *API) template(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	web.CSVHeaders(w, "managers-template.csv")
	return written{}, app.WriteTemplate(w)
}

func (api *API) export(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	group, err := queryInt(r, "group_id")
	if err != nil {
		return nil, err
	}
	lw := &web.CSVDownload{W: w, Name: "managers-" + time.Now().UTC().Format("2006-01-02") + ".csv"}
	_, err = api.app.ExportManagers(r.Context(), actor, lw, app.ExportOptions{GroupID: reportline.GroupID(group), Excel: r.URL.Query().Get("excel") == "true"})
	if err != nil && lw.Started {
		// Too late for an error status: the client sees a cut file, and
		// the log says why.
		api.log.Error("export cut short", "request_id", web.RequestID(r.Context()), "err", err)
		return written{}, nil
	}
	if err != nil {
		return nil, err
	}
	if !lw.Started {
		lw.Start()
	}
	return written{}, nil
}

func (api *API) startImport(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "text/csv") && !strings.HasPrefix(ct, "text/plain") && !strings.HasPrefix(ct, "application/octet-stream") {
		return nil, reportline.Errorf(reportline.Invalid, "send the file itself as the body (Content-Type: text/csv), not %s", ct)
	}
	if r.ContentLength > bulkimport.MaxBytes {
		return nil, web.TooLarge("the file", bulkimport.MaxBytes)
	}
	name := q.Get("file_name")
	if name == "" {
		name = "upload.csv"
	}
	res, err := api.app.ImportManagers(r.Context(), actor, r.Body, bulkimport.Options{FileName: name, Size: r.ContentLength, DryRun: q.Get("dry_run") == "true"})
	if err != nil {
		return nil, err
	}
	return toImportResult(res), nil
}

func (api *API) applyImport(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	res, err := api.app.ApplyImport(r.Context(), actor, id, bulkimport.Options{})
	if err != nil {
		return nil, err
	}
	return toImportResult(res), nil
}

func (api *API) listImports(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	before, err := queryInt(r, "before")
	if err != nil {
		return nil, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return nil, err
	}
	list, err := api.app.ListImports(r.Context(), actor, before, int(limit))
	if err != nil {
		return nil, err
	}
	out := ImportList{Imports: []Import{}}
	for _, b := range list {
		out.Imports = append(out.Imports, toImport(b))
	}
	return out, nil
}

func (api *API) getImport(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	b, err := api.app.GetImport(r.Context(), actor, id)
	if err != nil {
		return nil, err
	}
	return toImport(b), nil
}

func (api *API) importFile(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	kind := reportline.ImportFileKind(r.PathValue("kind"))
	switch kind {
	case reportline.FileUpload, reportline.FileRejected, reportline.FileChanges:
	default:
		return nil, reportline.FieldError("kind", string(kind), "the file is upload, rejected or changes")
	}
	f, err := api.app.GetImportFile(r.Context(), actor, id, kind)
	if err != nil {
		return nil, err
	}
	web.CSVHeaders(w, fmt.Sprintf("import-%d-%s.csv", id, kind))
	if _, err := io.Copy(w, f); err != nil {
		api.log.Warn("send import file", "request_id", web.RequestID(r.Context()), "err", err)
	}
	return written{}, nil
}
