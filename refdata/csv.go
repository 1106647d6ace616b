package refdata

import (
	"bufio"
	"io"
)

// CSVHeader is the header of the bulk import file (csvio.TemplateHeader).
const CSVHeader = "email of manager,email of managee"

// WriteCSV writes the org's pairs in the import format: the header, then
// one "manager email,managee email" line per link, in the org's shuffled
// order, with LF line ends. Generated addresses hold no comma, quote or
// space, so no field needs quoting. At the reference size the file has
// 1,000,000 lines (~76 MB).
func WriteCSV(w io.Writer, o *Org) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(CSVHeader + "\n")
	for _, p := range o.Pairs() {
		bw.WriteString(o.Email(p.ManagerID))
		bw.WriteByte(',')
		bw.WriteString(o.Email(p.ManageeID))
		bw.WriteByte('\n')
	}
	return bw.Flush() // a bufio.Writer keeps its first error, so Flush reports it
}
