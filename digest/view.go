package digest

import (
	"cmp"
	"fmt"
	"strconv"
	"strings"
	"time"

	"reportline"
	"reportline/i18n"
	"reportline/notice"
)

// The weekly digest as a manager reads it: a summary sentence, the counts,
// then each person with only what needs a look, each record once. Both
// bodies (text and HTML) are written from one digestView, so they say the
// same thing, and the counts are those of the items listed because they
// are counted from them.

// Options are what a digest needs besides the team's week.
type Options struct {
	Week   reportline.ISOWeek
	Late   bool      // the run began late: the email says so, with SentAt
	SentAt time.Time // when the run began
	// PublicURL is the address people reach Reportline at
	// (REPORTLINE_PUBLIC_URL), without a trailing slash; empty when none is
	// configured, and then the email has no links, only where to look.
	PublicURL string
	Brand     notice.Brand
	// DefaultLocale is the language of a manager whose profile names none
	// (App's Config.DefaultLocale); English when empty too.
	DefaultLocale string
	// Zone is the tenant's time zone: the days and times of the mail are
	// written in it. Europe/Paris when nil.
	Zone *time.Location
}

// The sections of a person in the digest, in order of precedence: a
// record is in the first that applies (MemberWeek).
const (
	sectionOverdue   = "overdue"
	sectionDueSoon   = "due_soon"
	sectionCompleted = "completed"
	sectionActive    = "active"
	sectionSessions  = "sessions"
)

// digestSections gives each section its colour; its title and counter
// are in the catalogues (digest.section.KEY, digest.count.KEY).
var digestSections = []struct{ key, colour string }{
	{sectionOverdue, "#b91c1c"},
	{sectionDueSoon, "#b45309"},
	{sectionCompleted, "#15803d"},
	{sectionActive, "#52606d"},
	{sectionSessions, "#1d4ed8"},
}

// digestView is what the digest templates see.
type digestView struct {
	Lang     string            // the recipient's language, for <html lang>
	Txt      map[string]string // the fixed words of the templates, translated
	Subject  string
	Brand    notice.Brand
	Greeting string // "Hello Grace,"
	Period   string // "16–23 November 2026"
	Bounds   string // the exact bounds of the week, in the tenant's zone
	Summary  string // the sentence a manager acts on
	Late     bool
	SentAt   string
	Counts   []digestCount
	People   []digestPerson // those with something to show, by name
	Quiet    []string       // the names of those with nothing to show
	TeamURL  string         // "" without a public URL
	PrefsURL string         // My notifications; "" without a public URL
}

// ShowCounts reports whether the header has figures to show: not when
// everybody is quiet (a row of zeros says nothing the summary does not).
func (v digestView) ShowCounts() bool { return len(v.People) > 0 }

// digestCount is one figure of the header: the number of items listed in
// the sections of that key.
type digestCount struct {
	Key, Label, Colour string
	N                  int
	Figure             string // N as the recipient's language writes it ("1,000", "1 000")
}

// digestPerson is one managee's block.
type digestPerson struct {
	Name, Email string
	StatsURL    string // their statistics; "" without a public URL
	StatsLabel  string // "See Ada's statistics"
	Sections    []digestSection
}

// digestSection is one kind of item of one person.
type digestSection struct {
	Key, Title, Colour string
	Items              []digestItem
}

// digestItem is one line: a record, or a session the person is expected at.
type digestItem struct {
	Key    string // unique in the digest: the record's LMS id, or the session
	Title  string // course, and session when there is one
	Detail string // status and dates, in the statistics page's words
}

