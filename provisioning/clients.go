package provisioning

import (
	"context"
	"strings"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// scimTokenPrefix makes provisioning tokens recognisable (and tells them
// from API tokens, rlt_, which do not work on /scim/v2).
const scimTokenPrefix = "rlscim_"

// maxClientName bounds a provisioning client's name.
const maxClientName = 100

// CreateProvisioningClient registers a SCIM client under a name and returns
// its bearer token, shown this once; only its hash is kept. The operator
// (CLI) and platform admins may.
func (pr *Provisioner) CreateProvisioningClient(ctx context.Context, actor usecase.Actor, name string) (string, reportline.ProvisioningClient, error) {
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
	token, hashed := usecase.NewSecret(scimTokenPrefix)
	c.Hash, c.CreatedAt = hashed, pr.now()
	err := pr.clients.Write(ctx, func(tx ClientTx) error { return tx.CreateProvisioningClient(ctx, &c) })
	if err != nil {
		return "", c, err
	}
	pr.log.Info("provisioning client created", "client", c.Name, "client_id", c.ID)
	return token, c, nil
}

// ProvisioningClients lists the SCIM clients (never their tokens).
func (pr *Provisioner) ProvisioningClients(ctx context.Context, actor usecase.Actor) ([]reportline.ProvisioningClient, error) {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return nil, err
	}
	var out []reportline.ProvisioningClient
	err := pr.clients.Read(ctx, func(tx ClientTx) error {
		var err error
		out, err = tx.ProvisioningClients(ctx)
		return err
	})
	return out, err
}

// RevokeProvisioningClient deletes a SCIM client by name; its token stops
// working at once. The users it provisioned stay as they are.
func (pr *Provisioner) RevokeProvisioningClient(ctx context.Context, actor usecase.Actor, name string) error {
	if err := usecase.AuthorizeActor(actor, policy.OperatePlatform); err != nil {
		return err
	}
	err := pr.clients.Write(ctx, func(tx ClientTx) error { return tx.DeleteProvisioningClient(ctx, strings.TrimSpace(name)) })
	if err == nil {
		pr.log.Info("provisioning client revoked", "client", name)
	}
	return err
}

// ProvisioningClient returns the SCIM client a bearer token belongs to;
// Unauthenticated for any other token, API tokens included.
func (pr *Provisioner) ProvisioningClient(ctx context.Context, token string) (reportline.ProvisioningClient, error) {
	var c reportline.ProvisioningClient
	if !strings.HasPrefix(token, scimTokenPrefix) {
		return c, reportline.Errorf(reportline.Unauthenticated, "this is not a provisioning token; create one with `reportline scim token create --name NAME`")
	}
	err := pr.clients.Read(ctx, func(tx ClientTx) error {
		var err error
		if c, err = tx.ProvisioningClientByHash(ctx, usecase.HashSecret(token)); reportline.IsCode(err, reportline.NotFound) {
			return reportline.Errorf(reportline.Unauthenticated, "unknown or revoked provisioning token")
		}
		return err
	})
	if err != nil {
		return c, err
	}
	// As for API tokens: recording use is best effort, at most once a minute.
	if now := pr.now(); now.Sub(c.LastUsedAt) > time.Minute {
		if err := pr.clients.Write(ctx, func(tx ClientTx) error { return tx.TouchProvisioningClient(ctx, c.ID, now) }); err != nil {
			pr.log.Warn("record provisioning client use", "client_id", c.ID, "err", err)
		}
	}
	return c, nil
}
