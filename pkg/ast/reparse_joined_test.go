package ast

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReparseJoined: edits in several places are parsed in one call, and
// each region comes out as its own parse (and Parse) would make it; a
// region whose text does not end on a node of its own (a continuation or
// heredoc that runs on, a text left with no instruction) leaves it and
// the regions after it to their own parse.
func TestReparseJoined(t *testing.T) {
	const base = "FROM alpine AS build\nRUN a\n# about b\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\nRUN g\n"
	cases := []struct {
		name  string
		src   string
		edits []edit
		shown []joinedState
	}{
		{"two RUNs", base, []edit{{0, "RUN b", "RUN b2"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedOK, joinedOK}},
		{"three", base, []edit{{0, "RUN a", "RUN a2"}, {0, "RUN d", "RUN d \\\n  d2"}, {0, "RUN g", "RUN <<X\nhi\nX"}}, []joinedState{joinedOK, joinedOK, joinedOK}},
		{"the top and a RUN", base, []edit{{0, "alpine", "alpine:3"}, {0, "RUN d", "RUN d2"}}, []joinedState{joinedOK, joinedOK}},
		{"a comment", base, []edit{{0, "# about b", "# about b, more"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedOK, joinedOK}},
		{"removed", base, []edit{{0, "RUN b\n", ""}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedUnknown, joinedUnknown}},
		{"continuation runs on", base, []edit{{0, "RUN a", "RUN a \\"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedUnknown, joinedUnknown}},
		{"heredoc ends the region", base, []edit{{0, "RUN a", "RUN <<X\nX"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedNoFit, joinedOK}},
		{"no final line end", strings.TrimSuffix(base, "\n"), []edit{{0, "RUN a", "RUN a2"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedOK, joinedOK}},
		{"backtick", "# escape=`\n" + base, []edit{{0, "RUN a", "RUN a `\n  a2"}, {0, "RUN d", "RUN d2"}}, []joinedState{joinedOK, joinedOK}},
		{"bad instruction", base, []edit{{0, "RUN b", "RUN --bogus b"}, {0, "RUN e", "RUN e2"}}, []joinedState{joinedOK, joinedOK}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			out, changes := applyEdits(t, c.src, c.edits)
			d := &Document{Src: out, Escape: old.Escape}
			d.setLines()
			rs, h := old.plan(d, changes)
			var shown []joinedState
			for _, j := range d.parseRegions(old, rs, nil, h.delta, h.lines) {
				shown = append(shown, j.state)
			}
			require.Equal(t, c.shown, shown)
			requireReparse(t, old, out, changes)
		})
	}
}

// requireReparse: Reparse gives what Parse does, the document or the error
// (the document is returned, with Parse's, nil after an error).
func requireReparse(t *testing.T, old *Document, out []byte, changes []Change) (got, want *Document) {
	t.Helper()
	got, err := Reparse(old, out, changes)
	want, werr := Parse("Dockerfile", out)
	if werr != nil {
		// BuildKit's suggestion for an unknown instruction is one of
		// several as near, not always the same one.
		unsuggested := func(err error) string { s, _, _ := strings.Cut(err.Error(), " (did you mean "); return s }
		require.Error(t, err, "%q", out)
		require.Equal(t, unsuggested(werr), unsuggested(err), "%q", out)
		return nil, nil
	}
	require.NoError(t, err, "%q", out)
	require.Equal(t, "", sameDocument(got, want), "%q", out)
	return got, want
}

// TestReparseJoinedRandom: random edits of whole lines in several places
// (lines that continue, open or close heredocs, comments, blanks) give
// what Parse gives.
func TestReparseJoinedRandom(t *testing.T) {
	src := "# syntax=docker/dockerfile:1\nFROM alpine AS build\nRUN a \\\n  b\n# c\nRUN <<X\nx\nX\nCOPY a b\n\nRUN d\nENV e=1\nRUN f\nFROM scratch\nCOPY --from=build / /\n"
	pieces := []string{"", "RUN z\n", "RUN z \\\n", "# note\n", "\n", "RUN <<X\n", "X\n", "  y\n", "#\n", "ONBUILD RUN q\n", "# syntax=x\n"}
	rng := rand.New(rand.NewSource(7))
	lines := strings.SplitAfter(src, "\n")
	lines = lines[:len(lines)-1]
	old, err := Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	for round := 0; round < 3000; round++ {
		edits := randomLineEdits(rng, lines, pieces)
		if len(edits) == 0 {
			continue
		}
		out, changes := applyEditsAt(src, edits)
		requireReparse(t, old, out, changes)
	}
}
