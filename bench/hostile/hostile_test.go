package hostile_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"reportline/bench/hostile"
)

func TestRunIsBoundedToLoopback(t *testing.T) {
	ok := hostile.Options{BaseURL: "http://127.0.0.1:1", Clients: 1, Duration: time.Second, LineBytes: 1, TrickleGap: time.Second}
	for _, tc := range []struct {
		name string
		edit func(*hostile.Options)
		want string
	}{
		{"another host", func(o *hostile.Options) { o.BaseURL = "http://example.com" }, "loopback"},
		{"https", func(o *hostile.Options) { o.BaseURL = "https://127.0.0.1:1" }, "loopback"},
		{"too many clients", func(o *hostile.Options) { o.Clients = hostile.MaxClients + 1 }, "clients"},
		{"too long", func(o *hostile.Options) { o.Duration = hostile.MaxDuration + time.Second }, "duration"},
		{"too large a line", func(o *hostile.Options) { o.LineBytes = hostile.MaxLineBytes + 1 }, "line"},
		{"unknown attack", func(o *hostile.Options) { o.Only = []string{"ddos"} }, "no attack"},
	} {
		o := ok
		tc.edit(&o)
		if _, err := hostile.Run(context.Background(), o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it refused (%s)", tc.name, err, tc.want)
		}
	}
}
