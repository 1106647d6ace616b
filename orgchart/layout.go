// Package orgchart lays out an org chart: a pure function from a tree of
// people (the person in focus and the reports below them, with a few rows
// of managers above) to the coordinates of fixed-size cards and the lines
// between them. It knows nothing of users, links or SVG: ui draws what it
// returns (docs/orgchart.md).
//
// The layout is the classic tidy tree, simplified for org charts:
//
//   - a person's reports are laid side by side under them and the person
//     is centred over their first and last report;
//   - a person whose reports are all leaves, and at least Options.StackAt of
//     them, has them stacked in columns of at most Options.StackRows cards
//     (a wide team of individual contributors reads as a list, not as a
//     strip of hundreds of cards);
//   - rows of managers above the focus are centred over it.
//
// It is one walk to measure and one to place: linear in the people drawn.
package orgchart

// Node is one person of the tree below (and including) the focus.
// ID is the caller's: the layout never reads it.
type Node struct {
	ID       int64
	Children []*Node
}

// Options are the sizes, in the drawing's units (CSS pixels in ui).
type Options struct {
	BoxW, BoxH int // a card
	GapX       int // between cards side by side
	GapY       int // between levels
	StackAt    int // leaf-only teams at least this large are stacked; 0: never
	StackRows  int // cards per column of a stack; 0: 8
	StackGapY  int // between stacked cards; 0: GapX
	Indent     int // how far a stack is indented from its manager's left edge; 0: BoxW/4
}

// Placed is one card's place: its top-left corner.
type Placed struct {
	Node  *Node // nil for a card above the focus
	ID    int64 // Node.ID, or the id given in Input.Above
	X, Y  int
	Depth int // 0 for the focus, 1 for its reports, -1 for the first row above…
	// Parent is the index in Result.Cards of the card this one hangs from
	// (its manager below the focus, the card below it above the focus);
	// -1 for the focus.
	Parent int
	// Stacked says the card is in a stack: its line leaves the side of
	// the stack's spine, not the top of the card.
	Stacked bool
}

// Line is a connector between two cards, as a polyline of points.
type Line struct {
	From, To int // indexes in Result.Cards: the upper card, the lower card
	Points   [][2]int
}

// Result is a laid-out chart.
type Result struct {
	Width, Height int
	Cards         []Placed // the rows above (farthest first), then the tree in pre-order
	Focus         int      // index of the focus in Cards
	Lines         []Line
}

// Input is a chart to lay out.
type Input struct {
	Root *Node // the focus and the reports below
	// Above are the rows of managers above the focus, nearest first: each
	// card of Above[0] links down to the focus, each card of Above[k] to
	// the first card of Above[k-1] (the line manager whose manager it is).
	Above [][]int64
}

// measure is what the first walk finds about a subtree.
type measure struct {
	width   int
	kids    int // the children's total width with their gaps (not stacked)
	stacked bool
	cols    int
}

// walk is the state of the two walks: the measures in pre-order (the
// order both walks visit the nodes in), and the next one to read.
type walk struct {
	m    []measure
	next int
}

// Layout lays out a chart. It never fails: an empty input gives an empty
// result.
func Layout(in Input, o Options) Result {
	o = o.withDefaults()
	var r Result
	if in.Root == nil {
		return r
	}
	w := &walk{}
	treeW := o.measure(in.Root, w)
	aboveW := 0
	for _, row := range in.Above {
		aboveW = max(aboveW, rowWidth(len(row), o))
	}
	r.Width = max(treeW, aboveW)
	top := len(in.Above) * (o.BoxH + o.GapY)

	// The tree first, to know where the focus lands; the rows above are
	// then centred over it and put first in Cards.
	tree := make([]Placed, 0, len(w.m))
	o.place(in.Root, (r.Width-treeW)/2, top, 0, -1, false, w, &tree)
	focusX := tree[0].X
	var above []Placed
	for k := len(in.Above) - 1; k >= 0; k-- {
		row := in.Above[k]
		w := rowWidth(len(row), o)
		x0 := focusX + o.BoxW/2 - w/2
		x0 = min(max(x0, 0), r.Width-w)
		y := top - (k+1)*(o.BoxH+o.GapY)
		for i, id := range row {
			above = append(above, Placed{ID: id, X: x0 + i*(o.BoxW+o.GapX), Y: y, Depth: -(k + 1)})
		}
	}
	// Parents above: row k's cards hang from the first card of row k-1
	// (the next slice in Cards after its own row), row 0's from the focus.
	n := len(above)
	start := 0
	for k := len(in.Above) - 1; k >= 0; k-- {
		row := len(in.Above[k])
		for i := range row {
			if k == 0 {
				above[start+i].Parent = n // the focus, first of the tree
			} else {
				above[start+i].Parent = start + row // first card of the row below
			}
		}
		start += row
	}
	for i := range tree {
		if tree[i].Parent >= 0 {
			tree[i].Parent += n
		}
	}
	r.Cards = append(above, tree...)
	r.Focus = n
	// Every line's points in one array: a line has at most four.
	pts := make([][2]int, 0, 4*len(r.Cards))
	r.Lines = make([]Line, 0, len(r.Cards))
	for i, c := range r.Cards {
		r.Height = max(r.Height, c.Y+o.BoxH)
		if c.Parent < 0 {
			continue
		}
		var p polyline
		from, to := c.Parent, i
		if c.Depth < 0 {
			from, to, p = i, c.Parent, o.elbow(r.Cards[c.Parent], c)
		} else {
			p = o.connect(r.Cards[c.Parent], c)
		}
		start := len(pts)
		pts = append(pts, p.pts[:p.n]...)
		r.Lines = append(r.Lines, Line{From: from, To: to, Points: pts[start:len(pts):len(pts)]})
	}
	r.Width = max(r.Width, o.BoxW)
	return r
}

