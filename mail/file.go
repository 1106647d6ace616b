package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"reportline"
)

// FileSender is the embedded default: it writes each message as an .eml
// file into a folder (<data>/mail), durably and atomically: the bytes go
// to a temporary file that is fsync'd, then renamed into place, and the
// folder is fsync'd so the rename survives a crash. A message written
// twice (a retried delivery) replaces its file with the same bytes.
//
// The outbox worker sends a batch with SendUnsynced and then fsyncs the
// folder once with SyncBatch: one folder fsync per batch rather than per
// message, and no message is recorded as sent before its rename is
// durable.
type FileSender struct {
	dir  string
	from string
}

// NewFileSender returns a sender writing into dir (created if needed),
// with from as the From address.
func NewFileSender(dir, from string) (*FileSender, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create mail folder: %w", err)
	}
	return &FileSender{dir: dir, from: from}, nil
}

// Dir is the folder messages are written into.
func (s *FileSender) Dir() string { return s.dir }

// Send writes m into the folder as FileName(m).
func (s *FileSender) Send(ctx context.Context, m reportline.OutboxMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Render(m, s.from)
	if err != nil {
		return err
	}
	return WriteFileSync(s.dir, FileName(m), b)
}

// SendUnsynced is Send without the folder's fsync: m's file is written,
// fsync'd and renamed into place, but a crash may undo the rename until
// the next SyncBatch returns.
func (s *FileSender) SendUnsynced(ctx context.Context, m reportline.OutboxMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Render(m, s.from)
	if err != nil {
		return err
	}
	return writeFile(s.dir, FileName(m), b)
}

// SyncBatch fsyncs the folder, making durable the renames of every
// SendUnsynced that returned before it was called.
func (s *FileSender) SyncBatch(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return syncDir(s.dir)
}

// FileName is the name of m's file: its key made safe for a file name,
// then a short hash of the key (and of the Message-ID, when it is not the
// key's: another tenant's message) so that two keys that look alike once
// made safe, or one key in two tenants, keep two files.
func FileName(m reportline.OutboxMessage) string {
	safe := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '.'
	}, m.Key)
	if len(safe) > 100 {
		safe = safe[:100]
	}
	id := m.Key
	if m.MessageID != "" && m.MessageID != reportline.MessageIDFor(m.Key) {
		// Another tenant's message: keys are unique within a tenant only,
		// its Message-ID names the tenant (outbox.Enqueue).
		id += "\x00" + m.MessageID
	}
	sum := sha256.Sum256([]byte(id))
	return safe + "-" + hex.EncodeToString(sum[:4]) + ".eml"
}

// WriteFileSync writes data to dir/name atomically and durably: a temporary
// file in dir, fsync, rename, fsync of dir.
func WriteFileSync(dir, name string, data []byte) error {
	if err := writeFile(dir, name, data); err != nil {
		return err
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// writeFile writes data to dir/name atomically, the file's bytes durably:
// a temporary file in dir, fsync, rename. The rename is durable once dir is
// fsync'd (syncDir).
func writeFile(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// syncDir fsyncs the folder dir, so that the renames into it survive a
// crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
