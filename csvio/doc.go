// Package csvio reads and writes the CSV files people exchange with
// Reportline: the bulk manager–managee import, its template and the export.
//
// Files come from spreadsheets, so the reader accepts what they really write:
// UTF-8 with or without a byte-order mark, UTF-16 with a BOM (Excel's
// "Unicode text"), Windows-1252 (Excel's "CSV" on Western European Windows),
// ',' ';' tab or '|' separators sniffed from the header line (or an Excel
// "sep=;" first line), CRLF, LF or lone CR line endings, quoted cells with
// embedded separators, quotes and newlines, spaces between a quoted cell and
// its separator ("a" , "b", as hand-edited files hold them), blank lines,
// and header names in any case and spacing. Columns are found by header
// name, never by position.
//
// The reader streams: memory stays flat whatever the file size, records are
// reused between calls, and the UTF-8 path never transcodes. A line (a
// record, the lines of a quoted cell included) may hold at most
// MaxLineBytes (64 KiB) and a cell MaxCellBytes (4 KiB): a longer line ends
// reading with an error naming it, a longer cell refuses its line. Every error about
// the input is a *reportline.Error with code Invalid, the 1-based line where
// the offending record starts and, when one column is at fault, its name.
//
// The writer protects cells against formula injection, and the reader
// removes that protection again, so an export can be opened in a
// spreadsheet safely and edited and re-imported as it is.
//
// The package imports only the standard library, golang.org/x/text and the
// root reportline package.
package csvio
