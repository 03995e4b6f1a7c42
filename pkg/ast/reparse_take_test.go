package ast

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// readAll reads every text it is asked for, as if EditedRunParses had
// read each: ReparseTaking takes whatever its argument lets it.
func readAll(esc rune, text []byte) *RunText {
	t, ok := ReadRun(esc, text)
	if !ok {
		return nil
	}
	return t
}

// reparseTaking is ReparseTaking with readAll, which must give what Parse
// gives; it returns how many instructions it took.
func reparseTaking(t *testing.T, old *Document, out []byte, changes []Change) (*Document, int) {
	t.Helper()
	before := Takes()
	got, err := ReparseTaking(old, out, changes, readAll)
	want, werr := Parse("Dockerfile", out)
	if werr != nil {
		require.Error(t, err, "%q", out)
		return nil, int(Takes() - before)
	}
	require.NoError(t, err, "%q", out)
	require.Equal(t, "", sameDocument(got, want), "%q", out)
	return got, int(Takes() - before)
}

// TestReparseTake: a region that is one RUN edited from its first byte on,
// whose new text ReadRun reads as one instruction ending on its last
// line, is taken (reparse_take.go), comments before it kept; other
// regions are parsed, alone or joined; the document is Parse's.
func TestReparseTake(t *testing.T) {
	const base = "FROM alpine\n# install\nRUN apk add curl\n\nRUN a \\\n  b\nRUN <<X\nx\nX\nCOPY a b\nRUN last\n"
	const mount = "RUN --mount=type=cache,target=/x"
	const apart = "FROM alpine\n# install\nRUN apk add curl\nENV a=1\nENV b=2\nRUN c\nENV d=3\nENV e=4\nCOPY a b\n"
	cases := []struct {
		name  string
		src   string
		edits []edit
		taken int
	}{
		{"mount flag", base, []edit{{0, "RUN apk", mount + " apk"}}, 1},
		{"flag on a line of its own", base, []edit{{0, "RUN a \\", mount + " \\\n    a \\"}}, 1},
		{"heredoc", base, []edit{{0, "RUN <<X", "RUN --network=none <<X"}}, 1},
		{"body edited", base, []edit{{0, "apk add curl", "apk add --no-cache curl"}}, 1},
		{"last instruction", base, []edit{{0, "RUN last", "RUN --network=none last"}}, 1},
		{"no final line end", strings.TrimSuffix(base, "\n"), []edit{{0, "RUN last", "RUN --network=none last"}}, 0},
		{"change in the gap", base, []edit{{0, "# install\nRUN apk", "# other\nRUN apk"}}, 0},
		{"comment removed", base, []edit{{0, "# install\n", ""}, {0, "RUN apk", mount + " apk"}}, 0},
		{"two instructions", base, []edit{{0, "RUN apk add curl\n", "RUN apk add curl\nRUN b\n"}}, 0},
		{"continuation left open", base, []edit{{0, "curl", "curl \\"}}, 0},
		{"open at the end", base, []edit{{0, "RUN last", "RUN last \\"}}, 0},
		{"comment after it", base, []edit{{0, "curl\n", "curl\n# after\n"}}, 0},
		{"heredoc opened", base, []edit{{0, "RUN apk add curl", "RUN <<Y"}}, 0},
		{"not a RUN", base, []edit{{0, "COPY a b", "COPY --chmod=644 a b"}}, 0},
		{"several regions", base, []edit{{0, "RUN apk", mount + " apk"}, {0, "RUN last", mount + " last"}}, 2},
		{"neighbours", base, []edit{{0, "RUN apk", mount + " apk"}, {0, "RUN a", mount + " a"}}, 2},
		{"an untouched one between", base, []edit{{0, "RUN apk", mount + " apk"}, {0, "RUN <<X", mount + " <<X"}}, 2},
		{"a COPY beside", base, []edit{{0, "COPY a", "COPY --link a"}, {0, "RUN last", mount + " last"}}, 0},
		{"inserted between", base, []edit{{0, "RUN apk", mount + " apk"}, {0, "RUN a", "ENV x=1\nRUN a"}}, 0},
		{"joined around a taken one", apart, []edit{{0, "# install", "# setup"}, {0, "RUN c", mount + " c"}, {0, "COPY a", "COPY --link a"}}, 1},
		{"backtick", "# escape=`\nFROM a\n#\nRUN a `\n  b\nRUN c\n", []edit{{0, "RUN a", "RUN --network=none a"}}, 1},
		{"backtick swallowed", "# escape=`\nFROM a\nRUN a\nRUN c\n", []edit{{0, "RUN a", "RUN a `"}}, 0},
		{"crlf", "FROM a\r\n# c\r\nRUN a &&\\\r\n  b\r\nRUN c\r\n", []edit{{0, "RUN a", "RUN --network=none a"}}, 1},
		{"comment inside", base, []edit{{0, "RUN a \\\n", "RUN a \\\n# inside\n"}}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			out, changes := applyEdits(t, c.src, c.edits)
			got, taken := reparseTaking(t, old, out, changes)
			require.Equal(t, c.taken, taken, "taken")
			if got != nil && c.name == "mount flag" {
				require.Equal(t, []string{"install"}, got.Instructions[1].Node.PrevComment)
			}
		})
	}
}

