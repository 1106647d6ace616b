package ui_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"reportline"
	"reportline/app"
	"reportline/internal/browser"
	"reportline/internal/testapp"
	"reportline/store"
)

// usersFile is a users CSV as Excel saves it in a European locale: ';',
// Windows-1252, CRLF. Line 2 creates a user managed by bob, line 3 renames
// carol, line 4 names a manager nobody has.
const usersFile = "uid;email;firstname;secondname;is_active;manager_uid\r\n" +
	"hr-9;zoe@acme.test;Zo\xe9;Lef\xe8vre;1;uid-bob\r\n" +
	"uid-carol;carol@acme.test;Caroline;Dubois;1;\r\n" +
	"hr-10;yan@acme.test;Yan;Ng;1;ghost\r\n"

// uploadTo posts a file as a page's upload form does.
func (c *client) uploadTo(path, name string, content []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(content)
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+path, &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

var tokenRE = regexp.MustCompile(`name="token" value="([0-9a-f]{32})"`)

func TestUsersImportPages(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		w := newWorld(t, engine)
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		// Admins import users as the import API lets them (rows about
		// people outside their groups are refused row by row); a plain
		// member may not.
		if r := ada.get("/users/import"); r.Status != http.StatusOK {
			t.Errorf("a user admin did not get the page: %d", r.Status)
		}
		if err := w.env.App.SetPassword(ctx, app.SystemActor(reportline.SourceCLI), w.erin.ID, password); err != nil {
			t.Fatal(err)
		}
		erin := newClient(t, w.url)
		erin.login("erin@acme.test")
		if r := erin.get("/users/import"); r.Status != http.StatusForbidden {
			t.Errorf("a plain member got the page: %d", r.Status)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r := root.get("/users/import")
		has(t, r.Body, `id="users-upload-form"`, `enctype="multipart/form-data"`, `id="nav-users-import" aria-current="page"`)

		r = root.uploadTo("/users/import", "users.csv", []byte(usersFile))
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		if got := stats(r.Body); got["created"] != 1 || got["updated"] != 1 || got["failed"] != 1 {
			t.Errorf("preview counts = %v", got)
		}
		has(t, r.Body, "Preview of users.csv", "Windows-1252", `data-line="4"`, "No user has the external uid ghost.", "Will be created")
		if _, err := w.env.App.GetUserByEmail(ctx, "zoe@acme.test"); !reportline.IsCode(err, reportline.NotFound) {
			t.Fatalf("a preview created a user: %v", err)
		}
		m := tokenRE.FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatalf("no apply form:\n%s", r.Body)
		}
		// Only the uploader may import a kept file: to anyone else it does
		// not exist (and the counts below show nothing was imported).
		if r := ada.post("/users/import/apply", url.Values{"token": {m[1]}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "expired") {
			t.Errorf("another user imported the preview: %d", r.Status)
		}

		r = root.post("/users/import/apply", url.Values{"token": {m[1]}, "file_name": {"users.csv"}})
		if r.Status != http.StatusOK {
			t.Fatalf("apply: %d\n%s", r.Status, r.Body)
		}
		if got := stats(r.Body); got["created"] != 1 || got["updated"] != 1 || got["failed"] != 1 {
			t.Errorf("apply counts = %v", got)
		}
		hasNot(t, r.Body, `id="users-apply"`)
		zoe, err := w.env.App.GetUserByEmail(ctx, "zoe@acme.test")
		if err != nil {
			t.Fatal(err)
		}
		if zoe.Name() != "Zoé Lefèvre" {
			t.Errorf("zoe = %+v", zoe)
		}
		if managers, _ := w.links(t, zoe.ID); strings.Join(managers, ",") != "bob@acme.test" {
			t.Errorf("zoe's managers = %v", managers)
		}
		// The kept file is gone once imported.
		if r := root.post("/users/import/apply", url.Values{"token": {m[1]}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "already imported") {
			t.Errorf("a second apply: %d", r.Status)
		}
		if r := root.uploadTo("/users/import", "x.csv", []byte("email,frist name\na@acme.test,A\n")); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "unknown column &#34;frist name&#34;") {
			t.Errorf("a misspelt column: %d", r.Status)
		}
	})
}

// TestBrowserUsersImport is the users CSV import in a real browser: a
// platform admin opens Import users, chooses a file, reads the preview and
// imports it.
func TestBrowserUsersImport(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		file := filepath.Join(t.TempDir(), "users.csv")
		if err := os.WriteFile(file, []byte(usersFile), 0o600); err != nil {
			t.Fatal(err)
		}
		ctx := browser.New(t)
		signIn(t, ctx, w.url, "root@acme.test")
		clickAdminTool(t, ctx, "#nav-users-import")
		if loc := location(t, ctx, w.url); loc != "/users/import" {
			t.Fatalf("Import users led to %s", loc)
		}
		if err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#users-file"), []string{file})); err != nil {
			t.Fatalf("choose the file: %v", err)
		}
		click(t, ctx, "#users-preview")
		if got := texts(t, ctx, "#count-created dd, #count-updated dd, #count-failed dd"); strings.Join(got, ",") != "1,1,1" {
			t.Errorf("preview counts = %q", got)
		}
		if got := texts(t, ctx, `#users-rows tr[data-line="2"] .email`); len(got) != 1 || got[0] != "zoe@acme.test" {
			t.Errorf("line 2 = %q", got)
		}
		browser.Screenshot(t, ctx, "users-import-preview")
		click(t, ctx, "#users-apply")
		if got := texts(t, ctx, "#report-title"); len(got) != 1 || got[0] != "Imported users.csv" {
			t.Errorf("after importing the title is %q", got)
		}
		if got := texts(t, ctx, "#users-rows .verdict"); strings.Join(got, ",") != "Created,Updated,Refused" {
			t.Errorf("outcomes = %q", got)
		}
		browser.Screenshot(t, ctx, "users-import-done")
		browser.NoConsoleErrors(t, ctx)
	})
}
