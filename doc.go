// Package reportline is the vocabulary of Reportline: users, groups, manager
// links, their kinds and sources, the audit log, and the pure rules that need
// no storage (email normalisation, cycle detection, administration scope).
//
// It imports the standard library only. Every other package speaks these
// types; the application services in package app apply the rules.
package reportline
