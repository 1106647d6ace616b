//go:build linux

package pgtest

// BinDir returns the directory of the local PostgreSQL binaries that the
// throwaway server runs from (pg_config --bindir, else the newest
// /usr/lib/postgresql/*/bin): where tests find pg_dump and pg_restore of
// the same version. An error when this machine has none.
func BinDir() (string, error) { return locateBinDir("pg_config", binGlob) }
