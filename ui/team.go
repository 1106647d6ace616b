package ui

import (
	"fmt"
	"net/http"

	"reportline"
	"reportline/app"
	"reportline/i18n"
)

// registerLearning adds My team, a user's statistics page and the
// statistics scope setting.
func (u *UI) registerLearning(mux *http.ServeMux) {
	mux.Handle("GET /team", u.signedIn(u.team))
	mux.Handle("GET /users/{id}/statistics", u.signedIn(u.statistics))
	mux.Handle("GET /settings/statistics", u.signedIn(u.statisticsScopes))
	mux.Handle("POST /settings/statistics", u.signedIn(u.saveStatisticsScopes))
}

// teamPage is My team.
type teamPage struct {
	page
	Team      app.TeamView
	All       bool // the scope is "all"
	Chart     chart
	Members   []teamRow
	Birthdays []app.TeamBirthday
	Today     string
	AsOf      string // "" today; the date form's value (team_asof.go)
}

// teamRow is one member in the team table.
type teamRow struct {
	app.TeamMember
	StatsURL string
	Progress progressBar
	Reports  string // "direct" or "via NAME"
}

// progressBar is a small SVG bar of a percentage.
type progressBar struct {
	Percent int
	Width   int // of barWidth
}

// barWidth is the width of a progress bar, in SVG units.
const barWidth = 100

func newProgressBar(p int) progressBar {
	p = min(max(p, 0), 100)
	return progressBar{Percent: p, Width: p * barWidth / 100}
}

func (u *UI) team(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	scope, err := app.ParseTeamScope(r.URL.Query().Get("scope"))
	if err != nil {
		return err
	}
	if at, ok, err := app.ParseAsOf(r.URL.Query().Get("as_of")); err != nil {
		return err
	} else if ok {
		return u.teamAsOf(w, r, v, scope, at, r.URL.Query().Get("as_of")) // team_asof.go
	}
	tv, err := u.app.Team(ctx, v.Actor, scope)
	if err != nil {
		return err
	}
	p := teamPage{Team: tv, All: scope == app.TeamAll, Chart: teamChart(tv.Totals, u.loc(r)), Birthdays: tv.Birthdays,
		Today: u.loc(r).Format(tv.At, "Monday 2 January")}
	if p.page, err = u.base(ctx, v, u.loc(r).T("nav.team", nil), 0); err != nil {
		return err
	}
	p.Here = "team"
	for _, m := range tv.Members {
		row := teamRow{TeamMember: m, StatsURL: fmt.Sprintf("/users/%d/statistics", m.User.ID),
			Progress: newProgressBar(m.Summary.AverageProgress), Reports: u.loc(r).T("team.reports.direct", nil)}
		if !m.Direct {
			row.Reports = u.loc(r).T("team.reports.through", map[string]any{"Name": m.Manager.Name()})
		}
		p.Members = append(p.Members, row)
	}
	u.render(w, r, http.StatusOK, "team", p)
	return nil
}

// chart is a horizontal bar chart drawn as inline SVG: attributes only,
// no style, so the strict CSP holds; colours come from the stylesheet.
type chart struct {
	Title  string
	Width  int
	Height int
	Bars   []chartBar
	Empty  bool
}

// chartBar is one bar of a chart.
type chartBar struct {
	Label      string
	Class      string // a CSS class suffix: completed, progress, waiting, failed, late
	Count      int
	Y          int // of the bar's top
	Width      int
	LabelY     int // baseline of the label
	ValueX     int // where the count is written
	TrackWidth int
}

// The chart's geometry, in SVG units.
const (
	chartLabelWidth = 110
	chartTrack      = 300
	chartBarHeight  = 22
	chartGap        = 12
)

// teamChart draws the team's records by status, and the late ones.
func teamChart(s app.StatsSummary, l *i18n.Localizer) chart {
	c := chart{Title: l.T("team.chart", nil), Width: chartLabelWidth + chartTrack + 60, Empty: s.Records == 0}
	rows := []struct {
		label, class string
		n            int
	}{
		{l.T("stats.completed", nil), "completed", s.Completed},
		{l.T("stats.in_progress", nil), "progress", s.InProgress},
		{l.T("stats.not_started", nil), "waiting", s.NotStarted},
		{l.T("stats.failed", nil), "failed", s.Failed},
		{l.T("stats.late", nil), "late", s.Late},
	}
	most := 1
	for _, r := range rows {
		most = max(most, r.n)
	}
	for i, r := range rows {
		y := i * (chartBarHeight + chartGap)
		w := r.n * chartTrack / most
		if r.n > 0 {
			w = max(w, 2)
		}
		c.Bars = append(c.Bars, chartBar{Label: r.label, Class: r.class, Count: r.n, Y: y, Width: w,
			LabelY: y + chartBarHeight/2 + 5, ValueX: chartLabelWidth + w + 8, TrackWidth: chartTrack})
	}
	c.Height = len(rows)*(chartBarHeight+chartGap) - chartGap
	return c
}

