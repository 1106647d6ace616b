package ui

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/policy"
	"reportline/web"
)

// The users CSV import pages: upload → preview (a dry run of every row) →
// import. The uploaded file is kept in the temporary directory between the
// preview and the import, named by a random token and the viewer's id, and
// is removed when imported or after keptUploadTTL. A replica that did not
// take the upload asks for the file again.
const (
	maxUsersUploadBytes = app.MaxUserCSVBytes + 1<<20
	keptUploadTTL       = time.Hour
	// usersRowsShown bounds the rows listed on the page; the counts cover
	// every row and the API or the CLI list them all.
	usersRowsShown = 500
)

// registerUsersImport adds the users CSV import pages.
func (u *UI) registerUsersImport(mux *http.ServeMux) {
	mux.Handle("GET /users/import", u.signedIn(u.usersImport))
	mux.Handle("POST /users/import", u.signedInLimit(maxUsersUploadBytes, u.usersUpload))
	mux.Handle("POST /users/import/apply", u.signedIn(u.usersApply))
}

// usersImportPage is the upload form and, after an upload, what the preview
// or the import did to each row.
type usersImportPage struct {
	page
	MaxSize  string
	Problem  *problem
	FileName string
	Token    string // the kept upload a preview can be applied from
	Report   *app.UserCSVReport
	Rows     []usersImportRow
	Hidden   int // rows not listed
	// Leavers are the managers the file deactivates (or deactivated) who
	// have reports: the admin chooses what happens to them (ui/leaver.go).
	Leavers []leaverOffer
}

// usersImportRow is one row of the report table.
type usersImportRow struct {
	Line    int
	Who     string
	Flag    flag
	Changed []string // the fields the row changes, by their CSV columns' names
	Added   string   // the managers it adds, "" for none
	Removed string   // the managers it removes
	Kept    bool     // manager changes kept but not in effect (positions mode)
	Message string
	Details []reportline.Detail
}

func (u *UI) usersImportBase(w http.ResponseWriter, r *http.Request, v viewer) (*usersImportPage, error) {
	if ok, err := u.app.May(r.Context(), v.Actor, policy.ImportUsers, 0); err != nil || !ok {
		if err == nil {
			err = reportline.Errorf(reportline.Forbidden, "only platform admins, group admins and user admins may import users")
		}
		return nil, err
	}
	l := u.loc(r)
	p, err := u.base(r.Context(), v, l.T("nav.users_import", nil), 0)
	if err != nil {
		return nil, err
	}
	p.Here = "users-import"
	return &usersImportPage{page: p, MaxSize: size(l, app.MaxUserCSVBytes)}, nil
}

func (u *UI) usersImport(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.usersImportBase(w, r, v)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "users_import", p)
	return nil
}

// usersUpload keeps the uploaded file and previews it.
func (u *UI) usersUpload(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.usersImportBase(w, r, v)
	if err != nil {
		return err
	}
	sweepKeptUploads(time.Now())
	f, name, err := saveUpload(r)
	if err != nil {
		if reportline.ErrorCode(err) == reportline.Invalid {
			return u.usersRefused(w, r, p, err)
		}
		return err
	}
	token, err := newUploadToken()
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	kept := keptUploadPath(v.User.ID, token)
	if err := os.Rename(f.Name(), kept); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("keep upload: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("rewind upload: %w", err)
	}
	rep, err := u.app.ImportUsersCSV(r.Context(), v.Actor, f, app.UserCSVOptions{DryRun: true})
	f.Close()
	if err != nil {
		os.Remove(kept)
		if reportline.ErrorCode(err) == reportline.Internal {
			return err
		}
		return u.usersRefused(w, r, p, err)
	}
	p.FileName, p.Token = name, token
	p.Leavers = u.leaverOffers(r, v, rep, p.page)
	if rep.Counts.Failed == rep.Counts.Rows {
		p.Token = "" // nothing to import
		os.Remove(kept)
	}
	u.showUsersReport(w, r, p, rep)
	return nil
}

