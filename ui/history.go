package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/csvio"
	"reportline/i18n"
	"reportline/policy"
)

// eventRow is one event of the history, in words.
type eventRow struct {
	At      time.Time
	When    string // At in the viewer's time zone, labelled
	Actor   string // "Ada Lovelace", "the system"
	Summary string // "Frank Petit added as line manager of Gina Roux"
	Via     string // "via CSV import #12", "via the web UI"
	What    string // what app says changed, in its own words (English)
	Details string // a change's changed fields, "" for a link
	Person  reportline.UserID
}

// historyPage is the audit page: the link audit and the change log merged.
type historyPage struct {
	page
	Person, Actor, Source, From, To string // the filters as typed
	Sources                         []reportline.Source
	Rows                            []eventRow
	More                            bool
	NeedPerson                      bool   // the viewer may read only about one person at a time
	CSVURL                          string // the same filters as CSV
}

// historyFilter reads the page's filters. A person or actor that the viewer
// may not list (or who does not exist) is a field error.
func (u *UI) historyFilter(r *http.Request, v viewer, p *historyPage) (app.HistoryFilter, error) {
	q := r.URL.Query()
	p.Person, p.Actor = strings.TrimSpace(q.Get("person")), strings.TrimSpace(q.Get("actor"))
	p.Source, p.From, p.To = q.Get("source"), q.Get("from"), q.Get("to")
	var f app.HistoryFilter
	var err error
	if f.UserID, err = u.personByEmail(r, v, "person", p.Person); err != nil {
		return f, err
	}
	if f.ActorID, err = u.personByEmail(r, v, "actor", p.Actor); err != nil {
		return f, err
	}
	if p.Source != "" {
		f.Source = reportline.Source(p.Source)
	}
	day := func(field, s string) (time.Time, error) {
		if s == "" {
			return time.Time{}, nil
		}
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return d, reportline.FieldError(field, s, "%q is not a date (YYYY-MM-DD)", s)
		}
		return d, nil
	}
	if f.From, err = day("from", p.From); err != nil {
		return f, err
	}
	if f.To, err = day("to", p.To); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1) // the whole day
	}
	return f, nil
}

// personByEmail finds a person the viewer may list by email.
func (u *UI) personByEmail(r *http.Request, v viewer, field, email string) (reportline.UserID, error) {
	if email == "" {
		return 0, nil
	}
	found, err := u.app.FindUsers(r.Context(), v.Actor, reportline.UserFilter{Email: email, Limit: 1}, 0)
	if err != nil {
		return 0, err
	}
	if len(found.Users) == 0 {
		return 0, reportline.FieldError(field, email, "you administrate nobody with the address %q", email)
	}
	return found.Users[0].ID, nil
}

// history shows the audit page.
func (u *UI) history(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	var p historyPage
	f, err := u.historyFilter(r, v, &p)
	if err != nil {
		return err
	}
	if p.page, err = u.base(ctx, v, u.loc(r).T("history.title", nil), 0); err != nil {
		return err
	}
	p.Here = "history"
	p.Sources = []reportline.Source{reportline.SourceUI, reportline.SourceAPI, reportline.SourceCLI, reportline.SourceCSV,
		reportline.SourceImportAPI, reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM, reportline.SourceOrgStructure}
	if f.UserID == 0 && !u.may(r, v, policy.ReadAudit) {
		// Group and user admins read the history of one person at a time.
		if !p.CanList {
			return reportline.Errorf(reportline.Forbidden, "only admins may read the history")
		}
		p.NeedPerson = true
		u.render(w, r, http.StatusOK, "history", p)
		return nil
	}
	h, err := u.app.History(ctx, v.Actor, f)
	if err != nil {
		return err
	}
	p.Rows, p.More = eventRows(h, viewerLocation(v.User), u.loc(r)), h.More
	p.CSVURL = withQuery("/history.csv", "person", p.Person, "actor", p.Actor, "source", p.Source, "from", p.From, "to", p.To)
	u.render(w, r, http.StatusOK, "history", p)
	return nil
}

