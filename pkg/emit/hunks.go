package emit

// Hunk is one run of changed lines between two texts: lines
// [OldStart, OldEnd) of a became lines [NewStart, NewEnd) of b (0-based
// line indices; an empty side is an insertion or a deletion). Lines keep
// their terminators, as in Unified.
type Hunk struct {
	OldStart, OldEnd int
	NewStart, NewEnd int
}

// Hunks returns the runs of changed lines from a to b, in order, from the
// same line diff as Unified (without context lines).
func Hunks(a, b []byte) []Hunk {
	var out []Hunk
	oldLine, newLine := 0, 0
	open := false
	for _, op := range lineDiff(a, b) {
		if op.kind == opEqual {
			open = false
			oldLine++
			newLine++
			continue
		}
		if !open {
			out = append(out, Hunk{oldLine, oldLine, newLine, newLine})
			open = true
		}
		h := &out[len(out)-1]
		if op.kind == opDelete {
			oldLine++
			h.OldEnd = oldLine
		} else {
			newLine++
			h.NewEnd = newLine
		}
	}
	return out
}
