package ui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/web"
)

// registerDirectory adds the directory sync pages (platform admins).
func (u *UI) registerDirectory(mux *http.ServeMux) {
	mux.Handle("GET /directory/sync", u.signedIn(u.directorySync))
	mux.Handle("GET /directory/sync/runs/{id}", u.signedIn(u.directorySyncRun))
	mux.Handle("POST /directory/sync/runs/{id}/confirm", u.signedIn(u.confirmSyncRun))
	mux.Handle("POST /directory/scim-groups", u.signedIn(u.mapSCIMGroup))
	mux.Handle("POST /directory/scim-groups/{id}/unmap", u.signedIn(u.unmapSCIMGroup))
}

// confirmSyncRun confirms a held run's deactivations (platform admins): the
// next run of its source applies them if it deactivates no more people.
func (u *UI) confirmSyncRun(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no sync run %q", r.PathValue("id"))
	}
	if _, err := u.app.ConfirmHeldRun(r.Context(), v.Actor, id); err != nil {
		return err
	}
	seeOther(w, r, "/directory/sync/runs/"+strconv.FormatInt(id, 10)+"?confirmed=1")
	return nil
}

// syncRunsShown is how many runs of each source the page lists.
const syncRunsShown = 10

// syncChangesShown is how many user changes a run's page lists.
const syncChangesShown = 500

// directorySyncPage lists each directory source's last runs, and the groups
// SCIM clients manage with the form that maps a directory group onto an
// existing group.
type directorySyncPage struct {
	page
	Sources    []syncSourceView
	SCIMGroups []reportline.SCIMGroup
	Groups     []app.GroupView // the groups a directory group may be mapped onto
	Problem    *problem        // a mapping refused
	Done       string          // "mapped" or "unmapped" after the redirect
	// The mapping form as sent, kept when it was refused.
	MapGroup                  reportline.GroupID
	MapExternalID, MapDisplay string
}

// syncSourceView is one source's card.
type syncSourceView struct {
	Source reportline.Source
	Label  string
	Runs   []syncRunRow
}

// syncRunRow is one run as the pages show it.
type syncRunRow struct {
	Run    reportline.SyncRun
	URL    string
	When   string // started, in UTC
	Took   string // "" while running
	Kind   string // "Applied" or "Dry run", "whole directory" or "changes"
	Status flag
	Error  words // why it failed or was held (storedWords); "" when neither
}

func newSyncRunRow(l *i18n.Localizer, r reportline.SyncRun) syncRunRow {
	row := syncRunRow{Run: r, URL: "/directory/sync/runs/" + strconv.FormatInt(r.ID, 10), When: l.Moment(r.Started, time.UTC)}
	if r.Error != "" {
		row.Error = storedWords(l, r.Error, r.ErrorID, r.ErrorArgs)
	}
	if !r.Finished.IsZero() {
		took := r.Finished.Sub(r.Started).Round(10 * time.Millisecond)
		row.Took = l.T("sync.took", map[string]any{"S": l.Decimal(took.Seconds())})
	}
	kind := "sync.kind.applied"
	if r.DryRun {
		kind = "sync.kind.dry_run"
	}
	if r.Full {
		kind += "_full"
	}
	row.Kind = l.T(kind, nil)
	switch {
	case r.Status == reportline.ImportRunning:
		row.Status = flag{l.T("import.status.running", nil), "warn"}
	case r.Status == reportline.ImportFailed:
		row.Status = flag{l.T("import.status.failed", nil), "bad"}
	case r.Status == reportline.SyncHeld:
		row.Status = flag{l.N("sync.status.held", r.Counts.Held, map[string]any{"N": l.Number(r.Counts.Held)}), "bad"}
	case r.ProblemCount > 0:
		row.Status = flag{l.N("sync.status.problems", r.ProblemCount, map[string]any{"N": l.Number(r.ProblemCount)}), "warn"}
	default:
		row.Status = flag{l.T("import.status.done", nil), "ok"}
	}
	return row
}

func (u *UI) directorySync(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.directorySyncPage(r.Context(), v, u.loc(r))
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); d == "mapped" || d == "unmapped" {
		p.Done = d
	}
	u.render(w, r, http.StatusOK, "directory_sync", p)
	return nil
}

func (u *UI) directorySyncPage(ctx context.Context, v viewer, l *i18n.Localizer) (*directorySyncPage, error) {
	p := &directorySyncPage{}
	for _, s := range []reportline.Source{reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM} {
		runs, err := u.app.ListSyncRuns(ctx, v.Actor, s, syncRunsShown)
		if err != nil {
			return nil, err
		}
		view := syncSourceView{Source: s, Label: syncSourceLabel(l, s)}
		for _, run := range runs {
			view.Runs = append(view.Runs, newSyncRunRow(l, run))
		}
		p.Sources = append(p.Sources, view)
	}
	var err error
	if p.SCIMGroups, err = u.app.ListSCIMGroups(ctx, v.Actor); err != nil {
		return nil, err
	}
	if p.Groups, err = u.app.ListGroups(ctx, v.Actor); err != nil {
		return nil, err
	}
	if p.page, err = u.base(ctx, v, l.T("nav.directory_sync", nil), 0); err != nil {
		return nil, err
	}
	p.Here = "directory-sync"
	return p, nil
}

