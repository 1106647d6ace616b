package app

import (
	"context"
	"fmt"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// CapabilityMatrix returns which capabilities each link kind grants, every
// cell filled in (defaults where nothing was set). Any signed-in user may
// read it: it is the platform's policy, not anybody's data.
func (a *App) CapabilityMatrix(ctx context.Context, actor Actor) (reportline.Matrix, error) {
	if err := usecase.AuthorizeActor(actor, policy.ReadSettings); err != nil {
		return nil, err
	}
	var m reportline.Matrix
	err := a.capabilitiesStore().Read(ctx, func(tx capabilitiesTx) error {
		var err error
		m, err = loadMatrix(ctx, tx)
		return err
	})
	return m, err
}

// SetCapabilityMatrix replaces the capability matrix: the cells m lists take
// its values, the others return to their default. Only platform admins may
// change it. The change applies to the next access check made through this
// process, and within matrixTTL (2 s) to those of other replicas sharing
// the database.
func (a *App) SetCapabilityMatrix(ctx context.Context, actor Actor, m reportline.Matrix) (reportline.Matrix, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	full := m.Clone()
	err := a.capabilitiesStore().Write(ctx, func(tx capabilitiesTx) error {
		ac, err := usecase.LoadAuthority(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := ac.Authorize(policy.ChangeSettings, policy.Target{}); err != nil {
			return err
		}
		old, err := loadMatrix(ctx, tx)
		if err != nil {
			return err
		}
		if err := tx.PutCapabilityMatrix(ctx, full, actor.ID()); err != nil {
			return err
		}
		if err := a.record(ctx, tx, actor, policy.ChangeSettings, reportline.Change{What: "setting capabilities",
			Before: usecase.JSON(old), After: usecase.JSON(full)}); err != nil {
			return err
		}
		a.log.Info("capability matrix changed", "actor", actor.ID(), "matrix", fmt.Sprint(full))
		return nil
	})
	a.forgetMatrix()
	if err != nil {
		return nil, err
	}
	return full, nil
}

// loadMatrix reads the matrix with every cell filled in.
func loadMatrix(ctx context.Context, tx matrixTx) (reportline.Matrix, error) {
	m, err := tx.CapabilityMatrix(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the capability matrix: %w", err)
	}
	return m.Clone(), nil
}
