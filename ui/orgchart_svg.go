package ui

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/orgchart"
)

// The org chart's drawing: app.ChartTree → orgchart.Layout → an SVG drawn
// by the template (orgchart.html). Cards are styled by class from the
// stylesheet and placed with presentation attributes (x, y, points): no
// style attribute and no script, so the strict CSP holds.

// The card's size and the gaps, in CSS pixels.
var chartOptions = orgchart.Options{BoxW: 184, BoxH: 76, GapX: 16, GapY: 36, StackAt: 5, StackRows: 8, StackGapY: 10, Indent: 24}

// chartSVG is what the template draws.
type chartSVG struct {
	Width, Height int
	Cards         []svgCard
	Lines         []svgLine
}

// svgCard is one card of the drawing.
type svgCard struct {
	ID          string // the element id: oc-card-<user id>, or oc-more-<manager id>
	X, Y, W, H  int
	Class       string // oc-card plus its tier (oc-focus, oc-manager, oc-chain, oc-report, oc-more), oc-inactive, oc-removed, oc-change-…
	Name        string // shortened to fit
	Title       string // the full text, for the tooltip and screen readers
	Meta        string // position or unit, shortened
	Note        string // kind and dates, or what changed
	NoteClass   string
	URL         string // refocus on them; "" when the viewer may not
	ToggleURL   string // expand or collapse their reports; "" when not openable
	ToggleLabel string
	ToggleAria  string
	Expanded    bool
	// Where the texts and the toggle go.
	TX, Y1, Y2, Y3, BX, BY, BTX, BTY int
}

// svgLine is one connector.
type svgLine struct {
	Points string
	Class  string // oc-edge plus oc-edge-line or oc-edge-functional, oc-edge-temporary, oc-edge-removed
}

// chartPerson is one person to draw and their link to the card above.
type chartPerson struct {
	app.ChartNode
	Tier   string // focus, manager, chain, report
	Change string // added, removed, changed; "" when the same or not comparing
	More   int    // for a "+N more" card: how many are not drawn
	Parent reportline.UserID
}

// chartState is the request's own parameters, for the links it draws.
type chartState struct {
	Focus   reportline.UserID
	AsOf    string
	Compare string
	Expand  []reportline.UserID
	All     bool
}

// url is the chart with another focus or expand set.
func (s chartState) url(focus reportline.UserID, expand []reportline.UserID, all bool, anchor string) string {
	q := url.Values{}
	if s.AsOf != "" {
		q.Set("as_of", s.AsOf)
	}
	if s.Compare != "" {
		q.Set("compare", s.Compare)
	}
	if len(expand) > 0 {
		parts := make([]string, len(expand))
		for i, id := range expand {
			parts[i] = strconv.FormatInt(int64(id), 10)
		}
		q.Set("expand", strings.Join(parts, ","))
	}
	if all {
		q.Set("all", "1")
	}
	out := fmt.Sprintf("/users/%d/orgchart", focus)
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	if anchor != "" {
		out += "#" + anchor
	}
	return out
}

// parseExpand reads the expand parameter: user ids separated by commas.
func parseExpand(s string) ([]reportline.UserID, error) {
	var out []reportline.UserID
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		n, err := strconv.ParseInt(part, 10, 64)
		if err != nil || n <= 0 {
			return nil, reportline.FieldError("expand", s, "expand must be user ids separated by commas")
		}
		if !slices.Contains(out, reportline.UserID(n)) {
			out = append(out, reportline.UserID(n))
		}
	}
	return out, nil
}

// drawChart lays out and describes the chart. removedBelow are, in a
// comparison, the people gone since the other date, by the manager they
// were under (the focus for its managers: see compareTrees).
func drawChart(l *i18n.Localizer, st chartState, ct app.ChartTree, people map[reportline.UserID][]chartPerson, above [][]chartPerson) chartSVG {
	var persons []chartPerson
	add := func(p chartPerson) int64 {
		persons = append(persons, p)
		return int64(len(persons) - 1)
	}
	var build func(p chartPerson) *orgchart.Node
	build = func(p chartPerson) *orgchart.Node {
		n := &orgchart.Node{ID: add(p)}
		if p.Change == "removed" || p.More > 0 {
			return n
		}
		for _, c := range people[p.User.ID] {
			n.Children = append(n.Children, build(c))
		}
		return n
	}
	root := build(chartPerson{ChartNode: app.ChartNode{User: ct.Focus, Focusable: true, Openable: true}, Tier: "focus"})
	in := orgchart.Input{Root: root}
	for _, row := range above {
		var ids []int64
		for _, p := range row {
			ids = append(ids, add(p))
		}
		in.Above = append(in.Above, ids)
	}
	r := orgchart.Layout(in, chartOptions)
	// The toggles hang 10 px below the lowest cards.
	out := chartSVG{Width: r.Width, Height: r.Height + 12}
	for _, c := range r.Cards {
		p := persons[c.ID]
		out.Cards = append(out.Cards, card(l, st, ct, p, c.X, c.Y))
	}
	for _, ln := range r.Lines {
		// Below the focus a line is the lower card's link; above it, the
		// upper card's (a manager's link down).
		lower := persons[r.Cards[ln.To].ID]
		if r.Cards[ln.From].Depth < 0 {
			lower = persons[r.Cards[ln.From].ID]
		}
		pts := make([]string, len(ln.Points))
		for i, pt := range ln.Points {
			pts[i] = fmt.Sprintf("%d,%d", pt[0], pt[1])
		}
		cls := "oc-edge oc-edge-" + string(lower.Link.Kind)
		if lower.Temporary() {
			cls += " oc-edge-temporary"
		}
		if lower.Change == "removed" {
			cls += " oc-edge-removed"
		}
		if lower.More > 0 {
			cls = "oc-edge oc-edge-more"
		}
		out.Lines = append(out.Lines, svgLine{Points: strings.Join(pts, " "), Class: cls})
	}
	return out
}

