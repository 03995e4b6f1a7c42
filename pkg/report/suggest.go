package report

import (
	"bytes"
	"slices"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Suggestion replaces whole lines of the input: lines [Start, End]
// (1-based, inclusive, without the last line's line break) become Text.
// This is reviewdog's line-based suggestion, the form GitHub's "suggested
// changes" take.
type Suggestion struct {
	Start, End int
	Text       string
}

// Suggestions divides a result's change of the Dockerfile into suggestions
// that do not overlap and that, applied together to the input, give
// exactly the output; each is owned by one finding (the map is keyed by
// the index in r.Findings).
//
// A suggestion covers the changed lines of the findings it belongs to:
// a changed line is claimed by the first applied finding whose edits
// touch it, else (text an earlier rule wrote, rewritten: BuildsOn) by an
// applied finding whose lines it is on, else by the first applied finding.
// Where two findings' regions touch, they share one suggestion, owned by
// the first. A pure insertion takes the line above it (or below it, at
// the top), since a line-based suggestion replaces at least one line.
// Changes to other files (a new .dockerignore) are not suggestions.
func Suggestions(r *transform.Result) map[int]Suggestion {
	if bytes.Equal(r.Src, r.Out) || len(r.Src) == 0 {
		return nil
	}
	src, out := lineStarts(r.Src), lineStarts(r.Out)
	var regions []region
	for _, h := range emit.Hunks(r.Src, r.Out) {
		g := region{h: h, owner: -1}
		if g.h.OldStart == g.h.OldEnd || g.h.NewStart == g.h.NewEnd {
			// An insertion or a deletion: take a neighbour line, so that
			// the suggestion replaces lines by lines.
			if g.h.OldStart > 0 {
				g.h.OldStart--
				g.h.NewStart--
			} else {
				g.h.OldEnd++
				g.h.NewEnd++
			}
		}
		g.owner = claim(r, src[g.h.OldStart], src[g.h.OldEnd], g.h.OldStart+1, g.h.OldEnd)
		if g.owner < 0 {
			return nil
		}
		regions = append(regions, g)
	}
	regions = mergeRegions(regions)
	out2 := make(map[int]Suggestion, len(regions))
	for _, g := range regions {
		newEnd, ok := regionEnd(r, src, out, g.h)
		if !ok {
			return nil
		}
		out2[g.owner] = Suggestion{Start: g.h.OldStart + 1, End: g.h.OldEnd, Text: string(r.Out[out[g.h.NewStart]:newEnd])}
	}
	if got, err := ApplySuggestions(r.Src, slices.Collect(mapValues(out2))); err != nil || !bytes.Equal(got, r.Out) {
		return nil // never a suggestion that does not give dfopt fix's output
	}
	return out2
}

// regionEnd is where a region's text ends in the output: before the line
// break that ends its last line, which must be the input's; at the end of
// an input without a final line break, the output's rest.
func regionEnd(r *transform.Result, src, out []int, h emit.Hunk) (int, bool) {
	oldEnd := src[h.OldEnd] - eolLen(r.Src, src[h.OldEnd])
	newEnd := out[h.NewEnd] - eolLen(r.Out, out[h.NewEnd])
	switch {
	case oldEnd == len(r.Src) && h.NewEnd == len(out)-1:
		return len(r.Out), true
	case newEnd < out[h.NewStart]:
		return 0, false
	}
	return newEnd, bytes.Equal(r.Src[oldEnd:src[h.OldEnd]], r.Out[newEnd:out[h.NewEnd]])
}

// region is a run of changed lines and the finding that owns it.
type region struct {
	h     emit.Hunk
	owner int
}

// mergeRegions joins, in line order, the regions of one owner and the
// regions whose spans overlap, so that no two suggestions overlap and
// each finding has at most one (GitHub posts one suggestion a comment).
func mergeRegions(rs []region) []region {
	// Each owner's span first: from its first changed line to its last.
	span := map[int]int{} // owner → index in out
	var out []region
	for _, g := range rs {
		if i, ok := span[g.owner]; ok {
			out[i].h.OldEnd, out[i].h.NewEnd = g.h.OldEnd, g.h.NewEnd
			continue
		}
		span[g.owner] = len(out)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b region) int { return a.h.OldStart - b.h.OldStart })
	var merged []region
	for _, g := range out {
		if n := len(merged); n > 0 && g.h.OldStart < merged[n-1].h.OldEnd {
			m := &merged[n-1]
			if g.h.OldEnd > m.h.OldEnd {
				m.h.OldEnd, m.h.NewEnd = g.h.OldEnd, g.h.NewEnd
			}
			m.owner = min(m.owner, g.owner)
			continue
		}
		merged = append(merged, g)
	}
	return merged
}

// claim picks the finding that owns the changed input bytes [start, end)
// on lines [line, endLine]; -1 when no finding was applied.
func claim(r *transform.Result, start, end, line, endLine int) int {
	buildsOn, first := -1, -1
	for i, f := range r.Findings {
		if !f.Applied {
			continue
		}
		if first < 0 {
			first = i
		}
		for _, e := range f.Edits {
			if e.Start < end && e.End > start || e.Start == e.End && e.Start >= start && e.Start <= end {
				return i
			}
		}
		if f.BuildsOn != "" && buildsOn < 0 && f.Line <= endLine && max(f.EndLine, f.Line) >= line {
			buildsOn = i
		}
	}
	if buildsOn >= 0 {
		return buildsOn
	}
	return first
}

// ApplySuggestions applies line-based suggestions to src as reviewdog
// does: lines Start..End, without the last one's line break, are replaced
// by Text. Suggestions may not overlap.
func ApplySuggestions(src []byte, ss []Suggestion) ([]byte, error) {
	starts := lineStarts(src)
	var edits []emit.Edit
	for _, s := range ss {
		if s.Start < 1 || s.End < s.Start || s.End >= len(starts) {
			return nil, errBadSuggestion
		}
		end := starts[s.End] - eolLen(src, starts[s.End])
		edits = append(edits, emit.Edit{Start: starts[s.Start-1], End: end, New: s.Text})
	}
	return emit.Apply(src, edits)
}

type suggestionError string

func (e suggestionError) Error() string { return string(e) }

const errBadSuggestion = suggestionError("suggestion outside the file")

// lineStarts returns the offset of each line's start, then len(b): line
// i (0-based) is b[s[i]:s[i+1]], its break included.
func lineStarts(b []byte) []int {
	s := []int{0}
	for i, c := range b {
		if c == '\n' && i+1 < len(b) {
			s = append(s, i+1)
		}
	}
	return append(s, len(b))
}

// eolLen is the length of the line break that ends just before offset
// end: 2 for CRLF, 1 for LF, 0 at the end of a file without one.
func eolLen(b []byte, end int) int {
	switch {
	case end >= 2 && b[end-1] == '\n' && b[end-2] == '\r':
		return 2
	case end >= 1 && b[end-1] == '\n':
		return 1
	}
	return 0
}

func mapValues[K comparable, V any](m map[K]V) func(func(V) bool) {
	return func(yield func(V) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}
