package api

import (
	"net/http"
	"time"

	"reportline"
	"reportline/app"
)

// tokenRoutes are the API token lifecycle operations.
func (api *API) tokenRoutes() []route {
	return []route{
		{id: "listTokens", method: "GET", path: "/api/v1/tokens", tag: "tokens", summary: "API tokens, newest first: the caller's own; platform admins may ask for one user's or everybody's",
			query: []param{{"email", "string", "the tokens of this user (yourself, or anybody for platform admins)"},
				{"all", "boolean", "everybody's tokens (platform admins)"}},
			response: TokenList{}, status: http.StatusOK, handler: api.listTokens},
		{id: "createToken", description: "Store the secret at once: Reportline keeps only its hash.", method: "POST", path: "/api/v1/tokens", tag: "tokens", summary: "Create an API token for yourself; its secret is in this answer only",
			request: NewTokenBody{}, response: CreatedTokenBody{}, status: http.StatusCreated, handler: api.createToken},
		{id: "revokeToken", method: "DELETE", path: "/api/v1/tokens/{id}", tag: "tokens", summary: "Revoke an API token at once (your own; platform admins: anybody's)",
			status: http.StatusNoContent, handler: api.revokeToken},
	}
}

// Token is an API token as lists show it: never its secret.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	UserID     int64      `json:"user_id"`
	UserEmail  string     `json:"user_email"`
	Status     string     `json:"status" enum:"active,expired,revoked"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty" doc:"recorded at most once a minute"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty" doc:"absent for a token that does not expire"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
}

// TokenList lists tokens.
type TokenList struct {
	Tokens []Token `json:"tokens"`
}

// NewTokenBody creates a token for the caller.
type NewTokenBody struct {
	Name          string     `json:"name,omitempty" doc:"to recognise the token by (at most 100 characters); \"api\" when absent"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty" doc:"when the token stops working; absent (with expires_in_days) for no expiry"`
	ExpiresInDays int        `json:"expires_in_days,omitempty" doc:"or: the token stops working after this many days"`
}

// CreatedTokenBody is a new token with its secret, shown this once.
type CreatedTokenBody struct {
	Token
	Secret string `json:"token" doc:"the bearer token; it is shown only in this answer"`
}

func tokenOut(v app.TokenView) Token {
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	return Token{ID: v.ID, Name: v.Name, UserID: int64(v.UserID), UserEmail: v.Owner.Email, Status: string(v.Status),
		CreatedAt: v.CreatedAt, LastUsedAt: opt(v.LastUsedAt), ExpiresAt: opt(v.ExpiresAt), RevokedAt: opt(v.RevokedAt)}
}

func (api *API) listTokens(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	q := r.URL.Query()
	f := app.TokenFilter{Email: q.Get("email")}
	switch q.Get("all") {
	case "", "false":
	case "true":
		f.All = true
	default:
		return nil, reportline.FieldError("all", q.Get("all"), "all must be true or false")
	}
	ts, err := api.app.ListTokens(r.Context(), actor, f)
	if err != nil {
		return nil, err
	}
	out := TokenList{Tokens: []Token{}}
	for _, t := range ts {
		out.Tokens = append(out.Tokens, tokenOut(t))
	}
	return out, nil
}

func (api *API) createToken(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	var in NewTokenBody
	if err := decode(w, r, &in); err != nil {
		return nil, err
	}
	n := app.NewToken{Email: actor.User.Email, Name: in.Name, ExpiresIn: time.Duration(in.ExpiresInDays) * 24 * time.Hour}
	if in.ExpiresAt != nil {
		n.ExpiresAt = *in.ExpiresAt
	}
	c, err := api.app.CreateAPIToken(r.Context(), actor, n)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Cache-Control", "no-store")
	return CreatedTokenBody{Token: tokenOut(app.TokenView{APIToken: c.Token, Owner: actor.User, Status: reportline.TokenActive}), Secret: c.Secret}, nil
}

func (api *API) revokeToken(w http.ResponseWriter, r *http.Request, actor app.Actor) (any, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	if _, err := api.app.RevokeToken(r.Context(), actor, id); err != nil {
		return nil, err
	}
	return nil, nil
}
