// Package msgtmpl is the placeholder language of every message an admin
// writes (template messages to managers today; the digest and notification
// texts later). It is deliberately small, so that nothing an author writes
// can make rendering slow, large or dangerous.
//
// # The language
//
// Text is copied as written. Placeholders sit between double braces:
//
//	Hello {{manager.first_name}},
//
//	{{#if managees}}Your people in {{group.name}}: {{managees}}.{{else}}Nobody reports to you in {{group.name}}.{{/if}}
//
//	{{sender.name}}
//
// The rules:
//
//   - {{name}} is replaced by the value of a field. Names are lower-case
//     words joined by "_" and ".", as listed by the field list given to
//     Parse (for example ManagerMessageFields); spaces inside the braces are
//     allowed ("{{ group.name }}"). A list field such as {{managees}} is
//     written by the language itself, its items separated by ", ": authors
//     write no loops.
//   - {{#if name}} … {{/if}} keeps its text only when the field is not empty
//     (a list: has at least one item); {{#if name}} … {{else}} … {{/if}}
//     chooses between two texts. Conditionals nest up to MaxDepth levels.
//   - There is nothing else: no loops, no functions, no includes, no
//     expressions. "{{" always opens a placeholder, which must be closed by
//     "}}" on the same line; a single "{" or "}" is ordinary text, and two
//     opening braces are written "{ {".
//
// # Guarantees
//
// Parse refuses an unknown field, a malformed placeholder or an unbalanced
// conditional with an *Error that gives the line and column (in
// characters, 1-based) in plain words: "line 2, column 14: unknown field
// {{manger.first_name}}; known fields: …". Parsing is one pass over the
// text; rendering visits each part of the template once, so its time is
// linear in the size of the template plus that of the values it copies, and
// Render stops with ErrTooLong as soon as the output passes the caller's
// limit. In HTML mode every value is HTML-escaped (the author's own text is
// copied as written: callers that treat the author's text as plain text,
// as template messages do, escape the whole result instead).
//
// The package imports the standard library only.
package msgtmpl