// newDigestView lays out one manager's week.
func newDigestView(tw TeamWeek, o Options) digestView {
	o.Brand = o.Brand.Normalized()
	if o.Zone == nil {
		o.Zone = Paris
	}
	// Every date and time is written on the tenant's wall clock.
	zone := o.Zone
	tw.From, tw.To, tw.Ahead = tw.From.In(zone), tw.To.In(zone), tw.Ahead.In(zone)
	base := strings.TrimRight(o.PublicURL, "/")
	l := i18n.For(cmp.Or(tw.Manager.Locale, o.DefaultLocale))
	v := digestView{Lang: l.Lang(), Brand: o.Brand, Greeting: greeting(l, tw.Manager), Period: weekDays(l, tw.From, tw.To),
		Bounds: l.T("digest.bounds", map[string]any{"From": l.Format(tw.From, "Monday 2 January 15:04"),
			"To": l.Format(tw.To, "Monday 2 January 15:04")}),
		Late: o.Late, SentAt: when(l, o.SentAt.In(zone))}
	brand := map[string]any{"Brand": o.Brand.Name}
	v.Txt = map[string]string{}
	for _, id := range []string{"heading", "late.title", "quiet", "my_team", "open_team", "statistics", "where.after", "footer.stop", "my_notifications"} {
		v.Txt[id] = l.T("digest."+id, nil)
	}
	for _, id := range []string{"where.before", "footer.why", "footer.in"} {
		v.Txt[id] = l.T("digest."+id, brand)
	}
	v.Txt["late"] = l.T("digest.late", map[string]any{"SentAt": v.SentAt})
	v.Txt["late.body"] = l.T("digest.late.body", map[string]any{"SentAt": v.SentAt})
	if base != "" {
		v.TeamURL, v.PrefsURL = base+"/team", base+"/notifications"
	}
	counts := map[string]int{}
	people := map[string]int{} // how many people have items of a section
	for _, m := range tw.Members {
		p := digestPerson{Name: m.User.Name(), Email: m.User.Email}
		p.StatsLabel = l.T("digest.see_stats", map[string]any{"Name": p.Name})
		if base != "" {
			p.StatsURL = base + "/users/" + strconv.FormatInt(int64(m.User.ID), 10) + "/statistics"
		}
		lists := map[string][]digestItem{
			sectionOverdue:   recordItems(l, m.User, m.Late, tw.To, overdueDetail),
			sectionDueSoon:   recordItems(l, m.User, m.DueSoon, tw.To, dueDetail),
			sectionCompleted: recordItems(l, m.User, m.Completed, tw.To, completedDetail),
			sectionActive:    recordItems(l, m.User, m.Progressed, tw.To, activeDetail),
			sectionSessions:  sessionItems(l, m.User, m.Sessions, tw.To),
		}
		for _, s := range digestSections {
			if items := lists[s.key]; len(items) > 0 {
				p.Sections = append(p.Sections, digestSection{Key: s.key, Title: l.T("digest.section."+s.key, nil), Colour: s.colour, Items: items})
				counts[s.key] += len(items)
				people[s.key]++
			}
		}
		if len(p.Sections) == 0 {
			v.Quiet = append(v.Quiet, p.Name)
			continue
		}
		v.People = append(v.People, p)
	}
	for _, s := range digestSections {
		c := digestCount{Key: s.key, Label: l.N("digest.count."+s.key, counts[s.key], nil), Colour: s.colour, N: counts[s.key], Figure: l.Number(counts[s.key])}
		if c.N == 0 {
			c.Colour = "#9aa5b1" // nothing there: grey, not an alarm
		}
		v.Counts = append(v.Counts, c)
	}
	v.Summary = digestSummary(l, tw.Members, people)
	v.Subject = l.T("digest.subject", map[string]any{"Week": shortWeekDays(l, tw.From, tw.To), "Overdue": l.Number(counts[sectionOverdue]),
		"DueSoon": l.Number(counts[sectionDueSoon]), "Completed": l.Number(counts[sectionCompleted]),
		"CompletedLabel": l.N("digest.count.completed", counts[sectionCompleted], nil)})
	if o.Late {
		v.Subject += l.T("digest.subject.late", nil)
	}
	return v
}

