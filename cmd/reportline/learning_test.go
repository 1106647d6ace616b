package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"reportline/internal/testapp"
	"reportline/store"
)

// TestLearningCommands imports records into the demo organisation (which
// has the courses) and checks a refused file changes nothing.
func TestLearningCommands(t *testing.T) {
	t.Parallel()
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		t.Parallel() // each engine has its own database; they share nothing
		ctx := context.Background()
		st := storageArgs(t, engine)
		dir := t.TempDir()
		if _, err := program(t, ctx, "", append([]string{"migrate"}, st...)...); err != nil {
			t.Fatal(err)
		}
		seedDemo(t, st)

		out, err := program(t, ctx, "", "learning", "template")
		if err != nil || !strings.HasPrefix(out, "record id,user email,user uid,user id,course id,session id,status,") {
			t.Fatalf("template: %q, %v", out, err)
		}
		good := filepath.Join(dir, "good.csv")
		os.WriteFile(good, []byte("record id;user email;course id;status;progress;due date\r\n"+
			"cli-1;rob.pike@acme.example;GDPR-1;in progress;55;2030-01-31\r\n"+
			"cli-2;russ.cox@acme.example;NEG-300;not started;0;\r\n"), 0o600)
		for _, want := range []string{"2 records created, 0 updated, 0 unchanged", "0 records created, 0 updated, 2 unchanged"} {
			out, err = program(t, ctx, "", append([]string{"learning", "import", good}, st...)...)
			if err != nil || !strings.Contains(out, want) {
				t.Fatalf("import: %q, %v; want %q", out, err, want)
			}
		}
		bad := filepath.Join(dir, "bad.csv")
		os.WriteFile(bad, []byte("record id,user email,course id,status\ncli-3,rob.pike@acme.example,NOPE,completed\n"), 0o600)
		_, err = program(t, ctx, "", append([]string{"learning", "import", bad}, st...)...)
		if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("a refused file: %v (exit %d)", err, exitCode(err))
		}
	})
}