// card describes one card.
func card(l *i18n.Localizer, st chartState, ct app.ChartTree, p chartPerson, x, y int) svgCard {
	c := svgCard{X: x, Y: y, W: chartOptions.BoxW, H: chartOptions.BoxH, Class: "oc-card oc-" + p.Tier,
		TX: x + 10, Y1: y + 22, Y2: y + 42, Y3: y + 62}
	// The toggle hangs from the middle of the card's lower edge, over the
	// start of the lines down to the reports.
	c.BX, c.BY = x+c.W/2-24, y+c.H-10
	c.BTX, c.BTY = c.BX+24, c.BY+14
	if p.More > 0 {
		c.ID = fmt.Sprintf("oc-more-%d", p.Parent)
		c.Class = "oc-card oc-more"
		c.Name = l.N("orgchart.more.card", p.More, nil)
		c.Title = c.Name
		c.Note = l.T("orgchart.more.hint", nil)
		if p.Focusable {
			c.URL = st.url(p.Parent, nil, false, "")
		}
		return c
	}
	u := p.User
	c.ID = fmt.Sprintf("oc-card-%d", u.ID)
	c.Name = shorten(u.Name(), 22)
	c.Meta = shorten(firstOf(u.Position, u.OrgUnit), 27)
	title := []string{u.Name()}
	if u.Position != "" {
		title = append(title, u.Position)
	}
	if p.Tier != "focus" {
		c.Note = l.T("kind."+string(p.Link.Kind), nil)
		if p.Temporary() {
			c.Class += " oc-temporary"
			c.Note = dates(l, p.Link)
		}
	}
	if !u.Active() {
		c.Class += " oc-inactive"
		c.Note = l.T("status.inactive", nil)
	}
	if p.Change != "" {
		c.Class += " oc-change-" + p.Change
		if p.Change == "removed" {
			c.Class += " oc-removed"
		}
		c.Note = l.T("orgchart.change."+p.Change, nil)
		c.NoteClass = "oc-flag-" + p.Change
	}
	if c.Note != "" {
		title = append(title, c.Note)
		c.Note = shorten(c.Note, 30)
	}
	c.Title = strings.Join(title, " · ")
	if p.Focusable && p.Tier != "focus" && p.Change != "removed" {
		c.URL = st.url(u.ID, nil, false, "")
	}
	if p.Tier == "focus" {
		c.URL = "/users/" + strconv.FormatInt(int64(u.ID), 10)
	}
	if p.Tier == "report" && p.Reports > 0 && p.Change != "removed" {
		c.Expanded = ct.Expanded[u.ID]
		switch {
		case c.Expanded:
			c.ToggleURL = st.url(st.Focus, slices.DeleteFunc(slices.Clone(st.Expand), func(id reportline.UserID) bool { return id == u.ID }), false, c.ID)
			c.ToggleLabel = "▴ " + l.Number(p.Reports)
			c.ToggleAria = l.T("orgchart.collapse.one", map[string]any{"Name": u.Name()})
		case p.Openable:
			c.ToggleURL = st.url(st.Focus, append(slices.Clone(st.Expand), u.ID), st.All, c.ID)
			c.ToggleLabel = "▾ " + l.Number(p.Reports)
			c.ToggleAria = l.N("orgchart.expand.one", p.Reports, map[string]any{"Name": u.Name()})
		default:
			c.ToggleLabel = l.Number(p.Reports)
		}
	}
	return c
}

// dates phrases a temporary link's dates, short enough for a card.
func dates(l *i18n.Localizer, k reportline.Link) string {
	switch {
	case !k.ValidFrom.IsZero() && !k.ValidUntil.IsZero():
		return l.ShortDate(k.ValidFrom) + " – " + l.ShortDate(k.ValidUntil)
	case !k.ValidFrom.IsZero():
		return l.T("orgchart.from", map[string]any{"Date": l.ShortDate(k.ValidFrom)})
	}
	return l.T("orgchart.until", map[string]any{"Date": l.ShortDate(k.ValidUntil)})
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// shorten cuts a text to n characters with an ellipsis: a card is fixed
// size (the full text is its title).
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
