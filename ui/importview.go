package ui

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"reportline"
	"reportline/i18n"
)

// importPage is one import: its progress while it runs, then its counts,
// its rejected lines and its changes, and for a preview the Apply button.
type importPage struct {
	page
	Batch     reportline.ImportBatch
	Noun      string // "Preview" or "Import"
	By        string
	When      string
	Status    flag
	Running   bool
	Progress  progressView
	Format    *formatView // unknown after a restart
	Stats     []stat
	Rejected  []rejectedRow // the first maxShown
	Changes   []changeRow   // the first maxShown
	Managees  int           // distinct managees whose links change
	Apply     *applyBox     // shown for a finished preview the viewer may apply
	Nothing   string        // why a finished preview has nothing to apply
	AppliedAs *historyRow   // the apply of this preview, if any
	Files     *fileLinks    // for a finished import
	Failure   words         // why it failed (storedWords)
}

// progressView is a running import's progress bar.
type progressView struct {
	Label       string
	Detail      string
	Value, Max  int64
	Determinate bool // a known share of the work is done
}

// formatView is how the uploaded file was written.
type formatView struct {
	Encoding  string
	Separator string
}

// stat is one count of the summary.
type stat struct {
	Key   string // a CSS class suffix and an id
	Label string
	N     int
}

// rejectedRow is a line the import refused (or noted, for a duplicate).
type rejectedRow struct {
	Line             int
	Manager, Managee string
	Reason           string
	Flag             flag
	Message          string
	Words            words // Message, or the catalogue's sentence for Reason (appOr)
}

// changeRow is a link the import adds, updates or removes.
type changeRow struct {
	Action           reportline.Action
	Flag             flag
	Manager, Managee string
	Kind             reportline.Kind
	ValidFrom, Until string
	HasDates         bool
}

// applyBox is the Apply form with what it will do.
type applyBox struct {
	URL  string
	Text string
}

// fileLinks are the downloads of a finished import.
type fileLinks struct {
	Upload, Rejected, Changes string
}

// maxShown bounds the rejected lines and changes listed on the page; the
// files hold them all.
const maxShown = 200

