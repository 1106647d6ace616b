package graphsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// properties is what a sync reads of a user. Selecting manager makes the
// round track manager changes too (manager@delta annotations).
const properties = "id,mail,userPrincipalName,givenName,surname,jobTitle,department,accountEnabled,userType"

// User is one Entra ID user as Graph describes it.
type User struct {
	ID                string
	Mail              string
	UserPrincipalName string
	GivenName         string
	Surname           string
	JobTitle          string
	Department        string
	AccountEnabled    bool
	UserType          string // Member or Guest
	ManagerID         string // "" when the user has no manager
}

// Round is what one sync read from Graph.
type Round struct {
	Users   []User   // users created or changed in the round; every user when Full
	Removed []string // ids of users deleted from the directory (soft or permanently)
	Full    bool     // Users is the whole directory: anyone else has left it
	// Reset says why a full round was read although a delta link was given
	// (it expired, or names another host); "" otherwise.
	Reset string
	// DeltaLink is where the next round starts. Keep it only once this
	// round has been applied: a round applied twice does no harm, a round
	// skipped loses changes until the next full sync.
	DeltaLink string
	Pages     int // delta pages read
	Hydrated  int // users read one by one to complete a partial delta entry
}

// Fetch reads one round: the changes since deltaLink, or, when deltaLink is
// "", every user with their manager. A delta link Graph no longer knows
// (410 Gone, syncStateNotFound) starts a full round, said in Round.Reset.
func (c *Client) Fetch(ctx context.Context, deltaLink string) (Round, error) {
	start := time.Now()
	r, err := c.fetch(ctx, deltaLink)
	if err == nil {
		c.log.InfoContext(ctx, "graph round read", "full", r.Full, "users", len(r.Users), "removed", len(r.Removed),
			"pages", r.Pages, "hydrated", r.Hydrated, "reset", r.Reset != "", "took", time.Since(start).Round(time.Millisecond))
	}
	return r, err
}

func (c *Client) fetch(ctx context.Context, deltaLink string) (Round, error) {
	if deltaLink == "" {
		return c.round(ctx, nil)
	}
	start, err := url.Parse(deltaLink)
	if err != nil || start.Scheme != c.api.Scheme || start.Host != c.api.Host {
		r, err := c.round(ctx, nil)
		r.Reset = "the stored delta link is not one of the configured API " + c.cfg.APIURL + "; read the whole directory"
		return r, err
	}
	r, err := c.round(ctx, start)
	var ge *Error
	if errors.As(err, &ge) && ge.expiredState() {
		c.log.InfoContext(ctx, "graph delta link expired: reading the whole directory", "status", ge.Status, "code", ge.Code)
		r, err = c.round(ctx, nil)
		r.Reset = fmt.Sprintf("Graph no longer knows the delta link (%d %s); read the whole directory", ge.Status, ge.Code)
	}
	return r, err
}

// expiredState reports a delta or skip token Graph no longer honours.
// Graph's codes vary in case between services (400 SyncStateNotFound has
// been seen as well as syncStateNotFound): they are compared case-blind.
func (e *Error) expiredState() bool {
	for _, code := range []string{"syncStateNotFound", "syncStateInvalid", "resyncRequired", "resyncRequiredException", "invalidDeltaToken", "deltaTokenExpired"} {
		if strings.EqualFold(e.Code, code) {
			return true
		}
	}
	return e.Status == http.StatusGone
}

// record gathers what a round says of one user: the same user may appear
// several times (properties in one entry, manager@delta in another).
type record struct {
	user        User
	propsSeen   bool // the properties came (userPrincipalName is always set)
	managerSeen bool // a manager@delta annotation came
}

