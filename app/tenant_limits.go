package app

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"reportline"
	"reportline/policy"
	"reportline/usecase"
)

// A tenant's rate limits (docs/tenants.md, "Built: fairness"): how many
// API and page requests a second the tenant's callers together may make
// (server.Admission spends one token of the tenant's bucket per request),
// and how many messages a minute the outbox worker sends for it. They are
// settings of the tenant that only the operator changes (policy
// tenant.limits; `reportline tenant limits`): a tenant that raised its own
// would take the others' share. A limit the tenant has no setting for is
// the operator's default (Config.TenantLimits, REPORTLINE_TENANT_*); 0 is
// "no limit".

// The settings keys of the limits.
const (
	settingLimitAPIRate  = "limit_api_per_second"
	settingLimitAPIBurst = "limit_api_burst"
	settingLimitMailRate = "limit_mail_per_minute"
)

// TenantLimits are a tenant's rate limits; a zero rate is no limit.
type TenantLimits struct {
	// APIPerSecond is the sustained rate of requests of the tenant's
	// callers together; APIBurst how many may come at once above it (0:
	// twice the rate, at least 1).
	APIPerSecond float64
	APIBurst     int
	// MailPerMinute is the sustained rate of the tenant's outgoing mail;
	// a burst of one batch is allowed.
	MailPerMinute float64
}

// Burst is the API burst that applies: APIBurst, else twice the rate.
func (l TenantLimits) Burst() int {
	if l.APIBurst > 0 {
		return l.APIBurst
	}
	return max(1, int(math.Ceil(2*l.APIPerSecond)))
}

// TenantLimitsView is what the operator sees of a tenant's limits: its own
// settings ("" not set), the operator's defaults and what applies.
type TenantLimitsView struct {
	Settings  TenantLimitsChange // the tenant's own values, "" when not set
	Defaults  TenantLimits
	Effective TenantLimits
}

// TenantLimitsChange changes the limits that are not nil; a pointer to ""
// removes the tenant's own value, so the operator's default applies again;
// "0" is no limit for this tenant.
type TenantLimitsChange struct {
	APIPerSecond, APIBurst, MailPerMinute *string
}

// limitsCache keeps each tenant's limits for limitsTTL: the server asks
// for them on every request.
type limitsCache struct {
	mu sync.Mutex
	m  map[reportline.TenantID]cachedLimits
}

type cachedLimits struct {
	l    TenantLimits
	read time.Time // monotonic
}

// limitsTTL is how long a replica keeps a tenant's limits: a change by
// another replica applies within it.
const limitsTTL = 5 * time.Second

// TenantLimits returns the limits of the context's tenant (the implicit
// tenant when the context names none), cached for 5 s. It decides nothing
// about a person: the server and the outbox worker ask it for every
// request and batch. A read that fails gives the operator's defaults.
func (a *App) TenantLimits(ctx context.Context) TenantLimits {
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	a.limits.mu.Lock()
	c, hit := a.limits.m[id]
	a.limits.mu.Unlock()
	if hit && time.Since(c.read) < limitsTTL {
		return c.l
	}
	var own TenantLimitsChange
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		own, err = readTenantLimits(ctx, tx)
		return err
	})
	l := a.limitsDefault
	if err != nil {
		a.log.WarnContext(ctx, "read the tenant's rate limits: the operator's defaults apply", "tenant", id, "err", err)
	} else {
		l = effectiveLimits(own, a.limitsDefault)
	}
	a.limits.mu.Lock()
	if a.limits.m == nil {
		a.limits.m = map[reportline.TenantID]cachedLimits{}
	}
	a.limits.m[id] = cachedLimits{l: l, read: time.Now()}
	a.limits.mu.Unlock()
	return l
}

// TenantMailPerMinute is the context's tenant's mail rate (0: no limit),
// what the outbox worker asks before it claims a batch.
func (a *App) TenantMailPerMinute(ctx context.Context) float64 {
	return a.TenantLimits(ctx).MailPerMinute
}

// limitKeys pairs each field with its settings key.
func limitKeys(c *TenantLimitsChange) []struct {
	key string
	v   **string
} {
	return []struct {
		key string
		v   **string
	}{{settingLimitAPIRate, &c.APIPerSecond}, {settingLimitAPIBurst, &c.APIBurst}, {settingLimitMailRate, &c.MailPerMinute}}
}

