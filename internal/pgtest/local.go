//go:build linux

package pgtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// binGlob is where Debian and Ubuntu install the server binaries of each
// major version, used when pg_config is missing or names no server.
const binGlob = "/usr/lib/postgresql/*/bin"

// dirPrefix starts the name of every throwaway server's directory; the pid of
// the test process follows, so that a later process can tell a dead owner's
// directory from a live one's.
const dirPrefix = "rltest-pg-"

// localServer is a throwaway PostgreSQL server in a temporary directory, owned
// by this test process.
type localServer struct {
	dir     string // data/, the Unix socket, server.log
	port    int
	proc    *os.Process
	exited  chan struct{} // closed once postgres has exited
	waitErr error         // how it exited; read only after exited is closed
}

// url returns the URL of the server's postgres database.
func (l *localServer) url() *url.URL {
	return &url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(l.port)),
		Path:     "/postgres",
		RawQuery: "sslmode=disable",
	}
}

// startLocal runs initdb in a new temporary directory and starts postgres on
// it, on a free loopback port.
func startLocal() (*localServer, error) {
	bin, err := locateBinDir("pg_config", binGlob)
	if err != nil {
		return nil, err
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	base := baseDir()
	removeStale(base)

	dir, err := os.MkdirTemp(base, dirPrefix+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return nil, fmt.Errorf("creating the server directory: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("handing %s to the postgres user: %w", dir, err)
		}
	}

	initdb := exec.Command(filepath.Join(bin, "initdb"),
		"-D", filepath.Join(dir, "data"),
		"-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
		// The C locale exists everywhere and sorts the same everywhere, so
		// the test server does not depend on the machine's locales.
		"--locale=C")
	initdb.Dir = dir
	initdb.Env = childEnv()
	initdb.SysProcAttr = sysProcAttr(cred, syscall.SIGKILL)
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("initdb%s: %w\n%s", asUser(cred), err, out)
	}

	// Another process can take the free port between our probe and
	// postgres's bind; then try another one.
	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		l, err := launch(bin, dir, port, cred)
		if err == nil {
			ok = true
			return l, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == 3 {
			return nil, err
		}
	}
}

// errPortTaken means postgres could not bind its port.
var errPortTaken = errors.New("port taken")

