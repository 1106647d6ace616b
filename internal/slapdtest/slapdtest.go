// Package slapdtest starts a throwaway OpenLDAP server (Debian's slapd) for
// tests: a generated slapd.conf in a temporary directory, an MDB database
// loaded offline with slapadd (fast even for 100,000 entries), and slapd
// listening on a free loopback port, plain and with TLS.
//
// When slapd is not installed the test is skipped, unless CI=true: CI must
// never pass by skipping the directory tests.
package slapdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The directory every server holds: its suffix, the root DN (not subject to
// limits, used to load data) and a reader that binds like a sync account.
const (
	Suffix         = "dc=example,dc=com"
	RootDN         = "cn=admin," + Suffix
	RootPassword   = "root-secret"
	ReaderDN       = "cn=reader," + Suffix
	ReaderPassword = "reader-secret"
	People         = "ou=people," + Suffix
)

// SizeLimit is the server's limit on a search's entries for every account
// but the root DN, like Active Directory's MaxPageSize: a search that does
// not page cannot read more, so a sync that reads more entries pages.
const SizeLimit = 1000

// Server is a running slapd.
type Server struct {
	URL      string // ldap://127.0.0.1:PORT
	LDAPSURL string // ldaps://127.0.0.1:PORT
	CAFile   string // the PEM certificate the TLS listeners' certificate is signed by
	Dir      string
	conf     string
	bin      binaries
}

type binaries struct{ slapd, slapadd string }

// find locates slapd and slapadd: on PATH, or in /usr/sbin where Debian puts
// them (not on an ordinary user's PATH).
func find() (binaries, error) {
	look := func(name string) (string, error) {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
		p := "/usr/sbin/" + name
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s not found on PATH or in /usr/sbin (Debian: apt-get install slapd ldap-utils)", name)
		}
		return p, nil
	}
	slapd, err := look("slapd")
	if err != nil {
		return binaries{}, err
	}
	slapadd, err := look("slapadd")
	return binaries{slapd, slapadd}, err
}

// Available reports whether slapd can be started here, and why not.
func Available() error {
	_, err := find()
	return err
}

// Start loads the LDIF (the base entries are added first; ldif adds to
// them) into a fresh database and starts slapd. The server is stopped when
// the test ends.
func Start(t testing.TB, ldif ...[]byte) *Server {
	t.Helper()
	bin, err := find()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("slapdtest: CI=true, so LDAP tests must run, not skip: %v", err)
		}
		t.Skipf("slapdtest: %v", err)
	}
	dir := t.TempDir()
	s := &Server{Dir: dir, conf: filepath.Join(dir, "slapd.conf"), bin: bin}
	if err := s.writeTLS(); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "db"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.conf, []byte(s.config()), 0o600); err != nil {
		t.Fatal(err)
	}
	all := append([][]byte{[]byte(baseLDIF)}, ldif...)
	if err := s.Load(bytes.Join(all, []byte("\n"))); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	if err := s.start(t); err != nil {
		t.Fatalf("slapdtest: %v", err)
	}
	return s
}

// Load adds LDIF entries offline with slapadd. Call it before Start's server
// runs (Start does) or on a stopped server only.
func (s *Server) Load(ldif []byte) error {
	f := filepath.Join(s.Dir, "load.ldif")
	if err := os.WriteFile(f, ldif, 0o600); err != nil {
		return err
	}
	defer os.Remove(f)
	// -q: quick mode, no consistency checks, for speed with big fixtures.
	out, err := exec.Command(s.bin.slapadd, "-q", "-f", s.conf, "-l", f).CombinedOutput()
	if err != nil {
		return fmt.Errorf("slapadd: %v: %s", err, out)
	}
	return nil
}

// start runs slapd in the foreground (-d 0) on two free loopback ports and
// waits until it answers.
func (s *Server) start(t testing.TB) error {
	var lastErr error
	for range 3 { // a free port can be taken between choosing and binding it
		plain, tls, err := freePorts()
		if err != nil {
			return err
		}
		s.URL = "ldap://127.0.0.1:" + strconv.Itoa(plain)
		s.LDAPSURL = "ldaps://127.0.0.1:" + strconv.Itoa(tls)
		var logs bytes.Buffer
		cmd := exec.Command(s.bin.slapd, "-d", "0", "-f", s.conf, "-h", s.URL+"/ "+s.LDAPSURL+"/")
		cmd.Stdout, cmd.Stderr = &logs, &logs
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start slapd: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		if err := waitListening(plain, exited); err != nil {
			cmd.Process.Kill()
			lastErr = fmt.Errorf("%w; slapd said: %s", err, logs.String())
			continue
		}
		t.Cleanup(func() {
			cmd.Process.Signal(os.Interrupt)
			select {
			case <-exited:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-exited
			}
		})
		return nil
	}
	return lastErr
}

func waitListening(port int, exited <-chan error) error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("slapd exited: %v", err)
		default:
		}
		c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("slapd did not listen within 15s")
}

func freePorts() (int, int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range 2 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, 0, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports[0], ports[1], nil
}

// config is slapd.conf: the standard schemas plus Microsoft's user schema
// (objectGUID, userAccountControl) so that Active Directory entries can be
// imitated, one MDB database, and limits like a production server's.
func (s *Server) config() string {
	return strings.Join([]string{
		"include /etc/ldap/schema/core.schema",
		"include /etc/ldap/schema/cosine.schema",
		"include /etc/ldap/schema/inetorgperson.schema",
		"include /etc/ldap/schema/nis.schema",
		"include /etc/ldap/schema/msuser.schema",
		"pidfile " + filepath.Join(s.Dir, "slapd.pid"),
		"modulepath /usr/lib/ldap",
		"moduleload back_mdb",
		"TLSCertificateFile " + filepath.Join(s.Dir, "server.pem"),
		"TLSCertificateKeyFile " + filepath.Join(s.Dir, "server.key"),
		"TLSCACertificateFile " + s.CAFile,
		// Paged searches may read everything; others at most SizeLimit.
		fmt.Sprintf("sizelimit size.soft=%d size.hard=%d size.prtotal=unlimited", SizeLimit, SizeLimit),
		"database mdb",
		"maxsize 4294967296",
		`suffix "` + Suffix + `"`,
		`rootdn "` + RootDN + `"`,
		"rootpw " + RootPassword,
		"directory " + filepath.Join(s.Dir, "db"),
		"index objectClass eq",
		"access to attrs=userPassword by anonymous auth by * none",
		"access to * by users read by * none",
		"",
	}, "\n")
}

// baseLDIF is the suffix, the people OU and the reader account.
const baseLDIF = `dn: ` + Suffix + `
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ` + People + `
objectClass: organizationalUnit
ou: people

dn: ` + ReaderDN + `
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: ` + ReaderPassword + `
`

// Search runs ldapsearch (ldap-utils) against the server as the reader, with
// simple paging, and returns how many entries it printed and the CPU time
// it used: the floor a sync's reading is measured against.
func (s *Server) Search(ctx context.Context, filter string, pageSize int, attrs ...string) (entries int, cpu time.Duration, err error) {
	args := append([]string{"-x", "-LLL", "-H", s.URL, "-D", ReaderDN, "-w", ReaderPassword, "-b", Suffix,
		"-E", fmt.Sprintf("pr=%d/noprompt", pageSize), filter}, attrs...)
	cmd := exec.CommandContext(ctx, "ldapsearch", args...)
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("ldapsearch: %w", err)
	}
	entries = bytes.Count(out, []byte("\ndn:"))
	if bytes.HasPrefix(out, []byte("dn:")) {
		entries++
	}
	return entries, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}
