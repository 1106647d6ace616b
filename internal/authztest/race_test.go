//go:build race

package authztest

// raceDetector is true in a -race build, which runs the model-based test's
// sequences five times slower: it then runs fewer of them.
const raceDetector = true
