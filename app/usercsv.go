package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"reportline"
	"reportline/csvio"
	"reportline/policy"
	"reportline/usecase"
)

// MaxUserCSVBytes bounds a users CSV file (about 200,000 users with every
// column filled).
const MaxUserCSVBytes = 64 << 20

// The columns of a users CSV. They are named like the fields of
// POST /api/v2/users-import/single; headers match in any case and spacing
// ("Manager UID", "manager_uid" and "MANAGER-UID" are one column).
const (
	ucUID = iota
	ucEmail
	ucFirstName
	ucSecondName
	ucActive
	ucBirthDate
	ucPosition
	ucDepartment
	ucLocale
	ucTimezone
	ucManagerID
	ucManagerUID
)

// userCSVColumns lists the columns in the order of the constants above.
func userCSVColumns() []csvio.Column {
	return []csvio.Column{
		ucUID:        {Name: "uid", Aliases: []string{"external uid"}},
		ucEmail:      {Name: "email", Aliases: []string{"e-mail", "mail"}},
		ucFirstName:  {Name: "firstname", Aliases: []string{"first name"}},
		ucSecondName: {Name: "secondname", Aliases: []string{"second name", "lastname", "last name", "surname"}},
		ucActive:     {Name: "is_active", Aliases: []string{"active"}},
		ucBirthDate:  {Name: "birth_date", Aliases: []string{"birthday", "birthdate", "date of birth"}},
		ucPosition:   {Name: "position"},
		ucDepartment: {Name: "department", Aliases: []string{"org unit", "org_unit"}},
		ucLocale:     {Name: "locale"},
		ucTimezone:   {Name: "timezone", Aliases: []string{"time zone"}},
		ucManagerID:  {Name: "manager_id", Aliases: []string{"manager ids"}},
		ucManagerUID: {Name: "manager_uid", Aliases: []string{"manager uids"}},
	}
}

// UserCSVOptions tunes ImportUsersCSV.
type UserCSVOptions struct {
	// DryRun checks every row as an apply would and changes nothing.
	DryRun bool
	// MaxBytes caps the file; 0 means MaxUserCSVBytes.
	MaxBytes int64
}

// UserCSVReport is what a users CSV import did, row by row.
type UserCSVReport struct {
	DryRun    bool
	Encoding  string // as csvio names it: utf-8, utf-8-bom, utf-16le, utf-16be, windows-1252
	Separator rune
	Columns   []string // the columns found, by their canonical names, in the file's order
	Ignored   []string // header cells of known LMS fields that are accepted and not used
	Rows      []UserCSVRow
	Counts    UserCSVCounts
}

// UserCSVCounts sums the rows of a report by outcome.
type UserCSVCounts struct {
	Rows, Created, Updated, Unchanged, Failed int
}

// UserCSVRow is the outcome of one data row: Result when Err is nil.
type UserCSVRow struct {
	Line   int    // the file's physical line where the row starts
	UID    string // the row's uid cell
	Email  string // the row's email cell
	Result UserImportResult
	// Err says why the row was refused: its Line is the row's, its Field
	// (and its Details' fields) name the column, in the import's names.
	Err *reportline.Error
}

