package notify_test

import (
	"errors"
	"testing"
	"time"

	"reportline"
	"reportline/notify"
)

// TestParseDeliveryFilter: the delivery log's dates are days (the end day
// included) or instants; anything else names the field.
func TestParseDeliveryFilter(t *testing.T) {
	t.Parallel()
	f, err := notify.ParseDeliveryFilter(" ann@example.com", "birthday", "sent", "2026-11-02", "2026-11-08")
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC); !f.Since.Equal(want) {
		t.Errorf("since = %v, want %v", f.Since, want)
	}
	if want := time.Date(2026, 11, 9, 0, 0, 0, 0, time.UTC); !f.Until.Equal(want) {
		t.Errorf("until = %v, want the day after the last day, %v", f.Until, want)
	}
	if f.Type != reportline.NotifyBirthday || f.Status != reportline.DeliverySent {
		t.Errorf("type, status = %q, %q", f.Type, f.Status)
	}
	f, err = notify.ParseDeliveryFilter("", "", "", "2026-11-02T09:30:00+01:00", "")
	if err != nil || !f.Since.Equal(time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)) || !f.Until.IsZero() {
		t.Errorf("an instant: since %v, until %v, %v", f.Since, f.Until, err)
	}
	_, err = notify.ParseDeliveryFilter("", "", "", "", "last week")
	var re *reportline.Error
	if !errors.As(err, &re) || re.Code != reportline.Invalid || re.Field != "until" {
		t.Errorf("until = %q: %v, want an invalid field", "last week", err)
	}
}
