// Package authztest holds the independent proofs that authorization is
// closed (issue 10): a walk of every HTTP route the server registers, a
// hand-written matrix of the expected decision for every route × role ×
// target run over a real listener on both engines, focused reproductions
// of the known holes, and a model-based test of scope changes.
//
// The package has no code of its own besides this comment: everything is in
// its _test.go files. Its expectations are written by hand, never derived
// from the policy code, so that the tests can fail when the policy is wrong.
//
// Each hole issue 10 found was first reproduced here against the code of
// the time (where it failed), then closed by the policy package; the tests
// keep it closed.
package authztest
