package app

// orgTx is the storage the Assign role mode and the org structure need
// (see org.go).
type orgTx interface{}