func (o Options) withDefaults() Options {
	if o.StackRows <= 0 {
		o.StackRows = 8
	}
	if o.StackGapY <= 0 {
		o.StackGapY = o.GapX
	}
	if o.Indent <= 0 {
		o.Indent = o.BoxW / 4
	}
	return o
}

func rowWidth(n int, o Options) int {
	if n == 0 {
		return 0
	}
	return n*o.BoxW + (n-1)*o.GapX
}

// measure computes every subtree's width, bottom up.
func (o Options) measure(n *Node, wk *walk) int {
	at := len(wk.m)
	wk.m = append(wk.m, measure{})
	me := measure{width: o.BoxW}
	if k := len(n.Children); k > 0 {
		if o.StackAt > 0 && k >= o.StackAt && allLeaves(n.Children) {
			me.stacked = true
			me.cols = (k + o.StackRows - 1) / o.StackRows
			me.width = max(o.BoxW, o.Indent+me.cols*o.BoxW+(me.cols-1)*o.GapX)
		} else {
			w := 0
			for i, c := range n.Children {
				if i > 0 {
					w += o.GapX
				}
				w += o.measure(c, wk)
			}
			me.kids = w
			me.width = max(me.width, w)
		}
	}
	wk.m[at] = me
	return me.width
}

func allLeaves(ns []*Node) bool {
	for _, n := range ns {
		if len(n.Children) > 0 {
			return false
		}
	}
	return true
}

// place puts a subtree whose measured width starts at left, and returns
// the index of its root in out.
func (o Options) place(n *Node, left, y, depth, parent int, stacked bool, wk *walk, out *[]Placed) int {
	me := wk.m[wk.next]
	wk.next++
	self := len(*out)
	*out = append(*out, Placed{Node: n, ID: n.ID, Y: y, Depth: depth, Parent: parent, Stacked: stacked})
	switch {
	case len(n.Children) == 0:
		(*out)[self].X = left + (me.width-o.BoxW)/2
	case me.stacked:
		x := left
		(*out)[self].X = x
		for i, c := range n.Children {
			col, row := i/o.StackRows, i%o.StackRows
			cx := x + o.Indent + col*(o.BoxW+o.GapX)
			cy := y + o.BoxH + o.GapY + row*(o.BoxH+o.StackGapY)
			*out = append(*out, Placed{Node: c, ID: c.ID, X: cx, Y: cy, Depth: depth + 1, Parent: self, Stacked: true})
		}
	default:
		x := left + (me.width-me.kids)/2
		var first, last int
		for i, c := range n.Children {
			cw := wk.m[wk.next].width // c's measure is the next one
			at := o.place(c, x, y+o.BoxH+o.GapY, depth+1, self, false, wk, out)
			if i == 0 {
				first = at
			}
			last = at
			x += cw + o.GapX
		}
		a, b := (*out)[first], (*out)[last]
		(*out)[self].X = (a.X + b.X) / 2
	}
	return self
}

// connect draws the line from a manager down to a report: an orthogonal
// elbow through the middle of the gap between the levels, or, in a stack,
// down the stack's spine and right into the card's side.
func (o Options) connect(up, down Placed) polyline {
	if down.Stacked {
		spine := up.X + o.Indent/2
		return polyline{pts: [4][2]int{{spine, up.Y + o.BoxH}, {spine, down.Y + o.BoxH/2}, {down.X, down.Y + o.BoxH/2}}, n: 3}
	}
	return o.elbow(down, up)
}

// polyline is a line of at most four points, kept off the heap.
type polyline struct {
	pts [4][2]int
	n   int
}

// elbow joins the top of the lower card to the bottom of the upper one.
func (o Options) elbow(lower, upper Placed) polyline {
	x1, y1 := upper.X+o.BoxW/2, upper.Y+o.BoxH
	x2, y2 := lower.X+o.BoxW/2, lower.Y
	mid := y1 + (y2-y1)/2
	if x1 == x2 {
		return polyline{pts: [4][2]int{{x1, y1}, {x2, y2}}, n: 2}
	}
	return polyline{pts: [4][2]int{{x1, y1}, {x1, mid}, {x2, mid}, {x2, y2}}, n: 4}
}
