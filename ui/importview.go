package ui

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"reportline"
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
	b, err := u.app.ImportBatch(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	p := &importPage{Batch: b, Noun: "Import", Status: statusFlag(b)}
	if b.DryRun {
		p.Noun = "Preview"
	}
	if p.page, err = u.base(ctx, v, fmt.Sprintf("%s #%d", p.Noun, b.ID), 0); err != nil {
		return err
	}
	p.Here = "bulk"
	p.By = byName(u.actorNames(ctx, v, []reportline.ImportBatch{b}), b)
	p.When = formatTime(b.CreatedAt, viewerLocation(v.User))
	switch b.Status {
	case reportline.ImportRunning:
		p.Running, p.Refresh = true, 1
		p.Progress = progressOf(b)
	case reportline.ImportDone:
		if err := u.finishedImport(ctx, v, p); err != nil {
			return err
		}
	}
	u.render(w, r, http.StatusOK, "import", p)
	return nil
}

// finishedImport fills in what a finished import shows.
func (u *UI) finishedImport(ctx context.Context, v viewer, p *importPage) error {
	b := p.Batch
	if b.Encoding != "" {
		p.Format = &formatView{Encoding: encodingLabel(b.Encoding), Separator: separatorLabel(b.Separator)}
	}
	c := b.Counts
	p.Stats = []stat{{"add", "Added", c.Add}, {"update", "Updated", c.Update}, {"remove", "Removed", c.Remove},
		{"unchanged", "Unchanged", c.Unchanged}, {"duplicate", "Duplicates", c.Duplicate}, {"rejected", "Rejected", c.Rejected}}
	if b.DryRun {
		p.Stats[0].Label, p.Stats[1].Label, p.Stats[2].Label = "To add", "To update", "To remove"
	}
	url := importURL(b.ID)
	p.Files = &fileLinks{Upload: url + "/upload.csv", Rejected: url + "/rejected.csv", Changes: url + "/changes.csv"}
	if c.Rejected+c.Duplicate > 0 {
		if err := u.readKept(ctx, v, b.ID, reportline.FileRejected, func(rec []string) bool {
			if len(p.Rejected) == maxShown {
				return false
			}
			p.Rejected = append(p.Rejected, rejectedOf(rec))
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
			p.Changes = append(p.Changes, changeOf(rec))
			return true
		}); err != nil {
			return err
		}
		p.Managees = c.Changed
	}
	if !b.DryRun {
		return nil
	}
	applied, mayImport, err := u.applyOf(ctx, v, b.ID)
	if err != nil {
		return err
	}
	p.AppliedAs = applied
	switch {
	case c.Add+c.Update+c.Remove == 0:
		p.Nothing = nothingText(c)
	case mayImport && (applied == nil || applied.Batch.Status == reportline.ImportFailed):
		p.Apply = &applyBox{URL: url + "/apply", Text: applyText(c, p.Managees)}
	}
	return nil
}

// nothingText says why a preview changes nothing.
func nothingText(c reportline.ImportCounts) string {
	switch {
	case c.Rejected > 0 && c.Unchanged == 0:
		return "Nothing to apply: no line was accepted. Fix the rejected lines and upload the file again."
	case c.Rejected > 0:
		return "Nothing to apply: the accepted lines are already as the file says. Fix the rejected lines and upload the file again."
	}
	return "Nothing to apply: every link is already as the file says."
}

