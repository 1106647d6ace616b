package bench_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/refdata"
	"reportline/store"
)

// These tests check that the import and export benchmarks measure the
// right thing, at a small size: the files are what they claim, and product
// and floors agree on every answer. They assert no timing.

func TestImportFilesAreWhatTheyClaim(t *testing.T) {
	o := orgFor(t, testConfig)
	files := importFilesFor(t, o)
	if files.lines != len(o.Pairs()) {
		t.Fatalf("%d lines, want %d", files.lines, len(o.Pairs()))
	}
	for name, data := range map[string][]byte{"unchanged": files.unchanged, "worst": files.worst, "ten": files.ten} {
		n, err := floorCSV(data)
		if err != nil || n != files.lines {
			t.Errorf("%s: encoding/csv reads %d lines (%v), want %d", name, n, err, files.lines)
		}
		n, err = decodeLayer(data)
		if err != nil || n != files.lines {
			t.Errorf("%s: csvio reads %d lines (%v), want %d", name, n, err, files.lines)
		}
	}
	for _, c := range []struct {
		name    string
		keys    []uint64
		add, rm int
		min     float64 // the least share of lines changed
		max     float64
	}{
		{"worst", files.worstKeys, files.worstAdd, files.worstRm, 0.9, 1},
		{"ten", files.tenKeys, files.tenAdd, files.tenRm, 0.05, 0.15},
	} {
		if len(c.keys) != files.lines || c.add != c.rm {
			t.Errorf("%s: %d links, %d added, %d removed; want %d links, as many added as removed", c.name, len(c.keys), c.add, c.rm, files.lines)
		}
		if share := float64(c.add) / float64(files.lines); share < c.min || share > c.max {
			t.Errorf("%s: %.1f %% of the links change, want %.0f–%.0f %%", c.name, 100*share, 100*c.min, 100*c.max)
		}
		changed := 0
		for i, k := range c.keys {
			m, e := keyManager(k), keyManagee(k)
			switch {
			case i > 0 && c.keys[i-1] == k:
				t.Fatalf("%s: link %d → %d twice", c.name, m, e)
			case o.LevelOf(m) >= o.LevelOf(e):
				t.Fatalf("%s: link %d → %d does not point up (levels %d, %d): the file could make a cycle", c.name, m, e, o.LevelOf(m), o.LevelOf(e))
			}
			if _, ok := slices.BinarySearch(files.current, k); !ok {
				changed++
				if !o.Active(m) || !o.Active(e) {
					t.Fatalf("%s: new link %d → %d names an inactive account", c.name, m, e)
				}
			}
		}
		if changed != c.add {
			t.Errorf("%s: %d links not in the org, want %d", c.name, changed, c.add)
		}
	}
}

