package ast_test

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// requireQuickAsParse fails unless the first parse's tree of src is
// parser.Parse's: every node field (lines, flags, attributes, comments,
// the argument chain), the escape character, and the error.
func requireQuickAsParse(t *testing.T, src []byte) {
	t.Helper()
	root, esc, err := ast.ParseNodes(src, ast.SplitLines(src))
	res, want := parser.Parse(bytes.NewReader(src))
	if want != nil || err != nil {
		require.Equal(t, fmt.Sprint(want), fmt.Sprint(err), "%q", src)
		return
	}
	require.Equal(t, res.EscapeToken, esc, "%q", src)
	if !reflect.DeepEqual(res.AST, root) {
		require.Equal(t, res.AST.Dump(), root.Dump(), "%q", src)
		for i, n := range res.AST.Children {
			require.Equal(t, *n, *root.Children[i], "node %d of %q", i, src)
		}
		require.Equal(t, *res.AST, *root, "%q", src)
	}
}

// quickSources are the goldens' and the corpus's Dockerfiles.
func quickSources(t *testing.T) [][]byte {
	return append(goldenSources(t), corpusSources()...)
}

// goldenSources are the goldens' Dockerfiles.
func goldenSources(t *testing.T) [][]byte {
	files, _ := filepath.Glob("../../golden/*/Dockerfile")
	out := readSources(files)
	require.NotEmpty(t, out)
	return out
}

// corpusSources are the corpus's Dockerfiles, none when it is absent.
func corpusSources() [][]byte {
	var files []string
	if dir := corpustest.Dir(); dir != "" {
		files, _ = filepath.Glob(filepath.Join(dir, "*"))
	}
	return readSources(files)
}

func readSources(files []string) [][]byte {
	var out [][]byte
	for _, f := range files {
		if src, err := os.ReadFile(f); err == nil && !strings.HasSuffix(f, ".tsv") {
			out = append(out, src)
		}
	}
	return out
}

// The first parse makes the nodes of the goldens and the corpus, and of
// their variants (CRLF line endings, the backquote escape, a byte order
// mark, each file followed by itself), as parser.Parse makes them.
func TestQuickNodesAsParse(t *testing.T) {
	before := ast.QuickParses()
	for _, src := range quickSources(t) {
		requireQuickAsParse(t, src)
		requireQuickAsParse(t, bytes.ReplaceAll(src, []byte("\n"), []byte("\r\n")))
		requireQuickAsParse(t, append([]byte("# escape=`\n"), bytes.ReplaceAll(src, []byte("\\\n"), []byte("`\n"))...))
		requireQuickAsParse(t, append([]byte("\xef\xbb\xbf"), src...))
		requireQuickAsParse(t, append(append(bytes.Clone(src), '\n'), src...))
	}
	require.Greater(t, ast.QuickParses()-before, int64(1000), "the shortcut runs")
	// A line over the scanner's limit, in an instruction made here and
	// in one Parse keeps: Parse's error.
	long := strings.Repeat("x", 70<<10)
	requireQuickAsParse(t, []byte("FROM a\nRUN "+long+"\nENV A=1\n"))
	requireQuickAsParse(t, []byte("FROM a\nRUN a \\\n  "+long+"\n"))
	requireQuickAsParse(t, []byte("FROM a\nENV A="+long+"\nRUN a\n"))
	requireQuickAsParse(t, []byte("FROM a\nRUN a\n# "+long+"\nRUN b\n"))
}

// Random edits of those files, line by line and byte by byte, with what
// the shortcut's reading turns on: blanks of every kind (of Unicode
// too) at a line's start and end, escapes alone and doubled, comments
// and empty lines inside continuations, flags with quotes and escapes,
// JSON forms good and bad, keywords in every case, directives, a byte
// order mark, bytes that are not ASCII, heredocs: the first parse is
// still parser.Parse's. The goldens' edits are the same wherever the
// test runs; the corpus's add more where it is present.
func TestQuickNodesRandomEdits(t *testing.T) {
	randomEdits(t, goldenSources(t), 7)
	if corpus := corpusSources(); len(corpus) > 0 {
		randomEdits(t, corpus, 8)
	}
}

