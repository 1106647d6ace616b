package api

import (
	"strings"
	"time"

	"reportline"
	"reportline/app"
)

// User is a user as the API shows it.
type User struct {
	ID           int64     `json:"id"`
	ExternalUID  string    `json:"external_uid,omitempty"`
	Email        string    `json:"email"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	Status       string    `json:"status" enum:"active,inactive"`
	Birthday     string    `json:"birthday,omitempty" doc:"YYYY-MM-DD, or --MM-DD when the year is unknown"`
	Position     string    `json:"position,omitempty"`
	OrgUnit      string    `json:"org_unit,omitempty"`
	PlatformRole string    `json:"platform_role,omitempty" enum:",platform_admin"`
	Locale       string    `json:"locale,omitempty"`
	TimeZone     string    `json:"time_zone,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toUser(u reportline.User) User {
	return User{ID: int64(u.ID), ExternalUID: u.ExternalUID, Email: u.Email, FirstName: u.FirstName, LastName: u.LastName,
		Status: string(u.Status), Birthday: u.Birthday.String(), Position: u.Position, OrgUnit: u.OrgUnit,
		PlatformRole: string(u.PlatformRole), Locale: u.Locale, TimeZone: u.TimeZone, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// UserRef is the short form of a user inside other objects.
type UserRef struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Status    string `json:"status"`
}

func toUserRef(u reportline.User) UserRef {
	return UserRef{ID: int64(u.ID), Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, Status: string(u.Status)}
}

// Link is one link as seen from one of its users; User is the other side.
type Link struct {
	ManagerID  int64      `json:"manager_id"`
	ManageeID  int64      `json:"managee_id"`
	Kind       string     `json:"kind" enum:"line,functional"`
	Source     string     `json:"source"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Comment    string     `json:"comment,omitempty"`
	CreatedBy  int64      `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	User       *UserRef   `json:"user,omitempty"`
}

func toLink(l reportline.Link, other *reportline.User) Link {
	out := Link{ManagerID: int64(l.ManagerID), ManageeID: int64(l.ManageeID), Kind: string(l.Kind), Source: string(l.Source),
		Comment: l.Comment, CreatedBy: int64(l.CreatedBy), CreatedAt: l.CreatedAt, ValidFrom: timePtr(l.ValidFrom), ValidUntil: timePtr(l.ValidUntil)}
	if other != nil {
		r := toUserRef(*other)
		out.User = &r
	}
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// parseDate reads a date (YYYY-MM-DD, midnight UTC) or an RFC 3339 time.
func parseDate(field, s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, reportline.FieldError(field, s, "%s must be a date (YYYY-MM-DD) or an RFC 3339 time", field)
}

// LinkRequest asks for links between the path's user and others, by id
// and/or by email address.
type LinkRequest struct {
	IDs        []int64  `json:"ids,omitempty"`
	Emails     []string `json:"emails,omitempty"`
	Kind       string   `json:"kind,omitempty" enum:"line,functional" doc:"line when omitted"`
	ValidFrom  string   `json:"valid_from,omitempty" doc:"YYYY-MM-DD or RFC 3339; the link grants nothing before"`
	ValidUntil string   `json:"valid_until,omitempty" doc:"YYYY-MM-DD or RFC 3339; the link grants nothing from then on"`
	Comment    string   `json:"comment,omitempty"`
	DryRun     bool     `json:"dry_run,omitempty" doc:"check and report without storing anything"`
}

func (in LinkRequest) toApp(user reportline.UserID, dir reportline.Direction) (app.LinkRequest, error) {
	req := app.LinkRequest{User: user, Direction: dir, Kind: reportline.Kind(in.Kind), Emails: in.Emails, Comment: in.Comment}
	for _, id := range in.IDs {
		req.IDs = append(req.IDs, reportline.UserID(id))
	}
	var err error
	if req.ValidFrom, err = parseDate("valid_from", in.ValidFrom); err != nil {
		return req, err
	}
	if req.ValidUntil, err = parseDate("valid_until", in.ValidUntil); err != nil {
		return req, err
	}
	return req, nil
}

// LinkPlan is the outcome (or, for a dry run, the preview) of a link request.
type LinkPlan struct {
	Applied   bool              `json:"applied"`
	User      UserRef           `json:"user"`
	Direction string            `json:"direction" enum:"managers,managees"`
	Kind      string            `json:"kind"`
	Counts    map[string]int    `json:"counts"`
	Results   []CandidateResult `json:"results"`
	Removed   []Link            `json:"removed,omitempty"`
}

// CandidateResult is the verdict on one requested user.
type CandidateResult struct {
	Input   string `json:"input"`
	UserID  int64  `json:"user_id,omitempty"`
	Verdict string `json:"verdict" enum:"new,update,unchanged,duplicate,invalid_email,unknown,inactive,self,out_of_scope,cycle"`
	Message string `json:"message,omitempty"`
}

func toPlan(p app.LinkPlan, applied bool) LinkPlan {
	out := LinkPlan{Applied: applied, User: toUserRef(p.User), Direction: string(p.Direction), Kind: string(p.Kind),
		Counts: map[string]int{}, Results: []CandidateResult{}}
	for _, c := range p.Candidates {
		out.Results = append(out.Results, CandidateResult{Input: c.Input, UserID: int64(c.User.ID), Verdict: string(c.Verdict), Message: c.Message})
		out.Counts[string(c.Verdict)]++
	}
	for _, r := range p.Removals {
		out.Removed = append(out.Removed, toLink(r.Link, &r.User))
	}
	out.Counts["removed"] = len(p.Removals)
	out.Counts["rejected"] = p.Refused()
	return out
}
