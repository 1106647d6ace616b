package app_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/bulkimport"
	"reportline/internal/testapp"
	"reportline/store"
)

func importCSV(t *testing.T, o *org, actor app.Actor, csv string, dryRun bool) bulkimport.Result {
	t.Helper()
	res, err := o.env.App.ImportManagers(context.Background(), actor, strings.NewReader(csv), bulkimport.Options{FileName: "test.csv", DryRun: dryRun})
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return res
}

// rejections renders rejected lines as "line:reason" for comparison.
func rejections(res bulkimport.Result) []string {
	var out []string
	for _, r := range res.Rejected {
		out = append(out, fmt.Sprintf("%d:%s", r.Line, r.Reason))
	}
	return out
}

func TestImportSeedExampleAndReplaceSemantics(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine) // mgr → x
		// w has two managers on two lines; y's line has an empty manager
		// cell; x is absent from the file and keeps mgr.
		o.link(t, o.mgr, o.y, reportline.Line)
		res := importCSV(t, o, ui(o.pa), "email of manager,email of managee\n"+
			"ga@example.com,w@example.com\n"+
			"ua@example.com,w@example.com\n"+
			",y@example.com\n", false)
		if len(res.Rejected) != 0 {
			t.Fatalf("rejected: %+v", res.Rejected)
		}
		c := res.Batch.Counts
		if c.Lines != 3 || c.Add != 2 || c.Remove != 1 || c.Managees != 2 || res.Batch.Status != reportline.ImportDone {
			t.Errorf("counts = %+v, status %s", c, res.Batch.Status)
		}
		if got := o.managers(t, o.w); !slices.Equal(got, []string{"ga@example.com", "ua@example.com"}) {
			t.Errorf("w's managers = %v", got)
		}
		if got := o.managers(t, o.y); len(got) != 0 {
			t.Errorf("an empty manager cell must clear y's managers, got %v", got)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
			t.Errorf("x is not in the file and must keep mgr, got %v", got)
		}
		// The same file again changes and audits nothing.
		entries, _ := o.env.App.Audit(context.Background(), ui(o.pa), reportline.AuditFilter{Limit: 1000})
		again := importCSV(t, o, ui(o.pa), "email of manager,email of managee\nga@example.com,w@example.com\nua@example.com,w@example.com\n,y@example.com\n", false)
		if again.Batch.Counts.Add+again.Batch.Counts.Remove+again.Batch.Counts.Update != 0 || again.Batch.Counts.Unchanged != 2 {
			t.Errorf("re-import counts = %+v", again.Batch.Counts)
		}
		after, _ := o.env.App.Audit(context.Background(), ui(o.pa), reportline.AuditFilter{Limit: 1000})
		if len(after) != len(entries) {
			t.Errorf("re-import wrote %d audit entries", len(after)-len(entries))
		}
		// Audit entries of the first import point at its batch.
		batchEntries, _ := o.env.App.Audit(context.Background(), ui(o.pa), reportline.AuditFilter{BatchID: res.Batch.ID})
		if len(batchEntries) != 3 || batchEntries[0].Source != reportline.SourceCSV {
			t.Errorf("batch audit = %+v", batchEntries)
		}
	})
}