// randomEdits makes 20,000 files by random edits of srcs, from seed.
func randomEdits(t *testing.T, srcs [][]byte, seed int64) {
	lines := []string{"", "#", "# c", "  # indented", "\u00a0# nb", "\\", " \\ ", "\\\\", "`", "# escape=`", "# escape=\\", "# escape=x", "# ESCAPE = ` ",
		"# syntax=docker/dockerfile:1", "# check=skip=all", "RUN a \\", "RUN a `", "run b", "Run  --mount=type=cache,target=/x c",
		"ENV A=1 \\", "FROM x AS y", "from --platform=$P x", "COPY --from=a [\"a\",\"b\"] /c", "COPY a\tb\vc", "USER", "RUN",
		"EXPOSE 80 443/udp", "CMD [\"a\", 1]", "CMD [\"a\"", "ENTRYPOINT []", "VOLUME [\"/v\"]", "WORKDIR \u00a0/w\u00a0",
		"ONBUILD RUN x", "HEALTHCHECK CMD x", "SHELL [\"sh\",\"-c\"]", "MAINTAINER me", "STOPSIGNAL 9", "ADD -- a b",
		"RUN --a=\"b c\" --d='e' x", "RUN --x=\\\"y z", "RUN --é=1 x", "RUN -- x", "RUN --", "ARG X", "LABEL a=b", "ENV A 1  2", "ENV A", "ENV A=", "LABEL a b=c", "ARG a=b c", "ENV a=\"b c\"", "ENV a=b\\ c",
		"LABEL =x", "ENV a==b", "ARG", "ENV a=1 b", "ENV a\t=1", "LABEL a\vb c", "ARG 'x'", "ENV é=1", "ARG a`b",
		"RUN <<EOF", "EOF", "\t\tRUN tab", "\fRUN ff", "RUN x\r", "\ufeffRUN bom", "RUN a\u2003b", "BOGUS x"}
	pieces := []string{"", " ", "\t", "\v", "\f", "\r", "\\", "\\ ", "\\\t", "`", "#", "\u00a0", "\u0085", "\u2003", "é",
		"--", " --f=1 ", "'", "\"", "[", "]", "[\"x\"]", "\n", "\r\n", "\\\n", "\n#\n", "\n\n", "RUN ", "<<"}
	rng := rand.New(rand.NewSource(seed))
	for iter := 0; iter < 20000; iter++ {
		ls := strings.SplitAfter(string(srcs[rng.Intn(len(srcs))]), "\n")
		for k := rng.Intn(6) + 1; k > 0; k-- {
			i := rng.Intn(len(ls) + 1)
			switch rng.Intn(3) {
			case 0: // a line of the pool
				ls = append(ls[:i], append([]string{lines[rng.Intn(len(lines))] + "\n"}, ls[i:]...)...)
			default: // a piece inside a line, at a rune's start
				if i == len(ls) {
					i--
				}
				at := rng.Intn(len(ls[i]) + 1)
				for at > 0 && at < len(ls[i]) && !utf8.RuneStart(ls[i][at]) {
					at--
				}
				ls[i] = ls[i][:at] + pieces[rng.Intn(len(pieces))] + ls[i][at:]
			}
		}
		requireQuickAsParse(t, []byte(strings.Join(ls, "")))
	}
}

// FuzzQuickNodes: whatever the bytes, the first parse is parser.Parse's.
//
//	go test -run '^$' -fuzz FuzzQuickNodes ./pkg/ast
func FuzzQuickNodes(f *testing.F) {
	files, _ := filepath.Glob("../../golden/*/Dockerfile")
	for _, file := range files {
		if src, err := os.ReadFile(file); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if bytes.IndexByte(src, 0) >= 0 || !utf8.Valid(src) {
			return // ast.Parse refuses it before parsing
		}
		requireQuickAsParse(t, src)
	})
}
