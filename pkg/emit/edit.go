// Package emit turns rewrites of a file into bytes: it applies byte-range
// edits to a source buffer and renders the result as a unified diff that
// git apply and patch accept.
package emit

import (
	"cmp"
	"fmt"
	"slices"
)

// Edit replaces Src[Start:End] with New. Start==End is an insertion.
type Edit struct {
	Start, End int
	New        string
	// Origins name the parts of New that were taken from elsewhere in
	// Src (an instruction moved, copied or joined): what is said later
	// about that text is said about where it came from. Apply ignores them.
	Origins []Origin
}

// Origin says that New[At:At+Len] of an edit was taken from
// Src[From:From+FromLen]: copied as it is (Len == FromLen and the bytes
// are equal) or rewritten from it.
type Origin struct {
	At, Len       int
	From, FromLen int
}

// rangeString renders the edit's range as a half-open interval, e.g. "[3,7)".
func (e Edit) rangeString() string {
	return fmt.Sprintf("[%d,%d)", e.Start, e.End)
}

// Apply applies edits to src and returns a new slice (src is never modified).
//
// Edits are sorted by (Start, End) first; the sort is stable, so insertions
// at the same offset keep their given order. Two edits overlap when one's
// range intersects the other's interior: that is an error naming both
// ranges, never a silently dropped edit. Several insertions at the same
// offset are allowed and concatenate in order; an insertion at the Start of
// a replacement goes before it; an insertion exactly at the End of a
// replacement goes after it. An insertion strictly inside a replaced range
// is an overlap error. Out-of-range or inverted edits are errors.
func Apply(src []byte, edits []Edit) ([]byte, error) {
	size := len(src)
	for i, e := range edits {
		if e.Start > e.End {
			return nil, fmt.Errorf("emit: edit %d %s is inverted (start > end)", i, e.rangeString())
		}
		if e.Start < 0 || e.End > len(src) {
			return nil, fmt.Errorf("emit: edit %d %s is out of range for a source of %d bytes", i, e.rangeString(), len(src))
		}
		size += len(e.New) - (e.End - e.Start)
	}

	// Sort a copy: the caller's slice is left untouched.
	sorted := edits
	if !slices.IsSortedFunc(edits, compareEdits) {
		sorted = slices.Clone(edits)
		slices.SortStableFunc(sorted, compareEdits)
	}

	// After sorting by (Start, End), the previous edit always has the largest
	// End seen so far once no overlap has been found, so comparing neighbours
	// is enough. An insertion (Start==End) has an empty interior, so several
	// insertions at one offset, or one at either boundary of a replacement,
	// never trip this check; an insertion strictly inside a replacement does.
	for i := 1; i < len(sorted); i++ {
		prev, cur := sorted[i-1], sorted[i]
		if cur.Start < prev.End {
			return nil, fmt.Errorf("emit: edit %s overlaps edit %s", prev.rangeString(), cur.rangeString())
		}
	}

	out := make([]byte, 0, size)
	pos := 0
	for _, e := range sorted {
		out = append(out, src[pos:e.Start]...)
		out = append(out, e.New...)
		pos = e.End
	}
	out = append(out, src[pos:]...)
	return out, nil
}

func compareEdits(x, y Edit) int {
	if c := cmp.Compare(x.Start, y.Start); c != 0 {
		return c
	}
	return cmp.Compare(x.End, y.End)
}