// applyOf finds the apply of a preview among the viewer's imports, newest
// first, and says whether the viewer may import at all (app decides again
// on Apply).
func (u *UI) applyOf(ctx context.Context, v viewer, preview int64) (*historyRow, bool, error) {
	var before int64
	for range 10 { // imports after the preview: a few pages at most
		list, err := u.app.Imports(ctx, v.Actor, before, 100)
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
				return &historyRow{Batch: b, URL: importURL(b.ID), Status: statusFlag(b)}, true, nil
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
func applyText(c reportline.ImportCounts, managees int) string {
	var parts []string
	if c.Add > 0 {
		parts = append(parts, fmt.Sprintf("add %s %s", num(c.Add), plural(c.Add, "link", "links")))
	}
	if c.Update > 0 {
		parts = append(parts, "update "+num(c.Update))
	}
	if c.Remove > 0 {
		parts = append(parts, "remove "+num(c.Remove))
	}
	s := "This will " + joinAnd(parts)
	if managees > 0 {
		s += fmt.Sprintf(" for %s %s", num(managees), plural(managees, "managee", "managees"))
	}
	s += "."
	switch {
	case c.Rejected == 1:
		s += " The rejected line is left out and its managee keeps their managers."
	case c.Rejected > 1:
		s += fmt.Sprintf(" The %s rejected lines are left out and those managees keep their managers.", num(c.Rejected))
	}
	return s
}

// joinAnd joins "a", "b", "c" as "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
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
	f, err := u.app.ImportFile(ctx, v.Actor, id, kind)
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
// message.
func rejectedOf(rec []string) rejectedRow {
	line, _ := strconv.Atoi(cell(rec, 0))
	reason := cell(rec, 3)
	return rejectedRow{Line: line, Manager: cell(rec, 1), Managee: cell(rec, 2), Reason: reason, Flag: reasonFlag(reason), Message: cell(rec, 4)}
}

// changeOf reads a line of changes.csv: change, manager, managee, kind,
// valid from, valid until.
func changeOf(rec []string) changeRow {
	action := reportline.Action(cell(rec, 0))
	row := changeRow{Action: action, Flag: actionFlag(action), Manager: cell(rec, 1), Managee: cell(rec, 2),
		Kind: reportline.Kind(cell(rec, 3)), ValidFrom: cell(rec, 4), Until: cell(rec, 5)}
	row.HasDates = row.ValidFrom != "" || row.Until != ""
	return row
}

// progressOf describes a running import's progress.
func progressOf(b reportline.ImportBatch) progressView {
	p := progressView{Value: b.Done, Max: b.Total, Determinate: b.Total > 0 && b.Done > 0}
	switch b.Phase {
	case "receiving", "reading":
		p.Label = "Reading the file"
		if b.Phase == "receiving" {
			p.Label = "Receiving the file"
		}
		if p.Determinate {
			p.Detail = fmt.Sprintf("%s of %s", byteSize(b.Done), byteSize(b.Total))
		}
	case "checking":
		p.Label = "Checking every line"
	case "writing":
		p.Label = "Saving the changes"
		if b.Total > 0 {
			p.Detail = fmt.Sprintf("%s %s", num(int(b.Total)), plural(int(b.Total), "change", "changes"))
		}
	default:
		p.Label = "Starting"
	}
	return p
}

// statusFlag labels an import's status.
func statusFlag(b reportline.ImportBatch) flag {
	switch b.Status {
	case reportline.ImportRunning:
		return flag{"Running", "info"}
	case reportline.ImportFailed:
		return flag{"Failed", "bad"}
	case reportline.ImportDone:
		return flag{"Done", "ok"}
	}
	return flag{string(b.Status), "muted"}
}

// reasonFlags label the reasons app gives for a rejected line.
var reasonFlags = map[string]flag{
	"malformed":       {"Malformed line", "bad"},
	"invalid_email":   {"Not an email address", "bad"},
	"unknown":         {"Unknown address", "bad"},
	"inactive":        {"Inactive", "bad"},
	"self":            {"Same person", "bad"},
	"out_of_scope":    {"Out of scope", "bad"},
	"cycle":           {"Cycle", "bad"},
	"conflict":        {"Conflicting lines", "bad"},
	"managee_skipped": {"Managee left as is", "bad"},
	"duplicate":       {"Duplicate", "warn"},
}

func reasonFlag(reason string) flag {
	if f, ok := reasonFlags[reason]; ok {
		return f
	}
	return flag{reason, "bad"}
}

// actionFlag labels a change.
func actionFlag(a reportline.Action) flag {
	switch a {
	case reportline.ActionAdd:
		return flag{"Add", "ok"}
	case reportline.ActionUpdate:
		return flag{"Update", "info"}
	case reportline.ActionRemove:
		return flag{"Remove", "bad"}
	}
	return flag{string(a), "muted"}
}

// encodingLabel names the encodings csvio reports.
func encodingLabel(e string) string {
	switch e {
	case "utf-8":
		return "UTF-8"
	case "utf-8-bom":
		return "UTF-8 with BOM"
	case "utf-16le":
		return "UTF-16 (little-endian)"
	case "utf-16be":
		return "UTF-16 (big-endian)"
	case "windows-1252":
		return "Windows-1252 (Latin-1)"
	}
	return e
}

// separatorLabel names the separators app reports.
func separatorLabel(s string) string {
	switch s {
	case "comma":
		return "Comma (,)"
	case "semicolon":
		return "Semicolon (;)"
	case "tab":
		return "Tab"
	case "pipe":
		return "Pipe (|)"
	}
	return s
}

// importKind is how the history names an import.
func importKind(b reportline.ImportBatch) string {
	switch {
	case b.DryRun:
		return "Preview"
	case b.PreviewID != 0:
		return fmt.Sprintf("Apply of #%d", b.PreviewID)
	}
	return "Import"
}
