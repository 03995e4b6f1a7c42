package ast

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReparseRandomRunEdits: random byte edits inside RUNs (one to three
// in a RUN, several RUNs at once) and joins of consecutive RUNs, on files
// with continuation lines that end in blanks, comments and empty lines
// inside continuations, flags, JSON form, heredocs, tabs, CRLF, the
// backquote escape and bytes that are not ASCII: what Reparse makes of
// each is what Parse makes (requireReparse), whichever of its shortcuts
// (taking, deriving, rewriting a RUN) or a parse answers. (It found
// that a line whose leading white space is a no-break space was not read
// as BuildKit reads it: trimLeftSpace now skips what unicode.IsSpace
// takes.)
func TestReparseRandomRunEdits(t *testing.T) {
	var lastCase string // the file and edits of a failure
	defer func() {
		if t.Failed() {
			t.Log(lastCase)
		}
	}()
	bases := []string{
		"FROM alpine\nRUN apk add curl && \\\n    rm -rf /var/cache/apk/*\nRUN apt-get update && apt-get install -y \\\n\t  ca-certificates \\ \n    && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nRUN --mount=type=cache,target=/root/.cache pip install -r r.txt\nRUN [\"sh\", \"-c\", \"echo x\"]\nRUN a \\\n# inside\n\n  b\nRUN <<EOF\necho hi\nEOF\nRUN  -x\nRUN echo é\u00a0x\n",
		"FROM debian\r\nRUN apt-get update && \\\r\n    apt-get install -y curl\r\nRUN echo a \\\r\n  # c\r\n  b\r\nENV A=1\r\nRUN x\r\n",
		"# escape=`\nFROM windows\nRUN a `\n    b && c\nRUN d `\t\n  e\nRUN f\n",
		"FROM alpine\nRUN\tx \\\n\ty\nRUN --network=none a  b\nRUN go build \\\n  -o /out \\\n  ./...\nRUN z\n",
	}
	pieces := []string{"", " ", "\t", "\\\n", " \\\n    ", "\\ \n", "&&", " && ", "x", " -o Dir=y", "--mount=type=cache,target=/x ",
		"#", "# c\n", "\n", "\r\n", "'", "\"", "<<", "[", "-", "é", "\u00a0", "`", "`\n", "RUN ", "\nRUN q"}
	rng := rand.New(rand.NewSource(11))
	tried := 0
	derived, rewritten := Derivations(), Rewrites()
	for iter := 0; iter < 20000; iter++ {
		src := bases[iter%len(bases)]
		old, err := Parse("Dockerfile", []byte(src))
		require.NoError(t, err, "%q", src)
		var edits []edit
		for i, ins := range old.Instructions {
			if ins.Cmd != "run" || rng.Intn(3) != 0 {
				continue
			}
			if i+1 < len(old.Instructions) && old.Instructions[i+1].Cmd == "run" && rng.Intn(4) == 0 {
				// Join with the next RUN: its keyword and the line break before it.
				nx := old.Instructions[i+1]
				from := ins.Span.End
				edits = append(edits, edit{from, src[from : nx.KeywordPos.End+1], []string{" && ", " \\\n    && ", "; "}[rng.Intn(3)]})
				continue
			}
			// One to three changes inside the RUN, after its keyword.
			lo, hi := ins.KeywordPos.End, ins.Span.End
			var at []int
			for k := rng.Intn(3) + 1; k > 0; k-- {
				at = append(at, lo+rng.Intn(hi-lo+1), lo+rng.Intn(hi-lo+1))
			}
			sort.Ints(at)
			for k := 0; k+1 < len(at); k += 2 {
				if k > 0 && at[k] < at[k-1] {
					continue
				}
				edits = append(edits, edit{at[k], src[at[k]:at[k+1]], pieces[rng.Intn(len(pieces))] + pieces[rng.Intn(len(pieces))]})
			}
		}
		if len(edits) == 0 {
			continue
		}
		sort.SliceStable(edits, func(a, b int) bool { return edits[a].from < edits[b].from })
		ok := true
		for k := 1; k < len(edits); k++ {
			ok = ok && edits[k].from >= edits[k-1].from+len(edits[k-1].old)
		}
		if !ok {
			continue
		}
		out, changes := applyEditsAt(src, edits)
		if strings.Contains(string(out), "\x00") {
			continue
		}
		lastCase = fmt.Sprintf("%q %+v", src, edits)
		requireReparse(t, old, out, changes)
		tried++
	}
	require.Greater(t, tried, 10000)
	derived, rewritten = Derivations()-derived, Rewrites()-rewritten
	t.Logf("%d edited files: %d RUNs derived, %d rewritten", tried, derived, rewritten)
	require.Greater(t, derived, int64(200), "the derivations are tried")
	require.Greater(t, rewritten, int64(500), "the rewrites are tried")
}