// historyCSV exports the history with the page's filters, through csvio's
// writer and its formula guard.
func (u *UI) historyCSV(w http.ResponseWriter, r *http.Request, v viewer) error {
	var p historyPage
	f, err := u.historyFilter(r, v, &p)
	if err != nil {
		return err
	}
	f.Limit = 100000
	h, err := u.app.History(r.Context(), v.Actor, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="history.csv"`)
	w.Header().Set("Cache-Control", "no-store")
	cw := csvio.NewWriter(w, csvio.WriterOptions{})
	cw.Write([]string{"time_utc", "actor", "what", "via", "details"})
	// In English whatever the viewer's language: a file for scripts and
	// spreadsheets, with the header's column names.
	for _, row := range eventRows(h, time.UTC, nil) {
		what := row.Summary
		if row.What != "" {
			what += " (" + row.What + ")"
		}
		cw.Write([]string{row.At.UTC().Format(time.RFC3339), row.Actor, what, row.Via, row.Details})
	}
	return cw.Flush()
}

// eventRows puts events into words, in l's language, times in loc. A nil
// l is the CSV export's: English, with the changed fields by their ids.
func eventRows(h app.HistoryPage, loc *time.Location, l *i18n.Localizer) []eventRow {
	field := func(f, v string) string {
		return l.T("history.field", map[string]any{"Field": fieldLabel(l, f), "Value": v})
	}
	removed := func(v any) string { return l.T("history.removed_value", map[string]any{"Value": fmt.Sprint(v)}) }
	if l == nil {
		l = i18n.For(i18n.Default)
		field = func(f, v string) string { return f + ": " + v }
		removed = func(v any) string { return fmt.Sprintf("%v (removed)", v) }
	}
	name := func(id reportline.UserID) string {
		if id == 0 {
			return l.T("history.system", nil)
		}
		if n, ok := h.Names[id]; ok {
			return n
		}
		return l.T("history.deleted_user", map[string]any{"ID": id})
	}
	rows := make([]eventRow, 0, len(h.Events))
	for _, e := range h.Events {
		row := eventRow{At: e.At, When: l.Moment(e.At, loc), Actor: name(e.ActorID), Person: e.UserID}
		if e.BatchID != 0 {
			row.Via = l.T("history.via_import", map[string]any{"ID": e.BatchID})
		} else if e.Source != "" {
			row.Via = l.T("history.via", map[string]any{"Source": l.T("source."+string(e.Source), nil)})
		}
		if e.Link {
			row.Person = e.ManageeID
			action := e.Action
			if action != "add" && action != "remove" {
				action = "update"
			}
			kind := "manager"
			if e.Kind != "" {
				kind = string(e.Kind)
			}
			row.Summary = l.T("history.link."+action, map[string]any{"Manager": name(e.ManagerID), "Managee": name(e.ManageeID),
				"Kind": l.T("history.kind."+kind, nil)})
		} else {
			row.Summary = changeLabel(e.Action, l)
			if e.UserID != 0 {
				row.Summary = l.T("history.change_about", map[string]any{"Change": row.Summary, "Name": name(e.UserID)})
			}
			row.What = e.What
			row.Details = changeDetails(e.Before, e.After, field, removed)
		}
		rows = append(rows, row)
	}
	return rows
}

// changeLabel words a change log's action, from the catalogue
// ("change.user.create"), else from the action's name.
func changeLabel(action string, l *i18n.Localizer) string {
	if l.Has("change." + action) {
		return l.T("change."+action, nil)
	}
	s := strings.NewReplacer(".", " ", "_", " ").Replace(action)
	if s == "" {
		return "Change"
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// changeDetails lists a change's fields as "field: before → after", each
// written by field, a removed value by removed.
func changeDetails(before, after string, field func(name, value string) string, removed func(any) string) string {
	var b, a map[string]any
	json.Unmarshal([]byte(before), &b)
	json.Unmarshal([]byte(after), &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		bv, av := b[k], a[k]
		switch {
		case b == nil:
			out = append(out, field(k, fmt.Sprint(av)))
		case a == nil:
			out = append(out, field(k, removed(bv)))
		case fmt.Sprint(bv) != fmt.Sprint(av):
			out = append(out, field(k, fmt.Sprintf("%v → %v", bv, av)))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}
