package ast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReparseFlags: flags added right after the keyword of instructions
// make their node from the old one (reparse_flags.go) where the argument
// holds, and what Parse makes in every case.
func TestReparseFlags(t *testing.T) {
	const mount = " --mount=type=cache,target=/root/.cache,sharing=locked"
	cases := []struct {
		name, src, kw, ins string
		derived            bool
	}{
		{"one flag", "FROM a\nRUN make\n", "RUN", mount, true},
		{"two flags", "FROM a\nRUN make\nENV x=1\n", "RUN", mount + " --network=none", true},
		{"before other flags", "FROM a\nRUN --network=none make\n", "RUN", mount, true},
		{"indented, continued", "FROM a\n  RUN apt-get update \\\n   # note\n  && make\n", "RUN", mount, true},
		{"keyword then continuation", "FROM a\nRUN \\\n  make\n", "RUN", mount, true},
		{"keyword then escape at once", "FROM a\nRUN\\\n  make\n", "RUN", mount, false}, // the keyword's end is read on the next line
		{"backquote escape", "# escape=`\nFROM a\nRUN make `\n  all\n", "RUN", mount, true},
		{"crlf", "FROM a\r\nRUN make\r\n", "RUN", mount, true},
		{"copy", "FROM a\nCOPY a b\n", "COPY", " --chmod=0755", true},
		{"variable in the flag", "FROM a\nRUN make\n", "RUN", " --mount=type=cache,target=${HOME}/.cache", true},
		{"heredoc", "FROM a\nRUN <<EOF\nmake\nEOF\n", "RUN", mount, false},
		{"<< in the line", "FROM a\nRUN echo '<<x'\n", "RUN", mount, false},
		{"quoted flag", "FROM a\nRUN make\n", "RUN", ` --mount="type=cache,target=/a b"`, false},
		{"not a flag", "FROM a\nRUN make\n", "RUN", " make", false},
		{"two dashes alone", "FROM a\nRUN make\n", "RUN", " --", false},
		{"escape in the flag", "FROM a\nRUN make\n", "RUN", ` --mount=target=/a\ b`, false},
		{"onbuild", "FROM a\nONBUILD RUN make\n", "ONBUILD", " --x=1", false},
		{"unknown flag", "FROM a\nRUN make\n", "RUN", " --bogus=1", false}, // BuildKit's instruction parser refuses it
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			at := strings.LastIndex(c.src, c.kw) + len(c.kw) // after the keyword
			out, changes := applyEdits(t, c.src, []edit{{at, "", c.ins}})
			before := FlagTakes()
			got, _ := requireReparse(t, old, out, changes)
			require.Equal(t, c.derived, FlagTakes() > before, "derived")
			if got != nil && c.derived {
				require.NotNil(t, got.Instructions[len(got.Instructions)-1].Command)
			}
		})
	}
}

// TestReparseFlagsDocuments: a mount flag added to every RUN of the
// goldens (and the corpus, with $DFOPT_CORPUS) gives what Parse gives,
// and most of those RUNs are made from their old node.
func TestReparseFlagsDocuments(t *testing.T) {
	const flag = " --mount=type=cache,target=/var/cache/apt,sharing=locked"
	derived, runs := int64(0), int64(0)
	for _, d := range testDocuments(t) {
		var changes []Change
		var out []byte
		at := 0
		for _, ins := range d.Instructions {
			if ins.Cmd != "run" {
				continue
			}
			kw := ins.KeywordPos.End
			out = append(append(out, d.Src[at:kw]...), flag...)
			changes = append(changes, Change{Start: kw, End: kw, Len: len(flag)})
			at = kw
			runs++
		}
		if changes == nil {
			continue
		}
		out = append(out, d.Src[at:]...)
		before := FlagTakes()
		requireReparse(t, d, out, changes)
		derived += FlagTakes() - before
	}
	require.Greater(t, derived, runs*3/4, "most RUNs are made from their old node")
	t.Logf("%d of %d RUNs made from their old node", derived, runs)
}
