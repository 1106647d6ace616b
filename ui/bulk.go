package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/i18n"
	"reportline/web"
)

// bulkPage is "Bulk managers": the template, the export, the upload form
// and the history of imports.
type bulkPage struct {
	page
	Groups      []groupOption // the groups the export may be narrowed to
	UploadError *problem      // why the last upload was refused, if it was
	MaxSize     string        // the largest file accepted, for people
	History     []historyRow
	Zone        string // the time zone of the history's times
	Before      int64  // the history starts below this id, 0 for the newest
	OlderURL    string // the next page of the history
	NewestURL   string // the first page, when this is not it
}

// groupOption is a group in the export's group list, indented by depth.
type groupOption struct {
	ID    reportline.GroupID
	Label string
}

// historyRow is an import of the history.
type historyRow struct {
	Batch  reportline.ImportBatch
	URL    string
	When   string
	By     string
	Status flag
	Result string // the counts, in words
}

// historySize is how many imports the history shows at a time.
const historySize = 20

// bulk shows the bulk page.
func (u *UI) bulk(w http.ResponseWriter, r *http.Request, v viewer) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	p, err := u.bulkPage(r.Context(), v, max(before, 0), u.loc(r))
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "bulk", p)
	return nil
}

// bulkPage loads the bulk page. Listing the imports is also the check that
// the viewer may import at all: app refuses everybody who administers no
// group.
func (u *UI) bulkPage(ctx context.Context, v viewer, before int64, l *i18n.Localizer) (*bulkPage, error) {
	list, err := u.app.ListImports(ctx, v.Actor, before, historySize)
	if err != nil {
		return nil, err
	}
	p := &bulkPage{Before: before, MaxSize: size(l, bulkimport.MaxBytes)}
	if p.page, err = u.base(ctx, v, l.T("nav.bulk", nil), 0); err != nil {
		return nil, err
	}
	p.Here = "bulk"
	p.Groups = groupOptions(p.Nav, nil)
	names := u.actorNames(ctx, v, list, l)
	loc := viewerLocation(v.User)
	p.Zone = loc.String()
	for _, b := range list {
		p.History = append(p.History, historyRow{Batch: b, URL: importURL(b.ID), When: b.CreatedAt.In(loc).Format("2 Jan 2006, 15:04"),
			By: byName(names, b), Status: statusFlag(l, b), Result: resultText(l, b)})
	}
	if len(list) == historySize {
		p.OlderURL = withQuery("/managers/bulk", "before", strconv.FormatInt(list[len(list)-1].ID, 10)) + "#history"
	}
	if before != 0 {
		p.NewestURL = "/managers/bulk#history"
	}
	return p, nil
}

// groupOptions flattens the administered groups of the tree, in tree order.
func groupOptions(nodes []*navNode, out []groupOption) []groupOption {
	for _, n := range nodes {
		if n.Administered {
			out = append(out, groupOption{ID: n.ID, Label: strings.Repeat("\u00a0\u00a0\u00a0", n.Depth) + n.Name})
		}
		out = groupOptions(n.Children, out)
	}
	return out
}

// byName names who ran an import: its user, or the system's label (the
// CLI records the operating-system user).
func byName(names map[reportline.UserID]string, b reportline.ImportBatch) string {
	if b.ActorID == 0 && b.ActorLabel != "" {
		return b.ActorLabel
	}
	return names[b.ActorID]
}

// actorNames names the people who ran the imports. Names that cannot be
// had (a user the viewer may not see) fall back to the id.
func (u *UI) actorNames(ctx context.Context, v viewer, list []reportline.ImportBatch, l *i18n.Localizer) map[reportline.UserID]string {
	names := map[reportline.UserID]string{v.User.ID: v.User.Name(), 0: l.T("history.system", nil)}
	for _, b := range list {
		if _, ok := names[b.ActorID]; ok {
			continue
		}
		names[b.ActorID] = l.T("import.user_id", map[string]any{"ID": b.ActorID})
		if usr, err := u.app.GetUser(ctx, v.Actor, b.ActorID); err == nil {
			names[b.ActorID] = usr.Name()
		}
	}
	return names
}

// template downloads the import template.
func (u *UI) template(w http.ResponseWriter, r *http.Request, v viewer) error {
	web.CSVHeaders(w, "managers-template.csv")
	return app.WriteTemplate(w)
}

// export downloads the links the viewer may see, optionally only those of
// one group, optionally for Excel (";" and a BOM).
func (u *UI) export(w http.ResponseWriter, r *http.Request, v viewer) error {
	q := r.URL.Query()
	var group int64
	if s := q.Get("group"); s != "" {
		var err error
		if group, err = strconv.ParseInt(s, 10, 64); err != nil || group <= 0 {
			return reportline.FieldError("group", s, "%q is not a group", s)
		}
	}
	name := "managers-" + time.Now().UTC().Format(time.DateOnly) + ".csv"
	lw := &web.CSVDownload{W: w, Name: name}
	_, err := u.app.ExportManagers(r.Context(), v.Actor, lw, app.ExportOptions{GroupID: reportline.GroupID(group), Excel: q.Get("excel") != ""})
	if err != nil && lw.Started {
		// Too late for an error page: the browser keeps a cut file, and
		// the log says why.
		u.log.Error("export cut short", "request_id", web.RequestID(r.Context()), "err", err)
		return nil
	}
	if err != nil {
		return err
	}
	if !lw.Started {
		lw.Start()
	}
	return nil
}

// resultText sums up a finished import's counts for the history: "2 to
// add · 1 to remove · 1 rejected" for a preview, "2 added · …" once applied.
func resultText(l *i18n.Localizer, b reportline.ImportBatch) string {
	switch b.Status {
	case reportline.ImportRunning:
		return "…"
	case reportline.ImportFailed:
		return l.T("import.result.failed", nil)
	}
	c := b.Counts
	prefix := "import.result."
	if b.DryRun {
		prefix = "import.result.to_"
	}
	var parts []string
	for i, n := range []int{c.Add, c.Update, c.Remove} {
		if n > 0 {
			parts = append(parts, l.N(prefix+[3]string{"add", "update", "remove"}[i], n, map[string]any{"N": l.Number(n)}))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, l.T("import.result.none", nil))
	}
	if c.Rejected > 0 {
		parts = append(parts, l.N("import.result.rejected", c.Rejected, map[string]any{"N": l.Number(c.Rejected)}))
	}
	return strings.Join(parts, " · ")
}
