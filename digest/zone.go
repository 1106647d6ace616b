package digest

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Paris and every tenant's zone whatever the host has installed

	"reportline"
)

// SettingTimeZone is the settings key of the tenant's time zone (an IANA
// name): the digest's Monday 14:00 and week, the birthdays' day and 08:00,
// and the dates and times in both mails. Europe/Paris when unset.
const SettingTimeZone = "digest_time_zone"

// Paris is Europe/Paris, the zone of a tenant that names none.
var Paris = mustParis()

func mustParis() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(fmt.Sprintf("load Europe/Paris: %v", err)) // embedded by time/tzdata: cannot happen
	}
	return loc
}

// Zone is the time zone of the context's tenant: its digest_time_zone
// setting, else Europe/Paris (an unknown name too, with a warning).
func (n *Notifier) Zone(ctx context.Context) (*time.Location, error) {
	var name string
	err := n.store.Read(ctx, func(tx Tx) error {
		v, err := tx.Setting(ctx, SettingTimeZone)
		if reportline.IsCode(err, reportline.NotFound) {
			return nil
		}
		name = v
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the tenant's time zone: %w", err)
	}
	if name == "" {
		return Paris, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		n.log.Warn("unknown digest time zone, using Europe/Paris", "zone", name)
		return Paris, nil
	}
	return loc, nil
}
