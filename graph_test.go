package reportline

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

func TestCycleGroups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edges []Edge
		want  string
	}{
		{"empty", nil, "[]"},
		{"tree", []Edge{{1, 2}, {1, 3}, {2, 4}}, "[]"},
		{"dag with shared managers", []Edge{{1, 2}, {1, 3}, {2, 4}, {3, 4}, {1, 4}}, "[]"},
		{"two-cycle", []Edge{{1, 2}, {2, 1}, {2, 3}}, "[[1 2]]"},
		{"two separate cycles", []Edge{{1, 2}, {2, 3}, {3, 1}, {7, 8}, {8, 7}, {3, 7}}, "[[1 2 3] [7 8]]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := CycleGroups(tc.edges)
			for _, g := range got {
				slices.Sort(g)
			}
			slices.SortFunc(got, func(a, b []UserID) int { return int(a[0] - b[0]) })
			if fmt.Sprint(got) != tc.want && !(tc.want == "[]" && len(got) == 0) {
				t.Errorf("CycleGroups = %v, want %s", got, tc.want)
			}
		})
	}
}

// TestCycleGroupsDeepChain checks that a long chain needs no deep recursion.
func TestCycleGroupsDeepChain(t *testing.T) {
	t.Parallel()
	var edges []Edge
	const n = 200_000
	for i := UserID(1); i < n; i++ {
		edges = append(edges, Edge{i, i + 1})
	}
	if got := CycleGroups(edges); len(got) != 0 {
		t.Fatalf("chain reported cycles: %d", len(got))
	}
	edges = append(edges, Edge{n, 1})
	if got := CycleGroups(edges); len(got) != 1 || len(got[0]) != n {
		t.Fatalf("closed chain: %d groups", len(got))
	}
}

func TestCycleThrough(t *testing.T) {
	t.Parallel()
	edges := []Edge{{1, 2}, {2, 3}, {3, 1}, {3, 4}, {2, 5}, {5, 1}}
	if got := CycleThrough(edges, Edge{1, 2}); fmt.Sprint(got) != "[1 2 3 1]" && fmt.Sprint(got) != "[1 2 5 1]" {
		t.Errorf("CycleThrough = %v", got)
	}
	if got := CycleThrough(edges, Edge{3, 4}); got != nil {
		t.Errorf("edge off any cycle: %v", got)
	}
}

func TestFindCycle(t *testing.T) {
	t.Parallel()
	// a → b → c (a manages b, b manages c)
	up := map[UserID][]UserID{2: {1}, 3: {2}}
	managers := func(_ context.Context, us []UserID) (map[UserID][]UserID, error) {
		out := map[UserID][]UserID{}
		for _, u := range us {
			out[u] = up[u]
		}
		return out, nil
	}
	tests := []struct {
		manager, managee UserID
		want             string
	}{
		{3, 1, "[1 2 3 1]"}, // c would manage a: a → b → c → a
		{2, 1, "[1 2 1]"},
		{1, 3, "[]"}, // a second path down is no cycle
		{4, 1, "[]"},
		{1, 1, "[1 1]"},
	}
	for _, tc := range tests {
		got, err := FindCycle(context.Background(), tc.manager, tc.managee, managers)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != tc.want && !(tc.want == "[]" && got == nil) {
			t.Errorf("FindCycle(%d → %d) = %v, want %s", tc.manager, tc.managee, got, tc.want)
		}
	}
}
