package ui_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// messyFile is a file as spreadsheets write them: a UTF-8 BOM, ";" between
// cells, CRLF line ends, header names in odd case, a quoted cell, a blank
// line, a duplicate line and an unknown address. With the links of
// bulkWorld it gives alice carol instead of bob, gives erin bob, and leaves
// carol's manager (erin) alone, since the line about her names nobody.
const messyFile = "\uFEFFEmail Of Manager;EMAIL OF MANAGEE\r\n" +
	"carol@acme.test;alice@acme.test\r\n" + // line 2
	"\r\n" + // line 3
	"\"Bob@Acme.test\";erin@acme.test\r\n" + // line 4
	"carol@acme.test;alice@acme.test\r\n" + // line 5: duplicate of 2
	"nobody@acme.test;carol@acme.test\r\n" // line 6: unknown manager

// bulkWorld is the world with bob managing alice and erin managing carol.
func bulkWorld(t *testing.T, engine store.Engine) *world {
	t.Helper()
	w := newWorld(t, engine)
	sys := app.SystemActor(reportline.SourceAPI)
	for _, l := range [][2]reportline.User{{w.bob, w.alice}, {w.erin, w.carol}} {
		if _, err := w.env.App.AddLinks(context.Background(), sys, app.LinkRequest{User: l[1].ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{l[0].ID}}); err != nil {
			t.Fatalf("link %s → %s: %v", l[0].Email, l[1].Email, err)
		}
	}
	return w
}

