package api

import (
	"errors"

	"reportline"
	"reportline/app"
)

// UserImportBody documents the body of POST /api/v2/users-import/single, in
// the field names LMS Collaborator clients send. The handler reads it with
// its own decoder (decodeUserImport), which accepts the flexible shapes
// described here; this type exists for the OpenAPI document.
type UserImportBody struct {
	UID        any    `json:"uid,omitempty" doc:"external uid (string or integer): the first match key; a user matched by email gets it"`
	Email      string `json:"email,omitempty" doc:"the second match key; required to create a user"`
	FirstName  string `json:"firstname,omitempty"`
	SecondName string `json:"secondname,omitempty" doc:"last name; lastname is an alias"`
	LastName   string `json:"lastname,omitempty" doc:"alias of secondname"`
	IsActive   any    `json:"is_active,omitempty" doc:"1 or 0, \"1\" or \"0\", true or false; inactive accounts keep their links"`
	Position   string `json:"position,omitempty"`
	Department string `json:"department,omitempty" doc:"the org unit; org_unit is an alias"`
	OrgUnit    string `json:"org_unit,omitempty" doc:"alias of department"`
	BirthDate  string `json:"birth_date,omitempty" doc:"DD.MM.YYYY or YYYY-MM-DD (also --MM-DD without a year); birthday is an alias; \"\" clears"`
	Birthday   string `json:"birthday,omitempty" doc:"alias of birth_date"`
	Locale     string `json:"locale,omitempty"`
	Timezone   string `json:"timezone,omitempty" doc:"an IANA time zone such as Europe/Paris"`
	ManagerID  any    `json:"manager_id,omitempty" doc:"internal ids of the user's line managers: \"27816, 27819, 27822\", a list [27816, \"27819\"] or a number. Wins over manager_uid (which is then not read). Absent: managers unchanged. \"\" or []: all line managers removed. null: like \"\" unless manager_uid holds a value. Otherwise the line managers become exactly this set; any unknown id, inactive manager, self-reference or cycle refuses the whole import (422)"`
	ManagerUID any    `json:"manager_uid,omitempty" doc:"external uids of the user's line managers: \"ker1, ker2, ker3\" or a list; same rules as manager_id, which wins when both hold a value"`
	Login      string `json:"login,omitempty" doc:"accepted and ignored, like middlename, patronymic, password, gender, city, phone, tags, facebook_id, google_id, date_of_employment, work_contact, date_of_assignment_current_position, department_code and user_field1…user_fieldN; any other field is refused"`
}

// UserImportBatchBody is the body of POST /api/v2/users-import/batch.
type UserImportBatchBody struct {
	Users []UserImportBody `json:"users" doc:"at most 1000 users, each imported on its own"`
}

// UserImportResult is what an import did to one user.
type UserImportResult struct {
	Action    string `json:"action" enum:"created,updated,unchanged"`
	MatchedBy string `json:"matched_by,omitempty" enum:"uid,email" doc:"how an existing user was found"`
	User      User   `json:"user"`
	// ChangedFields names the fields of user that changed (all those set,
	// for a new user).
	ChangedFields []string         `json:"changed_fields" doc:"the fields of user that changed (for a new user: those set)"`
	Managers      *ImportedManager `json:"managers,omitempty" doc:"absent when no manager field was sent"`
	InEffect      bool             `json:"in_effect" doc:"false in positions mode, where imported links are kept but do not count"`
	IgnoredFields []string         `json:"ignored_fields,omitempty" doc:"known LMS fields that were sent and are not used"`
}

// ImportedManager is what an import did to the user's line managers.
type ImportedManager struct {
	Field        string       `json:"field" enum:"manager_id,manager_uid" doc:"the manager field that was used"`
	IgnoredField string       `json:"ignored_field,omitempty" doc:"the other manager field, sent too and not used"`
	Added        []ManagerRef `json:"added"`
	Updated      []ManagerRef `json:"updated" doc:"existing links that became line links of this import (e.g. a functional manager now listed)"`
	Removed      []ManagerRef `json:"removed"`
	Unchanged    []ManagerRef `json:"unchanged"`
}

// ManagerRef names a manager in an import result.
type ManagerRef struct {
	ID          int64  `json:"id"`
	ExternalUID string `json:"external_uid,omitempty"`
	Email       string `json:"email"`
}

// UserImportBatchResult is the answer of a batch import: one entry per user,
// in the order sent.
type UserImportBatchResult struct {
	Results []UserImportOutcome `json:"results"`
	Counts  map[string]int      `json:"counts" doc:"created, updated, unchanged and failed"`
}

// UserImportOutcome is the outcome of one user of a batch.
type UserImportOutcome struct {
	Index  int               `json:"index" doc:"0-based position in users"`
	OK     bool              `json:"ok"`
	Result *UserImportResult `json:"result,omitempty"`
	Error  *ImportError      `json:"error,omitempty"`
}

// ImportError is an error of one user of a batch, in the fields of the
// API's error shape.
type ImportError struct {
	Code    string        `json:"code" enum:"invalid,not_found,conflict,forbidden,internal"`
	Message string        `json:"message"`
	Field   string        `json:"field,omitempty"`
	Value   string        `json:"value,omitempty"`
	Details []errorDetail `json:"details,omitempty"`
}

func toUserImportResult(r app.UserImportResult, ignored []string) UserImportResult {
	out := UserImportResult{Action: string(r.Action), MatchedBy: r.MatchedBy, User: toUser(r.User),
		ChangedFields: r.Changed, InEffect: r.InEffect, IgnoredFields: ignored}
	if out.ChangedFields == nil {
		out.ChangedFields = []string{}
	}
	if m := r.Managers; m != nil {
		out.Managers = &ImportedManager{Field: m.Field, IgnoredField: m.IgnoredField, Added: managerRefs(m.Added),
			Updated: managerRefs(m.Updated), Removed: managerRefs(m.Removed), Unchanged: managerRefs(m.Unchanged)}
	}
	return out
}

func managerRefs(users []reportline.User) []ManagerRef {
	out := make([]ManagerRef, len(users))
	for i, u := range users {
		out[i] = ManagerRef{ID: int64(u.ID), ExternalUID: u.ExternalUID, Email: u.Email}
	}
	return out
}

// toImportError shows an error the way web.WriteJSONError would: internal
// errors only as "internal error".
func toImportError(err error) *ImportError {
	code := reportline.ErrorCode(err)
	out := &ImportError{Code: string(code), Message: reportline.ErrorMessage(err)}
	if e, ok := errors.AsType[*reportline.Error](err); ok {
		out.Field, out.Value = e.Field, e.Value
		for _, d := range e.Details {
			out.Details = append(out.Details, errorDetail{Line: d.Line, Field: d.Field, Value: d.Value, Reason: d.Reason, Message: d.Message})
		}
	}
	return out
}
