package learning

import (
	"context"
	"log/slog"

	"reportline"
	"reportline/usecase"
)

// Tx is the storage learning records are written through: the stored
// items by LMS id, their upserts, and the users and groups they name.
type Tx interface {
	usecase.AuthorityTx

	// CoursesByLMSIDs, SessionsByLMSIDs and RecordsByLMSIDs return the
	// stored items with those LMS ids; unknown ids are absent. Courses
	// carry their groups.
	CoursesByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.Course, error)
	SessionsByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.CourseSession, error)
	RecordsByLMSIDs(ctx context.Context, ids []string) (map[string]reportline.LearningRecord, error)
	// PutCourse inserts the course, or updates the one with its LMS id,
	// replacing its groups; it sets c.ID. PutCourseSession and
	// PutLearningRecord do the same for sessions and records.
	PutCourse(ctx context.Context, c *reportline.Course) error
	PutCourseSession(ctx context.Context, s *reportline.CourseSession) error
	PutLearningRecord(ctx context.Context, r *reportline.LearningRecord) error

	UsersByEmails(ctx context.Context, emails []string) (map[string]reportline.User, error)
	UsersByExternalUIDs(ctx context.Context, uids []string) (map[string]reportline.User, error)
	UsersByIDs(ctx context.Context, ids []reportline.UserID) (map[reportline.UserID]reportline.User, error)
}

// Records is the learning records' use cases, ready for concurrent
// callers.
type Records struct {
	store usecase.Store[Tx]
	log   *slog.Logger
}

// New returns the learning records over a store, with the logger.
func New(store usecase.Store[Tx], log *slog.Logger) *Records {
	return &Records{store: store, log: log}
}
