package app

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"reportline"
)

// The weekly digest as a manager reads it: a summary sentence, the counts,
// then each person with only what needs a look, each record once. Both
// bodies (text and HTML) are written from one digestView, so they say the
// same thing, and the counts are those of the items listed because they
// are counted from them.

// MailBrand is how emails present the product: the hook for a logo and an
// accent colour chosen by the platform (not configurable yet; App.Config's
// Brand is where a setting will plug in).
type MailBrand struct {
	// Name is the product's name in the header and the footer;
	// "Reportline" when empty.
	Name string
	// Accent is a CSS hex colour (#rgb or #rrggbb) for the header band and
	// the buttons, which carry white text; DefaultAccent when empty or not
	// such a colour.
	Accent string
	// LogoURL is the https address of a logo shown before the name. Empty
	// (the default): no image, so the email loads nothing from anywhere.
	LogoURL string
}

// DefaultAccent is the accent colour of the emails when none is set: a
// blue with white text at a contrast ratio above 7:1.
const DefaultAccent = "#1d4ed8"

var hexColour = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$`)

// normalized fills in the defaults and drops what is not safe to show.
func (b MailBrand) normalized() MailBrand {
	b.Name = strings.Join(strings.Fields(b.Name), " ")
	if b.Name == "" {
		b.Name = "Reportline"
	}
	if !hexColour.MatchString(b.Accent) {
		b.Accent = DefaultAccent
	}
	if u, err := url.Parse(b.LogoURL); err != nil || u.Scheme != "https" || u.Host == "" {
		b.LogoURL = ""
	}
	return b
}

// DigestOptions are what a digest needs besides the team's week.
type DigestOptions struct {
	Week   reportline.ISOWeek
	Late   bool      // the run began late: the email says so, with SentAt
	SentAt time.Time // when the run began
	// PublicURL is the address people reach Reportline at
	// (REPORTLINE_PUBLIC_URL), without a trailing slash; empty when none is
	// configured, and then the email has no links, only where to look.
	PublicURL string
	Brand     MailBrand
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

// digestSections names each section and its counter, and gives its colour.
var digestSections = []struct{ key, title, count, colour string }{
	{sectionOverdue, "Overdue", "overdue", "#b91c1c"},
	{sectionDueSoon, "Due in the coming week", "due soon", "#b45309"},
	{sectionCompleted, "Completed this week", "completed", "#15803d"},
	{sectionActive, "Worked on this week", "worked on", "#52606d"},
	{sectionSessions, "Upcoming sessions", "sessions", "#1d4ed8"},
}

// digestView is what the digest templates see.
type digestView struct {
	Subject  string
	Brand    MailBrand
	Greeting string // "Hello Grace,"
	Period   string // "16–23 November 2026"
	Bounds   string // the exact bounds of the week, Paris time
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
}

// digestPerson is one managee's block.
type digestPerson struct {
	Name, Email string
	StatsURL    string // their statistics; "" without a public URL
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
func newDigestView(tw TeamWeek, o DigestOptions) digestView {
	o.Brand = o.Brand.normalized()
	base := strings.TrimRight(o.PublicURL, "/")
	v := digestView{Brand: o.Brand, Greeting: greeting(tw.Manager), Period: weekDays(tw.From, tw.To),
		Bounds: fmt.Sprintf("From %s to %s, Paris time", tw.From.In(parisZone).Format("Monday 2 January 15:04"),
			tw.To.In(parisZone).Format("Monday 2 January 15:04")),
		Late: o.Late, SentAt: when(o.SentAt)}
	if base != "" {
		v.TeamURL, v.PrefsURL = base+"/team", base+"/notifications"
	}
	counts := map[string]int{}
	people := map[string]int{} // how many people have items of a section
	for _, m := range tw.Members {
		p := digestPerson{Name: m.User.Name(), Email: m.User.Email}
		if base != "" {
			p.StatsURL = base + "/users/" + strconv.FormatInt(int64(m.User.ID), 10) + "/statistics"
		}
		lists := map[string][]digestItem{
			sectionOverdue:   recordItems(m.User, m.Late, tw.To, overdueDetail),
			sectionDueSoon:   recordItems(m.User, m.DueSoon, tw.To, dueDetail),
			sectionCompleted: recordItems(m.User, m.Completed, tw.To, completedDetail),
			sectionActive:    recordItems(m.User, m.Progressed, tw.To, activeDetail),
			sectionSessions:  sessionItems(m.User, m.Sessions, tw.To),
		}
		for _, s := range digestSections {
			if items := lists[s.key]; len(items) > 0 {
				p.Sections = append(p.Sections, digestSection{Key: s.key, Title: s.title, Colour: s.colour, Items: items})
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
		c := digestCount{Key: s.key, Label: s.count, Colour: s.colour, N: counts[s.key]}
		if c.N == 1 && s.key == sectionSessions {
			c.Label = "session"
		}
		if c.N == 0 {
			c.Colour = "#9aa5b1" // nothing there: grey, not an alarm
		}
		v.Counts = append(v.Counts, c)
	}
	v.Summary = digestSummary(tw.Members, people)
	v.Subject = fmt.Sprintf("Your team's week of %s: %d overdue, %d due soon, %d completed",
		shortWeekDays(tw.From, tw.To), counts[sectionOverdue], counts[sectionDueSoon], counts[sectionCompleted])
	if o.Late {
		v.Subject += " (sent late)"
	}
	return v
}

// greeting greets by first name, else by the name shown.
func greeting(u reportline.User) string {
	if n := strings.TrimSpace(u.FirstName); n != "" {
		return "Hello " + n + ","
	}
	if n := u.Name(); n != "" {
		return "Hello " + n + ","
	}
	return "Hello,"
}

// digestSummary is the one sentence at the top: how many of the manager's
// people have something overdue, else due in the coming week, else what
// happened.
func digestSummary(members []MemberWeek, people map[string]int) string {
	total := len(members)
	if total == 0 {
		return "You have nobody to report on this week."
	}
	who := func(n int) string {
		switch {
		case total == 1:
			return members[0].User.Name()
		case n == total && n == 2:
			return "Both your people"
		case n == total:
			return "All " + strconv.Itoa(total) + " of your people"
		}
		return strconv.Itoa(n) + " of your " + strconv.Itoa(total) + " people"
	}
	has := func(n int) string {
		if n == 1 && total > 1 || total == 1 {
			return "has"
		}
		return "have"
	}
	over, due, done := people[sectionOverdue], people[sectionDueSoon], people[sectionCompleted]
	switch {
	case over > 0 && due > 0 && total > 1:
		return fmt.Sprintf("%s %s overdue training, and %d %s training due in the coming week.", who(over), has(over), due, has(due))
	case over > 0 && due > 0:
		return who(over) + " has overdue training, and more due in the coming week."
	case over > 0:
		return fmt.Sprintf("%s %s overdue training.", who(over), has(over))
	case due > 0:
		return fmt.Sprintf("Nothing is overdue; %s %s training due in the coming week.", midSentence(who(due)), has(due))
	case done > 0:
		return fmt.Sprintf("Nothing is overdue or due in the coming week, and %s completed training this week.", midSentence(who(done)))
	}
	return "Nothing is overdue or due in the coming week."
}

// midSentence lower-cases the words "All" and "Both" that start a phrase
// of digestSummary, never a person's name.
func midSentence(s string) string {
	for _, w := range []string{"All ", "Both "} {
		if strings.HasPrefix(s, w) {
			return strings.ToLower(w) + s[len(w):]
		}
	}
	return s
}

// recordItems turns one list of records into lines.
func recordItems(u reportline.User, rs []RecordView, to time.Time, detail func(RecordView, time.Time) string) []digestItem {
	out := make([]digestItem, 0, len(rs))
	for _, r := range rs {
		key := "record:" + r.LMSID
		if r.LMSID == "" { // a sample's made-up record
			key = "record:" + strconv.FormatInt(int64(u.ID), 10) + ":" + r.Course + "/" + r.Session
		}
		out = append(out, digestItem{Key: key, Title: recordTitle(r), Detail: detail(r, to)})
	}
	return out
}

// sessionItems turns a person's upcoming sessions into lines.
func sessionItems(u reportline.User, ss []UpcomingSession, to time.Time) []digestItem {
	out := make([]digestItem, 0, len(ss))
	for _, s := range ss {
		key := fmt.Sprintf("session:%d:%s/%s@%d", u.ID, s.Course, s.Title, s.Starts.Unix())
		out = append(out, digestItem{Key: key, Title: s.Course + " / " + s.Title, Detail: "starts " + dayTime(s.Starts, to)})
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
func status(r RecordView) string {
	switch r.Status {
	case reportline.InProgress:
		return fmt.Sprintf("In progress, %d%%", r.Progress)
	case reportline.Failed:
		if r.Score != nil {
			return "Failed, score " + strconv.FormatFloat(*r.Score, 'f', -1, 64)
		}
	}
	return r.Status.Label()
}

func overdueDetail(r RecordView, to time.Time) string {
	late := "less than a day late"
	if r.DaysLate > 0 {
		late = plural(r.DaysLate, "day") + " late"
	}
	d := status(r) + " · due " + day(r.Due, to) + ", " + late
	if r.Status == reportline.Completed { // completed since the week ended
		d += " · completed " + day(r.Completed, to) + ", after this week"
	}
	return d
}

func dueDetail(r RecordView, to time.Time) string {
	return status(r) + " · due " + day(r.Due, to)
}

func completedDetail(r RecordView, to time.Time) string {
	d := "Completed " + day(r.Completed, to)
	if r.Score != nil {
		d += ", score " + strconv.FormatFloat(*r.Score, 'f', -1, 64)
	}
	if r.CompletedLate {
		if r.DaysLate > 0 {
			d += ", " + plural(r.DaysLate, "day") + " after its due date"
		} else {
			d += ", after its due date"
		}
	}
	return d
}

func activeDetail(r RecordView, to time.Time) string {
	d := status(r)
	if !r.Due.IsZero() {
		d += " · due " + day(r.Due, to)
	}
	return d
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// day writes a date in Paris time, with its year only when it is not the
// year of the digest's end.
func day(t, to time.Time) string {
	t = t.In(parisZone)
	if t.Year() != to.In(parisZone).Year() {
		return t.Format("Mon 2 Jan 2006")
	}
	return t.Format("Mon 2 Jan")
}

// dayTime writes a date and time in Paris time.
func dayTime(t, to time.Time) string { return day(t, to) + t.In(parisZone).Format(" 15:04") }

// when writes an instant in full, Paris time.
func when(t time.Time) string { return t.In(parisZone).Format("Monday 2 January 2006 15:04") }

// weekDays writes the days of a week: "16–23 November 2026", "26 October –
// 2 November 2026", "28 December 2026 – 4 January 2027".
func weekDays(from, to time.Time) string {
	f, t := from.In(parisZone), to.In(parisZone)
	switch {
	case f.Year() != t.Year():
		return f.Format("2 January 2006") + " – " + t.Format("2 January 2006")
	case f.Month() != t.Month():
		return f.Format("2 January") + " – " + t.Format("2 January 2006")
	}
	return f.Format("2") + "–" + t.Format("2 January 2006")
}

// shortWeekDays is weekDays for a subject line: "16–23 Nov".
func shortWeekDays(from, to time.Time) string {
	f, t := from.In(parisZone), to.In(parisZone)
	if f.Month() != t.Month() {
		return f.Format("2 Jan") + " – " + t.Format("2 Jan")
	}
	return f.Format("2") + "–" + t.Format("2 Jan")
}
