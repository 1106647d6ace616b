package app

import (
	"context"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// scimTx is the storage of the SCIM provisioning endpoint: its clients,
// and the reads that show users as a SCIM client sees them.
type scimTx interface {
	CreateProvisioningClient(ctx context.Context, c *reportline.ProvisioningClient) error
	ProvisioningClientByHash(ctx context.Context, hash []byte) (reportline.ProvisioningClient, error)
	ProvisioningClients(ctx context.Context) ([]reportline.ProvisioningClient, error)
	DeleteProvisioningClient(ctx context.Context, name string) error
	TouchProvisioningClient(ctx context.Context, id int64, at time.Time) error
	ProvisionedUsers(ctx context.Context, q reportline.ProvisionedQuery) ([]reportline.ProvisionedUser, error)
	SetSCIMUserName(ctx context.Context, user reportline.UserID, name string) error
	SetSCIMSent(ctx context.Context, user reportline.UserID, emails, displayName string) error
	UserBySCIMUserName(ctx context.Context, name string) (reportline.UserID, error)
}

// scimTokenPrefix makes provisioning tokens recognisable (and tells them
// from API tokens, rlt_, which do not work on /scim/v2).
const scimTokenPrefix = "rlscim_"

// maxClientName bounds a provisioning client's name.
const maxClientName = 100

// CreateProvisioningClient registers a SCIM client under a name and returns
// its bearer token, shown this once; only its hash is kept. The operator
// (CLI) and platform admins may.
func (a *App) CreateProvisioningClient(ctx context.Context, actor Actor, name string) (string, reportline.ProvisioningClient, error) {
	name = strings.TrimSpace(name)
	c := reportline.ProvisioningClient{Name: name}
	if name == "" {
		return "", c, reportline.FieldError("name", "", "a provisioning client needs a name, such as \"entra\"")
	}
	if len(name) > maxClientName {
		return "", c, reportline.FieldError("name", "", "the name is longer than %d characters", maxClientName)
	}
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return "", c, err
	}
	token, hashed := newSecret(scimTokenPrefix)
	c.Hash, c.CreatedAt = hashed, a.now()
	err := a.store.Write(ctx, func(tx Tx) error { return tx.CreateProvisioningClient(ctx, &c) })
	if err != nil {
		return "", c, err
	}
	a.log.Info("provisioning client created", "client", c.Name, "client_id", c.ID)
	return token, c, nil
}

// ProvisioningClients lists the SCIM clients (never their tokens).
func (a *App) ProvisioningClients(ctx context.Context, actor Actor) ([]reportline.ProvisioningClient, error) {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return nil, err
	}
	var out []reportline.ProvisioningClient
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		out, err = tx.ProvisioningClients(ctx)
		return err
	})
	return out, err
}

// RevokeProvisioningClient deletes a SCIM client by name; its token stops
// working at once. The users it provisioned stay as they are.
func (a *App) RevokeProvisioningClient(ctx context.Context, actor Actor, name string) error {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return err
	}
	err := a.store.Write(ctx, func(tx Tx) error { return tx.DeleteProvisioningClient(ctx, strings.TrimSpace(name)) })
	if err == nil {
		a.log.Info("provisioning client revoked", "client", name)
	}
	return err
}

// ProvisioningClient returns the SCIM client a bearer token belongs to;
// Unauthenticated for any other token, API tokens included.
func (a *App) ProvisioningClient(ctx context.Context, token string) (reportline.ProvisioningClient, error) {
	var c reportline.ProvisioningClient
	if !strings.HasPrefix(token, scimTokenPrefix) {
		return c, reportline.Errorf(reportline.Unauthenticated, "this is not a provisioning token; create one with `reportline scim token create --name NAME`")
	}
	err := a.store.Read(ctx, func(tx Tx) error {
		var err error
		if c, err = tx.ProvisioningClientByHash(ctx, hashSecret(token)); reportline.IsCode(err, reportline.NotFound) {
			return reportline.Errorf(reportline.Unauthenticated, "unknown or revoked provisioning token")
		}
		return err
	})
	if err != nil {
		return c, err
	}
	// As for API tokens: recording use is best effort, at most once a minute.
	if now := a.now(); now.Sub(c.LastUsedAt) > time.Minute {
		if err := a.store.Write(ctx, func(tx Tx) error { return tx.TouchProvisioningClient(ctx, c.ID, now) }); err != nil {
			a.log.Warn("record provisioning client use", "client_id", c.ID, "err", err)
		}
	}
	return c, nil
}