// ImportUsersCSV imports a CSV file of users, one row after the other,
// through exactly the code of POST /api/v2/users-import/single (see
// ImportUser): every row becomes one UserImport and is atomic on its own, a
// refused row does not stop the others, and the report gives each row's
// outcome with its line number. Rows are applied in the file's order, so a
// row may name as manager a user created by an earlier row.
//
// Cells map to the import's fields like this: a column that is absent
// leaves that field of every user as it is; an empty cell clears the field
// (like "" in the API), except uid, email and is_active, which an empty cell
// does not touch. For the managers, an absent column leaves them as they
// are and an empty cell removes every line manager of that user; when the
// file has both manager_id and manager_uid columns, the one with a value in
// a row wins (manager_id when both have one), as null does in the API.
//
// A dry run checks every row against the data as it is, each in a
// transaction rolled back at its end. A manager_uid naming a user that an
// earlier row creates is taken as that user (see previewWithCreated); other
// effects of earlier rows (a manager an earlier row deactivates, say) are
// only seen by the apply.
//
// The returned error is about the file as a whole (not CSV, unknown column,
// no uid or email column, too large), the caller's right to import at all,
// or a failing store; with a store failure the report holds the rows done
// before it.
func (a *App) ImportUsersCSV(ctx context.Context, actor Actor, r io.Reader, opt UserCSVOptions) (UserCSVReport, error) {
	rep := UserCSVReport{DryRun: opt.DryRun}
	if err := a.mayImportUsers(ctx, actor); err != nil {
		return rep, err
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = MaxUserCSVBytes
	}
	cols := userCSVColumns()
	rd, err := csvio.NewReader(r, cols, csvio.ReaderOptions{MaxBytes: opt.MaxBytes})
	if err != nil {
		return rep, err
	}
	rep.Separator = rd.Separator()
	present, err := userCSVHeader(rd, cols, &rep)
	if err != nil {
		return rep, err
	}
	actor.Source = reportline.SourceCSV
	created := map[string]reportline.User{} // dry run: uid → the user an earlier row creates
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if rd.Err() != nil {
				rep.Encoding = rd.Encoding()
				return rep, err // the file as a whole: nothing more can be read
			}
			rep.add(UserCSVRow{Line: lineOf(err), Err: asError(err, 0)})
			continue
		}
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		row := UserCSVRow{Line: rec.Line, UID: rec.Fields[ucUID], Email: rec.Fields[ucEmail]}
		in, err := userCSVRow(rec.Fields, present)
		if err == nil {
			row.Result, err = a.importOne(ctx, actor, in, opt.DryRun)
		}
		if opt.DryRun && err != nil {
			if res, ok := a.previewWithCreated(ctx, actor, in, err, created); ok {
				row.Result, err = res, nil
			}
		}
		if opt.DryRun && err == nil && row.Result.Action == UserCreated && row.Result.User.ExternalUID != "" {
			created[row.Result.User.ExternalUID] = row.Result.User
		}
		if err != nil {
			if reportline.ErrorCode(err) == reportline.Internal {
				rep.Encoding = rd.Encoding()
				return rep, fmt.Errorf("line %d: %w", rec.Line, err)
			}
			row.Err = asError(err, rec.Line)
		}
		rep.add(row)
	}
	rep.Encoding = rd.Encoding()
	return rep, nil
}

// previewWithCreated judges again, in a dry run, a row refused only because
// its manager_uid names users that earlier rows of the file create (a
// preview rolls every row back, so they do not exist yet): the row is
// previewed without them, and they are listed as added. The apply checks
// the row for real.
func (a *App) previewWithCreated(ctx context.Context, actor Actor, in UserImport, refusal error, created map[string]reportline.User) (UserImportResult, bool) {
	e, ok := errors.AsType[*reportline.Error](refusal)
	if !ok || e.Field != FieldManagerUID || len(e.Details) == 0 || len(created) == 0 {
		return UserImportResult{}, false
	}
	pending := map[string]bool{}
	for _, d := range e.Details {
		if d.Field != FieldManagerUID || d.Reason != string(VerdictUnknown) || created[d.Value].ExternalUID == "" {
			return UserImportResult{}, false
		}
		pending[d.Value] = true
	}
	rest := []string{}
	for _, v := range in.ManagerUID.Values {
		for piece := range strings.SplitSeq(v, ",") {
			if piece = strings.TrimSpace(piece); piece != "" && !pending[piece] {
				rest = append(rest, piece)
			}
		}
	}
	in.ManagerUID = ManagerField{Sent: true, Values: []string{strings.Join(rest, ",")}}
	res, err := a.importOne(ctx, actor, in, true)
	if err != nil || res.Managers == nil {
		return UserImportResult{}, false
	}
	for uid := range pending {
		res.Managers.Added = append(res.Managers.Added, created[uid])
	}
	if res.Action == UserUnchanged {
		res.Action = UserUpdated
	}
	return res, true
}

// mayImportUsers refuses callers that could import nobody, before any of
// their file is read.
func (a *App) mayImportUsers(ctx context.Context, actor Actor) error {
	return a.usersCSVStore().Read(ctx, func(tx usersCSVTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ImportUsers, policy.Target{}); err != nil {
			return err
		}
		return nil
	})
}

func (rep *UserCSVReport) add(row UserCSVRow) {
	rep.Rows = append(rep.Rows, row)
	rep.Counts.Rows++
	switch {
	case row.Err != nil:
		rep.Counts.Failed++
	case row.Result.Action == UserCreated:
		rep.Counts.Created++
	case row.Result.Action == UserUpdated:
		rep.Counts.Updated++
	default:
		rep.Counts.Unchanged++
	}
}

// lineOf returns the line an error names, 0 when none.
func lineOf(err error) int {
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		return e.Line
	}
	return 0
}