// usersApply imports a previewed file.
func (u *UI) usersApply(w http.ResponseWriter, r *http.Request, v viewer) error {
	p, err := u.usersImportBase(w, r, v)
	if err != nil {
		return err
	}
	token := r.PostFormValue("token")
	p.FileName = r.PostFormValue("file_name")
	f, err := openKeptUpload(v.User.ID, token)
	if err != nil {
		return u.usersRefused(w, r, p, err)
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	// Once started, the import finishes even if the browser leaves: rows are
	// applied one by one, and stopping half-way would leave the file half
	// imported with nobody to read the report.
	rep, err := u.app.ImportUsersCSV(context.WithoutCancel(r.Context()), v.Actor, f, app.UserCSVOptions{})
	if err != nil && len(rep.Rows) == 0 {
		if reportline.ErrorCode(err) == reportline.Internal {
			return err
		}
		return u.usersRefused(w, r, p, err)
	}
	if err != nil {
		// A store failure part-way: show what was done, and why it stopped.
		u.log.Error("users import cut short", "request_id", web.RequestID(r.Context()), "err", err)
		p.Problem = &problem{Title: u.loc(r).T("users_import.stopped", nil), Message: u.loc(r).T("users_import.stopped.text", nil)}
	}
	p.Leavers = u.leaverOffers(r, v, rep, p.page)
	u.showUsersReport(w, r, p, rep)
	return nil
}

// usersRefused shows the form again with why the file was refused.
func (u *UI) usersRefused(w http.ResponseWriter, r *http.Request, p *usersImportPage, refusal error) error {
	p.Problem = problemOf(u.loc(r), refusal)
	p.Problem.Title = u.loc(r).T("bulk.upload.refused", nil)
	if e, ok := errors.AsType[*reportline.Error](refusal); ok && e.Line > 0 {
		p.Problem.Message = fmt.Sprintf("Line %d: %s", e.Line, e.Message)
	}
	p.Token = ""
	u.render(w, r, web.Status(reportline.ErrorCode(refusal)), "users_import", p)
	return nil
}

func (u *UI) showUsersReport(w http.ResponseWriter, r *http.Request, p *usersImportPage, rep app.UserCSVReport) {
	p.Report = &rep
	for _, row := range rep.Rows {
		if len(p.Rows) == usersRowsShown {
			p.Hidden++
			continue
		}
		p.Rows = append(p.Rows, usersRow(u.loc(r), row, rep.DryRun))
	}
	u.render(w, r, http.StatusOK, "users_import", p)
}

// usersRow describes one row for the table.
func usersRow(l *i18n.Localizer, row app.UserCSVRow, dryRun bool) usersImportRow {
	out := usersImportRow{Line: row.Line, Who: cmpOr(row.Email, row.UID)}
	if row.Err != nil {
		out.Flag = flag{Label: l.T("users_import.refused", nil), Tone: "bad"}
		out.Message, out.Details = row.Err.Message, row.Err.Details
		if row.Err.Field != "" && len(row.Err.Details) == 0 {
			out.Message = row.Err.Field + ": " + out.Message
		}
		return out
	}
	res := row.Result
	id := "users_import.done." + string(res.Action)
	if dryRun {
		id = "users_import.will." + string(res.Action)
	}
	label := l.T(id, nil)
	tone := "ok"
	if res.Action == app.UserUnchanged {
		tone = "warn"
	}
	out.Flag = flag{Label: label, Tone: tone}
	out.Who = res.User.Email
	out.Changed = res.Changed
	if m := res.Managers; m != nil {
		out.Added, out.Removed = emails(m.Added), emails(m.Removed)
		out.Kept = !res.InEffect && len(m.Added)+len(m.Removed) > 0
	}
	return out
}

// userFields are the fields app names when a user changes (a users
// import's changes); the pages show them as the catalogue's field.*.
var userFields = []string{"birthday", "email", "external_uid", "first_name", "last_name", "locale", "org_unit", "position", "status", "time_zone"}

// fieldLabel names a user's field in the reader's language; a field app
// adds later shows as its id until it has a label.
func fieldLabel(l *i18n.Localizer, f string) string {
	if slices.Contains(userFields, f) {
		return l.T("field."+f, nil)
	}
	return f
}

func emails(users []reportline.User) string {
	s := make([]string, len(users))
	for i, u := range users {
		s[i] = u.Email
	}
	return strings.Join(s, ", ")
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// newUploadToken returns 16 random bytes in hex.
func newUploadToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("upload token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

const keptUploadPrefix = "reportline-users-"

// keptUploadPath names a kept upload: only the user who uploaded it may
// import it.
func keptUploadPath(user reportline.UserID, token string) string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("%s%d-%s.csv", keptUploadPrefix, user, token))
}

// openKeptUpload opens the upload a preview kept.
func openKeptUpload(user reportline.UserID, token string) (*os.File, error) {
	if _, err := hex.DecodeString(token); err != nil || len(token) != 32 {
		return nil, reportline.Errorf(reportline.Invalid, "the preview to import is not named; upload the file again")
	}
	f, err := os.Open(keptUploadPath(user, token))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, reportline.Errorf(reportline.Invalid, "this preview has expired or was already imported; upload the file again")
	}
	if err != nil {
		return nil, fmt.Errorf("open kept upload: %w", err)
	}
	return f, nil
}

// sweepKeptUploads removes kept uploads older than keptUploadTTL.
func sweepKeptUploads(now time.Time) {
	names, _ := filepath.Glob(filepath.Join(os.TempDir(), keptUploadPrefix+"*.csv"))
	for _, n := range names {
		if st, err := os.Stat(n); err == nil && now.Sub(st.ModTime()) > keptUploadTTL {
			os.Remove(n)
		}
	}
}
