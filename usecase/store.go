package usecase

import "context"

// Store runs a use case's transactions over storage of type T, the
// interface the use case's package declares. Read transactions see a
// consistent snapshot; write transactions commit all or nothing.
type Store[T any] interface {
	Read(ctx context.Context, fn func(T) error) error
	Write(ctx context.Context, fn func(T) error) error
}