// upload posts a file as the bulk page's form does.
func (c *client) upload(name string, content []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if name != "" || content != nil {
		fw, err := mw.CreateFormFile("file", name)
		if err != nil {
			c.t.Fatal(err)
		}
		fw.Write(content)
	}
	if err := mw.Close(); err != nil {
		c.t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/managers/imports", &body)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// finished gets an import's page until it stops refreshing, that is until
// the import has ended.
func (c *client) finished(path string) response {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := c.get(path)
		if r.Status != http.StatusOK {
			c.t.Fatalf("GET %s: %d\n%s", path, r.Status, r.Body)
		}
		if !strings.Contains(r.Body, `http-equiv="refresh"`) {
			return r
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("import %s still running after 30s", path)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stats reads the summary's counts: key → number.
func stats(body string) map[string]int {
	out := map[string]int{}
	for _, m := range statRE.FindAllStringSubmatch(body, -1) {
		n, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
		out[m[1]] = n
	}
	return out
}

var statRE = regexp.MustCompile(`id="count-([a-z]+)"><dt>[^<]*</dt><dd>([0-9,]+)</dd>`)

// rejectedLines reads the rejected lines table: line → reason.
func rejectedLines(body string) map[string]string {
	out := map[string]string{}
	for _, m := range rejectedRE.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

var rejectedRE = regexp.MustCompile(`data-line="(\d+)" data-reason="([a-z_]+)"`)

func TestBulkImportPreviewApply(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := bulkWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")

		r := c.get("/managers/bulk")
		if r.Status != http.StatusOK {
			t.Fatalf("bulk page: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, `id="nav-bulk" aria-current="page"`, `href="/managers/template.csv"`, `action="/managers/export.csv"`,
			`enctype="multipart/form-data"`, `name="file"`, `id="upload-button">Preview</button>`,
			"An import replaces the managers of every managee it lists.", "export the current links",
			fmt.Sprintf(`<option value="%d">`, w.sales.ID), "No import yet.")
		hasNot(t, r.Body, fmt.Sprintf(`<option value="%d">`, w.finance.ID))

		// Preview: counts, rejected lines with their numbers, nothing saved.
		r = c.upload("team.csv", []byte(messyFile))
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/managers/imports/") {
			t.Fatalf("upload: %d → %q\n%s", r.Status, r.Location(), r.Body)
		}
		preview := r.Location()
		r = c.finished(preview)
		got := stats(r.Body)
		want := map[string]int{"add": 2, "update": 0, "remove": 1, "unchanged": 0, "duplicate": 1, "rejected": 1}
		for k, n := range want {
			if got[k] != n {
				t.Errorf("preview count %s = %d, want %d (all: %v)", k, got[k], n, got)
			}
		}
		if lines := rejectedLines(r.Body); lines["6"] != "unknown" || lines["5"] != "duplicate" || len(lines) != 2 {
			t.Errorf("rejected lines = %v, want 5: duplicate, 6: unknown", lines)
		}
		has(t, r.Body, "This is a preview: nothing has been changed yet.", "team.csv", "Unknown address",
			"nobody@acme.test", "The duplicate line is listed too: it is counted once.",
			`id="encoding">UTF-8 with BOM</strong>`, `id="separator">Semicolon (;)</strong>`,
			`<p id="apply-text">This will add 2 links and remove 1 for 2 managees. The rejected line is left out and its managee keeps their managers.</p>`,
			preview+"/rejected.csv", preview+"/changes.csv", preview+"/upload.csv", `id="apply"`,
			`data-action="add"`, `data-action="remove"`)
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test" {
			t.Fatalf("the preview changed alice's managers: %v", managers)
		}
		if managers, _ := w.links(t, w.erin.ID); len(managers) != 0 {
			t.Fatalf("the preview changed erin's managers: %v", managers)
		}

		// The files kept with the preview.
		f := c.get(preview + "/upload.csv")
		if f.Status != http.StatusOK || f.Body != messyFile {
			t.Errorf("upload.csv: %d %q, want the file as sent", f.Status, f.Body)
		}
		f = c.get(preview + "/rejected.csv")
		has(t, f.Body, "line,email of manager,email of managee,reason,message", "6,nobody@acme.test,carol@acme.test,unknown,")
		if cd := f.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.HasPrefix(f.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("rejected.csv headers: %q, %q", f.Header.Get("Content-Type"), cd)
		}
		f = c.get(preview + "/changes.csv")
		has(t, f.Body, "remove,bob@acme.test,alice@acme.test,line", "add,carol@acme.test,alice@acme.test,line", "add,bob@acme.test,erin@acme.test,line")
		if r := c.get(preview + "/secrets.csv"); r.Status != http.StatusNotFound {
			t.Errorf("an unknown kept file: %d, want 404", r.Status)
		}

		// Apply: the links change, as app shows them.
		r = c.post(preview+"/apply", nil)
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/managers/imports/") || r.Location() == preview {
			t.Fatalf("apply: %d → %q\n%s", r.Status, r.Location(), r.Body)
		}
		applied := r.Location()
		r = c.finished(applied)
		has(t, r.Body, "Applied: the changes below are saved, for 2 managees.", "applied from <a href=\""+preview+"\">",
			`id="count-add"><dt>Added</dt><dd>2</dd>`, `id="count-remove"><dt>Removed</dt><dd>1</dd>`)
		hasNot(t, r.Body, `id="apply"`)
		for _, tc := range []struct {
			user reportline.User
			want string
		}{{w.alice, "carol@acme.test"}, {w.erin, "bob@acme.test"}, {w.carol, "erin@acme.test"}} {
			if managers, _ := w.links(t, tc.user.ID); strings.Join(managers, " ") != tc.want {
				t.Errorf("%s's managers = %v, want %s", tc.user.Email, managers, tc.want)
			}
		}
		// The preview now says it was applied, and offers no second Apply.
		r = c.get(preview)
		has(t, r.Body, `id="applied-as"`, "This preview was applied as <a href=\""+applied+"\">")
		hasNot(t, r.Body, `id="apply"`)

		// The same file again: nothing left to change.
		r = c.upload("team.csv", []byte(messyFile))
		again := c.finished(r.Location())
		got = stats(again.Body)
		if got["add"]+got["update"]+got["remove"] != 0 || got["unchanged"] != 2 || got["rejected"] != 1 {
			t.Errorf("the same file again: %v, want no change, 2 unchanged, 1 rejected", got)
		}
		has(t, again.Body, `id="nothing-to-apply"`)
		hasNot(t, again.Body, `id="apply"`)

		// The history lists all three, newest first.
		r = c.get("/managers/bulk")
		ids := regexp.MustCompile(`data-import-id="(\d+)"`).FindAllStringSubmatch(r.Body, -1)
		if len(ids) != 3 || "/managers/imports/"+ids[1][1] != applied || "/managers/imports/"+ids[2][1] != preview {
			t.Errorf("history ids = %v, want the new preview, the apply and the first preview", ids)
		}
		has(t, r.Body, "Ada Lovelace", "team.csv", "Apply of #", `<span class="flag flag-ok">Done</span>`)
	})
}

func TestBulkUploadRefused(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := bulkWorld(t, engine)
		c := newClient(t, w.url)
		c.login("ada@acme.test")
		for _, tc := range []struct {
			name, file string
			content    []byte
			want       string
		}{
			{"not text", "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00"), "upload a CSV file"},
			{"a PDF", "report.pdf", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "The file is a PDF document, not CSV text."},
			{"no header", "names.csv", []byte("first,last\nAda,Lovelace\n"), "no recognisable header"},
			{"empty", "empty.csv", []byte{}, "The file is empty."},
			{"no file chosen", "", nil, "Choose a CSV file to upload."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := c.upload(tc.file, tc.content)
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("status %d → %q, want 422\n%s", r.Status, r.Location(), r.Body)
				}
				has(t, r.Body, `id="upload-error"`, "This file cannot be imported.", tc.want, `id="upload-form"`)
			})
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test" {
			t.Errorf("alice's managers = %v, want bob", managers)
		}
		// Refused files stay in the history, as failed imports.
		r := c.get("/managers/bulk")
		has(t, r.Body, "photo.png", `<span class="flag flag-bad">Failed</span>`)
		id := regexp.MustCompile(`href="(/managers/imports/\d+)">#`).FindStringSubmatch(r.Body)
		if id == nil {
			t.Fatal("no import in the history")
		}
		r = c.get(id[1])
		has(t, r.Body, `id="import-error"`, "This preview failed. Nothing was changed.")
		// A failed import keeps no file.
		if r := c.get(id[1] + "/upload.csv"); r.Status != http.StatusNotFound {
			t.Errorf("upload.csv of a failed import: %d, want 404", r.Status)
		}
	})
}

