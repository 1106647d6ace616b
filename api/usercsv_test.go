package api_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"reportline"
	"reportline/internal/testapp"
	"reportline/store"
)

const v2CSV = "/api/v2/users-import/csv"

func TestV2ImportCSVOverHTTP(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		f := newV2Fixture(t, engine)
		// Windows-1252, ';', CRLF, and the JSON import's field names in
		// spreadsheet spelling.
		file := "UID;Email;FirstName;SecondName;Is_Active;Birth Date;Manager_UID;User Field 1\r\n" +
			"hr-1;rene@example.com;Ren\xe9;Dupr\xe9;1;26.07.1988;ker1, ker2;x\r\n" +
			"hr-2;zoe@example.com;Zo\xe9;Martin;1;;ker1, ghost;\r\n"
		csvHeader := []string{"Content-Type", "text/csv"}

		status, body := f.do(t, f.paToken, "POST", v2CSV+"?dry_run=true", file, csvHeader...)
		if status != 200 {
			t.Fatalf("preview = %d %v", status, body)
		}
		if body["dry_run"] != true || body["encoding"] != "windows-1252" || body["separator"] != ";" ||
			fmt.Sprint(body["counts"]) != "map[created:1 failed:1 rows:2 unchanged:0 updated:0]" ||
			fmt.Sprint(body["ignored_columns"]) != "[User Field 1]" {
			t.Errorf("preview = %v", body)
		}
		if _, err := f.env.App.GetUserByEmail(context.Background(), "rene@example.com"); !reportline.IsCode(err, reportline.NotFound) {
			t.Fatalf("a preview created a user: %v", err)
		}

		status, body = f.do(t, f.paToken, "POST", v2CSV, file, csvHeader...)
		if status != 200 {
			t.Fatalf("apply = %d %v", status, body)
		}
		rows, _ := body["rows"].([]any)
		if len(rows) != 2 {
			t.Fatalf("rows = %v", body["rows"])
		}
		ok, _ := rows[0].(map[string]any)
		res, _ := ok["result"].(map[string]any)
		user, _ := res["user"].(map[string]any)
		managers, _ := res["managers"].(map[string]any)
		if ok["line"] != 2.0 || ok["ok"] != true || res["action"] != "created" || user["first_name"] != "René" ||
			!slices.Equal(managerEmails(managers["added"]), []string{"ker1@example.com", "ker2@example.com"}) {
			t.Errorf("row 1 = %v", ok)
		}
		bad, _ := rows[1].(map[string]any)
		if bad["line"] != 3.0 || bad["ok"] != false || !hasDetail(bad, "manager_uid", "ghost", "unknown") {
			t.Errorf("row 2 = %v", bad)
		}

		tests := []struct {
			name, token, path, file string
			header                  []string
			status                  int
			field                   string
		}{
			{"unknown column", f.paToken, v2CSV, "email,emial\na@example.com,x\n", csvHeader, 422, "emial"},
			{"JSON sent", f.paToken, v2CSV, `{"email": "a@example.com"}`, []string{"Content-Type", "application/json"}, 422, ""},
			{"bad dry_run", f.paToken, v2CSV + "?dry_run=yes", "email\na@example.com\n", csvHeader, 422, "dry_run"},
			{"no token", "", v2CSV, "email\na@example.com\n", csvHeader, 401, ""},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				status, body := f.do(t, tc.token, "POST", tc.path, tc.file, tc.header...)
				if status != tc.status || errField(body, "field") != tc.field {
					t.Errorf("= %d %v, want %d naming %q", status, body, tc.status, tc.field)
				}
			})
		}
	})
}
