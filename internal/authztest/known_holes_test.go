package authztest

// knownHoles are the cells of the matrix the code before issue 10's policy
// gets wrong, as "pattern|role|target" ("pattern|state" when a refused
// request changed data), the same on SQLite and PostgreSQL. A mismatch
// listed here is logged, and an error only under
// REPORTLINE_AUTHZ_EXPECT_FIXED; any other mismatch fails the test at once.
// Remove the switch and this list when the policy lands.
var knownHoles = map[string]bool{
	"DELETE /scim/v2/Users/{id}|scim|pa": true,
	"DELETE /scim/v2/Users/{id}|state":   true,
	"PATCH /scim/v2/Users/{id}|scim|pa":  true,
	"PATCH /scim/v2/Users/{id}|state":    true,
	"PUT /scim/v2/Users/{id}|scim|pa":    true,
	"PUT /scim/v2/Users/{id}|state":      true,
}
