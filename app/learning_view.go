package app

import (
	"time"

	"reportline"
	"reportline/learning"
)

// RecordView is one learning record as people read it: the statistics
// page, My team and the weekly digest (package learning).
type RecordView = learning.RecordView

// recordView turns a stored record into its view at instant at.
func recordView(d reportline.RecordDetail, at time.Time) RecordView { return learning.View(d, at) }

// sortRecordViews orders records by course title, then the course's own
// record before its sessions', sessions by start.
func sortRecordViews(rs []RecordView) { learning.SortViews(rs) }

// compareUsers orders people by last name, first name, email: how every
// list of people reads.
func compareUsers(a, b reportline.User) int { return reportline.CompareByName(a, b) }
