package ui

import (
	"fmt"
	"net/http"
	"time"

	"reportline/app"
)

// My team as of a date (/team?as_of=YYYY-MM-DD; issue 19): who was in the
// team then, read from the link history (app.ListTeamAsOf, whose rules
// are today's authorization). Learning statistics are not historised, so
// this page lists people and links only; today's My team has the figures.

// teamAsOfPage is My team as of a date.
type teamAsOfPage struct {
	page
	Team app.TeamAsOf
	All  bool
	AsOf string
	Rows []teamAsOfRow
}

// teamAsOfRow is one member then.
type teamAsOfRow struct {
	app.TeamAsOfMember
	ChartURL string
	Via      string // the manager's name below the first level
}

func (u *UI) teamAsOf(w http.ResponseWriter, r *http.Request, v viewer, scope app.TeamScope, at time.Time, asOf string) error {
	ctx := r.Context()
	tv, err := u.app.ListTeamAsOf(ctx, v.Actor, v.Actor.User.ID, scope, at)
	if err != nil {
		return err
	}
	p := teamAsOfPage{Team: tv, All: scope == app.TeamAll, AsOf: asOf}
	if len(p.AsOf) > len(time.DateOnly) {
		p.AsOf = at.Format(time.DateOnly)
	}
	if p.page, err = u.base(ctx, v, u.loc(r).T("nav.team", nil), 0); err != nil {
		return err
	}
	p.Here = "team"
	names := map[int64]string{int64(tv.Manager.ID): tv.Manager.Name()}
	for _, m := range tv.Members {
		names[int64(m.User.ID)] = m.User.Name()
	}
	for _, m := range tv.Members {
		row := teamAsOfRow{TeamAsOfMember: m, ChartURL: fmt.Sprintf("/users/%d/orgchart?as_of=%s", m.User.ID, p.AsOf)}
		if m.Depth > 1 {
			row.Via = names[int64(m.Manager)]
		}
		p.Rows = append(p.Rows, row)
	}
	u.render(w, r, http.StatusOK, "team_asof", p)
	return nil
}
