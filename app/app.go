// Package app holds Reportline's use cases. Every rule about who may do what,
// what is valid and what is audited lives here once; the web UI, the REST API
// and the CLI only translate their input into these calls.
//
// The package declares the storage it needs (Store, Tx) and reaches the
// concrete store through them, so it imports nothing but the domain package.
package app

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"reportline"
	"reportline/bulkimport"
	"reportline/digest"
	"reportline/directory"
	"reportline/learning"
	"reportline/notify"
	"reportline/outbox"
	"reportline/provisioning"
	"reportline/secret"
	"reportline/usecase"
	"reportline/webhook"
)

// Store runs transactions. Read transactions see a consistent snapshot;
// write transactions commit all or nothing.
type Store interface {
	Read(ctx context.Context, fn func(Tx) error) error
	Write(ctx context.Context, fn func(Tx) error) error
	Ping(ctx context.Context) error
}

// Tx is what a transaction can do: the union of the named interfaces the
// feature packages and app's own use cases declare (store_tx.go and each
// feature's *_store.go), which the store implements. Use cases take the
// narrowest of them; only the wiring (New, Adapt, narrow, the transaction
// runners) holds the whole union (TestStoreWidth). Its contract is the
// store conformance suite (store/storetest): NotFound errors for missing
// rows, Conflict for duplicates, maps that omit unknown keys.
type Tx interface {
	accessTx
	authTx
	orgTx
	outboxTx
	directory.Tx
	bulkimport.Tx
	learningTx
	digestTx
	provisioning.Tx
	provisioning.ClientTx
	ssoTx
	notifyTx
	webhook.Tx
	eraseTx
	absenceTx
	secretsTx
	secretsListTx
	planTx
	operatorLogTx

	usersTx
	groupsTx
	linksTx
	linkHistoryTx
	auditTx
	scimGroupTx
	credentialTx
	sessionTx
}

// Adapt turns a concrete store whose transactions have type T into a Store.
// It lets the store package stay ignorant of this one:
//
//	app.Adapt(db.Read, db.Write, db.Ping)
//
// An optional fourth function runs reads without a transaction (the
// store's ReadOnce); the access checks use it when their index is current.
func Adapt[T Tx](read, write func(context.Context, func(T) error) error, ping func(context.Context) error,
	once ...func(context.Context, func(T) error) error) Store {
	a := adapted[T]{read: read, write: write, ping: ping}
	if len(once) > 0 {
		a.once = once[0]
	}
	return a
}

type adapted[T Tx] struct {
	read, write, once func(context.Context, func(T) error) error
	ping              func(context.Context) error
}

// readOnce runs fn without a transaction when the store can, else in a
// read transaction.
func (a adapted[T]) ReadOnce(ctx context.Context, fn func(Tx) error) error {
	if a.once == nil {
		return a.read(ctx, func(tx T) error { return fn(tx) })
	}
	return a.once(ctx, func(tx T) error { return fn(tx) })
}

func (a adapted[T]) Read(ctx context.Context, fn func(Tx) error) error {
	return a.read(ctx, func(tx T) error { return fn(tx) })
}

func (a adapted[T]) Write(ctx context.Context, fn func(Tx) error) error {
	return a.write(ctx, func(tx T) error { return fn(tx) })
}

func (a adapted[T]) Ping(ctx context.Context) error { return a.ping(ctx) }

// narrowed is the store as a feature package sees it: the same
// transactions, typed as the small interface the feature declares.
type narrowed[T any] struct {
	store Store
	as    func(Tx) T
}

// narrow gives a feature package the store typed as its own interface.
func narrow[T any](store Store, as func(Tx) T) usecase.Store[T] {
	return narrowed[T]{store, as}
}

func (n narrowed[T]) Read(ctx context.Context, fn func(T) error) error {
	return n.store.Read(ctx, func(tx Tx) error { return fn(n.as(tx)) })
}

// ReadOnce runs fn without a transaction when the store can (readOnce):
// one statement, one round trip.
func (n narrowed[T]) ReadOnce(ctx context.Context, fn func(T) error) error {
	return readOnce(n.store, ctx, func(tx Tx) error { return fn(n.as(tx)) })
}

func (n narrowed[T]) Write(ctx context.Context, fn func(T) error) error {
	return n.store.Write(ctx, func(tx Tx) error { return fn(n.as(tx)) })
}

