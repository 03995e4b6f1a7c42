package ast

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// edit replaces the first occurrence of old in src (after the first from
// bytes) with new.
type edit struct {
	from     int
	old, new string
}

func applyEdits(t *testing.T, src string, edits []edit) ([]byte, []Change) {
	var out strings.Builder
	var changes []Change
	at := 0
	for _, e := range edits {
		i := strings.Index(src[max(at, e.from):], e.old)
		require.GreaterOrEqual(t, i, 0, "%q not in the text", e.old)
		i += max(at, e.from)
		out.WriteString(src[at:i])
		out.WriteString(e.new)
		changes = append(changes, Change{Start: i, End: i + len(e.old), Len: len(e.new)})
		at = i + len(e.old)
	}
	out.WriteString(src[at:])
	return []byte(out.String()), changes
}

// TestReparse: what Reparse makes of an edited file is what Parse makes
// of it, whether the shortcut applies (shortcut) or the whole text is
// parsed again; the shell analysis an instruction takes over is the one
// its text has.
func TestReparse(t *testing.T) {
	const base = "FROM alpine AS build\n# a comment\nRUN apk add curl && \\\n    echo hi\nWORKDIR /src\nCOPY . .\nRUN make\n\nFROM scratch\nCOPY --from=build /out /\n"
	cases := []struct {
		name     string
		src      string
		edits    []edit
		shortcut bool
	}{
		{"flag added", base, []edit{{0, "RUN make", "RUN --mount=type=cache,target=/root/.cache make"}}, true},
		{"two places", base, []edit{{0, "apk add", "apk add --no-cache"}, {0, "/out /", "/out /bin/"}}, true},
		{"instruction removed", base, []edit{{0, "WORKDIR /src\n", ""}}, true},
		{"instructions added", base, []edit{{0, "COPY . .\n", "COPY go.mod .\nRUN go mod download\nCOPY . .\n"}}, true},
		{"lines shift before untouched RUN", base, []edit{{0, "# a comment\n", "# a\n# longer\n# comment\n"}}, true},
		{"continuation swallows the next", base, []edit{{0, "WORKDIR /src\n", "WORKDIR /src \\\n"}}, false},
		{"heredoc opened", base, []edit{{0, "COPY . .\n", "COPY <<EOF /x\n"}}, false},
		{"syntax header", base, []edit{{0, "", "# syntax=docker/dockerfile:1\n"}}, true},
		{"escape directive", "FROM alpine\nRUN echo a \\\n b\nRUN x\n", []edit{{0, "", "# escape=`\n"}}, true},
		{"first instruction", base, []edit{{0, "alpine", "alpine:3.20"}}, true},
		{"trailing comment", base + "# end\n", []edit{{0, "# end", "# the end"}}, true},
		{"last instruction", base, []edit{{0, "/out /", "/out /usr/bin/"}}, true},
		{"crlf", strings.ReplaceAll(base, "\n", "\r\n"), []edit{{0, "RUN make", "RUN make all"}}, true},
		{"bom", "\xef\xbb\xbf" + base, []edit{{0, "RUN make", "RUN make all"}}, true},
		{"backtick escape", "# escape=`\nFROM alpine\nRUN echo a `\n b\nWORKDIR /x\nRUN y\n", []edit{{0, "WORKDIR /x", "WORKDIR /y"}}, true},
		{"comment before the next", "FROM a\nRUN x\n# about y\nRUN y\n", []edit{{0, "RUN x", "RUN x2"}}, true},
		{"deleted after a comment", "FROM a\n# c\nRUN x\nRUN y\n", []edit{{0, "RUN x\n", ""}}, true},
		{"heredoc added at the end", "FROM a\nRUN x\nRUN y\n", []edit{{0, "RUN x\n", "RUN x <<EOF\nhi\nEOF\n"}}, true},
		{"heredoc body", "FROM alpine\nRUN <<EOF\necho a\nEOF\nRUN b\n", []edit{{0, "echo a", "echo a; echo c"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			for _, ins := range old.Instructions {
				old.Shell(ins) // analyses to take over
			}
			out, changes := applyEdits(t, c.src, c.edits)
			got, want := requireReparse(t, old, out, changes)
			if got == nil {
				return
			}
			for i, ins := range got.Instructions {
				require.Equal(t, scriptView(want.Shell(want.Instructions[i])), scriptView(got.Shell(ins)), "line %d", ins.StartLine)
			}
			if c.shortcut {
				require.NotNil(t, reparse(old, out, changes, nil), "the shortcut should apply")
			}
		})
	}
}

// TestReparseFallsBack: a change that would end an untouched neighbour
// differently (a heredoc or a continuation that swallows the next lines)
// is parsed as
// a whole, and a text Parse rejects gives Parse's error.
func TestReparseFallsBack(t *testing.T) {
	src := "FROM alpine\nRUN a\nRUN b\nRUN c\n"
	old, err := Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	for _, e := range []edit{{0, "RUN a", "RUN <<EOF a"}, {0, "RUN a", "RUN a \\"}} {
		out, changes := applyEdits(t, src, []edit{e})
		require.Nil(t, reparse(old, out, changes, nil), e.new)
		got, err := Reparse(old, out, changes)
		want, werr := Parse("Dockerfile", out)
		require.Equal(t, werr == nil, err == nil)
		if werr == nil {
			require.Equal(t, "", sameDocument(got, want))
		}
	}
	// A continuation runs on over comment and blank lines: the RUN whose
	// last line becomes one of those takes in the next RUN.
	cont := "FROM a\nRUN x\nRUN a \\\n    b\nRUN c\n"
	old, err = Parse("Dockerfile", []byte(cont))
	require.NoError(t, err)
	for _, e := range []edit{{0, "    b", "# comment"}, {0, "    b", ""}, {0, "    b", "   "}} {
		out, changes := applyEdits(t, cont, []edit{e})
		got, err := Reparse(old, out, changes)
		require.NoError(t, err, "%q", e.new)
		want, err := Parse("Dockerfile", out)
		require.NoError(t, err)
		require.Equal(t, "", sameDocument(got, want), "%q", e.new)
	}

	old, err = Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	out, changes := applyEdits(t, src, []edit{{0, "RUN b", "RUN --bogus b"}})
	_, err = Reparse(old, out, changes)
	_, werr := Parse("Dockerfile", out)
	require.Error(t, werr)
	require.EqualError(t, err, werr.Error())
}

// A Reparse'd document answers Contains as a search of its text does,
// with the answers it took over from the old document (those that were
// false) and those it searches anew.
func TestReparseContains(t *testing.T) {
	const src = "FROM alpine\nRUN apk add curl\nWORKDIR /src\nRUN make\n# end\n"
	words := []string{"hadolint", "dfopt:ignore-file", "curl", "ak", "k\nW", "mak", "e\n#", "FROM", "\n",
		"apkadd", "RUNmake", "kurl", "cmake", "ee", "x"}
	rng := rand.New(rand.NewSource(3))
	inherited, appeared := 0, 0
	for round := 0; round < 1000; round++ {
		old, err := Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		for _, w := range words {
			old.Contains(w)
		}
		// One or two changes, each replacing a few bytes by a piece of a
		// word (which may complete one across the change's edge).
		var edits []edit
		at := 0
		for k := rng.Intn(2) + 1; k > 0 && at < len(src); k-- {
			i := at + rng.Intn(len(src)-at)
			j := min(i+rng.Intn(4), len(src))
			w := words[rng.Intn(len(words))]
			a := rng.Intn(len(w) + 1)
			edits = append(edits, edit{i, src[i:j], w[a:min(len(w), a+rng.Intn(len(w)+1))]})
			at = j + 1
		}
		out, changes := applyEditsAt(src, edits)
		doc, _ := requireReparse(t, old, out, changes)
		if doc == nil {
			continue // the text does not parse
		}
		for _, found := range doc.contains {
			inherited++
			if found {
				appeared++
			}
		}
		for _, w := range words {
			require.Equal(t, strings.Contains(string(out), w), doc.Contains(w), "%q in %q", w, out)
		}
	}
	require.Greater(t, appeared, 20, "a change that brings a word in")
	require.Greater(t, inherited, 1000, "answers taken over")
}

// applyEditsAt applies edits at their exact places.
func applyEditsAt(src string, edits []edit) ([]byte, []Change) {
	var out strings.Builder
	var changes []Change
	at := 0
	for _, e := range edits {
		out.WriteString(src[at:e.from])
		out.WriteString(e.new)
		changes = append(changes, Change{Start: e.from, End: e.from + len(e.old), Len: len(e.new)})
		at = e.from + len(e.old)
	}
	out.WriteString(src[at:])
	return []byte(out.String()), changes
}

// A change that takes out the line break at the end of the last
// instruction it touches joins that instruction to the next, untouched
// one: the shortcut must not keep the next one as it was.
func TestReparseLineBreakRemoved(t *testing.T) {
	cases := []struct{ src, old, new string }{
		{"FROM alpine\nRUN apk add curl\nWORKDIR /src\nRUN make\n# end\n", "rc\n", "W"},
		{"FROM alpine\nWORKDIR /src\nRUN make\nRUN test\n", "src\n", "src "},
		{"FROM alpine\nRUN a \\\n  b\nRUN c\n", "b\n", "b"},
	}
	for _, c := range cases {
		old, err := Parse("Dockerfile", []byte(c.src))
		require.NoError(t, err)
		out, changes := applyEdits(t, c.src, []edit{{0, c.old, c.new}})
		got, want := requireReparse(t, old, out, changes)
		require.Len(t, got.Instructions, len(want.Instructions), "%q", out)
	}
}
