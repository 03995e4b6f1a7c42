package transform

import (
	"sort"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// editIndex is a set of edits sorted by Start with where each one's new
// text begins in the text after them, so that an offset maps across the
// edits in O(log n): the chain maps every RUN and finding of a file that
// may have thousands of edits.
type editIndex struct {
	edits    []emit.Edit
	newStart []int // edits[i]'s new text begins at newStart[i] in the text after
	delta    []int // delta[i]: the length change of edits[:i]
	linear   bool  // edits overlap: scan, as the functions the index stands for
}

func newEditIndex(edits []emit.Edit) *editIndex {
	x := &editIndex{edits: sortedEdits(edits), newStart: make([]int, len(edits)), delta: make([]int, len(edits)+1)}
	for i, e := range x.edits {
		x.newStart[i] = e.Start + x.delta[i]
		x.delta[i+1] = x.delta[i] + len(e.New) - (e.End - e.Start)
		x.linear = x.linear || (i > 0 && e.Start < x.edits[i-1].End)
	}
	return x
}

// ApplyEdits is ast.Parse of d's text with edits applied (in d's
// offsets, not overlapping), by ast.Reparse: only the instructions the
// edits touch are parsed again, and the others keep their shell analysis.
func ApplyEdits(d *ast.Document, edits []emit.Edit) (*ast.Document, error) {
	out, err := emit.Apply(d.Src, edits)
	if err != nil {
		return nil, err
	}
	return ast.Reparse(d, out, newEditIndex(edits).changes())
}

// changes are the edits as ast.Reparse reads them.
func (x *editIndex) changes() []ast.Change {
	out := make([]ast.Change, len(x.edits))
	for i, e := range x.edits {
		out[i] = ast.Change{Start: e.Start, End: e.End, Len: len(e.New)}
	}
	return out
}

// prefix is the number of edits whose new text begins at or before off:
// the ones a scan in order passes.
func (x *editIndex) prefix(off int) int {
	return sort.Search(len(x.edits), func(i int) bool { return x.newStart[i] > off })
}

// at is editAt: the edit whose new text holds off, and off's position in
// it. Of the edits a scan passes, only the last can hold off: the new
// texts follow one another.
func (x *editIndex) at(off int) (*emit.Edit, int) {
	if x.linear {
		return editAt(x.edits, off)
	}
	if k := x.prefix(off); k > 0 && off < x.newStart[k-1]+len(x.edits[k-1].New) {
		return &x.edits[k-1], off - x.newStart[k-1]
	}
	return nil, 0
}

// back is shiftBack: an offset of text the edits left alone, in the text
// before them.
func (x *editIndex) back(off int) int {
	if x.linear {
		return shiftBack(x.edits, off)
	}
	return off - x.delta[x.prefix(off)]
}

// mapOffset maps an offset in the text after the edits to the text
// before them; an offset inside inserted text maps to where the
// insertion happened, and inserted says so.
func (x *editIndex) mapOffset(off int) (orig int, inserted bool) {
	if e, _ := x.at(off); e != nil {
		return e.Start, true
	}
	return x.back(off), false
}

// removes reports whether an edit replaces or deletes the byte at off, an
// offset of the text before the edits: of the edits that change text,
// only the last to start at or before off can hold it.
func (x *editIndex) removes(off int) bool {
	if x.linear {
		for _, e := range x.edits {
			if e.Start <= off && off < e.End {
				return true
			}
		}
		return false
	}
	k := sort.Search(len(x.edits), func(i int) bool { return x.edits[i].Start > off })
	for j := k - 1; j >= 0; j-- {
		if e := x.edits[j]; e.Start < e.End {
			return off < e.End
		}
	}
	return false
}

// firstEnding is the index of the first edit that may reach off: every
// edit before it ends before off (edits scanned from there in order meet
// all that do).
func (x *editIndex) firstEnding(off int) int {
	if x.linear {
		return 0
	}
	return sort.Search(len(x.edits), func(i int) bool { return x.edits[i].End >= off })
}
