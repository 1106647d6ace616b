package refdata

import (
	"iter"
	"strconv"

	"reportline"
)

// Names are plain ASCII so that every generated address is valid as it is.
var (
	firstNames = [...]string{
		"Ada", "Alan", "Alice", "Amir", "Anna", "Arjun", "Ben", "Carla", "Chen", "Chloe",
		"David", "Elena", "Emma", "Farah", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan",
		"Jonas", "Julia", "Kenji", "Lea", "Leon", "Lina", "Lucas", "Maya", "Mei", "Mila",
		"Nadia", "Noah", "Olga", "Omar", "Paul", "Priya", "Rosa", "Sami", "Sofia", "Tom",
	}
	lastNames = [...]string{
		"Adams", "Bakker", "Bernard", "Brown", "Costa", "Dubois", "Fischer", "Garcia", "Hansen", "Ivanova",
		"Jensen", "Kim", "Kowalski", "Larsen", "Lefebvre", "Lopez", "Martin", "Meyer", "Moreau", "Muller",
		"Nakamura", "Nguyen", "Novak", "Olsen", "Patel", "Petit", "Rossi", "Santos", "Schmidt", "Silva",
		"Smith", "Suzuki", "Tanaka", "Taylor", "Weber", "Wilson", "Wong", "Yilmaz", "Zhang", "Ziegler",
	}
	lowerLastNames = func() (out [len(lastNames)]string) {
		for i, n := range lastNames {
			b := []byte(n)
			b[0] += 'a' - 'A'
			out[i] = string(b)
		}
		return out
	}()
)

// inactivePerMille is the share of inactive accounts: ~3 %.
const inactivePerMille = 30

// attrs returns a hash of the user's id under the seed, from which the
// user's names and status are read: no table is needed, and any one user can
// be made without the others.
func (o *Org) attrs(id reportline.UserID) uint64 {
	return mix(o.cfg.Seed ^ mix(uint64(id)+0x5851f42d4c957f2d))
}

// Email returns the user's address: user<id>.<lastname>@example-corp.com.
func (o *Org) Email(id reportline.UserID) string {
	h := o.attrs(id)
	return "user" + strconv.FormatInt(int64(id), 10) + "." + lowerLastNames[h%uint64(len(lastNames))] + "@example-corp.com"
}

// ExternalUID returns the user's id in the HR system: E<id>.
func (o *Org) ExternalUID(id reportline.UserID) string { return "E" + strconv.FormatInt(int64(id), 10) }

// Active reports whether the user's account is active (~97 % are; the root
// always is).
func (o *Org) Active(id reportline.UserID) bool {
	return id == o.Root() || (o.attrs(id)>>32)%1000 >= inactivePerMille
}

// User returns user id, 1 ≤ id ≤ Size.
func (o *Org) User(id reportline.UserID) reportline.User {
	h := o.attrs(id)
	status := reportline.StatusActive
	if !o.Active(id) {
		status = reportline.StatusInactive
	}
	return reportline.User{
		ID:          id,
		ExternalUID: o.ExternalUID(id),
		Email:       o.Email(id),
		FirstName:   firstNames[(h>>16)%uint64(len(firstNames))],
		LastName:    lastNames[h%uint64(len(lastNames))],
		Status:      status,
		CreatedAt:   o.cfg.Epoch,
		UpdatedAt:   o.cfg.Epoch,
	}
}

// Users yields every user in id order. Users are made on the fly, so
// iterating costs no memory.
func (o *Org) Users() iter.Seq[reportline.User] {
	return func(yield func(reportline.User) bool) {
		for id := 1; id <= o.cfg.Users; id++ {
			if !yield(o.User(reportline.UserID(id))) {
				return
			}
		}
	}
}
