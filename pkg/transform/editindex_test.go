package transform

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/stretchr/testify/require"
)

// TestEditIndex: the index answers as the scans in order it stands for,
// for every offset, on random sets of edits (insertions, deletions,
// replacements, several at one offset, and overlapping ones).
func TestEditIndex(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for round := 0; round < 300; round++ {
		var edits []emit.Edit
		at := 0
		for range r.Intn(8) {
			at += r.Intn(5)
			end := at + r.Intn(4)
			if r.Intn(4) == 0 {
				end = at
			}
			edits = append(edits, emit.Edit{Start: at, End: end, New: strings.Repeat("x", r.Intn(4))})
			if r.Intn(5) > 0 {
				at = end // else the next may overlap this one
			}
		}
		r.Shuffle(len(edits), func(i, j int) { edits[i], edits[j] = edits[j], edits[i] })
		x := newEditIndex(edits)
		for off := 0; off < at+20; off++ {
			e1, q1 := x.at(off)
			e2, q2 := editAt(x.edits, off)
			require.Equal(t, e2, e1, "at(%d) of %v", off, x.edits)
			require.Equal(t, q2, q1)
			require.Equal(t, shiftBack(x.edits, off), x.back(off), "back(%d) of %v", off, x.edits)
			removed := false
			for _, e := range x.edits {
				removed = removed || (e.Start <= off && off < e.End)
			}
			require.Equal(t, removed, x.removes(off), "removes(%d) of %v", off, x.edits)
			var reach, from []emit.Edit
			for _, e := range x.edits {
				if e.End >= off {
					reach = append(reach, e)
				}
			}
			for _, e := range x.edits[x.firstEnding(off):] {
				if e.End >= off {
					from = append(from, e)
				}
			}
			require.Equal(t, reach, from, "firstEnding(%d) of %v", off, x.edits)
		}
	}
}
