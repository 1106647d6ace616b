package app_test

import (
	"context"
	"strings"
	"testing"

	"reportline"
	"reportline/app"
	"reportline/internal/testapp"
	"reportline/store"
)

// A manager's whole line subtree opens on the org chart, whichever of its
// people the chart is focused on (My team's "all" rule): refocused on a
// direct report, the grand-reports below open too, although the manager
// may not read them one by one. What hangs below by a functional link, or
// outside the subtree, stays closed.
func TestOrgChartOpensOwnSubtree(t *testing.T) {
	testapp.Run(t, func(t *testing.T, engine store.Engine) {
		ctx := context.Background()
		o := newOrg(t, engine) // mgr → x
		a := o.env.App
		o.link(t, o.x, o.y, reportline.Line)
		o.link(t, o.y, o.w, reportline.Line)
		o.link(t, o.z, o.mem, reportline.Line)
		o.link(t, o.x, o.z, reportline.Functional)

		chart := func(viewer reportline.User, focus reportline.User) (drawn, openable string) {
			ct, err := a.GetOrgChartTree(ctx, ui(viewer), app.ChartRequest{Focus: focus.ID, All: true})
			if err != nil {
				t.Fatal(err)
			}
			var d, op []string
			add := func(ns []app.ChartNode) {
				for _, n := range ns {
					d = append(d, n.User.FirstName)
					if n.Openable {
						op = append(op, n.User.FirstName)
					}
				}
			}
			add(ct.Reports)
			for _, id := range []reportline.UserID{o.x.ID, o.y.ID, o.z.ID, o.w.ID} {
				add(ct.Below[id])
			}
			return strings.Join(d, " "), strings.Join(op, " ")
		}
		for _, tc := range []struct {
			name                string
			viewer, focus       reportline.User
			wantDrawn, wantOpen string
		}{
			{"own chart", o.mgr, o.mgr, "x y z w", "x y w"},
			{"refocused on a direct report", o.mgr, o.x, "y z w", "y w"},
			{"x's own chart", o.x, o.x, "y z w mem", "y z w"},
		} {
			drawn, open := chart(tc.viewer, tc.focus)
			if drawn != tc.wantDrawn || open != tc.wantOpen {
				t.Errorf("%s: drawn %q, openable %q; want drawn %q, openable %q", tc.name, drawn, open, tc.wantDrawn, tc.wantOpen)
			}
		}
	})
}
