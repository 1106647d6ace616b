//go:build !linux

package pgtest

import (
	"fmt"
	"net/url"
)

// localServer is a throwaway PostgreSQL server. Only Linux has one: the
// cleanup of a killed test run relies on the kernel's parent-death signal.
type localServer struct{}

// startLocal reports that this platform has no throwaway server.
func startLocal() (*localServer, error) {
	return nil, fmt.Errorf("%w: a throwaway server needs Linux here; set DATABASE_URL", errUnavailable)
}

func (l *localServer) url() *url.URL { return nil }

func (l *localServer) stop() error { return nil }