// statisticsPage is a user's statistics.
type statisticsPage struct {
	page
	Stats      app.UserStatistics
	Grant      words // what lets the viewer see them, when not Mine
	Mine       bool
	ProfileURL string
	Rows       []statRow
	Summary    app.StatsSummary
	Progress   progressBar
}

// statRow is one record in the statistics table.
type statRow struct {
	app.StatRecord
	Progress progressBar
}

func (u *UI) statistics(w http.ResponseWriter, r *http.Request, v viewer) error {
	ctx := r.Context()
	id, err := userID(r)
	if err != nil {
		return err
	}
	st, err := u.app.Statistics(ctx, v.Actor, id)
	if err != nil {
		return err
	}
	p := statisticsPage{Stats: st, Mine: id == v.User.ID, Summary: st.Summary, Progress: newProgressBar(st.Summary.AverageProgress)}
	l := u.loc(r)
	p.Grant = grantWords(l, st)
	title := l.T("stats.title", map[string]any{"Name": st.User.Name()})
	if p.Mine {
		title = l.T("stats.mine", nil)
	}
	if p.page, err = u.base(ctx, v, title, contextGroup(r)); err != nil {
		return err
	}
	p.ProfileURL = userURL(id, "", p.page)
	for _, rec := range st.Records {
		p.Rows = append(p.Rows, statRow{StatRecord: rec, Progress: newProgressBar(rec.Progress)})
	}
	u.render(w, r, http.StatusOK, "learning_statistics", p)
	return nil
}

// scopesPage is Settings → Policies → Statistics.
type scopesPage struct {
	settingsPage
	Kinds []scopeKind
}

// scopeKind is one link kind's radio buttons.
type scopeKind struct {
	Kind    reportline.Kind
	Label   string
	Options []scopeOption
}

// scopeOption is one radio button.
type scopeOption struct {
	Value   reportline.StatisticsScope
	Label   string
	Checked bool
}

func (u *UI) scopesPage(r *http.Request, v viewer) (*scopesPage, error) {
	ctx := r.Context()
	scopes, err := u.app.StatisticsScopes(ctx, v.Actor)
	if err != nil {
		return nil, err
	}
	l := u.loc(r)
	s, err := u.settingsBase(r, v, l.T("profile.statistics", nil), "statistics")
	if err != nil {
		return nil, err
	}
	p := &scopesPage{settingsPage: s}
	for _, k := range reportline.LinkKinds {
		sk := scopeKind{Kind: k, Label: l.T("scopes.kind."+string(k), nil)}
		for _, sc := range reportline.StatisticsScopes {
			sk.Options = append(sk.Options, scopeOption{Value: sc, Label: l.T("scope."+string(sc), nil), Checked: scopes[k] == sc})
		}
		p.Kinds = append(p.Kinds, sk)
	}
	return p, nil
}

func (u *UI) statisticsScopes(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.scopesPage(r, v)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("saved") == "1" {
		p.Flash = u.loc(r).T("scopes.saved", nil)
	}
	u.render(w, r, http.StatusOK, "learning_scopes", p)
	return nil
}

func (u *UI) saveStatisticsScopes(w http.ResponseWriter, r *http.Request, v viewer) error {
	set := map[reportline.Kind]reportline.StatisticsScope{}
	for _, k := range reportline.LinkKinds {
		if s := r.PostFormValue(string(k)); s != "" {
			set[k] = reportline.StatisticsScope(s)
		}
	}
	_, err := u.app.SetStatisticsScopes(r.Context(), v.Actor, set)
	if reportline.IsCode(err, reportline.Invalid) {
		p, perr := u.scopesPage(r, v)
		if perr != nil {
			return perr
		}
		p.Problem = problemOf(u.loc(r), err)
		p.Problem.Title = u.loc(r).T("settings.not_saved", nil)
		u.render(w, r, http.StatusUnprocessableEntity, "learning_scopes", p)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/settings/statistics?saved=1", http.StatusSeeOther)
	return nil
}

// grantWords says what lets the viewer see a person's statistics, from the
// access check's grant; app's English sentence only for a grant it does not
// know.
func grantWords(l *i18n.Localizer, st app.UserStatistics) words {
	name := st.User.Name()
	switch g := st.Grant; g.By {
	case app.GrantLink:
		if g.Link.Kind == reportline.Functional {
			return words{Text: l.T("stats.grant.functional", map[string]any{"Name": name})}
		}
		return words{Text: l.T("stats.grant.line", map[string]any{"Name": name})}
	case app.GrantChain:
		return words{Text: l.T("stats.grant.chain", map[string]any{"Name": name})}
	case app.GrantPlatformAdmin:
		return words{Text: l.T("stats.grant.platform_admin", nil)}
	case app.GrantGroupAdmin:
		return words{Text: l.T("stats.grant.group_admin", map[string]any{"Name": name})}
	}
	return words{Text: sentence(st.Reason), Raw: true}
}