func TestImportRejectsLinesWithReasonsAndKeepsThoseManagees(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine) // mgr → x
		o.link(t, o.x, o.y, reportline.Line)
		file := "Email of Manager;Email of Managee\r\n" + // line 1
			"ghost@example.com;w@example.com\r\n" + // 2 unknown manager: w untouched
			"ga@example.com;w@example.com\r\n" + // 3 skipped with w
			"off@example.com;z@example.com\r\n" + // 4 inactive manager
			"y@example.com;y@example.com\r\n" + // 5 self
			"not-an-email;mem@example.com\r\n" + // 6 invalid
			"y@example.com;x@example.com\r\n" + // 7 cycle x → y → x
			"\r\n" + // 8 blank: skipped
			"ga@example.com;mgr@example.com\r\n" + // 9 fine
			"ga@example.com;mgr@example.com\r\n" + // 10 duplicate
			"ga@example.com;\"unterminated\r\n" // 11 malformed
		res := importCSV(t, o, ui(o.pa), file, false)
		want := []string{"2:unknown", "3:managee_skipped", "4:inactive", "5:self", "6:invalid_email", "7:cycle", "10:duplicate", "11:malformed"}
		if got := rejections(res); !slices.Equal(got, want) {
			t.Errorf("rejections = %v, want %v", got, want)
		}
		for _, r := range res.Rejected {
			if r.Message == "" {
				t.Errorf("line %d has no message", r.Line)
			}
			if r.Reason == "cycle" && !strings.Contains(r.Message, "y@example.com → x@example.com → y@example.com") {
				t.Errorf("cycle message = %q", r.Message)
			}
		}
		if res.Batch.Counts.Rejected != 7 || res.Batch.Counts.Duplicate != 1 || res.Batch.Counts.Add != 1 {
			t.Errorf("counts = %+v", res.Batch.Counts)
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
			t.Errorf("x's line closes a cycle: x must keep its managers, got %v", got)
		}
		if got := o.managers(t, o.w); len(got) != 0 {
			t.Errorf("w had a rejected line: nothing may change for w, got %v", got)
		}
		if got := o.managers(t, o.mgr); !slices.Equal(got, []string{"ga@example.com"}) {
			t.Errorf("mgr's managers = %v", got)
		}
	})
}

func TestImportScopeOfGroupAdmins(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine) // mgr → x; ua administers A1 only
		res := importCSV(t, o, ui(o.ua), "email of manager,email of managee\ny@example.com,w@example.com\nz@example.com,w@example.com\ny@example.com,x@example.com\n", false)
		// Line 3 names z (group B): w is left alone. Line 4 would replace
		// x's manager mgr, who is in A, outside ua's groups.
		want := []string{"2:managee_skipped", "3:out_of_scope", "4:out_of_scope"}
		if got := rejections(res); !slices.Equal(got, want) {
			t.Errorf("rejections = %v, want %v", got, want)
		}
		if res.Batch.Counts.Add != 0 || len(o.managers(t, o.w)) != 0 {
			t.Errorf("nothing may be applied: %+v", res.Batch.Counts)
		}
		if _, err := o.env.App.ImportManagers(context.Background(), ui(o.mem), strings.NewReader("email of manager,email of managee\n"), bulkimport.Options{}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("a plain member importing: %v, want forbidden", err)
		}
	})
}

func TestImportPreviewThenApply(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine)
		file := "email of manager,email of managee\nga@example.com,w@example.com\nga@example.com,y@example.com\n"
		preview := importCSV(t, o, ui(o.ga), file, true)
		if preview.Batch.Counts.Add != 2 || len(preview.Changes) != 2 || len(o.managers(t, o.w)) != 0 {
			t.Fatalf("preview = %+v, changes %v; nothing may be written", preview.Batch.Counts, preview.Changes)
		}
		// Meanwhile someone gives y a manager by hand; the apply re-checks.
		o.link(t, o.mgr, o.y, reportline.Line)
		if _, err := o.env.App.ApplyImport(ctx, ui(o.ua), preview.Batch.ID, bulkimport.Options{}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("applying someone else's preview: %v, want forbidden", err)
		}
		res, err := o.env.App.ApplyImport(ctx, ui(o.ga), preview.Batch.ID, bulkimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Batch.Counts.Add != 2 || res.Batch.Counts.Remove != 1 || res.Batch.DryRun {
			t.Errorf("apply = %+v, rejected %+v", res.Batch, res.Rejected)
		}
		if got := o.managers(t, o.y); !slices.Equal(got, []string{"ga@example.com"}) {
			t.Errorf("y's managers = %v", got)
		}
		if _, err := o.env.App.ApplyImport(ctx, ui(o.ga), res.Batch.ID, bulkimport.Options{}); !reportline.IsCode(err, reportline.Conflict) {
			t.Errorf("applying an apply: %v, want conflict", err)
		}
		// History and kept files.
		list, err := o.env.App.ListImports(ctx, ui(o.ga), 0, 10)
		if err != nil || len(list) != 2 {
			t.Fatalf("history = %d imports, %v", len(list), err)
		}
		r, err := o.env.App.GetImportFile(ctx, ui(o.ga), res.Batch.ID, reportline.FileChanges)
		if err != nil {
			t.Fatal(err)
		}
		changes, _ := io.ReadAll(r)
		if !strings.Contains(string(changes), "remove,mgr@example.com,y@example.com,line") {
			t.Errorf("changes file = %s", changes)
		}
		r, _ = o.env.App.GetImportFile(ctx, ui(o.ga), preview.Batch.ID, reportline.FileUpload)
		if up, _ := io.ReadAll(r); string(up) != file {
			t.Errorf("kept upload = %q", up)
		}
	})
}

