package app

import (
	"context"

	"reportline"
	"reportline/directory"
)

// SyncTenantGraph syncs the context's tenant's own Microsoft Entra ID now,
// as actor (the CLI's `sync graph --tenant`), with its stored settings and
// sealed client secret: the changes since the last applied sync, or the
// whole directory when full. The implicit tenant's Graph is the
// environment's: refused here (the CLI syncs it as before).
func (a *App) SyncTenantGraph(ctx context.Context, actor Actor, full, dryRun bool) (directory.DeltaReport, error) {
	if !directory.Own(ctx) {
		return directory.DeltaReport{}, errEnvironmentDirectory()
	}
	d, err := a.tenantSources(ctx)
	if err != nil {
		return directory.DeltaReport{}, err
	}
	if !d.Graph.Enabled() {
		return directory.DeltaReport{}, reportline.Errorf(reportline.Invalid, "this organisation has no Microsoft Graph directory: set its Entra tenant first")
	}
	if a.connect.Graph == nil {
		return directory.DeltaReport{}, reportline.Errorf(reportline.Invalid, "this installation cannot reach Microsoft Graph")
	}
	dir, err := a.connect.Graph(d.Graph)
	if err != nil {
		return directory.DeltaReport{}, err
	}
	return a.SyncDeltaDirectory(ctx, actor, reportline.SourceGraph, dir, full, dryRun)
}
