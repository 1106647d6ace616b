package app

import (
	"context"
	"time"

	"reportline"
	"reportline/digest"
)

// digestTx is the storage of the scheduled notifications (package digest:
// its runs, and what its Tx reads that no other part of Tx lists), with
// what app's own digest use cases (DigestRuns) and the notification
// preferences (digest_optout.go) read and write.
type digestTx interface {
	digest.RunTx

	// ScheduledRuns returns the latest runs of a kind, newest first.
	ScheduledRuns(ctx context.Context, kind reportline.NotificationType, limit int) ([]reportline.ScheduledRun, error)
	// NotificationOptOuts returns which of users opted out of type t.
	NotificationOptOuts(ctx context.Context, t reportline.NotificationType, users []reportline.UserID) (map[reportline.UserID]bool, error)
	// SetNotificationOptOut records whether user opted out of type t.
	SetNotificationOptOut(ctx context.Context, user reportline.UserID, t reportline.NotificationType, out bool, at time.Time) error
	// ActiveUserIDs returns the ids of every active user.
	ActiveUserIDs(ctx context.Context) (map[reportline.UserID]bool, error)
	// ActiveUsersWithBirthday returns the active users whose birthday
	// falls on one of the month-days (MM-DD), ordered by id.
	ActiveUsersWithBirthday(ctx context.Context, monthDays []string) ([]reportline.User, error)
}

// digestStore is a transaction as package digest sees it: the store's
// methods, and the links that count and the capability matrix by app's
// rules (effective.go, access_cache.go), read in the same transaction.
type digestStore struct {
	Tx
	a *App
}

func (t digestStore) CapabilityMatrix(ctx context.Context) (reportline.Matrix, error) {
	return t.a.matrix(ctx, t.Tx)
}

func (t digestStore) EffectiveManagees(ctx context.Context, managers []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return t.a.manageesOfMany(ctx, t.Tx, managers)
}

func (t digestStore) EffectiveManagers(ctx context.Context, managees []reportline.UserID) (map[reportline.UserID][]reportline.Link, error) {
	return t.a.managersOfMany(ctx, t.Tx, managees)
}

func (t digestStore) EachEffectiveLink(ctx context.Context, fn func(reportline.Link) error) error {
	return t.a.eachEffectiveLink(ctx, t.Tx, fn)
}

// CoveringInstead reads the tenant's cover.notify setting and, when it
// sends absent managers' notifications to their delegates instead, the
// absences in effect at instant at (absences.go).
func (t digestStore) CoveringInstead(ctx context.Context, managers []reportline.UserID, at time.Time) (map[reportline.UserID]reportline.UserID, error) {
	mode, err := coverNotify(ctx, t.Tx)
	if err != nil || mode != reportline.CoverNotifyInstead {
		return nil, err
	}
	list, err := t.Absences(ctx, reportline.AbsenceFilter{After: at})
	if err != nil {
		return nil, err
	}
	wanted := make(map[reportline.UserID]bool, len(managers))
	for _, m := range managers {
		wanted[m] = true
	}
	out := map[reportline.UserID]reportline.UserID{}
	for _, ab := range list {
		if wanted[ab.ManagerID] && ab.DelegateID != 0 && ab.InEffect(at) {
			out[ab.ManagerID] = ab.DelegateID
		}
	}
	return out, nil
}

// newNotifier builds the digest and birthday notifications over the store.
func (a *App) newNotifier() *digest.Notifier {
	return digest.New(narrow(a.store, func(tx Tx) digest.Tx { return digestStore{tx, a} }),
		narrow(a.store, func(tx Tx) digest.RunTx { return tx }),
		digest.Config{Now: a.now, Log: a.log, Rec: a.rec, Outbox: a.Outbox, Look: a.digestLook})
}

// digestLook is how the context's tenant's digests and birthday mails look
// and where they link: the tenant's address, the brand and the default
// language (per-tenant branding plugs in here).
func (a *App) digestLook(ctx context.Context) digest.Look {
	br := a.branding(ctx)
	return digest.Look{PublicURL: a.publicURL(ctx), Brand: MailBrandOf(br), DefaultLocale: br.Locale}
}