// launch starts postgres on the initialised dir and waits until it accepts
// connections.
func launch(bin, dir string, port int, cred *syscall.Credential) (*localServer, error) {
	logPath := filepath.Join(dir, "server.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("creating the server log: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"),
		"-D", filepath.Join(dir, "data"),
		"-k", dir,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		// The data is thrown away, so durability only costs time.
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off")
	cmd.Dir = dir
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// SIGQUIT is postgres's immediate shutdown: it takes the backends down
	// with it, where SIGKILL would leave them running.
	cmd.SysProcAttr = sysProcAttr(cred, syscall.SIGQUIT)

	l := &localServer{dir: dir, port: port, exited: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// The kernel sends the death signal when the thread that started
		// the child exits, not the process (golang.org/issue/27505). A
		// goroutine locked to its thread keeps that thread for as long as
		// the server runs, so an unrelated thread exit cannot kill it.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			logFile.Close()
			started <- err
			return
		}
		started <- nil
		l.waitErr = cmd.Wait()
		logFile.Close()
		close(l.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("starting postgres%s: %w", asUser(cred), err)
	}
	l.proc = cmd.Process

	if err := l.waitReady(30 * time.Second); err != nil {
		l.proc.Kill()
		<-l.exited
		return nil, err
	}
	return l, nil
}

// waitReady polls until the server accepts a connection, it exits, or the
// timeout passes.
func (l *localServer) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-l.exited:
			log := l.logTail()
			if strings.Contains(log, "Address already in use") {
				return fmt.Errorf("postgres on port %d: %w", l.port, errPortTaken)
			}
			return fmt.Errorf("postgres exited at start (%v); its log:\n%s", l.waitErr, log)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, l.url().String())
		if err == nil {
			conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within %v: %w; its log:\n%s", timeout, err, l.logTail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logTail returns the end of the server log, for error messages.
func (l *localServer) logTail() string {
	f, err := os.Open(filepath.Join(l.dir, "server.log"))
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	const tailSize = 4 << 10
	if fi, err := f.Stat(); err == nil && fi.Size() > tailSize {
		f.Seek(fi.Size()-tailSize, io.SeekStart)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// stop shuts the server down at once and removes its directory.
func (l *localServer) stop() error {
	// Immediate shutdown: the data is thrown away, so skip the checkpoint
	// that a fast shutdown would write.
	l.proc.Signal(syscall.SIGQUIT)
	select {
	case <-l.exited:
	case <-time.After(10 * time.Second):
		l.proc.Kill()
		<-l.exited
	}
	if err := os.RemoveAll(l.dir); err != nil {
		return fmt.Errorf("removing the server directory: %w", err)
	}
	return nil
}

// baseDir returns where the server's directory goes: /dev/shm when it is a
// writable tmpfs with room, else the temporary directory. Cloning a database
// creates some 300 small files, which took 350 ms on this machine's ext4 and
// 8 ms in memory; the data is thrown away, so memory is the right place.
func baseDir() string {
	const (
		shm       = "/dev/shm"
		tmpfs     = 0x01021994 // TMPFS_MAGIC from statfs(2)
		enough    = 1 << 30    // a server with a few hundred small databases and its WAL
		writeable = 2          // W_OK from access(2)
	)
	var st syscall.Statfs_t
	if err := syscall.Statfs(shm, &st); err == nil && st.Type == tmpfs &&
		st.Bavail*uint64(st.Bsize) >= enough && syscall.Access(shm, writeable) == nil {
		return shm
	}
	return os.TempDir()
}

// locateBinDir finds the directory that holds initdb and postgres: the one
// that the pgConfig program names, else the newest match of pattern.
func locateBinDir(pgConfig, pattern string) (string, error) {
	if path, err := exec.LookPath(pgConfig); err == nil {
		out, err := exec.Command(path, "--bindir").Output()
		// pg_config can come with the client library alone (libpq-dev),
		// naming a directory without the server: then look further.
		if dir := strings.TrimSpace(string(out)); err == nil && hasServer(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob(pattern)
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return !hasServer(d) })
	if len(dirs) == 0 {
		return "", fmt.Errorf("%w: no initdb and postgres binaries (%s names none, %s matches none); install PostgreSQL or set DATABASE_URL",
			errUnavailable, pgConfig, pattern)
	}
	// The version is the directory above bin: 9.6, 15, 17...; the newest wins.
	version := func(d string) float64 {
		v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
		return v
	}
	return slices.MaxFunc(dirs, func(a, b string) int {
		va, vb := version(a), version(b)
		switch {
		case va < vb:
			return -1
		case va > vb:
			return 1
		}
		return 0
	}), nil
}

// hasServer reports whether dir holds executable initdb and postgres.
func hasServer(dir string) bool {
	if dir == "" {
		return false
	}
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
			return false
		}
	}
	return true
}

// runAs returns the credentials to run initdb and postgres with: none for a
// normal user, the postgres user's for root, because both refuse to run as
// root.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("%w: running as root, where initdb refuses to run, and there is no postgres user to run it as: %v",
			errUnavailable, err)
	}
	uid, err := strconv.ParseUint(u.Uid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("uid of the postgres user: %w", err)
	}
	gid, err := strconv.ParseUint(u.Gid, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("gid of the postgres user: %w", err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// asUser names the user for error messages when it is not ourselves.
func asUser(cred *syscall.Credential) string {
	if cred == nil {
		return ""
	}
	return fmt.Sprintf(" (as uid %d, which must be able to reach the temporary directory)", cred.Uid)
}

// sysProcAttr runs a child as cred (when not nil) and has the kernel send it
// sig when this process dies, so that a killed test run leaves no server.
func sysProcAttr(cred *syscall.Credential, sig syscall.Signal) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: sig}
}

// childEnv is our environment without the PG* variables, which would
// otherwise point initdb and postgres at another data directory or server.
func childEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "PG")
	})
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// removeStale removes the directories that throwaway servers of dead test
// processes left in tmp: a process killed before Main's teardown, or one that
// did not use Main. Its server died with it (see sysProcAttr).
func removeStale(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, dirPrefix+"*-*"))
	for _, dir := range dirs {
		pidText, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(dir), dirPrefix), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue
		}
		// postmaster.pid's first line is the server's pid; leave a server
		// that somehow still runs alone rather than pull its files away.
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			first, _, _ := strings.Cut(string(b), "\n")
			if spid, err := strconv.Atoi(strings.TrimSpace(first)); err == nil && alive(spid) {
				continue
			}
		}
		os.RemoveAll(dir)
	}
}

// alive reports whether a process with the pid exists and is not a zombie: a
// killed test process can stay a zombie for a while when its parent is slow to
// reap it, and its server is gone all the same.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses and may
	// itself hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}
