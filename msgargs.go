package reportline

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// A message's arguments kept in the database (ImportBatch.ErrorArgs,
// SyncRun.ErrorArgs) are JSON. A Term is written {"term": id} so that it is
// read back as a Term (a catalogue id, shown in the reader's words) and not
// as a string (data, shown as it is); a whole number is read back as an
// int64, so that a count still chooses a plural form and prints as "1000000",
// not "1e+06".

// termJSON is a Term as stored.
type termJSON struct {
	Term string `json:"term"`
}

// EncodeMsgArgs is args as stored: "" for none.
func EncodeMsgArgs(args map[string]any) (string, error) {
	if len(args) == 0 {
		return "", nil
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		if t, ok := v.(Term); ok {
			v = termJSON{Term: string(t)}
		}
		out[k] = v
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("encode message arguments: %w", err)
	}
	return string(b), nil
}

// DecodeMsgArgs reads arguments stored by EncodeMsgArgs (nil for "").
func DecodeMsgArgs(s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	d := json.NewDecoder(bytes.NewReader([]byte(s)))
	d.UseNumber()
	var raw map[string]any
	if err := d.Decode(&raw); err != nil {
		return nil, fmt.Errorf("decode message arguments: %w", err)
	}
	for k, v := range raw {
		switch v := v.(type) {
		case json.Number:
			if n, err := v.Int64(); err == nil {
				raw[k] = n
			} else if f, err := v.Float64(); err == nil {
				raw[k] = f
			}
		case map[string]any:
			if t, ok := v["term"].(string); ok && len(v) == 1 {
				raw[k] = Term(t)
			}
		}
	}
	return raw, nil
}
