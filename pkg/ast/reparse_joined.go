package ast

import (
	"bytes"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// The regions of one Reparse are parsed with one parser.Parse call: each
// call costs BuildKit a compiled pattern and a scanner buffer whatever
// the text. Their texts (as parseRegion parses them alone, without the
// margin) are read one after another, after the prefix. Why a region's
// nodes there are what its own parse would give:
//
// BuildKit's parser reads line by line; between two instructions its
// state is the escape token, the directives (ended once a line is not
// one), and the comments seen since the last node (none after a node:
// Parse clears them when it adds one). A region's own parse starts, after
// the prefix, from the file's escape token, directives ended, no
// comment. In the joined text the first region starts as its own parse
// does; the next starts after the last node of the one before, with no
// comment, the directives ended (a node was read), and the same escape
// token (checked at the end: no directive can change it once ended). So
// it reads the same lines from the same state as its own parse, as long
// as the region before ended with a node that ends on its last line: a
// node whose last line is that one did not read on into the next text
// (no continuation or heredoc ran on, which, in its own parse, the end
// of the text would have cut short). A region whose text holds no node
// (its own parse is an error, and its comments would pass to the next
// node) stops the joined parse there. Lines are numbered on from the
// texts before; each region's are moved back by their count.

// joined is one region's result from the joined parse.
type joined struct {
	state joinedState
	nodes []*parser.Node
	after int
}

type joinedState uint8

const (
	joinedUnknown joinedState = iota // parse the region on its own
	joinedOK                         // nodes and after are the region's
	joinedNoFit                      // its text alone does not end the region: parse it with the margin
)

// parseRegions parses the texts of rs, but for those taken, in one call
// and returns what it shows of each region (nil when fewer than two are
// parsed, or the call fails).
func (d *Document) parseRegions(old *Document, rs []region, taken []takenRegion, delta, lines int) []joined {
	if len(rs)-countTaken(taken) < 2 {
		return nil
	}
	texts := make([]regionText, len(rs))
	ks := make([]int, 0, len(rs))     // the regions parsed
	shifts := make([]int, 0, len(rs)) // the line shift before each
	parts := make([][]byte, 0, len(rs)+1)
	if rs[0].lo >= 0 {
		parts = append(parts, []byte(d.prefix()))
	}
	for k, r := range rs {
		if taken != nil && taken[k].ins != nil {
			delta, lines = delta+r.delta, taken[k].after
			continue
		}
		rt, ok := d.regionText(old, r, delta, lines, false)
		if !ok {
			return nil
		}
		if n := len(ks); n > 0 && !bytes.HasSuffix(d.Src[texts[ks[n-1]].start:texts[ks[n-1]].end], []byte("\n")) {
			return nil // this text would continue the last line of the one before
		}
		texts[k] = rt
		ks, shifts = append(ks, k), append(shifts, lines)
		delta, lines = delta+r.delta, rt.after
		parts = append(parts, d.Src[rt.start:rt.end])
	}
	root, esc, err := parseParts(parts...)
	if err != nil || esc != d.Escape {
		return nil
	}
	return d.splitJoined(old, rs, ks, shifts, texts, root.Children)
}

// countTaken is how many regions are taken.
func countTaken(taken []takenRegion) int {
	n := 0
	for _, t := range taken {
		if t.ins != nil {
			n++
		}
	}
	return n
}

// splitJoined gives each region parsed (ks, in order; shifts are the
// line shifts before them) the nodes of the joined parse that start in
// its text, as long as the regions before it ended on their last line.
func (d *Document) splitJoined(old *Document, rs []region, ks, shifts []int, texts []regionText, nodes []*parser.Node) []joined {
	out := make([]joined, len(rs))
	top := 0 // the joined text's lines before the region's text
	if rs[0].lo >= 0 {
		top = prefixLines
	}
	for x, k := range ks {
		r, rt, last := rs[k], texts[k], x == len(ks)-1
		bottom := top + bytes.Count(d.Src[rt.start:rt.end], []byte("\n"))
		i := 0
		for i < len(nodes) && (nodes[i].StartLine <= bottom || last) {
			i++ // the last text runs to the end, its last line perhaps without a line end
		}
		own := nodes[:i]
		nodes = nodes[i:]
		if len(own) == 0 || (!last && own[len(own)-1].EndLine != bottom) {
			return out // this region and those after it: on their own
		}
		// Line q of the joined text is line q-top of the region's text,
		// q-top+prefixLines of its own parse when that has the prefix.
		shift := rt.shift - top
		if rt.prefixed {
			shift += prefixLines
		}
		for _, nd := range own {
			nd.StartLine += shift
			nd.EndLine += shift
		}
		out[k].state = joinedNoFit
		if got, after, ok := d.regionNodes(old, r, rt, own, shifts[x], false); ok {
			out[k] = joined{state: joinedOK, nodes: got, after: after}
		}
		top = bottom
	}
	return out
}

// regionParse is the nodes of r's new text and the line shift after it,
// from the joined parse when that shows them, else from its own: the
// region's text alone when its end is sure; else with the untouched
// instruction after it (margin), which must parse as before.
func (d *Document) regionParse(old *Document, r region, j joined, delta, lines int) (nodes []*parser.Node, after int, margin, ok bool) {
	switch j.state {
	case joinedOK:
		return j.nodes, j.after, false, true
	case joinedUnknown:
		if nodes, after, ok = d.parseRegion(old, r, delta, lines, false); ok {
			return nodes, after, false, true
		}
	}
	if _, edge := r.hi(len(old.Instructions)); !edge {
		return nil, 0, false, false
	}
	nodes, after, ok = d.parseRegion(old, r, delta, lines, true)
	return nodes, after, true, ok
}
