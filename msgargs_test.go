package reportline

import (
	"reflect"
	"testing"
)

func TestMsgArgsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		in   map[string]any
		want map[string]any
	}{
		{"none", nil, nil},
		{"term stays a term", map[string]any{"Why": Term("access.refused.x")}, map[string]any{"Why": Term("access.refused.x")}},
		{"numbers come back whole", map[string]any{"Count": 3, "Limit": int64(1000000), "MaxBytes": 65536},
			map[string]any{"Count": int64(3), "Limit": int64(1000000), "MaxBytes": int64(65536)}},
		{"a string is data", map[string]any{"Source": "ldap", "Part": 0.5}, map[string]any{"Source": "ldap", "Part": 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := EncodeMsgArgs(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := DecodeMsgArgs(s)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("%s: got %#v, want %#v", s, got, tt.want)
			}
		})
	}
}