// TestReparseTakeRandom: random edits of whole lines in several places,
// every new text read (readAll), give what Parse gives, and some are
// taken.
func TestReparseTakeRandom(t *testing.T) {
	src := "FROM alpine AS build\nRUN a \\\n  b\n# c\nRUN <<X\nx\nX\nCOPY a b\n\nRUN d\n#\nRUN f\nFROM scratch\nRUN g\n"
	pieces := []string{"", "RUN z\n", "RUN z \\\n", "# note\n", "\n", "RUN <<X\n", "X\n", "  y\n", "#\n", "RUN --network=none y\n"}
	rng := rand.New(rand.NewSource(11))
	lines := strings.SplitAfter(src, "\n")
	lines = lines[:len(lines)-1]
	old, err := Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	taken := 0
	for round := 0; round < 3000; round++ {
		edits := randomLineEdits(rng, lines, pieces)
		if len(edits) == 0 {
			continue
		}
		out, changes := applyEditsAt(src, edits)
		_, n := reparseTaking(t, old, out, changes)
		taken += n
	}
	require.Greater(t, taken, 100)
	t.Logf("%d instructions taken", taken)
}

// TestReparseTakeDocuments: a mount flag added to every RUN of the
// goldens' Dockerfiles (and of the corpus with $DFOPT_CORPUS), to all at
// once and to every other one, is taken where its region is the RUN
// alone, and the document is Parse's.
func TestReparseTakeDocuments(t *testing.T) {
	const flag = " --mount=type=cache,target=/t"
	taken, runs := 0, 0
	for _, d := range testDocuments(t) {
		for _, every := range []int{1, 2} {
			out, changes, n := flagEveryRun(d, flag, every)
			if changes == nil {
				continue
			}
			runs += n
			_, n = reparseTaking(t, d, out, changes)
			taken += n
		}
	}
	require.Greater(t, taken, runs/2, "most edited RUNs are taken")
	t.Logf("%d of %d edited RUNs taken", taken, runs)
}

// TestReparseArgsMoved: a RUN whose flags alone an edit changed, parsed
// again, takes the old RUN's shell analysis (argsMoved) when the bytes
// from its arguments on are the same, and the analysis is the one its
// text has (sameDocument compares it); else it makes its own.
func TestReparseArgsMoved(t *testing.T) {
	const mount = "--mount=type=cache,target=/x "
	cases := []struct {
		name   string
		src    string
		edits  []edit
		handed bool
	}{
		{"mount flag", "FROM a\nRUN apt-get update && apt-get install -y curl\n", []edit{{0, "RUN ", "RUN " + mount}}, true},
		{"flag on a line of its own", "FROM a\nRUN apt-get update \\\n  && make\nENV a=1\n", []edit{{0, "RUN ", "RUN " + mount + "\\\n    "}}, true},
		{"beside other flags", "FROM a\nRUN --network=none \\\n    make all\n", []edit{{0, "RUN ", "RUN " + mount}}, true},
		{"heredoc", "FROM a\nRUN <<EOF\nset -e\nmake\nEOF\nENV a=1\n", []edit{{0, "RUN ", "RUN " + mount}}, true},
		{"crlf", "FROM a\r\nRUN make && \\\r\n  make install\r\n", []edit{{0, "RUN ", "RUN " + mount}}, true},
		{"body edited", "FROM a\nRUN make all\n", []edit{{0, "RUN ", "RUN " + mount}, {0, "all", "test"}}, false},
		{"one byte of arguments", "FROM a\nRUN x\nENV a=1\n", []edit{{0, "RUN ", "RUN " + mount}}, false},
		{"a flag that reads like a heredoc", "FROM a\nRUN cat <<EOF\nx\nEOF\n", []edit{{0, "RUN ", "RUN --mount=target=/a<<b "}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			for _, ins := range old.Instructions {
				old.Shell(ins)
			}
			out, changes := applyEdits(t, c.src, c.edits)
			got, _ := requireReparse(t, old, out, changes)
			if got == nil {
				require.False(t, c.handed)
				return
			}
			run := got.Instructions[1]
			require.Equal(t, c.handed, run.prior != nil, "handed on")
		})
	}
}

// flagEveryRun is d's text with flag inserted after the keyword of every
// every-th instruction that is a RUN, the changes, and how many.
func flagEveryRun(d *Document, flag string, every int) (out []byte, changes []Change, runs int) {
	at := 0
	for i, ins := range d.Instructions {
		if ins.Cmd != "run" || i%every != 0 {
			continue
		}
		kw := ins.KeywordPos.End
		out = append(append(out, d.Src[at:kw]...), flag...)
		changes = append(changes, Change{Start: kw, End: kw, Len: len(flag)})
		at = kw
		runs++
	}
	return append(out, d.Src[at:]...), changes, runs
}

// randomLineEdits replaces each of lines (which make src, in order) by
// two of pieces, one time in four.
func randomLineEdits(rng *rand.Rand, lines, pieces []string) []edit {
	var edits []edit
	at := 0
	for _, l := range lines {
		if rng.Intn(4) == 0 {
			edits = append(edits, edit{at, l, pieces[rng.Intn(len(pieces))] + pieces[rng.Intn(len(pieces))]})
		}
		at += len(l)
	}
	return edits
}
