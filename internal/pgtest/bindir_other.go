//go:build !linux

package pgtest

import "fmt"

// BinDir reports that only Linux has the local binaries' look-up.
func BinDir() (string, error) {
	return "", fmt.Errorf("%w: local PostgreSQL binaries are looked up on Linux only", errUnavailable)
}
