package app

import (
	"context"
	"slices"
	"time"

	"reportline"
)

// History is the link audit and the change log merged, newest first, for
// the history page, its CSV export and a person's timeline. It reads
// through Audit and Changes, which authorize (the policy's audit.read row):
// platform admins read everything; group and user admins only about one
// person they administrate (HistoryFilter.UserID set).

// HistoryFilter selects history events. Zero fields do not filter.
type HistoryFilter struct {
	UserID   reportline.UserID // events about this person
	ActorID  reportline.UserID // events made by this person
	Source   reportline.Source
	From, To time.Time // From inclusive, To exclusive
	Limit    int       // 0 means 200
}

// HistoryEvent is one line of the history: a link change (Link true) or a
// change-log entry.
type HistoryEvent struct {
	At        time.Time
	ActorID   reportline.UserID // 0 for the system
	Source    reportline.Source
	BatchID   int64 // the CSV import, 0 when none
	Link      bool
	Action    string // add, remove, update for a link; the policy action of a change
	ManagerID reportline.UserID
	ManageeID reportline.UserID
	Kind      reportline.Kind // of the link, after the change (before it for a remove)
	UserID    reportline.UserID
	What      string
	Before    string // a change's JSON documents
	After     string
}

// HistoryPage is the events with the names of the people they mention.
type HistoryPage struct {
	Events []HistoryEvent
	Names  map[reportline.UserID]string
	More   bool // the limit cut the list
}

// historyPage is one read of a log (the store's largest page); historyScan
// bounds how many entries of each log one history read scans.
const (
	historyPage = 1000
	historyScan = 10 * historyPage
)

// History returns events matching f, newest first.
func (a *App) History(ctx context.Context, actor Actor, f HistoryFilter) (HistoryPage, error) {
	var page HistoryPage
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	keep := func(e HistoryEvent) bool {
		return (f.ActorID == 0 || e.ActorID == f.ActorID) && (f.Source == "" || e.Source == f.Source) &&
			(f.From.IsZero() || !e.At.Before(f.From)) && (f.To.IsZero() || e.At.Before(f.To))
	}
	var events []HistoryEvent
	// Link audit: pages until the entries are older than From.
	for before, scanned := int64(0), 0; scanned < historyScan; {
		batch, err := a.Audit(ctx, actor, reportline.AuditFilter{UserID: f.UserID, BeforeID: before, Limit: historyPage})
		if err != nil {
			return page, err
		}
		for _, e := range batch {
			ev := HistoryEvent{At: e.At, ActorID: e.ActorID, Source: e.Source, BatchID: e.BatchID, Link: true,
				Action: string(e.Action), ManagerID: e.ManagerID, ManageeID: e.ManageeID}
			if e.After != nil {
				ev.Kind = e.After.Kind
			} else if e.Before != nil {
				ev.Kind = e.Before.Kind
			}
			if keep(ev) {
				events = append(events, ev)
			}
		}
		scanned += len(batch)
		if len(batch) < historyPage || (!f.From.IsZero() && batch[len(batch)-1].At.Before(f.From)) {
			break
		}
		before = batch[len(batch)-1].ID
	}
	for before, scanned := int64(0), 0; scanned < historyScan; {
		batch, err := a.Changes(ctx, actor, reportline.ChangeFilter{UserID: f.UserID, ActorID: f.ActorID, BeforeID: before, Limit: historyPage})
		if err != nil {
			return page, err
		}
		for _, c := range batch {
			ev := HistoryEvent{At: c.At, ActorID: c.ActorID, Source: c.Source, Action: c.Action, UserID: c.UserID,
				What: c.What, Before: c.Before, After: c.After}
			if keep(ev) {
				events = append(events, ev)
			}
		}
		scanned += len(batch)
		if len(batch) < historyPage || (!f.From.IsZero() && batch[len(batch)-1].At.Before(f.From)) {
			break
		}
		before = batch[len(batch)-1].ID
	}
	slices.SortStableFunc(events, func(x, y HistoryEvent) int { return y.At.Compare(x.At) })
	if len(events) > limit {
		events, page.More = events[:limit], true
	}
	page.Events = events
	// The reader may read these entries, so they may read who they name.
	ids := map[reportline.UserID]bool{}
	for _, e := range events {
		for _, id := range []reportline.UserID{e.ActorID, e.ManagerID, e.ManageeID, e.UserID} {
			if id != 0 {
				ids[id] = true
			}
		}
	}
	page.Names = map[reportline.UserID]string{}
	if len(ids) == 0 {
		return page, nil
	}
	list := make([]reportline.UserID, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	err := a.historyNamesStore().Read(ctx, func(tx historyNamesTx) error {
		for chunk := range slices.Chunk(list, 500) {
			users, _, err := tx.FindUsers(ctx, reportline.UserFilter{IDs: chunk, Limit: len(chunk)})
			if err != nil {
				return err
			}
			for _, u := range users {
				page.Names[u.ID] = u.Name()
			}
		}
		return nil
	})
	return page, err
}
