package app

import (
	"context"
	"time"

	"reportline"
)

// The searches as of an instant (issue 19, AuthZEN's context.as_of): the
// same rules as SearchSubjects and SearchResources, over the reporting line
// as the link history had it at that instant, so that every user they
// return gets an allowed decision from an evaluation with the same as_of,
// and every such user is returned. As for as-of evaluations
// (access_history.go), who may ask, statuses, platform roles and groups
// are today's; only the links are read from the history.

// SearchSubjectsAsOf is SearchSubjects against the link history at at
// (zero: now).
func (a *App) SearchSubjectsAsOf(ctx context.Context, actor Actor, c reportline.Capability, resource reportline.UserID,
	at time.Time, page SearchPage) (SearchResult, error) {
	return a.searchSubjects(ctx, actor, c, resource, at, true, page)
}

// SearchResourcesAsOf is SearchResources against the link history at at
// (zero: now).
func (a *App) SearchResourcesAsOf(ctx context.Context, actor Actor, subject reportline.UserID, c reportline.Capability,
	at time.Time, page SearchPage) (SearchResult, error) {
	return a.searchResources(ctx, actor, subject, c, at, true, page)
}

// searchChecker returns the checker a search reads through and sets *at to
// now when it is zero. Today's searches read the index in memory when it
// is current; a search in the history reads the database (the index holds
// today's links only), through a view of the links at *at.
func (a *App) searchChecker(ctx context.Context, tx checkTx, actor Actor, at *time.Time, history bool) (*checker, error) {
	if !history {
		ch, err := a.newChecker(ctx, tx, actor)
		if err == nil && at.IsZero() {
			*at = ch.now
		}
		return ch, err
	}
	ch, err := a.newDBChecker(ctx, tx, actor)
	if err != nil {
		return nil, err
	}
	if at.IsZero() {
		*at = ch.now
	}
	ch.view = ch.view.historic(*at)
	return ch, nil
}
