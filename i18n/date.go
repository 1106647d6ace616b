package i18n

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

var (
	frDays   = strings.Fields("dimanche lundi mardi mercredi jeudi vendredi samedi")
	frMonths = strings.Fields("janvier février mars avril mai juin juillet août septembre octobre novembre décembre")
)

// Date writes a day in full in the localizer's language: "Monday 7
// December 2026", "lundi 7 décembre 2026".
func (l *Localizer) Date(t time.Time) string {
	if l.lang == "fr" {
		d := t.Format("2")
		if d == "1" {
			d = "1er"
		}
		return frDays[t.Weekday()] + " " + d + " " + frMonths[t.Month()-1] + " " + t.Format("2006")
	}
	return t.Format("Monday 2 January 2006")
}

// DateTime writes a day and a time (24-hour clock in both languages).
func (l *Localizer) DateTime(t time.Time) string {
	if l.lang == "fr" {
		return l.Date(t) + " à " + t.Format("15:04")
	}
	return l.Date(t) + " " + t.Format("15:04")
}

// List joins names: "A, B and C", "A, B et C".
func (l *Localizer) List(names []string) string {
	and := " and "
	if l.lang == "fr" {
		and = " et "
	}
	switch len(names) {
	case 0:
		return ""
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + and + names[len(names)-1]
}

var (
	frNames = map[string]string{
		"Monday": "lundi", "Tuesday": "mardi", "Wednesday": "mercredi", "Thursday": "jeudi", "Friday": "vendredi", "Saturday": "samedi", "Sunday": "dimanche",
		"Mon": "lun.", "Tue": "mar.", "Wed": "mer.", "Thu": "jeu.", "Fri": "ven.", "Sat": "sam.", "Sun": "dim.",
		"January": "janvier", "February": "février", "March": "mars", "April": "avril", "May": "mai", "June": "juin", "July": "juillet",
		"August": "août", "September": "septembre", "October": "octobre", "November": "novembre", "December": "décembre",
		"Jan": "janv.", "Feb": "févr.", "Mar": "mars", "Apr": "avr.", "Jun": "juin", "Jul": "juil.", "Aug": "août", "Sep": "sept.",
		"Oct": "oct.", "Nov": "nov.", "Dec": "déc.",
	}
	englishNames = regexp.MustCompile(`\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun|January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b`)
)

// Format is time.Format with the day and month names in the localizer's
// language ("Mon 2 Jan" → "lun. 2 janv.").
func (l *Localizer) Format(t time.Time, layout string) string {
	s := t.Format(layout)
	if l.lang != "fr" {
		return s
	}
	return englishNames.ReplaceAllStringFunc(s, func(w string) string { return frNames[w] })
}

// Number writes a count with the language's thousands separator: "12,345",
// "12 345" (a narrow no-break space in French).
func (l *Localizer) Number(n int) string {
	sep := ","
	if l.lang == "fr" {
		sep = "\u202f"
	}
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Decimal writes a number with a fraction as the language does: "8.5",
// "8,5".
func (l *Localizer) Decimal(f float64) string {
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if l.lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// ShortDate writes a day briefly: "6 Dec 2026", "6 déc. 2026"; "—" for
// none.
func (l *Localizer) ShortDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return l.Format(t, "2 Jan 2006")
}

// Moment writes a moment in loc, always labelled with its zone: "6 Dec
// 2026, 14:05 CET", "6 déc. 2026, 14:05 CET"; "—" for none.
func (l *Localizer) Moment(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "—"
	}
	return l.Format(t.In(loc), "2 Jan 2006, 15:04 MST")
}
