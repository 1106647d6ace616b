package web

import (
	"errors"
	"fmt"
	"net/http"

	"reportline"
)

// LimitBody bounds the request body to limit bytes. A body that announces
// more (Content-Length) is refused at once, before a byte of it is read: a
// client that sent "Expect: 100-continue" is then told 413 instead of being
// invited to send what will be refused. A body without a length, or one
// that lies, is cut at limit+1 bytes by http.MaxBytesReader, whose error
// BodyError turns into the same 413. what names the body in the message
// ("the body", "the file").
func LimitBody(w http.ResponseWriter, r *http.Request, limit int64, what string) error {
	if r.ContentLength > limit {
		return TooLarge(what, limit)
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	return nil
}

// TooLarge is the error of a body or file over its limit: 413, naming the
// limit.
func TooLarge(what string, limit int64) error {
	return reportline.Errorf(reportline.TooLarge, "%s is larger than the limit of %s", what, ByteSize(limit))
}

// BodyError explains why a request body could not be read: over its limit
// (413), not received in time (the server's body deadline, a
// *reportline.Error already), or cut off.
func BodyError(err error, what string) error {
	if big, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return TooLarge(what, big.Limit)
	}
	if re, ok := errors.AsType[*reportline.Error](err); ok {
		return re
	}
	return &reportline.Error{Code: reportline.Invalid, Message: what + " could not be read (the connection was interrupted)", Err: err}
}

// ByteSize writes a byte count the way people read it: 1 MiB, 200 MiB,
// 512 KiB, 300 bytes.
func ByteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d bytes", n)
}
