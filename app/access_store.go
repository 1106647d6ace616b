package app

// accessTx is the storage the capability checks need (see access.go).
type accessTx interface{}