// Config holds what the services need besides the store.
type Config struct {
	Now            func() time.Time // the clock; time.Now when nil
	Logger         *slog.Logger     // slog.Default() when nil
	SessionTTL     time.Duration    // 12h when zero
	PasswordParams PasswordParams   // DefaultPasswordParams when zero
	// PublicURL is the address people reach Reportline at
	// (REPORTLINE_PUBLIC_URL), e.g. https://reportline.example.com: emails
	// link to pages under it. Empty: emails carry no links and say where to
	// find things instead.
	PublicURL string
	// Brand is how emails present the product (name, accent colour, logo);
	// the zero value is Reportline's own.
	Brand MailBrand
	// DefaultLocale is the language of the emails to people whose profile
	// names none (REPORTLINE_DEFAULT_LOCALE: "fr", "fr-CA"…; the closest
	// language with a catalogue). Empty: English.
	DefaultLocale string
	// MaxConcurrentHashes bounds the password hashes computed at once
	// (each argon2id check holds its memory, 19 MiB by default); 0 means
	// the number of CPUs, between 2 and 4.
	MaxConcurrentHashes int
	// SSOOnly makes single sign-on the only way in: passwords are refused
	// (and password resets not sent) for everyone but BreakGlassEmail.
	SSOOnly bool
	// WebhookAllowPrivate lets webhook URLs name loopback, private and
	// link-local addresses (REPORTLINE_WEBHOOK_ALLOW_PRIVATE).
	WebhookAllowPrivate bool
	// BreakGlassEmail is the platform admin who may still sign in with a
	// password in SSO-only mode, to recover when the identity provider is
	// down.
	BreakGlassEmail string
	// HashWait is how long a sign-in waits for a free hashing slot before
	// it is refused as busy (429); 3 s when zero.
	HashWait time.Duration
	// Directory is what directories may not change (directory_guard.go).
	Directory directory.Guard
	// UnsubscribeKey signs unsubscribe links (REPORTLINE_UNSUBSCRIBE_KEY);
	// empty: a key generated on first start and kept in the database.
	UnsubscribeKey []byte
	// Recorder counts runs, imports and syncs for /metrics; none when nil.
	Recorder Recorder
	// Tenants lists the installation's tenants (the store's Tenants):
	// background work runs in each active one (tenants.go). Nil: the
	// implicit tenant alone.
	Tenants func(context.Context) ([]reportline.Tenant, error)
	// GraphVersions reads the reporting graph's version of each of the
	// tenants named, in one statement across tenants (the store's
	// DB.GraphVersions): the decision index's one follower per App reads
	// every tenant it follows with it (graph_index.go). Nil: one follower
	// per tenant, each reading its tenant's version.
	GraphVersions func(context.Context, []reportline.TenantID) (map[reportline.TenantID]int64, error)
	// ListenGraph opens a connection on which the database announces each
	// tenant's new graph versions (the store's DB.ListenGraph; PostgreSQL).
	// With it (and GraphVersions) the one follower learns of changes from
	// the announcements and confirms every followed tenant with one round
	// trip, reading graph_version only to start from and while the
	// connection is down (graph_listen.go). Nil: it reads GraphVersions
	// every followEvery.
	ListenGraph func(context.Context) (GraphListener, error)
	// Tenant is the tenant a context that names none acts in when the
	// store is bound to another than the implicit one (the CLI's --tenant,
	// a Citus test's own tenant): the decision index is keyed by it, so
	// that its follower's reads by tenant id read the tenant the store
	// serves. Zero: the implicit tenant.
	Tenant reportline.TenantID
	// Secrets seals the secrets tenants configure (REPORTLINE_SECRET_KEY,
	// package secret). Nil or without a key: storing one is refused.
	Secrets *secret.Keyring
	// Connectors reach the directories and mail relays tenants configure
	// (directory_schedule.go); cmd/reportline supplies them.
	Connectors Connectors
	// TenantLimits are the operator's default rate limits of every tenant
	// (REPORTLINE_TENANT_API_RATE, _API_BURST, _MAIL_PER_MINUTE), which a
	// tenant's own limits replace (tenant_limits.go); zero: no limit.
	TenantLimits TenantLimits
}

