package app

import "time"

// OccupyHashSlots takes every password-hashing slot until release is
// called, so tests can see what a sign-in does when none is free.
func (a *App) OccupyHashSlots() (release func()) {
	n := cap(a.auth.slots)
	for range n {
		a.auth.slots <- struct{}{}
	}
	return func() {
		for range n {
			<-a.auth.slots
		}
	}
}

// SetResetFloor changes the least time a reset request takes.
func (a *App) SetResetFloor(d time.Duration) { a.auth.resetFloor = d }