func TestBulkDownloads(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := bulkWorld(t, engine)
		c := newClient(t, w.url)
		c.login("root@acme.test")

		r := c.get("/managers/template.csv")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			r.Header.Get("Content-Disposition") != `attachment; filename="managers-template.csv"` {
			t.Fatalf("template: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		if first, _, _ := strings.Cut(r.Body, "\n"); first != "email of manager,email of managee" {
			t.Errorf("template header = %q", first)
		}

		r = c.get("/managers/export.csv")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="managers-`) {
			t.Fatalf("export: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		if first, _, _ := strings.Cut(r.Body, "\n"); !strings.HasPrefix(first, "email of manager,email of managee,") {
			t.Errorf("export header = %q", first)
		}
		has(t, r.Body, "frank@acme.test,gina@acme.test,line", "bob@acme.test,alice@acme.test,line")

		// For Excel, one group.
		r = c.get(fmt.Sprintf("/managers/export.csv?group=%d&excel=1", w.finance.ID))
		if !strings.HasPrefix(r.Body, "\uFEFFemail of manager;email of managee;") {
			t.Errorf("Excel export starts %q", r.Body[:min(len(r.Body), 40)])
		}
		has(t, r.Body, "frank@acme.test;gina@acme.test;line")
		hasNot(t, r.Body, "alice@acme.test")

		// A group admin exports their groups only, and not others.
		a := newClient(t, w.url)
		a.login("ada@acme.test")
		r = a.get("/managers/export.csv")
		has(t, r.Body, "bob@acme.test,alice@acme.test")
		hasNot(t, r.Body, "gina@acme.test")
		r = a.get(fmt.Sprintf("/managers/export.csv?group=%d", w.finance.ID))
		if r.Status != http.StatusForbidden || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
			t.Errorf("export of a group ada does not administrate: %d %s, want a 403 page", r.Status, r.Header.Get("Content-Type"))
		}
		if r := a.get("/managers/export.csv?group=abc"); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusBadRequest {
			t.Errorf("export of group abc: %d, want 422", r.Status)
		}
	})
}

func TestBulkForbiddenToMembers(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := bulkWorld(t, engine)
		if err := w.env.App.SetPassword(context.Background(), app.SystemActor(reportline.SourceAPI), w.alice.ID, password); err != nil {
			t.Fatal(err)
		}
		// ada previews a file; alice may see none of it.
		admin := newClient(t, w.url)
		admin.login("ada@acme.test")
		preview := admin.upload("team.csv", []byte(messyFile)).Location()
		admin.finished(preview)

		c := newClient(t, w.url)
		c.login("alice@acme.test")
		if r := c.get("/groups"); strings.Contains(r.Body, `href="/managers/bulk"`) {
			t.Errorf("a plain member is offered the bulk page")
		}
		for _, path := range []string{"/managers/bulk", "/managers/export.csv", preview, preview + "/upload.csv"} {
			r := c.get(path)
			if r.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", path, r.Status)
			}
			has(t, r.Body, "Access refused", `id="error-message"`)
		}
		r := c.upload("team.csv", []byte(messyFile))
		if r.Status != http.StatusForbidden {
			t.Errorf("upload by a member: %d, want 403", r.Status)
		}
		has(t, r.Body, "Only platform admins, group admins and user admins may import managers.")
		if r := c.post(preview+"/apply", nil); r.Status != http.StatusForbidden {
			t.Errorf("apply by a member: %d, want 403", r.Status)
		}
		if managers, _ := w.links(t, w.alice.ID); strings.Join(managers, " ") != "bob@acme.test" {
			t.Errorf("alice's managers = %v, want bob", managers)
		}
		// Anonymous visitors are sent to sign in.
		anon := newClient(t, w.url)
		if r := anon.get("/managers/bulk"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location(), "/login") {
			t.Errorf("anonymous bulk page: %d → %q", r.Status, r.Location())
		}
		if r := admin.get("/managers/imports/999999"); r.Status != http.StatusNotFound {
			t.Errorf("an unknown import: %d, want 404", r.Status)
		}
	})
}