// round reads pages from start (the initial request when nil) until a
// deltaLink.
func (c *Client) round(ctx context.Context, start *url.URL) (Round, error) {
	full := start == nil
	if full {
		u := *c.api
		u.Path += "/v1.0/users/delta"
		u.RawQuery = "$select=" + properties + ",manager"
		start = &u
	}
	r := Round{Full: full}
	recs := map[string]*record{} // nil for a user removed
	var order []string           // ids in the order they first came
	next := start
	for next != nil {
		body, err := c.get(ctx, next)
		if err != nil {
			return r, err
		}
		r.Pages++
		var page struct {
			Value     []map[string]json.RawMessage `json:"value"`
			NextLink  string                       `json:"@odata.nextLink"`
			DeltaLink string                       `json:"@odata.deltaLink"`
		}
		if err := json.Unmarshal(body, &page); err != nil {
			return r, fmt.Errorf("graph: GET %s: page %d: %w", next.Path, r.Pages, err)
		}
		for i, item := range page.Value {
			if err := merge(item, recs, &order); err != nil {
				return r, fmt.Errorf("graph: GET %s: page %d, entry %d: %w", next.Path, r.Pages, i+1, err)
			}
		}
		c.log.DebugContext(ctx, "graph delta page", "page", r.Pages, "entries", len(page.Value))
		switch {
		case page.NextLink != "":
			if next, err = url.Parse(page.NextLink); err != nil {
				return r, fmt.Errorf("graph: GET %s: page %d: bad @odata.nextLink: %w", start.Path, r.Pages, err)
			}
		case page.DeltaLink != "":
			r.DeltaLink, next = page.DeltaLink, nil
		default:
			return r, fmt.Errorf("graph: GET %s: page %d has neither @odata.nextLink nor @odata.deltaLink", start.Path, r.Pages)
		}
	}
	var partial []*record
	for _, id := range order {
		// A full round carries every manager annotation; a delta round only
		// those that changed, and may omit unchanged properties: read such
		// users whole rather than guess.
		if rec := recs[id]; rec != nil && (!rec.propsSeen || (!full && !rec.managerSeen)) {
			partial = append(partial, rec)
		}
	}
	if err := c.hydrate(ctx, partial); err != nil {
		return r, err
	}
	r.Hydrated = len(partial)
	for _, id := range order {
		if rec := recs[id]; rec != nil {
			r.Users = append(r.Users, rec.user)
		} else {
			r.Removed = append(r.Removed, id)
		}
	}
	return r, nil
}

// merge folds one delta entry into the round's records; the last word on
// a user wins (removed, or restored after).
func merge(item map[string]json.RawMessage, recs map[string]*record, order *[]string) error {
	var id string
	if err := json.Unmarshal(item["id"], &id); err != nil || id == "" {
		return errors.New("an entry without an id")
	}
	if _, ok := item["@removed"]; ok {
		if _, seen := recs[id]; !seen {
			*order = append(*order, id)
		}
		recs[id] = nil
		return nil
	}
	rec := recs[id]
	if rec == nil {
		rec = &record{user: User{ID: id}}
		if _, seen := recs[id]; !seen {
			*order = append(*order, id)
		}
		recs[id] = rec
	}
	if err := rec.user.set(item); err != nil {
		return fmt.Errorf("user %s: %w", id, err)
	}
	if _, ok := item["userPrincipalName"]; ok {
		rec.propsSeen = true
	}
	if raw, ok := item["manager@delta"]; ok {
		var refs []struct {
			ID      string          `json:"id"`
			Removed json.RawMessage `json:"@removed"`
		}
		if err := json.Unmarshal(raw, &refs); err != nil {
			return fmt.Errorf("user %s: manager@delta: %w", id, err)
		}
		rec.managerSeen, rec.user.ManagerID = true, ""
		for _, ref := range refs {
			if ref.Removed == nil {
				rec.user.ManagerID = ref.ID
			}
		}
	}
	return nil
}

// set copies the properties present in item; null clears one.
func (u *User) set(item map[string]json.RawMessage) error {
	for key, dst := range map[string]*string{
		"mail": &u.Mail, "userPrincipalName": &u.UserPrincipalName, "givenName": &u.GivenName,
		"surname": &u.Surname, "jobTitle": &u.JobTitle, "department": &u.Department, "userType": &u.UserType,
	} {
		if raw, ok := item[key]; ok {
			var v *string
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%s: %w", key, err)
			}
			*dst = ""
			if v != nil {
				*dst = strings.TrimSpace(*v)
			}
		}
	}
	if raw, ok := item["accountEnabled"]; ok {
		var v *bool
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("accountEnabled: %w", err)
		}
		u.AccountEnabled = v != nil && *v
	}
	return nil
}
