package ui

import (
	"slices"
	"strings"

	"reportline"
	"reportline/app"
)

// navNode is a group in the sidebar and on the groups page.
type navNode struct {
	ID           reportline.GroupID
	Name         string
	Administered bool // the viewer may list its users and change their links
	Current      bool // the page is seen from this group
	Depth        int
	Children     []*navNode
}

// buildNav arranges the groups a viewer sees as a tree sorted by name. A
// group whose parent the viewer does not see is shown as a root.
func buildNav(groups []app.GroupView, current reportline.GroupID) []*navNode {
	nodes := make(map[reportline.GroupID]*navNode, len(groups))
	for _, g := range groups {
		nodes[g.ID] = &navNode{ID: g.ID, Name: g.Name, Administered: g.Administered, Current: g.ID == current}
	}
	var roots []*navNode
	for _, g := range groups {
		n := nodes[g.ID]
		if p, ok := nodes[g.ParentID]; ok && g.ParentID != 0 && g.ParentID != g.ID {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	sortNav(roots, 0, map[*navNode]bool{})
	return roots
}

// sortNav sorts each level by name and records depths. seen guards against
// a corrupt parent chain looping.
func sortNav(nodes []*navNode, depth int, seen map[*navNode]bool) {
	slices.SortFunc(nodes, func(a, b *navNode) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	for _, n := range nodes {
		if seen[n] {
			n.Children = nil
			continue
		}
		seen[n] = true
		n.Depth = depth
		sortNav(n.Children, depth+1, seen)
	}
}

// findNav returns the node of group id, or nil.
func findNav(nodes []*navNode, id reportline.GroupID) *navNode {
	if id == 0 {
		return nil
	}
	for _, n := range nodes {
		if n.ID == id {
			return n
		}
		if f := findNav(n.Children, id); f != nil {
			return f
		}
	}
	return nil
}
