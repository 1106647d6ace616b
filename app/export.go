package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"reportline"
	"reportline/csvio"
	"reportline/policy"
	"reportline/usecase"
)

// ExportOptions selects and formats an export.
type ExportOptions struct {
	GroupID reportline.GroupID // only links whose two users are in this group's subtree
	Excel   bool               // ';' and a UTF-8 BOM, for Excel in European locales
	// AsOf, when set, exports the links in effect at that instant, from the
	// link history (issue 19), in the same format; the same rows of the
	// policy decide.
	AsOf time.Time
}

// ExportHeader is the export's header: the import's two columns first, so
// an export can be edited and imported again as it is.
var ExportHeader = csvio.PairHeader()

// ExportManagers streams the links the actor may see as CSV: all of them
// for platform admins, those between members of their groups for group
// admins and user admins. Cells are protected against formula injection.
// It returns how many links it wrote.
func (a *App) ExportManagers(ctx context.Context, actor Actor, w io.Writer, opt ExportOptions) (int, error) {
	n := 0
	err := a.exportStore().Read(ctx, func(tx exportTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ExportManagers, policy.Target{}); err != nil {
			return err
		}
		keep, err := a.exportFilter(ctx, tx, ac, opt.GroupID)
		if err != nil {
			return err
		}
		cw := csvio.NewWriter(w, csvio.WriterOptions{Semicolon: opt.Excel, BOM: opt.Excel, CRLF: opt.Excel})
		if err := cw.Write(ExportHeader); err != nil {
			return err
		}
		cells := make([]string, len(ExportHeader))
		each := tx.EachLinkRow
		if !opt.AsOf.IsZero() {
			each = func(ctx context.Context, fn func(reportline.LinkRow) error) error {
				return tx.EachLinkRowAsOf(ctx, opt.AsOf, fn)
			}
		}
		err = each(ctx, func(r reportline.LinkRow) error {
			if keep != nil && !keep(r.Pair()) {
				return nil
			}
			cells[0], cells[1], cells[2], cells[3] = r.ManagerEmail, r.ManageeEmail, string(r.Kind), string(r.Source)
			cells[4], cells[5] = exportTime(r.ValidFrom), exportTime(r.ValidUntil)
			n++
			return cw.Write(cells)
		})
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return cw.Flush()
	})
	return n, err
}

// exportFilter returns which pairs to export, nil for all.
func (a *App) exportFilter(ctx context.Context, tx exportTx, ac *usecase.Authority, group reportline.GroupID) (func(reportline.Pair) bool, error) {
	if ac.Scope.All && group == 0 {
		return nil, nil
	}
	groups, err := visibleGroups(ctx, tx, ac, group)
	if err != nil {
		return nil, err
	}
	if group != 0 && len(groups) == 0 {
		return nil, usecase.Forbidden("you do not administrate this group").Say("error.policy.not_group_admin", nil)
	}
	ms, err := tx.Memberships(ctx, reportline.MembershipFilter{GroupIDs: groups})
	if err != nil {
		return nil, err
	}
	members := make(map[reportline.UserID]bool, len(ms))
	for _, m := range ms {
		members[m.UserID] = true
		ac.Groups[m.UserID] = append(ac.Groups[m.UserID], m.GroupID)
		ac.Members[m.UserID] = append(ac.Members[m.UserID], m)
	}
	return func(p reportline.Pair) bool {
		return members[p.ManagerID] && members[p.ManageeID] && (ac.Scope.All || ac.MayLink(p))
	}, nil
}

// exportTime writes a date as YYYY-MM-DD when it is a whole day, the form
// people type, and as RFC 3339 otherwise; both import again.
func exportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// WriteTemplate writes the import template.
func WriteTemplate(w io.Writer) error { return csvio.WriteTemplate(w) }
