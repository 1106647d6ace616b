package scim

import (
	"net/http"
	"strings"

	"reportline"
)

// The discovery documents of RFC 7644 §4: what this endpoint supports.

const (
	spcSchema          = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	resourceTypeSchema = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	schemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
)

type supported struct {
	Supported bool `json:"supported"`
}

type filterSupport struct {
	Supported  bool `json:"supported"`
	MaxResults int  `json:"maxResults"`
}

type bulkSupport struct {
	Supported      bool `json:"supported"`
	MaxOperations  int  `json:"maxOperations"`
	MaxPayloadSize int  `json:"maxPayloadSize"`
}

type authScheme struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Primary     bool   `json:"primary"`
}

type serviceProviderConfig struct {
	Schemas               []string      `json:"schemas"`
	DocumentationURI      string        `json:"documentationUri,omitempty"`
	Patch                 supported     `json:"patch"`
	Bulk                  bulkSupport   `json:"bulk"`
	Filter                filterSupport `json:"filter"`
	ChangePassword        supported     `json:"changePassword"`
	Sort                  supported     `json:"sort"`
	ETag                  supported     `json:"etag"`
	AuthenticationSchemes []authScheme  `json:"authenticationSchemes"`
	Meta                  Meta          `json:"meta"`
}

func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	writeJSON(w, http.StatusOK, serviceProviderConfig{
		Schemas: []string{spcSchema},
		Patch:   supported{true},
		Bulk:    bulkSupport{Supported: false},
		Filter:  filterSupport{Supported: true, MaxResults: maxResults},
		ETag:    supported{true},
		AuthenticationSchemes: []authScheme{{Type: "oauthbearertoken", Name: "Bearer token",
			Description: "A provisioning client's token, made with `reportline scim token create --name NAME`.", Primary: true}},
		Meta: Meta{ResourceType: "ServiceProviderConfig", Location: baseURL(r) + "/ServiceProviderConfig"},
	})
	return nil
}

type schemaExtension struct {
	Schema   string `json:"schema"`
	Required bool   `json:"required"`
}

type resourceTypeDoc struct {
	Schemas          []string          `json:"schemas"`
	ID               string            `json:"id"`
	Name             string            `json:"name"`
	Endpoint         string            `json:"endpoint"`
	Description      string            `json:"description"`
	Schema           string            `json:"schema"`
	SchemaExtensions []schemaExtension `json:"schemaExtensions"`
	Meta             Meta              `json:"meta"`
}

func userResourceType(base string) resourceTypeDoc {
	return resourceTypeDoc{Schemas: []string{resourceTypeSchema}, ID: "User", Name: "User", Endpoint: "/Users",
		Description: "A person of the learning platform.", Schema: UserSchema,
		SchemaExtensions: []schemaExtension{{Schema: EnterpriseSchema, Required: false}},
		Meta:             Meta{ResourceType: "ResourceType", Location: base + "/ResourceTypes/User"}}
}

func groupResourceType(base string) resourceTypeDoc {
	return resourceTypeDoc{Schemas: []string{resourceTypeSchema}, ID: "Group", Name: "Group", Endpoint: "/Groups",
		Description: "A Reportline group; its members are plain members (role member) added by the provisioning client.", Schema: GroupSchema,
		SchemaExtensions: []schemaExtension{},
		Meta:             Meta{ResourceType: "ResourceType", Location: base + "/ResourceTypes/Group"}}
}

func (s *Server) resourceTypes(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	base := baseURL(r)
	writeJSON(w, http.StatusOK, ListResponse{Schemas: []string{ListSchema}, TotalResults: 2, StartIndex: 1, ItemsPerPage: 2,
		Resources: []any{userResourceType(base), groupResourceType(base)}})
	return nil
}

func (s *Server) resourceType(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	switch {
	case strings.EqualFold(r.PathValue("id"), "User"):
		writeJSON(w, http.StatusOK, userResourceType(baseURL(r)))
	case strings.EqualFold(r.PathValue("id"), "Group"):
		writeJSON(w, http.StatusOK, groupResourceType(baseURL(r)))
	default:
		return &Error{Status: http.StatusNotFound, Detail: "no resource type " + r.PathValue("id") + "; User and Group are served"}
	}
	return nil
}

type schemaDoc struct {
	Schemas     []string    `json:"schemas"`
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Attributes  []Attribute `json:"attributes"`
	Meta        Meta        `json:"meta"`
}

func schemaDocs(base string) []schemaDoc {
	return []schemaDoc{
		{Schemas: []string{schemaSchema}, ID: UserSchema, Name: "User", Description: "User Account",
			Attributes: userAttributes, Meta: Meta{ResourceType: "Schema", Location: base + "/Schemas/" + UserSchema}},
		{Schemas: []string{schemaSchema}, ID: EnterpriseSchema, Name: "EnterpriseUser", Description: "Enterprise user",
			Attributes: enterpriseAttributes, Meta: Meta{ResourceType: "Schema", Location: base + "/Schemas/" + EnterpriseSchema}},
		{Schemas: []string{schemaSchema}, ID: GroupSchema, Name: "Group", Description: "Group",
			Attributes: groupAttributes, Meta: Meta{ResourceType: "Schema", Location: base + "/Schemas/" + GroupSchema}},
	}
}

func (s *Server) schemas(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	docs := schemaDocs(baseURL(r))
	page := ListResponse{Schemas: []string{ListSchema}, TotalResults: len(docs), StartIndex: 1, ItemsPerPage: len(docs)}
	for _, d := range docs {
		page.Resources = append(page.Resources, d)
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func (s *Server) schema(w http.ResponseWriter, r *http.Request, _ reportline.ProvisioningClient) error {
	for _, d := range schemaDocs(baseURL(r)) {
		if strings.EqualFold(d.ID, r.PathValue("id")) {
			writeJSON(w, http.StatusOK, d)
			return nil
		}
	}
	return &Error{Status: http.StatusNotFound, Detail: "no schema " + r.PathValue("id") + "; served: " + UserSchema + ", " + EnterpriseSchema + ", " + GroupSchema}
}
