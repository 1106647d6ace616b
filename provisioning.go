package reportline

import "time"

// ProvisioningClient is a SCIM client allowed to provision users through
// /scim/v2, such as Microsoft Entra ID. It authenticates with its own bearer
// token, of which only the SHA-256 hash is stored; the token works on
// /scim/v2 and nowhere else.
type ProvisioningClient struct {
	ID         int64
	Name       string // unique, chosen by the operator ("entra")
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used
}
