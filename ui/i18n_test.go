package ui_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/i18n"
	"reportline/ui"
)

// TestEveryPageMessageIsInTheCatalogues extracts the message ids the pages
// use (`{{t "id"}}` in templates, `.T("id"` in Go, and the labels built
// from a kind or a source) and checks that both catalogues have each: a
// page never shows an id, nor English on a French page.
func TestEveryPageMessageIsInTheCatalogues(t *testing.T) {
	t.Parallel()
	ids := map[string]string{} // id → where it is used
	extract := func(glob string, re *regexp.Regexp) {
		files, err := filepath.Glob(glob)
		if err != nil || len(files) == 0 {
			t.Fatalf("no files match %s", glob)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				ids[m[1]] = f
			}
		}
	}
	extract("templates/*/*.html", regexp.MustCompile(`\{\{-?\s*(?:t|tn)\s+"([^"]+)"`))
	extract("templates/*/*.html", regexp.MustCompile(`\((?:t|tn)\s+"([^"]+)"`))
	extract("*.go", regexp.MustCompile(`\.[TN]\("([a-z_]+\.[a-z_.]*[a-z_])"`))
	// app's refusals that name their message beside their English
	// (reportline.Error.Say, app's Candidate.say): every "error.*" literal,
	// also of the packages app reaches whose refusals a page shows (the CSV
	// reader's "error.csv.*", the bulk import's, the directory sync's…).
	for _, dir := range []string{"../app/*.go", "../usecase/*.go", "../policy/*.go", "../csvio/*.go", "../bulkimport/*.go",
		"../directory/*.go", "../provisioning/*.go", "../notify/*.go", "../digest/*.go"} {
		extract(dir, regexp.MustCompile(`"(error\.[a-z_]+(?:\.[a-z_]+)*)"`))
	}
	// The store's not-found errors, named by what was looked up (store.notFound).
	for _, what := range []string{"user", "user_with_external_uid", "plan", "import", "org_unit", "sync_run", "token"} {
		ids["error.not_found."+what] = "store.notFound"
	}
	for _, s := range []reportline.Source{reportline.SourceUI, reportline.SourceAPI, reportline.SourceCSV, reportline.SourceImportAPI,
		reportline.SourceLDAP, reportline.SourceGraph, reportline.SourceSCIM, reportline.SourceOrgStructure, reportline.SourceCLI,
		reportline.SourceSSO, reportline.SourceEmail} {
		ids["source."+string(s)] = "label \"source\""
	}
	for _, k := range reportline.LinkKinds {
		ids["kind."+string(k)] = "label \"kind\""
		ids["history.kind."+string(k)] = "eventRows"
	}
	for _, v := range []app.Verdict{app.VerdictNew, app.VerdictUpdate, app.VerdictUnchanged, app.VerdictDuplicate, app.VerdictInvalid,
		app.VerdictUnknown, app.VerdictInactive, app.VerdictSelf, app.VerdictOutOfScope, app.VerdictCycle} {
		ids["verdict."+string(v)] = "the flag template"
	}
	for _, k := range reportline.LinkKinds {
		ids["confirm.kind."+string(k)] = "ConfirmText"
	}
	for _, r := range []reportline.GroupRole{reportline.AdminRole, reportline.UserAdminRole, reportline.MemberRole} {
		ids["role."+string(r)] = "group_users.html"
	}
	for _, k := range reportline.LinkKinds {
		ids["remove.question."+string(k)] = "remove.go"
	}
	for _, d := range []reportline.Direction{reportline.Managers, reportline.Managees} {
		for _, f := range []string{"flash.removed.", "flash.added.", "flash.added_updated."} {
			ids[f+string(d)] = "flash"
		}
	}
	for _, st := range reportline.LearningStatuses {
		ids["learning."+string(st)] = "learning_statistics.html"
	}
	for _, sc := range reportline.StatisticsScopes {
		ids["scope."+string(sc)] = "learning_statistics.html"
	}
	for _, k := range reportline.LinkKinds {
		ids["contacts.kind."+string(k)] = "contacts.html"
	}
	for _, r := range []app.OrphanReason{app.OrphanInactive, app.OrphanExpired, app.OrphanMissing, app.OrphanMixed} {
		ids["orphans.reason."+string(r)] = "orphanFlag"
	}
	for _, id := range ui.DynamicMessageIDs() {
		ids[id] = "ui's tables"
	}
	for _, a := range []string{"add", "remove", "update"} {
		ids["history.link."+a] = "eventRows"
	}
	if len(ids) < 100 {
		t.Fatalf("extracted %d message ids; the extraction no longer sees the pages' messages", len(ids))
	}
	for _, lang := range i18n.Languages {
		l := i18n.For(lang)
		for id, where := range ids {
			if !l.Has(id) {
				t.Errorf("%s (used in %s) is missing from pages.%s.toml", id, where, lang)
			}
		}
	}
}
