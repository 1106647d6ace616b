package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/i18n"
)

// TestRunningImportPage renders a running import: a progress bar and a
// refresh, so the page follows the import without JavaScript.
func TestRunningImportPage(t *testing.T) {
	t.Parallel()
	u, err := New(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	viewer := reportline.User{ID: 1, Email: "ada@acme.test", FirstName: "Ada", Status: reportline.StatusActive}
	for _, tc := range []struct {
		name  string
		batch reportline.ImportBatch
		want  []string
	}{
		{"reading", reportline.ImportBatch{Phase: "reading", Done: 512 << 10, Total: 2 << 20},
			[]string{`<progress id="progress" max="2097152" value="524288"`, "Reading the file…", "512 KiB of 2 MiB"}},
		{"checking", reportline.ImportBatch{Phase: "checking"},
			[]string{`<progress id="progress" aria-labelledby="progress-label"></progress>`, "Checking every line…"}},
		{"writing", reportline.ImportBatch{Phase: "writing", Total: 1234},
			[]string{"Saving the changes…", "1,234 changes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.batch
			b.ID, b.DryRun, b.Status, b.FileName, b.CreatedAt = 7, true, reportline.ImportRunning, "team.csv", time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
			p := importPage{page: page{Title: "Preview #7", Viewer: &viewer, CanEdit: true, Here: "bulk", Refresh: 1},
				Batch: b, Noun: "Preview", Status: statusFlag(i18n.For("en"), b), Running: true, Progress: progressOf(i18n.For("en"), b), By: "Ada", When: formatTime(b.CreatedAt, time.UTC)}
			w := httptest.NewRecorder()
			u.render(w, httptest.NewRequest(http.MethodGet, "/managers/imports/7", nil), http.StatusOK, "import", p)
			body := w.Body.String()
			for _, want := range append(tc.want, `<meta http-equiv="refresh" content="1">`, "Preview #7", `<span class="flag flag-info">Running</span>`,
				"This page refreshes every second until the preview is done.", "23 Nov 2026, 09:00 UTC") {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			if strings.Contains(body, `id="apply"`) || strings.Contains(body, `id="summary"`) {
				t.Errorf("a running import shows its outcome")
			}
		})
	}
}

func TestApplyText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		counts   reportline.ImportCounts
		managees int
		want     string
	}{
		{reportline.ImportCounts{Add: 1}, 1, "This will add 1 link for 1 managee."},
		{reportline.ImportCounts{Add: 3, Remove: 1, Update: 2, Rejected: 2}, 4,
			"This will add 3 links, update 2 and remove 1 for 4 managees. The 2 rejected lines are left out and those managees keep their managers."},
		{reportline.ImportCounts{Remove: 1200, Rejected: 1}, 1000,
			"This will remove 1,200 for 1,000 managees. The rejected line is left out and its managee keeps their managers."},
	} {
		if got := applyText(i18n.For("en"), tc.counts, tc.managees); got != tc.want {
			t.Errorf("applyText(%+v, %d)\n got %q\nwant %q", tc.counts, tc.managees, got, tc.want)
		}
	}
}

func TestNumAndByteSize(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := num(n); got != want {
			t.Errorf("num(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int64]string{1: "1 byte", 900: "900 bytes", 1536: "1.5 KiB", 200 << 20: "200 MiB", 3 << 30: "3 GiB"} {
		if got := byteSize(n); got != want {
			t.Errorf("byteSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestKeptCellsLoseTheirFormulaGuard(t *testing.T) {
	t.Parallel()
	rec := []string{"'=1+1", "'-x@acme.test", "'plain", "'", "a@b"}
	for i, want := range []string{"=1+1", "-x@acme.test", "'plain", "'", "a@b", ""} {
		if got := cell(rec, i); got != want {
			t.Errorf("cell %d = %q, want %q", i, got, want)
		}
	}
}
