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
}

func newSyncRunRow(r reportline.SyncRun) syncRunRow {
	row := syncRunRow{Run: r, URL: "/directory/sync/runs/" + strconv.FormatInt(r.ID, 10), When: r.Started.UTC().Format("2 Jan 2006 15:04 UTC")}
	if !r.Finished.IsZero() {
		row.Took = r.Finished.Sub(r.Started).Round(10 * time.Millisecond).String()
	}
	row.Kind = "Applied"
	if r.DryRun {
		row.Kind = "Dry run"
	}
	if r.Full {
		row.Kind += ", whole directory"
	} else {
		row.Kind += ", changes"
	}
	switch {
	case r.Status == reportline.ImportRunning:
		row.Status = flag{"Running", "warn"}
	case r.Status == reportline.ImportFailed:
		row.Status = flag{"Failed", "bad"}
	case r.Status == reportline.SyncHeld:
		row.Status = flag{fmt.Sprintf("Held: %d deactivations", r.Counts.Held), "bad"}
	case r.ProblemCount > 0:
		row.Status = flag{fmt.Sprintf("Done, %d %s", r.ProblemCount, plural(r.ProblemCount, "problem", "problems")), "warn"}
	default:
		row.Status = flag{"Done", "ok"}
	}
	return row
}

func (u *UI) directorySync(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.directorySyncPage(r.Context(), v)
	if err != nil {
		return err
	}
	if d := r.URL.Query().Get("done"); d == "mapped" || d == "unmapped" {
		p.Done = d
	}
	u.render(w, r, http.StatusOK, "directory_sync", p)
	return nil
}

func (u *UI) directorySyncPage(ctx context.Context, v viewer) (*directorySyncPage, error) {
	p := &directorySyncPage{}
	for _, s := range []reportline.Source{reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM} {
		runs, err := u.app.SyncRuns(ctx, v.Actor, s, syncRunsShown)
		if err != nil {
			return nil, err
		}
		view := syncSourceView{Source: s, Label: syncSourceLabel(s)}
		for _, run := range runs {
			view.Runs = append(view.Runs, newSyncRunRow(run))
		}
		p.Sources = append(p.Sources, view)
	}
	var err error
	if p.SCIMGroups, err = u.app.ListSCIMGroups(ctx, v.Actor); err != nil {
		return nil, err
	}
	if p.Groups, err = u.app.Groups(ctx, v.Actor); err != nil {
		return nil, err
	}
	if p.page, err = u.base(ctx, v, "Directory sync", 0); err != nil {
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
		p, perr := u.directorySyncPage(r.Context(), v)
		if perr != nil {
			return perr
		}
		p.Problem = problemOf(err)
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
	p := directorySyncRunPage{Row: newSyncRunRow(run), Label: syncSourceLabel(run.Source), Total: total, Confirmed: r.URL.Query().Get("confirmed") == "1"}
	c := run.Counts
	p.Counts = []syncCount{
		{"created", "Users created", c.Created}, {"updated", "Users updated", c.Updated},
		{"deactivated", "Users deactivated", c.Deactivated}, {"reactivated", "Users reactivated", c.Reactivated},
		{"unchanged", "Users unchanged", c.Unchanged}, {"skipped", "Users skipped", c.Skipped},
		{"links-added", "Links added", c.LinksAdded}, {"links-removed", "Links removed", c.LinksRemoved},
		{"links-updated", "Links updated", c.LinksUpdated}, {"links-unchanged", "Links unchanged", c.LinksUnchanged},
	}
	for _, ch := range changes {
		var fields []string
		for _, f := range ch.Changes {
			if f.Before == "" {
				fields = append(fields, fmt.Sprintf("%s: %s", f.Field, f.After))
			} else {
				fields = append(fields, fmt.Sprintf("%s: %s → %s", f.Field, f.Before, f.After))
			}
		}
		p.Changes = append(p.Changes, syncChangeRow{Change: ch, Fields: strings.Join(fields, "; ")})
	}
	if p.page, err = u.base(ctx, v, fmt.Sprintf("%s sync #%d", p.Label, run.ID), 0); err != nil {
		return err
	}
	p.Here = "directory-sync"
	u.render(w, r, http.StatusOK, "directory_sync_run", p)
	return nil
}

// syncSourceLabel names a directory source on these pages.
func syncSourceLabel(s reportline.Source) string {
	switch s {
	case reportline.SourceLDAP:
		return "LDAP / Active Directory"
	case reportline.SourceGraph:
		return "Microsoft Entra ID"
	case reportline.SourceSCIM:
		return "SCIM provisioning"
	}
	return string(s)
}
