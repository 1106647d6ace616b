package csvio

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// benchLines is the size of the generated pair file: 100k lines, ~8.5 MB.
const benchLines = 100_000

// pairFile generates a deterministic pair file in UTF-8: two emails and the
// managee's name, a third of the names with accents, so the Windows-1252
// variant has cells to decode.
func pairFile(lines int) []byte {
	names := []string{"Smith", "Müller", "Dupont", "Dupré", "Nguyen", "Groß", "Johnson", "Núñez", "Kowalski"}
	ascii := []string{"smith", "muller", "dupont", "dupre", "nguyen", "gross", "johnson", "nunez", "kowalski"}
	var b bytes.Buffer
	b.WriteString(TemplateHeader + ",managee name\n")
	x := uint32(1)
	for i := range lines {
		x = x*1664525 + 1013904223 // a fixed LCG: the same file every run
		m, n := int(x>>8)%(lines/5+1), i%len(names)
		fmt.Fprintf(&b, "user%d.%s@example-corp.com,user%d.%s@example-corp.com,Ann %s\n",
			m, ascii[m%len(ascii)], i, ascii[n], names[n])
	}
	return b.Bytes()
}

// benchFiles are the benchmark inputs: the same pairs in several encodings.
func benchFiles(b *testing.B) map[string][]byte {
	b.Helper()
	utf8 := pairFile(benchLines)
	w1252, err := charmap.Windows1252.NewEncoder().Bytes(utf8)
	if err != nil {
		b.Fatal(err)
	}
	utf16, err := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewEncoder().Bytes(utf8)
	if err != nil {
		b.Fatal(err)
	}
	return map[string][]byte{
		"utf-8":        utf8,
		"utf-8-crlf":   bytes.ReplaceAll(utf8, []byte("\n"), []byte("\r\n")),
		"windows-1252": w1252,
		"utf-16le":     utf16,
	}
}

// benchOrder lists benchFiles' keys in a stable order.
var benchOrder = []string{"utf-8", "utf-8-crlf", "windows-1252", "utf-16le"}

// rawCSV is the floor: encoding/csv with ReuseRecord, no decoding at all.
func rawCSV(data []byte) (int, error) {
	return rawCSVFrom(bytes.NewReader(data))
}

// rawUTF16 is the floor for UTF-16, which encoding/csv cannot read alone:
// encoding/csv behind golang.org/x/text's UTF-16 decoder.
func rawUTF16(data []byte) (int, error) {
	dec := xunicode.UTF16(xunicode.LittleEndian, xunicode.UseBOM).NewDecoder()
	return rawCSVFrom(transform.NewReader(bytes.NewReader(data), dec))
}

func rawCSVFrom(in io.Reader) (int, error) {
	r := csv.NewReader(in)
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	n := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// pairRead reads every pair with a PairReader.
func pairRead(data []byte) (int, error) {
	p, err := NewPairReader(bytes.NewReader(data), ReaderOptions{})
	if err != nil {
		return 0, err
	}
	n := 1 // the header, as rawCSV counts it
	for {
		_, err := p.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// BenchmarkRawCSV is the floor: encoding/csv with ReuseRecord over the
// generated file.
func BenchmarkRawCSV(b *testing.B) {
	files := benchFiles(b)
	for _, name := range benchOrder {
		b.Run(name, func(b *testing.B) { benchRead(b, files[name], floor(name)) })
	}
}

// floor returns the floor reader for one of benchFiles.
func floor(name string) func([]byte) (int, error) {
	if name == "utf-16le" {
		return rawUTF16
	}
	return rawCSV
}

// BenchmarkPairReader reads the same bytes with a PairReader: decoding,
// sniffing, normalising, trimming and mapping included.
func BenchmarkPairReader(b *testing.B) {
	files := benchFiles(b)
	for _, name := range benchOrder {
		b.Run(name, func(b *testing.B) { benchRead(b, files[name], pairRead) })
	}
}

func benchRead(b *testing.B, data []byte, read func([]byte) (int, error)) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n, err := read(data)
		if err != nil || n != benchLines+1 {
			b.Fatalf("read %d records, %v; want %d", n, err, benchLines+1)
		}
	}
}

// BenchmarkPairReaderRatio measures the floor and the PairReader in turns on
// the same bytes and reports the median ratio (target I5: ≤ 3), which is
// steadier on a shared, noisy machine than comparing two benchmarks run
// minutes apart.
func BenchmarkPairReaderRatio(b *testing.B) {
	files := benchFiles(b)
	for _, name := range benchOrder {
		b.Run(name, func(b *testing.B) {
			raw := floor(name)
			var ratios []float64
			for b.Loop() {
				t0 := time.Now()
				if _, err := raw(files[name]); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := pairRead(files[name]); err != nil {
					b.Fatal(err)
				}
				ratios = append(ratios, float64(time.Since(t1))/float64(t1.Sub(t0)))
			}
			slices.Sort(ratios)
			b.ReportMetric(ratios[len(ratios)/2], "x-raw")
		})
	}
}
