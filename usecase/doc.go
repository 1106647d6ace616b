// Package usecase is the frame every use case runs in: who acts (Actor),
// their authority, loaded once per use case and asking the one policy
// (Authority), the record of what they changed (Record, to change_log), and
// the transactions a use case runs in (Store).
//
// The feature packages (directory, …) and package app build on it; it
// imports only the domain and the policy. Each feature declares the small
// store interface its use cases need, next to them, and receives a Store of
// that interface; package app, which knows the whole store, narrows it.
package usecase