// importPage shows an import.
func (u *UI) importPage(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := importID(r)
	if err != nil {
		return err
	}
	b, err := u.app.GetImport(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	l := u.loc(r)
	p := &importPage{Batch: b, Noun: l.T("import.noun.import", nil), Status: statusFlag(l, b),
		Failure: storedWords(l, b.Error, b.ErrorID, b.ErrorArgs)}
	if b.DryRun {
		p.Noun = l.T("import.noun.preview", nil)
	}
	if p.page, err = u.base(ctx, v, l.T("import.title", map[string]any{"Noun": p.Noun, "ID": b.ID}), 0); err != nil {
		return err
	}
	p.Here = "bulk"
	p.By = byName(u.actorNames(ctx, v, []reportline.ImportBatch{b}, l), b)
	p.When = l.Moment(b.CreatedAt, viewerLocation(v.User))
	switch b.Status {
	case reportline.ImportRunning:
		p.Running, p.Refresh = true, 1
		p.Progress = progressOf(l, b)
	case reportline.ImportDone:
		if err := u.finishedImport(ctx, v, p, l); err != nil {
			return err
		}
	}
	u.render(w, r, http.StatusOK, "import", p)
	return nil
}

// finishedImport fills in what a finished import shows.
func (u *UI) finishedImport(ctx context.Context, v viewer, p *importPage, l *i18n.Localizer) error {
	b := p.Batch
	if b.Encoding != "" {
		p.Format = &formatView{Encoding: encodingLabel(l, b.Encoding), Separator: separatorLabel(l, b.Separator)}
	}
	c := b.Counts
	p.Stats = []stat{{"add", l.T("import.stat.add", nil), c.Add}, {"update", l.T("import.stat.update", nil), c.Update},
		{"remove", l.T("import.stat.remove", nil), c.Remove}, {"unchanged", l.T("import.stat.unchanged", nil), c.Unchanged},
		{"duplicate", l.T("import.stat.duplicate", nil), c.Duplicate}, {"rejected", l.T("import.stat.rejected", nil), c.Rejected}}
	if b.DryRun {
		p.Stats[0].Label, p.Stats[1].Label, p.Stats[2].Label = l.T("import.stat.to_add", nil), l.T("import.stat.to_update", nil), l.T("import.stat.to_remove", nil)
	}
	url := importURL(b.ID)
	p.Files = &fileLinks{Upload: url + "/upload.csv", Rejected: url + "/rejected.csv", Changes: url + "/changes.csv"}
	if c.Rejected+c.Duplicate > 0 {
		if err := u.readKept(ctx, v, b.ID, reportline.FileRejected, func(rec []string) bool {
			if len(p.Rejected) == maxShown {
				return false
			}
			p.Rejected = append(p.Rejected, rejectedOf(l, rec))
			return true
		}); err != nil {
			return err
		}
	}
	if c.Add+c.Update+c.Remove > 0 {
		if err := u.readKept(ctx, v, b.ID, reportline.FileChanges, func(rec []string) bool {
			if len(p.Changes) == maxShown {
				return false
			}
			p.Changes = append(p.Changes, changeOf(l, rec))
			return true
		}); err != nil {
			return err
		}
		p.Managees = c.Changed
	}
	if !b.DryRun {
		return nil
	}
	applied, mayImport, err := u.applyOf(ctx, v, b.ID, l)
	if err != nil {
		return err
	}
	p.AppliedAs = applied
	switch {
	case c.Add+c.Update+c.Remove == 0:
		p.Nothing = nothingText(l, c)
	case mayImport && (applied == nil || applied.Batch.Status == reportline.ImportFailed):
		p.Apply = &applyBox{URL: url + "/apply", Text: applyText(l, c, p.Managees)}
	}
	return nil
}

// nothingText says why a preview changes nothing.
func nothingText(l *i18n.Localizer, c reportline.ImportCounts) string {
	switch {
	case c.Rejected > 0 && c.Unchanged == 0:
		return l.T("import.nothing.none_accepted", nil)
	case c.Rejected > 0:
		return l.T("import.nothing.accepted_unchanged", nil)
	}
	return l.T("import.nothing.unchanged", nil)
}

// applyOf finds the apply of a preview among the viewer's imports, newest
// first, and says whether the viewer may import at all (app decides again
// on Apply).
func (u *UI) applyOf(ctx context.Context, v viewer, preview int64, l *i18n.Localizer) (*historyRow, bool, error) {
	var before int64
	for range 10 { // imports after the preview: a few pages at most
		list, err := u.app.ListImports(ctx, v.Actor, before, 100)
		if reportline.IsCode(err, reportline.Forbidden) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		for _, b := range list {
			if b.ID <= preview {
				return nil, true, nil
			}
			if b.PreviewID == preview && !b.DryRun {
				return &historyRow{Batch: b, URL: importURL(b.ID), Status: statusFlag(l, b)}, true, nil
			}
		}
		if len(list) < 100 {
			break
		}
		before = list[len(list)-1].ID
	}
	return nil, true, nil
}

// applyText says exactly what Apply will do.
func applyText(l *i18n.Localizer, c reportline.ImportCounts, managees int) string {
	var parts []string
	if c.Add > 0 {
		parts = append(parts, l.N("import.apply.add", c.Add, map[string]any{"N": l.Number(c.Add)}))
	}
	if c.Update > 0 {
		parts = append(parts, l.T("import.apply.update", map[string]any{"N": l.Number(c.Update)}))
	}
	if c.Remove > 0 {
		parts = append(parts, l.T("import.apply.remove", map[string]any{"N": l.Number(c.Remove)}))
	}
	changes := strings.Join(parts, "")
	if len(parts) > 1 {
		changes = l.T("import.apply.and", map[string]any{"First": strings.Join(parts[:len(parts)-1], ", "), "Last": parts[len(parts)-1]})
	}
	s := l.T("import.apply.text", map[string]any{"Changes": changes})
	if managees > 0 {
		s = l.N("import.apply.text_for", managees, map[string]any{"Changes": changes, "N": l.Number(managees)})
	}
	if c.Rejected > 0 {
		s += " " + l.N("import.apply.rejected", c.Rejected, map[string]any{"N": l.Number(c.Rejected)})
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// readKept calls fn with each line of a file kept with an import (its
// header skipped) until fn returns false.
func (u *UI) readKept(ctx context.Context, v viewer, id int64, kind reportline.ImportFileKind, fn func([]string) bool) error {
	f, err := u.app.GetImportFile(ctx, v.Actor, id, kind)
	if err != nil {
		return err
	}
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	if _, err := cr.Read(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("read %s of import %d: %w", kind, id, err)
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s of import %d: %w", kind, id, err)
		}
		if !fn(rec) {
			return nil
		}
	}
}

// cell returns a kept file's cell for people: the files are written for
// spreadsheets, with a quote before a cell a spreadsheet would take for a
// formula, which the page need not show.
func cell(rec []string, i int) string {
	if i >= len(rec) {
		return ""
	}
	s := rec[i]
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

// rejectedOf reads a line of rejected.csv: line, manager, managee, reason,
// message, message id, message arguments. A line that names its message
// (a malformed line: the CSV reader's "error.csv.*") is said in the
// catalogue's words; files kept before those columns existed have none.
func rejectedOf(l *i18n.Localizer, rec []string) rejectedRow {
	line, _ := strconv.Atoi(cell(rec, 0))
	reason := cell(rec, 3)
	row := rejectedRow{Line: line, Manager: cell(rec, 1), Managee: cell(rec, 2), Reason: reason, Flag: reasonFlag(l, reason), Message: cell(rec, 4)}
	if id := cell(rec, 5); id != "" {
		var args map[string]any
		if s := cell(rec, 6); s == "" || json.Unmarshal([]byte(s), &args) == nil {
			if text, ok := said(l, id, args); ok {
				row.Words = words{Text: text}
				return row
			}
		}
	}
	row.Words = appOr(l, row.Message, "import.reason_text."+reason, map[string]any{"Manager": row.Manager, "Managee": row.Managee})
	return row
}

// changeOf reads a line of changes.csv: change, manager, managee, kind,
// valid from, valid until.
func changeOf(l *i18n.Localizer, rec []string) changeRow {
	action := reportline.Action(cell(rec, 0))
	row := changeRow{Action: action, Flag: actionFlag(l, action), Manager: cell(rec, 1), Managee: cell(rec, 2),
		Kind: reportline.Kind(cell(rec, 3)), ValidFrom: cell(rec, 4), Until: cell(rec, 5)}
	row.HasDates = row.ValidFrom != "" || row.Until != ""
	return row
}

// progressOf describes a running import's progress.
func progressOf(l *i18n.Localizer, b reportline.ImportBatch) progressView {
	p := progressView{Value: b.Done, Max: b.Total, Determinate: b.Total > 0 && b.Done > 0}
	switch b.Phase {
	case "receiving", "reading":
		p.Label = l.T("import.progress.reading", nil)
		if b.Phase == "receiving" {
			p.Label = l.T("import.progress.receiving", nil)
		}
		if p.Determinate {
			p.Detail = l.T("import.progress.bytes", map[string]any{"Done": size(l, b.Done), "Total": size(l, b.Total)})
		}
	case "checking":
		p.Label = l.T("import.progress.checking", nil)
	case "writing":
		p.Label = l.T("import.progress.writing", nil)
		if b.Total > 0 {
			p.Detail = l.N("import.progress.changes", int(b.Total), map[string]any{"N": l.Number(int(b.Total))})
		}
	default:
		p.Label = l.T("import.progress.starting", nil)
	}
	return p
}

// statusFlag labels an import's status.
func statusFlag(l *i18n.Localizer, b reportline.ImportBatch) flag {
	switch b.Status {
	case reportline.ImportRunning:
		return flag{l.T("import.status.running", nil), "info"}
	case reportline.ImportFailed:
		return flag{l.T("import.status.failed", nil), "bad"}
	case reportline.ImportDone:
		return flag{l.T("import.status.done", nil), "ok"}
	}
	return flag{string(b.Status), "muted"}
}

// reasonTones are the tones of the reasons app gives for a rejected line;
// their labels are the catalogue's import.reason.* messages.
var reasonTones = map[string]string{
	"malformed": "bad", "invalid_email": "bad", "unknown": "bad", "inactive": "bad", "self": "bad",
	"out_of_scope": "bad", "cycle": "bad", "conflict": "bad", "managee_skipped": "bad", "duplicate": "warn",
}

func reasonFlag(l *i18n.Localizer, reason string) flag {
	if tone, ok := reasonTones[reason]; ok {
		return flag{l.T("import.reason."+reason, nil), tone}
	}
	return flag{reason, "bad"}
}

// actionFlag labels a change.
func actionFlag(l *i18n.Localizer, a reportline.Action) flag {
	switch a {
	case reportline.ActionAdd:
		return flag{l.T("import.action.add", nil), "ok"}
	case reportline.ActionUpdate:
		return flag{l.T("import.action.update", nil), "info"}
	case reportline.ActionRemove:
		return flag{l.T("import.action.remove", nil), "bad"}
	}
	return flag{string(a), "muted"}
}

// encodings are the encodings csvio reports.
var encodings = []string{"utf-8", "utf-8-bom", "utf-16le", "utf-16be", "windows-1252"}

// encodingLabel names the encodings csvio reports.
func encodingLabel(l *i18n.Localizer, e string) string {
	if slices.Contains(encodings, e) {
		return l.T("encoding."+e, nil)
	}
	return e
}

// separators are the separators app reports.
var separators = []string{"comma", "semicolon", "tab", "pipe"}

// separatorLabel names the separators app reports.
func separatorLabel(l *i18n.Localizer, s string) string {
	if slices.Contains(separators, s) {
		return l.T("separator."+s, nil)
	}
	return s
}

// importKind is how the history names an import.
func importKind(l *i18n.Localizer, b reportline.ImportBatch) string {
	switch {
	case b.DryRun:
		return l.T("import.noun.preview", nil)
	case b.PreviewID != 0:
		return l.T("import.apply_of", map[string]any{"ID": b.PreviewID})
	}
	return l.T("import.noun.import", nil)
}
