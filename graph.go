package reportline

// Edge is a directed edge of the link graph, from manager to managee.
type Edge struct {
	From, To UserID
}

// CycleGroups returns the groups of users that lie on a cycle of the
// directed graph: its strongly connected components with more than one
// user. The graph of line links must have none. It runs in time linear in
// the number of edges, with an explicit stack (Tarjan's algorithm), so a
// million links neither take long nor overflow the goroutine stack.
func CycleGroups(edges []Edge) [][]UserID {
	// Dense indices and a compressed adjacency list keep memory to a few
	// slices of int32 however many edges there are.
	index := make(map[UserID]int32, len(edges))
	var ids []UserID
	node := func(u UserID) int32 {
		if i, ok := index[u]; ok {
			return i
		}
		i := int32(len(ids))
		index[u] = i
		ids = append(ids, u)
		return i
	}
	from := make([]int32, len(edges))
	to := make([]int32, len(edges))
	for i, e := range edges {
		from[i], to[i] = node(e.From), node(e.To)
	}
	n := len(ids)
	start := make([]int32, n+1)
	for _, f := range from {
		start[f+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	adj := make([]int32, len(edges))
	fill := append([]int32(nil), start[:n]...)
	for i, f := range from {
		adj[fill[f]] = to[i]
		fill[f]++
	}

	const unvisited = -1
	order := make([]int32, n) // discovery index
	low := make([]int32, n)
	onStack := make([]bool, n)
	for i := range order {
		order[i] = unvisited
	}
	var stack []int32 // Tarjan's stack of visited nodes
	type frame struct{ v, next int32 }
	var calls []frame // the explicit call stack
	var counter int32
	var out [][]UserID
	for root := range int32(n) {
		if order[root] != unvisited {
			continue
		}
		calls = append(calls, frame{root, start[root]})
		order[root], low[root] = counter, counter
		counter++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			if f.next < start[v+1] {
				w := adj[f.next]
				f.next++
				if order[w] == unvisited {
					order[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{w, start[w]})
				} else if onStack[w] {
					low[v] = min(low[v], order[w])
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] == order[v] {
				var group []UserID
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					group = append(group, ids[w])
					if w == v {
						break
					}
				}
				if len(group) > 1 {
					out = append(out, group)
				}
			}
		}
	}
	return out
}

// CycleThrough returns one cycle of the graph that goes through edge e,
// as the chain of users e.From → e.To → … → e.From, or nil if there is none.
// It searches breadth-first from e.To back to e.From, so the cycle named is
// a shortest one.
func CycleThrough(edges []Edge, e Edge) []UserID {
	next := map[UserID][]UserID{}
	for _, x := range edges {
		next[x.From] = append(next[x.From], x.To)
	}
	prev := map[UserID]UserID{e.To: e.From}
	queue := []UserID{e.To}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		if u == e.From {
			var path []UserID
			for v := e.From; ; v = prev[v] {
				path = append(path, v)
				if v == e.To {
					break
				}
			}
			// path runs e.From ← … ← e.To; reverse it and close the loop.
			for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
				path[i], path[j] = path[j], path[i]
			}
			return append([]UserID{e.From}, path...)
		}
		for _, w := range next[u] {
			if _, seen := prev[w]; !seen {
				prev[w] = u
				queue = append(queue, w)
			}
		}
	}
	return nil
}