// mapSCIMGroup maps a directory group onto an existing group (platform
// admins); a refusal shows the page again with the form as sent.
func (u *UI) mapSCIMGroup(w http.ResponseWriter, r *http.Request, v viewer) error {
	group, _ := strconv.ParseInt(r.PostFormValue("group_id"), 10, 64)
	ext, name := r.PostFormValue("external_id"), r.PostFormValue("display_name")
	if _, err := u.app.MapSCIMGroup(r.Context(), v.Actor, reportline.GroupID(max(group, 0)), ext, name); err != nil {
		code := reportline.ErrorCode(err)
		if code != reportline.Invalid && code != reportline.Conflict && code != reportline.NotFound {
			return err
		}
		p, perr := u.directorySyncPage(r.Context(), v, u.loc(r))
		if perr != nil {
			return perr
		}
		p.Problem = problemOf(u.loc(r), err)
		p.MapGroup, p.MapExternalID, p.MapDisplay = reportline.GroupID(group), ext, name
		u.render(w, r, web.Status(code), "directory_sync", p)
		return nil
	}
	seeOther(w, r, "/directory/sync?done=mapped#scim-groups")
	return nil
}

// unmapSCIMGroup ends what SCIM clients manage of a group; its memberships
// stay.
func (u *UI) unmapSCIMGroup(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no SCIM group %q", r.PathValue("id"))
	}
	if err := u.app.UnmapSCIMGroup(r.Context(), v.Actor, reportline.GroupID(id)); err != nil {
		return err
	}
	seeOther(w, r, "/directory/sync?done=unmapped#scim-groups")
	return nil
}

// directorySyncRunPage is one run: its counts, problems and user changes.
type directorySyncRunPage struct {
	page
	Confirmed bool // the held run was just confirmed
	Row       syncRunRow
	Label     string
	Counts    []syncCount
	Changes   []syncChangeRow
	Total     int // user changes recorded
}

type syncCount struct {
	Key, Label string
	N          int
}

type syncChangeRow struct {
	Change reportline.DirectoryChange
	Fields string
}

func (u *UI) directorySyncRun(w http.ResponseWriter, r *http.Request, v viewer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return reportline.Errorf(reportline.NotFound, "there is no sync run %q", r.PathValue("id"))
	}
	ctx := r.Context()
	run, changes, total, err := u.app.SyncRunChanges(ctx, v.Actor, id, syncChangesShown)
	if err != nil {
		return err
	}
	l := u.loc(r)
	p := directorySyncRunPage{Row: newSyncRunRow(l, run), Label: syncSourceLabel(l, run.Source), Total: total, Confirmed: r.URL.Query().Get("confirmed") == "1"}
	c := run.Counts
	p.Counts = []syncCount{
		{"created", "", c.Created}, {"updated", "", c.Updated}, {"deactivated", "", c.Deactivated}, {"reactivated", "", c.Reactivated},
		{"unchanged", "", c.Unchanged}, {"skipped", "", c.Skipped}, {"links-added", "", c.LinksAdded}, {"links-removed", "", c.LinksRemoved},
		{"links-updated", "", c.LinksUpdated}, {"links-unchanged", "", c.LinksUnchanged},
	}
	for i := range p.Counts {
		p.Counts[i].Label = l.T("sync.count."+p.Counts[i].Key, nil)
	}
	for _, ch := range changes {
		var fields []string
		for _, f := range ch.Changes {
			if f.Before == "" {
				fields = append(fields, fmt.Sprintf("%s: %s", fieldLabel(l, f.Field), f.After))
			} else {
				fields = append(fields, fmt.Sprintf("%s: %s → %s", fieldLabel(l, f.Field), f.Before, f.After))
			}
		}
		p.Changes = append(p.Changes, syncChangeRow{Change: ch, Fields: strings.Join(fields, "; ")})
	}
	if p.page, err = u.base(ctx, v, l.T("sync.run_title", map[string]any{"Label": p.Label, "ID": run.ID}), 0); err != nil {
		return err
	}
	p.Here = "directory-sync"
	u.render(w, r, http.StatusOK, "directory_sync_run", p)
	return nil
}

// syncSourceLabel names a directory source on these pages.
func syncSourceLabel(l *i18n.Localizer, s reportline.Source) string {
	switch s {
	case reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM:
		return l.T("sync.source."+string(s), nil)
	}
	return string(s)
}

// syncFields names a sync problem's fields ("email, first_name") in the
// reader's language: a user's fields by their labels, the entry's id and
// manager by the sync's words.
func syncFields(l *i18n.Localizer, fields string) string {
	names := strings.Split(fields, ", ")
	for i, f := range names {
		switch f {
		case "external_id", "manager":
			names[i] = l.T("sync.field."+f, nil)
		default:
			names[i] = fieldLabel(l, f)
		}
	}
	return strings.Join(names, ", ")
}

// syncProblemWords says a sync problem: app's English for English readers,
// the catalogue's sentence for its code for others (appOr).
func syncProblemWords(l *i18n.Localizer, p reportline.SyncProblem) words {
	return appOr(l, p.Reason, "sync.problem_text."+p.Code, map[string]any{"Email": p.Email, "Field": syncFields(l, p.Field)})
}
