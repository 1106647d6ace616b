package csvio

// Limits of what the reader accepts, whatever the file's size.
const (
	// MaxLineBytes bounds one line (a record: a quoted cell that spans
	// several physical lines counts them all), after decoding to UTF-8. A
	// longer line ends reading with an error naming it: encoding/csv holds
	// a whole record in memory, so without this bound a one-line upload
	// of 190 MB took the server to 1.28 GB.
	MaxLineBytes = 64 << 10
	// MaxCellBytes bounds one cell, after decoding. A longer cell refuses
	// its line; reading goes on.
	MaxCellBytes = 4 << 10
)
