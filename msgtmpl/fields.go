package msgtmpl

// Field is a placeholder an author may use, described for the people who
// write messages (an insert-field picker lists them).
type Field struct {
	// Name is what goes between the braces: "manager.first_name".
	Name string
	// Description says what the field holds, in a few words.
	Description string
	// Example is a sample value, for previews and pickers.
	Example string
	// List marks a field whose value is a list, written as its items
	// separated by ", ".
	List bool
}

// ManagerMessageFields are the fields of a message to a manager about the
// members of a group they manage: the template messages of
// Settings → Template messages. Do not modify it.
var ManagerMessageFields = []Field{
	{Name: "manager.first_name", Description: "the manager's first name", Example: "Camille"},
	{Name: "manager.last_name", Description: "the manager's last name", Example: "Martin"},
	{Name: "manager.name", Description: "the manager's full name", Example: "Camille Martin"},
	{Name: "manager.email", Description: "the manager's email address", Example: "camille.martin@example.com"},
	{Name: "managees", Description: "the names of the group's members this manager manages, separated by commas", Example: "Léa Bernard, Hugo Petit", List: true},
	{Name: "managees.count", Description: "how many of the group's members this manager manages", Example: "2"},
	{Name: "group.name", Description: "the name of the group", Example: "Sales France"},
	{Name: "sender.first_name", Description: "the first name of the person who sends the message", Example: "Alex"},
	{Name: "sender.last_name", Description: "the last name of the person who sends the message", Example: "Admin"},
	{Name: "sender.name", Description: "the full name of the person who sends the message", Example: "Alex Admin"},
	{Name: "sender.email", Description: "the email address of the person who sends the message", Example: "alex.admin@example.com"},
}

// Examples returns the example values of fields, for a preview with
// sample data.
func Examples(fields []Field) Values {
	v := make(Values, len(fields))
	for _, f := range fields {
		if f.List {
			v[f.Name] = List(splitExample(f.Example)...)
		} else {
			v[f.Name] = Text(f.Example)
		}
	}
	return v
}

func splitExample(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && !(s[i] == ',' && i+1 < len(s) && s[i+1] == ' ') {
			i++
		}
		out = append(out, s[:i])
		if i+2 > len(s) {
			break
		}
		s = s[i+2:]
	}
	return out
}

// Value is the value of one field: a text, or a list of items.
type Value struct {
	text   string
	items  []string
	isList bool
}

// Text returns a text value.
func Text(s string) Value { return Value{text: s} }

// List returns a list value.
func List(items ...string) Value { return Value{items: items, isList: true} }

// empty reports whether {{#if}} treats the value as absent.
func (v Value) empty() bool {
	if v.isList {
		return len(v.items) == 0
	}
	return v.text == ""
}

// Values maps field names to values. A field that Parse accepted but that
// has no value renders as nothing.
type Values map[string]Value
