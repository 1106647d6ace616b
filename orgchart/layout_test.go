package orgchart

import (
	"fmt"
	"testing"
)

var small = Options{BoxW: 100, BoxH: 40, GapX: 10, GapY: 20, StackAt: 4, StackRows: 3}

// tree builds a tree from a parent list: parents[i] is the index of node
// i+1's parent (node 0 is the root).
func tree(parents ...int) *Node {
	nodes := []*Node{{ID: 0}}
	for i, p := range parents {
		n := &Node{ID: int64(i + 1)}
		nodes = append(nodes, n)
		nodes[p].Children = append(nodes[p].Children, n)
	}
	return nodes[0]
}

type pos struct{ X, Y int }

func TestLayout(t *testing.T) {
	tests := []struct {
		name  string
		in    Input
		want  map[int64]pos // cards below the focus, by id
		above []pos         // cards above, in Cards order
		w, h  int
	}{
		{name: "empty", in: Input{}, want: map[int64]pos{}},
		{name: "focus alone", in: Input{Root: tree()}, want: map[int64]pos{0: {0, 0}}, w: 100, h: 40},
		{name: "two reports: the focus centred over them", in: Input{Root: tree(0, 0)},
			want: map[int64]pos{0: {55, 0}, 1: {0, 60}, 2: {110, 60}}, w: 210, h: 100},
		{name: "an unbalanced tree: subtrees side by side, parents over their reports", in: Input{Root: tree(0, 0, 1, 1)},
			// 1 has reports 3 and 4 (width 210); 2 is a leaf (100).
			want: map[int64]pos{0: {137, 0}, 1: {55, 60}, 2: {220, 60}, 3: {0, 120}, 4: {110, 120}}, w: 320, h: 160},
		{name: "a wide team of leaves is stacked in columns of three", in: Input{Root: tree(0, 0, 0, 0)},
			want: map[int64]pos{0: {0, 0}, 1: {25, 60}, 2: {25, 110}, 3: {25, 160}, 4: {135, 60}}, w: 235, h: 200},
		{name: "one manager and a chain above, centred over the focus", in: Input{Root: tree(0, 0), Above: [][]int64{{7}, {8}}},
			want:  map[int64]pos{0: {55, 120}, 1: {0, 180}, 2: {110, 180}},
			above: []pos{{55, 0}, {55, 60}}, w: 210, h: 220},
		{name: "a row of managers wider than the tree", in: Input{Root: tree(), Above: [][]int64{{7, 8, 9}}},
			want:  map[int64]pos{0: {110, 60}},
			above: []pos{{0, 0}, {110, 0}, {220, 0}}, w: 320, h: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := Layout(tc.in, small)
			if r.Width != tc.w || r.Height != tc.h {
				t.Errorf("size = %d×%d, want %d×%d", r.Width, r.Height, tc.w, tc.h)
			}
			got := map[int64]pos{}
			var above []pos
			for _, c := range r.Cards {
				if c.Depth < 0 {
					above = append(above, pos{c.X, c.Y})
					continue
				}
				got[c.ID] = pos{c.X, c.Y}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("cards = %v, want %v", got, tc.want)
			}
			if fmt.Sprint(above) != fmt.Sprint(tc.above) {
				t.Errorf("above = %v, want %v", above, tc.above)
			}
			if tc.in.Root != nil && r.Cards[r.Focus].Node != tc.in.Root {
				t.Errorf("Focus = %d is not the root", r.Focus)
			}
		})
	}
}

// Every card but the focus has one line, which starts on its upper card's
// edge and ends on its lower card's; no card overlaps another; everything
// is inside the drawing.
func TestLayoutInvariants(t *testing.T) {
	for _, n := range []int{1, 2, 7, 50, 300, 2000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			in := Input{Root: benchTree(n), Above: [][]int64{{-1, -2}, {-3}}}
			r := Layout(in, small)
			if len(r.Cards) != n+3 || len(r.Lines) != n+2 {
				t.Fatalf("%d cards and %d lines, want %d and %d", len(r.Cards), len(r.Lines), n+3, n+2)
			}
			type cell struct{ x, y int }
			seen := map[cell]int{}
			for i, c := range r.Cards {
				if c.X < 0 || c.Y < 0 || c.X+small.BoxW > r.Width || c.Y+small.BoxH > r.Height {
					t.Fatalf("card %d at (%d,%d) is outside %d×%d", i, c.X, c.Y, r.Width, r.Height)
				}
				if j, ok := seen[cell{c.X, c.Y}]; ok {
					t.Fatalf("cards %d and %d overlap at (%d,%d)", i, j, c.X, c.Y)
				}
				seen[cell{c.X, c.Y}] = i
			}
			for _, l := range r.Lines {
				up, down := r.Cards[l.From], r.Cards[l.To]
				first, last := l.Points[0], l.Points[len(l.Points)-1]
				if first[1] != up.Y+small.BoxH {
					t.Fatalf("line %v does not leave the bottom of its upper card %+v", l.Points, up)
				}
				if last[1] != down.Y && last != [2]int{down.X, down.Y + small.BoxH/2} {
					t.Fatalf("line %v does not reach its lower card %+v", l.Points, down)
				}
			}
		})
	}
}

// benchTree is a 2,000-person-like organisation of n people: managers of
// 6 line reports down to teams of 12 individual contributors.
func benchTree(n int) *Node {
	root := &Node{ID: 0}
	queue := []*Node{root}
	next := int64(1)
	for len(queue) > 0 && next < int64(n) {
		p := queue[0]
		queue = queue[1:]
		fan := 6
		if len(queue) > 40 {
			fan = 12
		}
		for i := 0; i < fan && next < int64(n); i++ {
			c := &Node{ID: next}
			next++
			p.Children = append(p.Children, c)
			queue = append(queue, c)
		}
	}
	return root
}

var sink int

// BenchmarkLayout2000 lays out a 2,000-person subtree (docs/benchmarks.md).
func BenchmarkLayout2000(b *testing.B) {
	root := benchTree(2000)
	o := Options{BoxW: 176, BoxH: 64, GapX: 16, GapY: 40, StackAt: 6, StackRows: 8}
	b.ReportAllocs()
	for b.Loop() {
		r := Layout(Input{Root: root, Above: [][]int64{{-1}}}, o)
		sink += len(r.Cards)
	}
}

// BenchmarkWalk2000 is the floor: a plain walk over the same tree, visiting
// every person once and summing what a layout at least must touch.
func BenchmarkWalk2000(b *testing.B) {
	root := benchTree(2000)
	var walk func(*Node, int) int
	walk = func(n *Node, depth int) int {
		s := depth
		for _, c := range n.Children {
			s += walk(c, depth+1)
		}
		return s
	}
	b.ReportAllocs()
	for b.Loop() {
		sink += walk(root, 0)
	}
}