// greeting greets by first name, else by the name shown.
func greeting(l *i18n.Localizer, u reportline.User) string {
	if n := strings.TrimSpace(u.FirstName); n != "" {
		return l.T("mail.greeting", map[string]any{"Name": n})
	}
	if n := u.Name(); n != "" {
		return l.T("mail.greeting", map[string]any{"Name": n})
	}
	return l.T("mail.greeting.anonymous", nil)
}

// digestSummary is the one sentence at the top: how many of the manager's
// people have something overdue, else due in the coming week, else what
// happened.
func digestSummary(l *i18n.Localizer, members []MemberWeek, people map[string]int) string {
	total := len(members)
	if total == 0 {
		return l.T("digest.summary.nobody", nil)
	}
	// who names n of the people; phrase is false for a person's name,
	// which is never lower-cased mid-sentence.
	who := func(n int) (s string, phrase bool) {
		d := map[string]any{"N": l.Number(n), "Total": l.Number(total)}
		switch {
		case total == 1:
			return members[0].User.Name(), false
		case n == total && n == 2:
			return l.T("digest.who.both", d), true
		case n == total:
			return l.T("digest.who.all", d), true
		}
		return l.T("digest.who.some", d), true
	}
	mid := func(n int) string {
		s, phrase := who(n)
		if phrase {
			return midSentence(s)
		}
		return s
	}
	first := func(n int) string { s, _ := who(n); return s }
	has := func(n int) string {
		if n == 1 && total > 1 || total == 1 {
			return l.N("digest.has", 1, nil)
		}
		return l.N("digest.has", 2, nil)
	}
	over, due, done := people[sectionOverdue], people[sectionDueSoon], people[sectionCompleted]
	switch {
	case over > 0 && due > 0 && total > 1:
		return l.T("digest.summary.overdue_and_due", map[string]any{"Who": first(over), "Has": has(over), "Due": l.Number(due), "HasDue": has(due)})
	case over > 0 && due > 0:
		return l.T("digest.summary.overdue_and_more", map[string]any{"Who": first(over)})
	case over > 0:
		return l.T("digest.summary.overdue", map[string]any{"Who": first(over), "Has": has(over)})
	case due > 0:
		return l.T("digest.summary.due", map[string]any{"Who": mid(due), "Has": has(due)})
	case done > 0:
		return l.T("digest.summary.done", map[string]any{"Who": mid(done)})
	}
	return l.T("digest.summary.quiet", nil)
}

