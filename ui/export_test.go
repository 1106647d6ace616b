package ui

// DynamicMessageIDs are the message ids ui builds from codes (a rejected
// line's reason, an encoding, an error page's status), for the extraction
// test, which cannot see them in the source.
func DynamicMessageIDs() []string {
	var ids []string
	for _, id := range headings {
		ids = append(ids, id)
	}
	for r := range reasonTones {
		ids = append(ids, "import.reason."+r)
	}
	for _, e := range encodings {
		ids = append(ids, "encoding."+e)
	}
	for _, s := range separators {
		ids = append(ids, "separator."+s)
	}
	for _, c := range lifetimes(0) {
		ids = append(ids, c.Label)
	}
	for _, f := range userFields {
		ids = append(ids, "field."+f)
	}
	return ids
}