// readTenantLimits reads the tenant's own limits, each "" when not set.
func readTenantLimits(ctx context.Context, tx tenantTx) (TenantLimitsChange, error) {
	var c TenantLimitsChange
	for _, f := range limitKeys(&c) {
		v, err := tx.Setting(ctx, f.key)
		if err != nil && !reportline.IsCode(err, reportline.NotFound) {
			return c, fmt.Errorf("read the setting %s: %w", f.key, err)
		}
		*f.v = &v
	}
	return c, nil
}

// effectiveLimits is what applies: the tenant's own values, else def. A
// stored value that no longer parses (it was checked when written) gives
// the default.
func effectiveLimits(own TenantLimitsChange, def TenantLimits) TenantLimits {
	l := def
	num := func(p *string, dst *float64) {
		if p != nil && *p != "" {
			if f, err := strconv.ParseFloat(*p, 64); err == nil {
				*dst = f
			}
		}
	}
	num(own.APIPerSecond, &l.APIPerSecond)
	num(own.MailPerMinute, &l.MailPerMinute)
	if p := own.APIBurst; p != nil && *p != "" {
		if n, err := strconv.Atoi(*p); err == nil {
			l.APIBurst = n
		}
	}
	return l
}

// TenantLimitsOf returns the context's tenant's limits as the operator
// sees them; the operator alone (policy tenant.limits).
func (a *App) TenantLimitsOf(ctx context.Context, actor Actor) (TenantLimitsView, error) {
	if err := usecase.AuthorizeActor(actor, policy.SetTenantLimits); err != nil {
		return TenantLimitsView{}, err
	}
	var own TenantLimitsChange
	err := a.tenantStore().Read(ctx, func(tx tenantTx) error {
		var err error
		own, err = readTenantLimits(ctx, tx)
		return err
	})
	return TenantLimitsView{Settings: own, Defaults: a.limitsDefault, Effective: effectiveLimits(own, a.limitsDefault)}, err
}

// SetTenantLimits changes the context's tenant's limits; the operator
// alone (policy tenant.limits), every value checked before anything is
// written, one change-log entry in the tenant with the values before and
// after. This replica applies them at once, the others within 5 s.
func (a *App) SetTenantLimits(ctx context.Context, actor Actor, c TenantLimitsChange) (TenantLimitsView, error) {
	if err := usecase.AuthorizeActor(actor, policy.SetTenantLimits); err != nil {
		return TenantLimitsView{}, err
	}
	if err := c.normalize(); err != nil {
		return TenantLimitsView{}, err
	}
	err := a.tenantStore().Write(ctx, func(tx tenantTx) error {
		old, err := readTenantLimits(ctx, tx)
		if err != nil {
			return err
		}
		before, after := map[string]string{}, map[string]string{}
		next := limitKeys(&c)
		for i, f := range limitKeys(&old) {
			p := *next[i].v
			if p == nil || *p == **f.v {
				continue
			}
			before[f.key], after[f.key] = **f.v, *p
			if err := tx.PutSetting(ctx, f.key, *p); err != nil {
				return err
			}
		}
		if len(after) == 0 {
			return nil
		}
		a.log.InfoContext(ctx, "tenant rate limits changed", "actor", actor.Label, "settings", slices.Sorted(maps.Keys(after)))
		return a.record(ctx, tx, actor, policy.SetTenantLimits, reportline.Change{What: "tenant limits",
			Before: usecase.JSON(before), After: usecase.JSON(after)})
	})
	if err != nil {
		return TenantLimitsView{}, err
	}
	a.forgetLimits(ctx)
	return a.TenantLimitsOf(ctx, actor)
}

// forgetLimits drops the context's tenant's cached limits.
func (a *App) forgetLimits(ctx context.Context) {
	id, ok := reportline.TenantOf(ctx)
	if !ok {
		id = reportline.ImplicitTenant
	}
	a.limits.mu.Lock()
	delete(a.limits.m, id)
	a.limits.mu.Unlock()
}

// normalize trims the values and checks them, naming the first wrong one.
func (c *TenantLimitsChange) normalize() error {
	for _, f := range limitKeys(c) {
		p := *f.v
		if p == nil {
			continue
		}
		v := strings.TrimSpace(*p)
		*f.v = &v
		if v == "" {
			continue
		}
		if f.key == settingLimitAPIBurst {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 1_000_000 {
				return reportline.FieldError(f.key, v, "%s: the API burst must be a whole number of requests from 0 (twice the rate) to 1000000", f.key)
			}
			continue
		}
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(x) || x < 0 || x > 1_000_000 {
			return reportline.FieldError(f.key, v, "%s: the rate must be a number from 0 (no limit) to 1000000", f.key)
		}
		*f.v = new(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return nil
}
