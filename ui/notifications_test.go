package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

func TestNotificationPages(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.bob.ID, Direction: reportline.Managers, IDs: []reportline.UserID{w.alice.ID}}); err != nil {
			t.Fatal(err)
		}
		root := newClient(t, w.url)
		root.login("root@acme.test")

		r := root.get("/settings/notifications?role=managers")
		if r.Status != http.StatusOK {
			t.Fatalf("notifications per role: %d\n%s", r.Status, r.Body)
		}
		checkHTML(t, "notifications per role", r.Body)
		has(t, r.Body, `data-type="weekly_digest"`, `data-type="birthday"`, `data-type="template_message"`, `id="preview-template_message"`)
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src 'self'") || !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("page CSP = %q; want the strict policy plus frame-src 'self'", csp)
		}
		r = root.get("/settings/notifications?role=learners")
		has(t, r.Body, `data-type="manager_added"`, `data-type="temporary_link_start"`, `id="preview-manager_added"`)
		if r := root.get("/settings/notifications?role=bosses"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("unknown role: %d, want 422", r.Status)
		}
		r = root.get("/settings/notifications?role=managers&preview=template_message")
		has(t, r.Body, `id="preview-html"`, `sandbox src="/settings/notifications/preview/template_message"`, "Hello Camille,")

		// The HTML preview is served on its own under a sandbox policy.
		r = root.get("/settings/notifications/preview/template_message")
		if r.Status != http.StatusOK || !strings.Contains(r.Body, "<p>Hello Camille,</p>") {
			t.Fatalf("HTML preview: %d %s", r.Status, r.Body)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox;") || !strings.Contains(csp, "frame-ancestors 'self'") || strings.Contains(csp, "script") {
			t.Errorf("HTML preview CSP = %q; want a sandbox framed by our pages only, no scripts", csp)
		}

		// A member of no admin role sees nothing.
		erin := newClient(t, w.url)
		if err := w.env.App.SetPassword(ctx, sys, w.erin.ID, password); err != nil {
			t.Fatal(err)
		}
		erin.login("erin@acme.test")
		for _, path := range []string{"/settings/notifications", "/settings/notifications/preview/birthday", "/settings/delivery-log", "/settings/template-messages"} {
			if r := erin.get(path); r.Status != http.StatusForbidden {
				t.Errorf("GET %s by a member: %d, want 403", path, r.Status)
			}
		}

		// Ada, admin of Sales, writes to its managers: preview, then send.
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		r = ada.get("/settings/template-messages")
		if r.Status != http.StatusOK {
			t.Fatalf("template messages: %d\n%s", r.Status, r.Body)
		}
		checkHTML(t, "template messages", r.Body)
		hasNot(t, r.Body, `id="sends"`) // only platform admins read every message sent
		// The form starts with no body to send by mistake, and lists the
		// placeholders.
		has(t, r.Body, `<textarea id="m-body" name="body" rows="10" required`, "{{manager.first_name}}", "the manager&#39;s first name")
		hasNot(t, r.Body, "…\n\n", "{{.Manager")
		form := url.Values{"group": {strconv.FormatInt(int64(w.sales.ID), 10)}, "subject": {"{{group.name}} news"},
			"body": {"Hello {{manager.first_name}}, about {{managees}}."}, "action": {"preview"}}
		r = ada.post("/settings/template-messages", form)
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, `id="m-send"`, "alice@acme.test", "Hello Alice, about Bob ", "Sales news")
		bad := url.Values{"group": form["group"], "subject": {"x"}, "body": {"Hello,\n  {{manager.shoe}}"}, "action": {"preview"}}
		if r := ada.post("/settings/template-messages", bad); r.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.Body, "line 2, column 3: unknown field {{manager.shoe}}; known fields: manager.first_name") {
			t.Errorf("a wrong placeholder: %d, want 422 naming it with its line and column\n%s", r.Status, r.Body)
		}
		loop := url.Values{"group": form["group"], "subject": {"x"}, "body": {"{{range 20000}}{{range 1000}}{{end}}{{end}}"}, "action": {"send"}}
		if r := ada.post("/settings/template-messages", loop); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "no loops") {
			t.Errorf("a loop: %d, want 422 saying there are no loops", r.Status)
		}
		form.Set("action", "send")
		r = ada.post("/settings/template-messages", form)
		if r.Status != http.StatusSeeOther || r.Location() != "/settings/template-messages?sent=1" {
			t.Fatalf("send: %d %s", r.Status, r.Location())
		}
		if r := ada.get("/settings/delivery-log"); r.Status != http.StatusForbidden {
			t.Errorf("delivery log by a group admin: %d, want 403", r.Status)
		}

		// The platform admin finds it in the delivery log.
		r = root.get("/settings/delivery-log?recipient=alice&type=template_message&status=pending")
		if r.Status != http.StatusOK {
			t.Fatalf("delivery log: %d\n%s", r.Status, r.Body)
		}
		checkHTML(t, "delivery log", r.Body)
		has(t, r.Body, "alice@acme.test", "Sales news", `data-status="pending"`)
		r = root.get("/settings/delivery-log?recipient=nobody")
		has(t, r.Body, `id="log-empty"`)
		if r := root.get("/settings/delivery-log?since=someday"); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad date: %d, want 422", r.Status)
		}
		r = root.get("/settings/template-messages")
		has(t, r.Body, `id="sends"`, "{{group.name}} news")
	})
}

