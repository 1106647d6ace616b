package csvio

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestCSVSpectrum reads every csv-spectrum CSV with the generic reader, the
// columns taken from the file's own header, and compares with its JSON.
func TestCSVSpectrum(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/csv-spectrum/csvs/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 12 {
		t.Fatalf("found %d csv-spectrum files, want 12", len(files))
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".csv")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			header, err := csv.NewReader(bytes.NewReader(data)).Read()
			if err != nil {
				t.Fatal(err)
			}
			var cols []Column
			for _, h := range header {
				cols = append(cols, Column{Name: h, Required: true})
			}
			got, err := readTable(t, bytes.NewReader(data), cols, ReaderOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if name == "location_coordinates" {
				// `37°36'37.8"N` holds a bare quote in an unquoted cell. The
				// JSON expects it kept, as lenient parsers do; this reader
				// is strict (LazyQuotes false) on purpose, since a stray
				// quote in a spreadsheet export usually means a broken
				// cell, so it rejects the line and says where.
				want := []string{`line 2: a quote (") appears at position 24 inside a cell that is not quoted; ` +
					`put the whole cell in quotes and double the quotes inside it ("a ""b"" c")`}
				if !reflect.DeepEqual(got.Errs, want) || got.Rows != nil {
					t.Errorf("got rows %+v, errors %q; want no rows and errors %q", got.Rows, got.Errs, want)
				}
				return
			}
			if got.Errs != nil {
				t.Fatalf("errors %q", got.Errs)
			}
			if !reflect.DeepEqual(got.Header, header) {
				t.Errorf("header %q, want %q", got.Header, header)
			}
			var gotCells [][]string
			for _, r := range got.Rows {
				gotCells = append(gotCells, r.Fields)
			}
			if want := spectrumWant(t, name, header); !reflect.DeepEqual(gotCells, want) {
				t.Errorf("records\n got %q\nwant %q", gotCells, want)
			}
		})
	}
}

// spectrumWant reads the JSON of a csv-spectrum case as rows in header order.
func spectrumWant(t *testing.T, name string, header []string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/csv-spectrum/json", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var objs []map[string]string
	if data = bytes.TrimSpace(data); len(data) > 0 && data[0] == '{' {
		// location_coordinates.json holds one object, not an array.
		data = append(append([]byte{'['}, data...), ']')
	}
	if err := json.Unmarshal(data, &objs); err != nil {
		t.Fatal(err)
	}
	var want [][]string
	for _, o := range objs {
		var row []string
		for _, h := range header {
			v, ok := o[h]
			if !ok {
				t.Fatalf("JSON object %v has no key %q", o, h)
			}
			// encoding/csv turns CRLF inside quoted cells into LF, by design
			// (newlines_crlf expects CRLF).
			row = append(row, strings.ReplaceAll(v, "\r\n", "\n"))
		}
		want = append(want, row)
	}
	return want
}