// TestImportIsAtomic makes the database refuse one insert in the middle of
// an import and checks that nothing of it stays.
func TestImportIsAtomic(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		trap := fmt.Sprintf(`CREATE TRIGGER trap BEFORE INSERT ON links FOR EACH ROW WHEN (NEW.managee_id = %d)
			BEGIN SELECT RAISE(ABORT, 'trap'); END`, o.w.ID)
		if engine == store.Postgres {
			trap = fmt.Sprintf(`CREATE FUNCTION trap() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'trap'; END $f$;
				CREATE TRIGGER trap BEFORE INSERT ON links FOR EACH ROW WHEN (NEW.managee_id = %d) EXECUTE FUNCTION trap()`, o.w.ID)
		}
		if err := o.env.DB.Write(ctx, func(tx *store.Tx) error { return tx.ExecRaw(ctx, trap) }); err != nil {
			t.Fatal(err)
		}
		_, err := o.env.App.ImportManagers(ctx, ui(o.pa), strings.NewReader("email of manager,email of managee\n"+
			"ga@example.com,x@example.com\nga@example.com,y@example.com\nga@example.com,w@example.com\nga@example.com,mem@example.com\n"), bulkimport.Options{})
		if err == nil {
			t.Fatal("the trap did not fire")
		}
		if got := o.managers(t, o.x); !slices.Equal(got, []string{"mgr@example.com"}) {
			t.Errorf("x's managers = %v; a failed import must leave everything as it was", got)
		}
		if got := o.managers(t, o.y); len(got) != 0 {
			t.Errorf("y's managers = %v; a failed import must leave everything as it was", got)
		}
		list, _ := o.env.App.ListImports(ctx, ui(o.pa), 0, 1)
		if len(list) != 1 || list[0].Status != reportline.ImportFailed || list[0].Error == "" {
			t.Errorf("the failed import must be recorded as failed: %+v", list)
		}
	})
}

func TestImportRejectsFilesThatAreNotCSV(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		for name, file := range map[string]string{
			"empty":      "",
			"no header":  "king@arthur.co,sir@lancelot.io\n",
			"binary":     "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
			"wrong cols": "name,department\nJane,Sales\n",
		} {
			_, err := o.env.App.ImportManagers(context.Background(), ui(o.pa), strings.NewReader(file), bulkimport.Options{})
			if !reportline.IsCode(err, reportline.Invalid) || reportline.ErrorMessage(err) == "" {
				t.Errorf("%s: %v, want one clear invalid error", name, err)
			}
		}
	})
}

