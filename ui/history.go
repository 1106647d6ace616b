package ui

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
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
	What    string // what changed, in the catalogue's words or app's own (WhatRaw)
	WhatRaw bool
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
	value := func(f string, v any) string { return storedValue(l, f, v) }
	what := func(w string) (string, bool) { return changeWhat(l, w) }
	if l == nil {
		l = i18n.For(i18n.Default)
		field = func(f, v string) string { return f + ": " + v }
		removed = func(v any) string { return fmt.Sprintf("%v (removed)", v) }
		value = func(_ string, v any) string { return fmt.Sprint(v) }
		what = func(w string) (string, bool) { return w, false }
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
			row.What, row.WhatRaw = what(e.What)
			row.Details = changeDetails(e.Before, e.After, field, value, removed)
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
// written by field, each value by value, a removed value by removed.
func changeDetails(before, after string, field func(name, value string) string, value func(string, any) string, removed func(any) string) string {
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
			out = append(out, field(k, value(k, av)))
		case a == nil:
			out = append(out, field(k, removed(value(k, bv))))
		case fmt.Sprint(bv) != fmt.Sprint(av):
			out = append(out, field(k, value(k, bv)+" → "+value(k, av)))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// storedValue words a stored value of a change: a yes or no, a status or a
// role by the catalogue ("active", "user_admin"), anything else as stored.
func storedValue(l *i18n.Localizer, field string, v any) string {
	if b, ok := v.(bool); ok {
		return l.T("history.value."+strconv.FormatBool(b), nil)
	}
	s := fmt.Sprint(v)
	switch field {
	case "status", "role":
		if l.Has(field + "." + s) {
			return l.T(field+"."+s, nil)
		}
	}
	return s
}

// whats are the shapes of a change's "what" (app's words, stored with the
// change: reportline.Change.What) that the catalogue says, each with the
// names of its parts.
var whats = []struct {
	re   *regexp.Regexp
	id   string
	args []string
}{
	{regexp.MustCompile(`^setting (.+)$`), "history.what.setting", []string{"Name"}},
	{regexp.MustCompile(`^password$`), "history.what.password", nil},
	{regexp.MustCompile(`^token (\d+)$`), "history.what.token", []string{"ID"}},
	{regexp.MustCompile(`^session (\w+)$`), "history.what.session", []string{"ID"}},
	{regexp.MustCompile(`^sessions$`), "history.what.sessions", nil},
	{regexp.MustCompile(`^sessions ended by (.+) single logout$`), "history.what.single_logout", []string{"Provider"}},
	{regexp.MustCompile(`^sso identity (.+)$`), "history.what.sso_identity", []string{"Provider"}},
	{regexp.MustCompile(`^sign-in (.+)$`), "history.what.sign_in", []string{"Method"}},
	{regexp.MustCompile(`^tenant single sign-on$`), "history.what.tenant_sso", nil},
	{regexp.MustCompile(`^webhook (\d+)$`), "history.what.webhook", []string{"ID"}},
	{regexp.MustCompile(`^webhook (\d+) delivery (\d+) replayed$`), "history.what.webhook_replay", []string{"ID", "Delivery"}},
	{regexp.MustCompile(`^absence (\d+)$`), "history.what.absence", []string{"ID"}},
	{regexp.MustCompile(`^plan (\d+) created$`), "history.what.plan_created", []string{"ID"}},
	{regexp.MustCompile(`^plan (\d+) approved$`), "history.what.plan_approved", []string{"ID"}},
	{regexp.MustCompile(`^plan (\d+) scheduled$`), "history.what.plan_scheduled", []string{"ID"}},
	{regexp.MustCompile(`^plan (\d+) cancelled$`), "history.what.plan_cancelled", []string{"ID"}},
	{regexp.MustCompile(`^plan (\d+) (\w+)$`), "history.what.plan_status", []string{"ID", "Status"}},
	{regexp.MustCompile(`^plan (\d+): (\d+) changes added$`), "history.what.plan_added", []string{"ID", "N"}},
	{regexp.MustCompile(`^plan (\d+): change (\d+) removed$`), "history.what.plan_removed", []string{"ID", "N"}},
}

// changeWhat says a change's "what" in the reader's language where the
// catalogue knows its shape, else as app stored it (raw).
func changeWhat(l *i18n.Localizer, what string) (text string, raw bool) {
	for _, w := range whats {
		m := w.re.FindStringSubmatch(what)
		if m == nil || !l.Has(w.id) {
			continue
		}
		args := map[string]any{}
		for i, name := range w.args {
			args[name] = m[i+1]
		}
		return l.T(w.id, args), false
	}
	return what, what != ""
}
