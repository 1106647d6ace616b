package api

import (
	"encoding/json"
	"time"
)

// The wire types of the OpenID AuthZEN Authorization API 1.0 (see
// authzen.go). Field names are the specification's.

// AZEntity is a Subject or a Resource: {"type": "user", "id": "42"}.
type AZEntity struct {
	Type       string         `json:"type"`
	ID         string         `json:"id,omitempty" doc:"a user: the internal id (\"42\"), \"uid:\" and the external uid, or the email address (\"email:\" optional)"`
	Properties map[string]any `json:"properties,omitempty"`
}

// AZAction is the Action: {"name": "view_reports"}, a capability name.
type AZAction struct {
	Name       string         `json:"name" enum:"manager_star,manage_tasks,view_reports,appoint_assessments,appoint_checklists,see_mbo_goals,contacts,receive_messages,birthdays"`
	Properties map[string]any `json:"properties,omitempty"`
}

// AZEvaluationRequest is an Access Evaluation request: may the subject do
// the action about the resource. context.time (RFC 3339) asks about
// another instant than now.
type AZEvaluationRequest struct {
	Subject  *AZEntity      `json:"subject,omitempty"`
	Action   *AZAction      `json:"action,omitempty"`
	Resource *AZEntity      `json:"resource,omitempty"`
	Context  map[string]any `json:"context,omitempty"`
}

// AZEvaluationsRequest is an Access Evaluations request: the top-level
// subject, action, resource and context are defaults for the evaluations
// that lack them.
type AZEvaluationsRequest struct {
	Subject     *AZEntity             `json:"subject,omitempty"`
	Action      *AZAction             `json:"action,omitempty"`
	Resource    *AZEntity             `json:"resource,omitempty"`
	Context     map[string]any        `json:"context,omitempty"`
	Evaluations []AZEvaluationRequest `json:"evaluations,omitempty"`
	Options     map[string]any        `json:"options,omitempty" doc:"evaluations_semantic: execute_all (default), deny_on_first_deny or permit_on_first_permit"`
}

// AZDecision is an Access Evaluation response.
type AZDecision struct {
	Decision bool               `json:"decision"`
	Context  *AZDecisionContext `json:"context,omitempty"`
}

// AZDecisionContext says why: a reason object (id, reason_admin,
// reason_user) and, when allowed, what grants the access.
type AZDecisionContext struct {
	ID          string    `json:"id" doc:"what grants the access (link, chain, platform_admin, group_admin, self) or why not (not_linked, not_in_effect, kind_not_granted, …)"`
	ReasonAdmin *AZReason `json:"reason_admin,omitempty"`
	ReasonUser  *AZReason `json:"reason_user,omitempty"`
	Grant       *AZGrant  `json:"grant,omitempty"`
	Error       *AZError  `json:"error,omitempty"`
}

// AZReason is a reason keyed by language, as the specification's examples
// write it ({"en": "…"}). The decision point answers in English; a struct
// rather than a map, since a decision is answered thousands of times a
// second and a map costs allocations to build and to encode.
type AZReason struct {
	EN string `json:"en"`
}

// AZGrant is what grants an allowed access: the link (manager, managee,
// kind, source, dates), the chain of users for a transitive grant, or the
// administrated group.
type AZGrant struct {
	By         string     `json:"by" enum:"link,chain,platform_admin,group_admin,self"`
	Manager    string     `json:"manager,omitempty"`
	Managee    string     `json:"managee,omitempty"`
	Kind       string     `json:"kind,omitempty"`
	Source     string     `json:"source,omitempty"`
	ValidFrom  *time.Time `json:"valid_from,omitempty"`
	ValidUntil *time.Time `json:"valid_until,omitempty"`
	Chain      []string   `json:"chain,omitempty" doc:"user ids from the subject down to the resource, each managing the next"`
	Group      string     `json:"group,omitempty"`
}

// AZError is an error about one evaluation of a batch.
type AZError struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
}

// AZEvaluationsResponse is an Access Evaluations response, in the order of
// the request (cut after the deciding one by the short-circuit semantics).
type AZEvaluationsResponse struct {
	Evaluations []AZDecision `json:"evaluations"`
}

// AZSearchRequest is a Subject, Resource or Action Search request. The
// searched side gives its type only.
type AZSearchRequest struct {
	Subject  *AZEntity      `json:"subject,omitempty"`
	Action   *AZAction      `json:"action,omitempty"`
	Resource *AZEntity      `json:"resource,omitempty"`
	Context  map[string]any `json:"context,omitempty"`
	Page     *AZPageRequest `json:"page,omitempty"`
}

// AZPageRequest asks for a page: the token of the previous response's
// next_token, and at most limit results.
type AZPageRequest struct {
	Token      string          `json:"token,omitempty"`
	NextToken  string          `json:"next_token,omitempty" doc:"the drafts' name of token, accepted too"`
	Limit      *int            `json:"limit,omitempty" doc:"100 by default, at most 500"`
	Properties json.RawMessage `json:"properties,omitempty"`
}

// AZSearchResponse is a page of a Subject or Resource Search.
type AZSearchResponse struct {
	Results []AZEntity     `json:"results"`
	Page    AZPageResponse `json:"page"`
}

// AZPageResponse says whether more pages follow: next_token is "" on the
// last page.
type AZPageResponse struct {
	NextToken string `json:"next_token"`
	Count     int    `json:"count"`
	Total     int    `json:"total"`
}

// AZActionSearchResponse lists the actions allowed.
type AZActionSearchResponse struct {
	Results []AZAction     `json:"results"`
	Page    AZPageResponse `json:"page"`
}

// AZMetadata is the decision point's metadata, served at
// /.well-known/authzen-configuration.
type AZMetadata struct {
	PolicyDecisionPoint       string `json:"policy_decision_point"`
	AccessEvaluationEndpoint  string `json:"access_evaluation_endpoint"`
	AccessEvaluationsEndpoint string `json:"access_evaluations_endpoint"`
	SearchSubjectEndpoint     string `json:"search_subject_endpoint"`
	SearchResourceEndpoint    string `json:"search_resource_endpoint"`
	SearchActionEndpoint      string `json:"search_action_endpoint"`
}