// TestTemplateMessagePickerAndPreviewAs is the compose page without any
// script: each field's Insert button brings the page back with the field
// at the end of the message (or the subject), and the preview can be shown
// as any recipient the admin may read. Hostile first: a recipient outside
// the admin's groups (Frank, of Finance, manages Bob of Sales) is not
// offered, and asking for him anyway is refused as reading him is.
func TestTemplateMessagePickerAndPreviewAs(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		w := newWorld(t, engine)
		ctx := context.Background()
		sys := app.SystemActor(reportline.SourceAPI)
		if _, err := w.env.App.AddLinks(ctx, sys, app.LinkRequest{User: w.bob.ID, Direction: reportline.Managers,
			IDs: []reportline.UserID{w.alice.ID, w.frank.ID}}); err != nil {
			t.Fatal(err)
		}
		ada := newClient(t, w.url)
		ada.login("ada@acme.test")
		sales := strconv.FormatInt(int64(w.sales.ID), 10)
		form := func(kv ...string) url.Values {
			v := url.Values{"group": {sales}, "subject": {"{{group.name}} news"}, "body": {"Hello {{manager.first_name}}, about {{managees}}."}}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}

		frank := strconv.FormatInt(int64(w.frank.ID), 10)
		r := ada.post("/settings/template-messages", form("action", "preview", "recipient", frank, "recipients_of", sales))
		if r.Status != http.StatusForbidden || strings.Contains(r.Body, "Hello Frank") {
			t.Errorf("preview as Frank, whom Ada may not read: %d, want 403 showing nothing of his", r.Status)
		}
		r = ada.post("/settings/template-messages", form("action", "preview"))
		if r.Status != http.StatusOK {
			t.Fatalf("preview: %d\n%s", r.Status, r.Body)
		}
		checkHTML(t, "template message preview", r.Body)
		has(t, r.Body, `id="m-recipient"`, `<option value="`+strconv.FormatInt(int64(w.alice.ID), 10)+`" selected>Alice Martin (alice@acme.test)</option>`,
			"As Alice Martin receives it:", `sandbox srcdoc="&lt;!DOCTYPE html&gt;`, "&lt;p&gt;Hello Alice, about Bob Bernard.&lt;/p&gt;", "Sent by Ada Lovelace through Reportline to the managers of the members of Sales.")
		hasNot(t, r.Body, `<option value="`+frank+`"`)
		// A recipient chosen for another group does not count.
		r = ada.post("/settings/template-messages", form("action", "preview", "recipient", frank, "recipients_of", "999"))
		has(t, r.Body, "As Alice Martin receives it:")

		// The platform admin may read Frank: the message as he gets it.
		root := newClient(t, w.url)
		root.login("root@acme.test")
		r = root.post("/settings/template-messages", form("action", "preview", "recipient", frank, "recipients_of", sales))
		if r.Status != http.StatusOK {
			t.Fatalf("preview as Frank by root: %d\n%s", r.Status, r.Body)
		}
		has(t, r.Body, `<option value="`+frank+`" selected>`, "As Frank Petit receives it:", "Hello Frank, about Bob Bernard.")

		// The picker: Insert adds the field at the end, nothing is sent or
		// previewed.
		r = ada.post("/settings/template-messages", form("body", "Dear", "insert", "manager.first_name"))
		if r.Status != http.StatusOK {
			t.Fatalf("insert: %d\n%s", r.Status, r.Body)
		}
		checkHTML(t, "template message after an insert", r.Body)
		has(t, r.Body, `placeholder="`, ">Dear {{manager.first_name}}</textarea>", `id="m-inserted"`, `<details class="hint" id="m-fields" open>`)
		hasNot(t, r.Body, `id="message-preview"`)
		r = ada.post("/settings/template-messages", form("into", "subject", "subject", "News for", "insert", "group.name"))
		has(t, r.Body, `value="News for {{group.name}}"`, `<option value="subject" selected>`)
		r = ada.post("/settings/template-messages", form("insert", "exec"))
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "here is no field") {
			t.Errorf("inserting an unknown field: %d, want 422", r.Status)
		}
	})
}