func TestImportBenchmarksCheckTheirAnswers(t *testing.T) {
	engines(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		f := newFixture(t, engine, testConfig)
		files := importFilesFor(t, f.org)
		before, err := stateOf(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if before.links != files.lines || before.fresh != 0 {
			t.Fatalf("loaded: %+v, want %d links as loaded", before, files.lines)
		}
		for _, c := range []struct {
			name    string
			data    []byte
			add, rm int
		}{{"worst", files.worst, files.worstAdd, files.worstRm}, {"unchanged", files.unchanged, 0, 0}, {"ten", files.ten, files.tenAdd, files.tenRm}} {
			got, err := floorDryRun(ctx, f, c.data)
			if want := (dryCounts{files.lines, c.add, c.rm}); err != nil || got != want {
				t.Errorf("floor dry run of %s: %+v (%v), want %+v", c.name, got, err, want)
			}
			res, err := importBytes(ctx, f.app, c.name+".csv", c.data, true)
			if err == nil {
				err = checkCounts(res, files.lines, c.add, c.rm)
			}
			if err != nil {
				t.Errorf("dry run of %s: %v", c.name, err)
			}
		}
		res, err := importBytes(ctx, f.app, "unchanged.csv", files.unchanged, false)
		if err == nil {
			err = checkCounts(res, files.lines, 0, 0)
		}
		if err != nil {
			t.Error(err)
		}
		if err := checkUnwritten(ctx, f, before); err != nil {
			t.Error(err)
		}

		// Product and floor leave the same links.
		for _, c := range []struct {
			name    string
			data    []byte
			want    []uint64
			add, rm int
		}{{"worst", files.worst, files.worstKeys, files.worstAdd, files.worstRm}, {"ten", files.ten, files.tenKeys, files.tenAdd, files.tenRm}} {
			p := newFixture(t, engine, testConfig)
			res, err := importBytes(ctx, p.app, c.name+".csv", c.data, false)
			if err == nil {
				err = checkCounts(res, files.lines, c.add, c.rm)
			}
			if err == nil {
				err = checkLinks(ctx, p.raw, c.want)
			}
			if err != nil {
				t.Errorf("import of %s: %v", c.name, err)
			}
			if s, err := stateOf(ctx, p); err != nil || s.audit != before.audit+c.add+c.rm || s.fresh != c.add {
				t.Errorf("after the import of %s: %+v (%v), want %d audit entries and %d new links", c.name, s, err, before.audit+c.add+c.rm, c.add)
			}
			fl := newFixture(t, engine, testConfig)
			add, rm, err := floorReplace(ctx, fl, c.data)
			if err == nil && (add != int64(c.add) || rm != int64(c.rm)) {
				t.Errorf("floor replace of %s: %d added, %d removed, want %d and %d", c.name, add, rm, c.add, c.rm)
			}
			if err == nil {
				err = checkLinks(ctx, fl.raw, c.want)
			}
			if err != nil {
				t.Errorf("floor replace of %s: %v", c.name, err)
			}
		}

		// The exports list every link, and the product's imports again
		// without a change.
		want := make([]string, 0, files.lines)
		for _, p := range f.org.Pairs() {
			want = append(want, f.org.Email(p.ManagerID)+","+f.org.Email(p.ManageeID))
		}
		slices.Sort(want)
		var product bytes.Buffer
		n, err := f.app.ExportManagers(ctx, importActor, &product, app.ExportOptions{})
		if err != nil || n != files.lines {
			t.Fatalf("export: %d links (%v), want %d", n, err, files.lines)
		}
		outputs := map[string][]byte{"product": product.Bytes()}
		for _, ordered := range []bool{false, true} {
			var floor bytes.Buffer
			if n, err := floorExport(ctx, f, &floor, ordered); err != nil || n != files.lines {
				t.Fatalf("floor export: %d links (%v), want %d", n, err, files.lines)
			}
			outputs["floor"+map[bool]string{false: "", true: " ordered"}[ordered]] = floor.Bytes()
		}
		for name, out := range outputs {
			if got := exportedPairs(t, out); !slices.Equal(got, want) {
				t.Errorf("%s export: %d pairs, want the org's %d", name, len(got), len(want))
			}
			sink := &exportSink{start: time.Now()}
			sink.Write(out)
			if err := checkExport(sink, files.lines, files.lines); err != nil {
				t.Errorf("%s export: %v", name, err)
			}
		}
		res, err = importBytes(ctx, f.app, "export.csv", product.Bytes(), true)
		if err == nil {
			err = checkCounts(res, files.lines, 0, 0)
		}
		if err != nil {
			t.Errorf("export re-imported: %v", err)
		}
	})
}

// exportedPairs returns the "manager,managee" pairs of an export, sorted.
func exportedPairs(t *testing.T, data []byte) []string {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || !strings.EqualFold(recs[0][0], refdata.CSVHeader[:strings.IndexByte(refdata.CSVHeader, ',')]) {
		t.Fatalf("export header %v", recs[:min(1, len(recs))])
	}
	out := make([]string, 0, len(recs)-1)
	for _, r := range recs[1:] {
		if r[2] != string(reportline.Line) {
			t.Fatalf("export line %v: kind %q, want line", r, r[2])
		}
		out = append(out, r[0]+","+r[1])
	}
	slices.Sort(out)
	return out
}