// TestExportImportRoundTrip exports links of every kind and with dates,
// imports the file as it is, and expects no change at all.
func TestExportImportRoundTrip(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		o.link(t, o.x, o.y, reportline.Line)
		o.link(t, o.ga, o.y, reportline.Functional)
		if _, err := o.env.App.AddLinks(ctx, sys, app.LinkRequest{User: o.w.ID, Direction: reportline.Managers, IDs: []reportline.UserID{o.ua.ID},
			ValidUntil: o.env.Now.Now().AddDate(0, 1, 0).Truncate(24 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var buf strings.Builder
		n, err := o.env.App.ExportManagers(ctx, ui(o.pa), &buf, app.ExportOptions{})
		if err != nil || n != 4 {
			t.Fatalf("export = %d links, %v", n, err)
		}
		if !strings.HasPrefix(buf.String(), "email of manager,email of managee,kind,source,valid from,valid until\n") {
			t.Errorf("export header: %q", buf.String())
		}
		res := importCSV(t, o, ui(o.pa), buf.String(), false)
		c := res.Batch.Counts
		if c.Unchanged != 4 || c.Add+c.Remove+c.Update+c.Rejected != 0 {
			t.Errorf("round trip counts = %+v, rejected %+v", c, res.Rejected)
		}
		// The group admin's export holds only links inside their groups,
		// in the European Excel variant.
		buf.Reset()
		n, err = o.env.App.ExportManagers(ctx, ui(o.ua), &buf, app.ExportOptions{Excel: true})
		if err != nil || n != 2 || !strings.HasPrefix(buf.String(), "\ufeffemail of manager;email of managee") {
			t.Errorf("user admin export = %d, %v: %q", n, err, buf.String())
		}
		if _, err := o.env.App.ExportManagers(ctx, ui(o.mem), io.Discard, app.ExportOptions{}); !reportline.IsCode(err, reportline.Forbidden) {
			t.Errorf("member export: %v", err)
		}
	})
}

// TestConcurrentImportsDoNotInterleave runs two imports of the same
// managees at once: each must apply whole, one after the other.
func TestConcurrentImportsDoNotInterleave(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		o := newOrg(t, engine)
		files := []string{
			"email of manager,email of managee\nga@example.com,w@example.com\nga@example.com,y@example.com\n",
			"email of manager,email of managee\nua@example.com,w@example.com\nua@example.com,y@example.com\n",
		}
		errs := make(chan error, len(files))
		for _, f := range files {
			go func() {
				_, err := o.env.App.ImportManagers(context.Background(), ui(o.pa), strings.NewReader(f), bulkimport.Options{})
				errs <- err
			}()
		}
		for range files {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		w, y := o.managers(t, o.w), o.managers(t, o.y)
		if len(w) != 1 || !slices.Equal(w, y) {
			t.Errorf("w's managers %v and y's %v must both come from the last import", w, y)
		}
	})
}

// TestImportAuditHasWholeLinks checks what an apply writes for links it
// updates and removes: the plan holds only pairs, kinds and dates, so the
// rest (comment, source, creator, creation time) must be read back for the
// audit's before-images and kept by an update.
func TestImportAuditHasWholeLinks(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		if _, err := o.env.App.AddLinks(ctx, ui(o.pa), app.LinkRequest{User: o.w.ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{o.mgr.ID}, Comment: "acting lead"}); err != nil {
			t.Fatal(err)
		}
		o.link(t, o.ga, o.y, reportline.Line)
		linkOf := func(p reportline.Pair) (l reportline.Link) {
			t.Helper()
			if err := o.env.DB.Read(ctx, func(tx *store.Tx) error {
				var err error
				l, err = tx.Link(ctx, p)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return l
		}
		updated, removed := reportline.Pair{ManagerID: o.mgr.ID, ManageeID: o.w.ID}, reportline.Pair{ManagerID: o.ga.ID, ManageeID: o.y.ID}
		wasUpdated, wasRemoved := linkOf(updated), linkOf(removed)
		o.env.Now.Set(o.env.Now.Now().Add(time.Hour))
		res := importCSV(t, o, ui(o.pa), "email of manager,email of managee,kind,source,valid from,valid until\n"+
			"mgr@example.com,w@example.com,line,ui,2031-01-01,\n"+
			",y@example.com,,,,\n", false)
		if c := res.Batch.Counts; c.Update != 1 || c.Remove != 1 || c.Rejected != 0 {
			t.Fatalf("counts = %+v, rejected %+v", c, res.Rejected)
		}
		want := wasUpdated
		want.Source, want.ValidFrom = reportline.SourceCSV, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)
		if got := linkOf(updated); got != want {
			t.Errorf("updated link = %+v, want %+v (comment, creator and creation kept)", got, want)
		}
		entries, err := o.env.App.Audit(ctx, ui(o.pa), reportline.AuditFilter{BatchID: res.Batch.ID})
		if err != nil || len(entries) != 2 {
			t.Fatalf("batch audit = %+v, %v", entries, err)
		}
		for _, e := range entries {
			switch e.Action {
			case reportline.ActionUpdate:
				if e.Before == nil || *e.Before != wasUpdated || e.After == nil || *e.After != want {
					t.Errorf("update audit: before %+v, after %+v; want %+v, %+v", e.Before, e.After, wasUpdated, want)
				}
			case reportline.ActionRemove:
				if e.Before == nil || *e.Before != wasRemoved || e.After != nil {
					t.Errorf("remove audit: before %+v, after %+v; want %+v", e.Before, e.After, wasRemoved)
				}
			default:
				t.Errorf("unexpected audit entry %+v", e)
			}
		}
	})
}