// asError returns err as a domain error carrying line.
func asError(err error, line int) *reportline.Error {
	e, ok := errors.AsType[*reportline.Error](err)
	if !ok {
		return &reportline.Error{Code: reportline.Invalid, Message: err.Error(), Line: line}
	}
	c := *e
	if line > 0 {
		c.Line = line
	}
	return &c
}

// lmsUserField is a numbered LMS additional field as a spreadsheet may spell
// its header: "user_field1", "User Field 1".
var lmsUserField = regexp.MustCompile(`^(?i)user[ _-]*field[ _-]*[0-9]+$`)

// userCSVHeader checks the header: a uid or email column, no unknown column
// (so a misspelt header is not silently dropped). It returns which columns
// the file has.
func userCSVHeader(rd *csvio.Reader, cols []csvio.Column, rep *UserCSVReport) ([]bool, error) {
	header := rd.Header()
	used := make([]bool, len(header))
	present := make([]bool, len(cols))
	at := make([]int, len(cols)) // the column's cell in the header, or -1
	for i, c := range cols {
		at[i] = -1
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			if n := rd.Index(name); n >= 0 {
				present[i], used[n], at[i] = true, true, n
			}
		}
	}
	for n := range header {
		if c := slices.Index(at, n); c >= 0 {
			rep.Columns = append(rep.Columns, cols[c].Name)
		}
	}
	var unknown []string
	for i, h := range header {
		switch {
		case used[i] || strings.TrimSpace(h) == "":
		case slices.ContainsFunc(ignoredImportFields, func(f string) bool { return rd.Index(f) == i }) || lmsUserField.MatchString(strings.TrimSpace(h)):
			rep.Ignored = append(rep.Ignored, h)
		default:
			unknown = append(unknown, fmt.Sprintf("%q", h))
		}
	}
	if len(unknown) > 0 {
		names := make([]string, len(cols))
		for i, c := range cols {
			names[i] = c.Name
		}
		return nil, (&reportline.Error{Code: reportline.Invalid, Line: 1, Field: strings.Trim(unknown[0], `"`),
			Message: fmt.Sprintf("unknown column %s; the columns of a users file are %s (and the LMS fields login, middlename, user_field1…, which are ignored)",
				strings.Join(unknown, ", "), strings.Join(names, ", "))}).
			Say("error.users_csv.unknown_column", map[string]any{"Unknown": strings.Join(unknown, ", "), "Columns": strings.Join(names, ", ")})
	}
	if !present[ucUID] && !present[ucEmail] {
		return nil, (&reportline.Error{Code: reportline.Invalid, Line: 1, Field: "uid",
			Message: "the header has neither a uid nor an email column; one of them says which user each row is"}).
			Say("error.users_csv.no_key", nil)
	}
	return present, nil
}

// userCSVRow turns the cells of one row into an import, as the API's decoder
// turns a JSON object into one.
func userCSVRow(cells []string, present []bool) (UserImport, error) {
	in := UserImport{UID: cells[ucUID], Email: cells[ucEmail]}
	text := func(col int) *string {
		if !present[col] {
			return nil
		}
		v := cells[col]
		return &v
	}
	in.FirstName, in.LastName = text(ucFirstName), text(ucSecondName)
	in.Birthday, in.Position, in.OrgUnit = text(ucBirthDate), text(ucPosition), text(ucDepartment)
	in.Locale, in.TimeZone = text(ucLocale), text(ucTimezone)
	if present[ucActive] && cells[ucActive] != "" {
		v := strings.ToLower(cells[ucActive])
		yes, no := true, false
		switch v {
		case "1", "true", "yes":
			in.Active = &yes
		case "0", "false", "no":
			in.Active = &no
		default:
			return in, reportline.FieldError("is_active", cells[ucActive], "is_active must be 1 or 0 (or true or false), not %q", cells[ucActive])
		}
	}
	both := present[ucManagerID] && present[ucManagerUID]
	manager := func(col int) ManagerField {
		if !present[col] {
			return ManagerField{}
		}
		if cells[col] == "" {
			// With both columns, an empty cell yields to the other one's
			// value, like null in the API; alone, it is the empty value.
			return ManagerField{Sent: true, Null: both}
		}
		return ManagerField{Sent: true, Values: []string{cells[col]}}
	}
	in.ManagerID, in.ManagerUID = manager(ucManagerID), manager(ucManagerUID)
	return in, nil
}
