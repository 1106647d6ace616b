package reportline

import "context"

// ManagersFunc returns the line managers of each given user. It is how the
// cycle check reads the graph without knowing where it is stored.
type ManagersFunc func(ctx context.Context, users []UserID) (map[UserID][]UserID, error)

// FindCycle reports whether adding the line link manager → managee would close
// a cycle. If it would, it returns the cycle as the chain of management from
// managee back to managee: managee → … → manager → managee, where each user
// manages the next one. It returns nil when the link is safe.
//
// It walks upwards from the manager level by level (one call to managersOf
// per level), so its cost is bounded by the height of the hierarchy above the
// manager, not by the size of the organisation.
func FindCycle(ctx context.Context, manager, managee UserID, managersOf ManagersFunc) ([]UserID, error) {
	if manager == managee {
		return []UserID{managee, managee}, nil
	}
	// next[u] = the user u manages on the way down to manager; it lets us
	// rebuild the path once managee is found above manager.
	next := map[UserID]UserID{manager: 0}
	frontier := []UserID{manager}
	for len(frontier) > 0 {
		up, err := managersOf(ctx, frontier)
		if err != nil {
			return nil, err
		}
		var nextFrontier []UserID
		for _, u := range frontier {
			for _, m := range up[u] {
				if _, seen := next[m]; seen {
					continue
				}
				next[m] = u
				if m == managee {
					path := []UserID{managee}
					for v := u; v != 0; v = next[v] {
						path = append(path, v)
					}
					return append(path, managee), nil
				}
				nextFrontier = append(nextFrontier, m)
			}
		}
		frontier = nextFrontier
	}
	return nil, nil
}