// App is the set of use cases, ready to serve concurrent callers. The
// feature packages' services are embedded, so their use cases are App's.
type App struct {
	*directory.Syncer
	*bulkimport.Importer
	*provisioning.Provisioner
	*outbox.Outbox
	*learning.Records

	store     Store
	now       func() time.Time
	log       *slog.Logger
	ttl       time.Duration
	pw        PasswordParams
	public    string    // Config.PublicURL without its trailing slash
	brand     MailBrand // Config.Brand
	locale    string    // Config.DefaultLocale
	auth      authState
	ssoOnly   bool         // Config.SSOOnly
	hookLAN   bool         // Config.WebhookAllowPrivate
	glass     string       // Config.BreakGlassEmail, normalised
	ix        *graphIndex  // the reporting graph in memory (graph_index.go)
	tokens    *tokenCache  // authenticated API tokens (token_cache.go)
	touches   tokenTouches // API token uses not yet written (token_touch.go)
	unsub     unsubKey
	rec       Recorder
	tenants   *tenantList       // Config.Tenants (tenants.go)
	digests   *digest.Notifier  // the weekly digest and birthdays (digest.go)
	events    *notify.Events    // the notifications of link events (notifications.go)
	catalogue *notify.Catalogue // the notifications' catalogue and delivery log
	brands    brandCache        // each tenant's branding (tenant_settings.go)
	secrets   *secret.Keyring
	connect   Connectors // Config.Connectors

	limits        limitsCache  // each tenant's rate limits (tenant_limits.go)
	limitsDefault TenantLimits // Config.TenantLimits
}

// New returns the application services over a store.
func New(store Store, cfg Config) *App {
	store, events := withEvents(store) // change events out (webhooks.go)
	ix, tokens := &graphIndex{versions: cfg.GraphVersions, listen: cfg.ListenGraph, tenant: cfg.Tenant, kick: make(chan struct{}, 1)}, &tokenCache{}
	a := &App{ix: ix, tokens: tokens, now: cfg.Now, log: cfg.Logger, ttl: cfg.SessionTTL, pw: cfg.PasswordParams,
		public: strings.TrimRight(cfg.PublicURL, "/"), brand: cfg.Brand, locale: strings.TrimSpace(cfg.DefaultLocale), secrets: cfg.Secrets, connect: cfg.Connectors}
	a.store = indexedStore{store, a, tokens}
	if a.rec = cfg.Recorder; a.rec == nil {
		a.rec = noRecorder{}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.ttl == 0 {
		a.ttl = 12 * time.Hour
	}
	if a.pw == (PasswordParams{}) {
		a.pw = DefaultPasswordParams
	}
	a.Syncer = directory.New(narrow(a.store, func(tx Tx) directory.Tx { return tx }), a.now, a.log, a.rec, cfg.Directory)
	a.Importer = bulkimport.New(narrow(a.store, func(tx Tx) bulkimport.Tx { return tx }), a.now, a.log, a.rec, a.Syncer)
	a.Provisioner = provisioning.New(narrow(a.store, func(tx Tx) provisioning.Tx { return tx }),
		narrow(a.store, func(tx Tx) provisioning.ClientTx { return tx }), a.now, a.log, cfg.Directory, a.Syncer)
	a.Outbox = outbox.New(narrow(a.store, func(tx Tx) outbox.Tx { return tx }), a.now, a.log, a.UnsubscribeURL)
	a.Outbox.SetMailRate(a.TenantMailPerMinute)
	a.limitsDefault = cfg.TenantLimits
	a.tenants = &tenantList{list: cfg.Tenants}
	if cfg.Tenants != nil {
		a.Outbox.SetTenants(a.tenantIDs)
	}
	a.digests = a.newNotifier()
	a.events, a.catalogue = a.newEvents(), a.newCatalogue()
	a.Records = learning.New(narrow(a.store, func(tx Tx) learning.Tx { return tx }), a.log)
	a.auth = newAuthState(cfg)
	a.hookLAN, events.a = cfg.WebhookAllowPrivate, a
	a.ssoOnly, a.glass = cfg.SSOOnly, strings.ToLower(strings.TrimSpace(cfg.BreakGlassEmail))
	if len(cfg.UnsubscribeKey) > 0 {
		a.unsub.key = cfg.UnsubscribeKey
	}
	return a
}

// Ping reports whether the store answers.
func (a *App) Ping(ctx context.Context) error { return a.store.Ping(ctx) }

// Actor is who is calling, and through which way in (package usecase).
type Actor = usecase.Actor

// SCIMActor is a provisioning client acting through /scim/v2.
func SCIMActor() Actor { return usecase.SCIMActor() }

// SystemActor is the service acting on its own behalf.
func SystemActor(source reportline.Source) Actor { return usecase.SystemActor(source) }

// OperatorActor is the system acting for the operator who runs a command
// (the CLI without --as), recorded as "system (os user NAME)".
func OperatorActor(source reportline.Source, osUser string) Actor {
	return usecase.OperatorActor(source, osUser)
}

// UserActor is a signed-in user acting through a way in.
func UserActor(u reportline.User, source reportline.Source) Actor {
	return usecase.UserActor(u, source)
}
