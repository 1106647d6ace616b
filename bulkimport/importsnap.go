package bulkimport

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"reportline"
)

// snapshot is what an import reads of the store: every user's key and
// every link's pair, kind and dates. It is read while the file is parsed,
// on the other core. The rest of a link (source, comment, creator) is read
// only for the links an apply changes, chunk by chunk (see linkWriter).
type snapshot struct {
	users []userKey     // sorted by id
	links []currentLink // sorted by managee, then manager
	dates [][2]int64    // valid from, valid until of the few links that have dates
}

// userKey is what resolving an address needs of a user.
type userKey struct {
	id     reportline.UserID
	email  string
	active bool
}

// currentLink is a current link in 16 bytes: a million of them sort in a
// fraction of a second and cost 16 MB.
type currentLink struct {
	key        uint64 // managee << 32 | manager: sorting on it puts a managee's links together
	dates      int32  // index into snapshot.dates, -1 for none
	functional bool
}

func (c currentLink) manager() reportline.UserID { return reportline.UserID(uint32(c.key)) }
func (c currentLink) managee() reportline.UserID { return reportline.UserID(c.key >> 32) }

func (c currentLink) kind() reportline.Kind {
	if c.functional {
		return reportline.Functional
	}
	return reportline.Line
}

// datesOf returns a link's valid from and until in Unix microseconds, 0
// for none.
func (s *snapshot) datesOf(c currentLink) (from, until int64) {
	if c.dates < 0 {
		return 0, 0
	}
	d := s.dates[c.dates]
	return d[0], d[1]
}

// emailOf returns the address of a user, "" when the snapshot has no such
// user.
func (s *snapshot) emailOf(id reportline.UserID) string {
	// Ids are usually dense, so a user is usually where their id says.
	if len(s.users) > 0 {
		if i := int64(id) - int64(s.users[0].id); i >= 0 && i < int64(len(s.users)) && s.users[i].id == id {
			return s.users[i].email
		}
	}
	i, ok := slices.BinarySearchFunc(s.users, id, func(k userKey, id reportline.UserID) int { return cmp.Compare(k.id, id) })
	if !ok {
		return ""
	}
	return s.users[i].email
}

// readSnapshot reads the users and links an import checks against.
func readSnapshot(ctx context.Context, tx Tx) (*snapshot, error) {
	s := &snapshot{}
	sorted := true
	if err := tx.EachUserAddress(ctx, func(id reportline.UserID, email string, active bool) error {
		if id <= 0 || id > math.MaxUint32 {
			return reportline.Errorf(reportline.Internal, "user %d: a bulk import handles user ids from 1 to %d", id, uint32(math.MaxUint32))
		}
		if n := len(s.users); n > 0 && s.users[n-1].id >= id {
			sorted = false
		}
		s.users = append(s.users, userKey{id, email, active})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	if !sorted {
		slices.SortFunc(s.users, func(a, b userKey) int { return cmp.Compare(a.id, b.id) })
	}
	n, err := tx.CountLinks(ctx)
	if err != nil {
		return nil, err
	}
	s.links = make([]currentLink, 0, n)
	err = tx.EachLinkKey(ctx, func(manager, managee reportline.UserID, functional bool, from, until int64) error {
		if manager <= 0 || managee <= 0 || manager > math.MaxUint32 || managee > math.MaxUint32 {
			return reportline.Errorf(reportline.Internal, "link %d → %d: a bulk import handles user ids from 1 to %d", manager, managee, uint32(math.MaxUint32))
		}
		c := currentLink{key: uint64(managee)<<32 | uint64(manager), dates: -1, functional: functional}
		if from != 0 || until != 0 {
			c.dates = int32(len(s.dates))
			s.dates = append(s.dates, [2]int64{from, until})
		}
		s.links = append(s.links, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read links: %w", err)
	}
	slices.SortFunc(s.links, func(a, b currentLink) int { return cmp.Compare(a.key, b.key) })
	return s, nil
}

func toMicros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}
