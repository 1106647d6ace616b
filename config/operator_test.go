package config

import (
	"strings"
	"testing"
)

// TestOperatorAddr: the operator page is off unless REPORTLINE_OPERATOR_ADDR
// names a HOST:PORT; anything else is refused, naming the variable's value.
func TestOperatorAddr(t *testing.T) {
	c := Default()
	if err := c.FromEnv(func(string) string { return "" }); err != nil || c.OperatorAddr != "" {
		t.Fatalf("default: %q %v, want off", c.OperatorAddr, err)
	}
	env := map[string]string{"REPORTLINE_OPERATOR_ADDR": "127.0.0.1:9090"}
	if err := c.FromEnv(func(k string) string { return env[k] }); err != nil || c.OperatorAddr != "127.0.0.1:9090" {
		t.Fatalf("from env: %q %v", c.OperatorAddr, err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("valid address refused: %v", err)
	}
	c.OperatorAddr = "nine-thousand"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `operator address "nine-thousand"`) {
		t.Fatalf("bad address: %v", err)
	}
}