// midSentence lower-cases the first letter of a phrase of digestSummary
// ("All 3 of your people", "Vos deux personnes"), never a person's name.
func midSentence(s string) string {
	for i, r := range s {
		return strings.ToLower(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// recordItems turns one list of records into lines.
func recordItems(l *i18n.Localizer, u reportline.User, rs []RecordView, to time.Time, detail func(*i18n.Localizer, RecordView, time.Time) string) []digestItem {
	out := make([]digestItem, 0, len(rs))
	for _, r := range rs {
		key := "record:" + r.LMSID
		if r.LMSID == "" { // a sample's made-up record
			key = "record:" + strconv.FormatInt(int64(u.ID), 10) + ":" + r.Course + "/" + r.Session
		}
		out = append(out, digestItem{Key: key, Title: recordTitle(r), Detail: detail(l, r, to)})
	}
	return out
}

// sessionItems turns a person's upcoming sessions into lines.
func sessionItems(l *i18n.Localizer, u reportline.User, ss []UpcomingSession, to time.Time) []digestItem {
	out := make([]digestItem, 0, len(ss))
	for _, s := range ss {
		key := fmt.Sprintf("session:%d:%s/%s@%d", u.ID, s.Course, s.Title, s.Starts.Unix())
		out = append(out, digestItem{Key: key, Title: s.Course + " / " + s.Title,
			Detail: l.T("digest.detail.starts", map[string]any{"When": dayTime(l, s.Starts, to)})})
	}
	return out
}

func recordTitle(r RecordView) string {
	if r.Session != "" {
		return r.Course + " / " + r.Session
	}
	return r.Course
}

// status is the record's status as the statistics page shows it, with the
// progress of a course in progress.
func status(l *i18n.Localizer, r RecordView) string {
	switch r.Status {
	case reportline.InProgress:
		return l.T("status.in_progress_percent", map[string]any{"Progress": r.Progress})
	case reportline.Failed:
		if r.Score != nil {
			return l.T("status.failed_score", map[string]any{"Score": l.Decimal(*r.Score)})
		}
	}
	if s := l.T("status."+string(r.Status), nil); s != "status."+string(r.Status) {
		return s
	}
	return r.Status.Label()
}

func overdueDetail(l *i18n.Localizer, r RecordView, to time.Time) string {
	late := l.T("digest.late.less_than_a_day", nil)
	if r.DaysLate > 0 {
		late = l.N("digest.late.days", r.DaysLate, nil)
	}
	d := l.T("digest.detail.overdue", map[string]any{"Status": status(l, r), "Due": day(l, r.Due, to), "Late": late})
	if r.Status == reportline.Completed { // completed since the week ended
		d += l.T("digest.detail.completed_after_week", map[string]any{"Completed": day(l, r.Completed, to)})
	}
	return d
}

func dueDetail(l *i18n.Localizer, r RecordView, to time.Time) string {
	return l.T("digest.detail.due", map[string]any{"Status": status(l, r), "Due": day(l, r.Due, to)})
}

func completedDetail(l *i18n.Localizer, r RecordView, to time.Time) string {
	d := l.T("digest.detail.completed", map[string]any{"Completed": day(l, r.Completed, to)})
	if r.Score != nil {
		d += l.T("digest.detail.score", map[string]any{"Score": l.Decimal(*r.Score)})
	}
	if r.CompletedLate {
		if r.DaysLate > 0 {
			d += l.N("digest.detail.days_after_due", r.DaysLate, nil)
		} else {
			d += l.T("digest.detail.after_due", nil)
		}
	}
	return d
}

func activeDetail(l *i18n.Localizer, r RecordView, to time.Time) string {
	if r.Due.IsZero() {
		return status(l, r)
	}
	return dueDetail(l, r, to)
}

// day writes a date on the wall clock of to's location (the tenant's
// zone), with its year only when it is not the year of the digest's end.
func day(l *i18n.Localizer, t, to time.Time) string {
	t = t.In(to.Location())
	if t.Year() != to.Year() {
		return l.Format(t, "Mon 2 Jan 2006")
	}
	return l.Format(t, "Mon 2 Jan")
}

// dayTime writes a date and time on the wall clock of to's location.
func dayTime(l *i18n.Localizer, t, to time.Time) string {
	return day(l, t, to) + t.In(to.Location()).Format(" 15:04")
}

// when writes an instant in full, on its location's wall clock.
func when(l *i18n.Localizer, t time.Time) string {
	return l.Format(t, "Monday 2 January 2006 15:04")
}

// weekDays writes the days of a week: "16–23 November 2026", "26 October –
// 2 November 2026", "28 December 2026 – 4 January 2027".
func weekDays(l *i18n.Localizer, from, to time.Time) string {
	f, t := from.In(to.Location()), to
	switch {
	case f.Year() != t.Year():
		return l.Format(f, "2 January 2006") + " – " + l.Format(t, "2 January 2006")
	case f.Month() != t.Month():
		return l.Format(f, "2 January") + " – " + l.Format(t, "2 January 2006")
	}
	return f.Format("2") + "–" + l.Format(t, "2 January 2006")
}

// shortWeekDays is weekDays for a subject line: "16–23 Nov".
func shortWeekDays(l *i18n.Localizer, from, to time.Time) string {
	f, t := from.In(to.Location()), to
	if f.Month() != t.Month() {
		return l.Format(f, "2 Jan") + " – " + l.Format(t, "2 Jan")
	}
	return f.Format("2") + "–" + l.Format(t, "2 Jan")
}
