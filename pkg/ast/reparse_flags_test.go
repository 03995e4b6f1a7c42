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
			before := Derivations()
			got, _ := requireReparse(t, old, out, changes)
			require.Equal(t, c.derived, Derivations() > before, "derived")
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
		out, changes, n := flagEveryRun(d, flag, 1)
		if changes == nil {
			continue
		}
		runs += int64(n)
		before := Derivations()
		requireReparse(t, d, out, changes)
		derived += Derivations() - before
	}
	require.Greater(t, derived, runs*3/4, "most RUNs are made from their old node")
	t.Logf("%d of %d RUNs made from their old node", derived, runs)
}

// TestReparseDerivedEdits: flags on lines of their own, and changes
// inside a RUN's arguments, alone or with flags, made from the old node
// where the argument holds; what Parse makes in every case.
func TestReparseDerivedEdits(t *testing.T) {
	const m1, m2 = "--mount=type=cache,target=/var/cache/apt,sharing=locked", "--mount=type=cache,target=/var/lib/apt/lists,sharing=locked"
	cases := []struct {
		name    string
		src     string
		edits   []edit
		derived bool
	}{
		{"flags on lines of their own", "FROM a\nRUN apt-get update && \\\n    apt-get install -y x\n", []edit{{7, " ", " " + m1 + " \\\n    " + m2 + " \\\n    "}}, true},
		{"flags on lines, crlf", "FROM a\r\nRUN apt-get update\r\n", []edit{{8, " ", " " + m1 + " \\\r\n    "}}, true},
		{"flags on lines, backquote", "# escape=`\nFROM a\nRUN apt-get update\n", []edit{{18, " ", " " + m1 + " `\n\t"}}, true},
		{"flags on lines, then a comment", "FROM a\nRUN #x\n", []edit{{7, " ", " " + m1 + " \\\n    "}}, false},
		{"flags on lines, no blank before the escape", "FROM a\nRUN make\n", []edit{{7, " ", " " + m1 + "\\\n    "}}, false},
		{"flags on lines, inserted before the blank", "FROM a\nRUN go build ./...\n", []edit{{10, "", " " + m1 + " \\\n    " + m2 + " \\\n   "}}, true},
		{"flags on lines, the arguments a comment", "FROM a\nRUN  #x\n", []edit{{10, "", " " + m1 + " \\\n   "}}, false},
		{"option at a continued line's end", "FROM a\nRUN apk add --no-cache \\\n\tcurl\n", []edit{{7, "--no-cache", "--cache-dir /var/cache/apk"}}, true},
		{"option at a continued line's end, with flags", "FROM a\r\nRUN apk add --no-cache \\\r\n\tcurl\r\n", []edit{{8, " ", " " + m1 + " \\\r\n\t"}, {8, "--no-cache", "--cache-dir /var/cache/apk"}}, true},
		{"option added", "FROM a\nRUN apt-get update && \\\n    apt-get install -y x\n", []edit{{30, "install", "install -o Dir::Cache::Archives=/var/cache/apt/keep/"}}, true},
		{"option replaced", "FROM a\nRUN apk add --no-cache curl \\\n  git\n", []edit{{7, "--no-cache", "--cache-dir /var/cache/apk --update-cache"}}, true},
		{"option taken out", "FROM a\nRUN pip install --no-cache-dir x\n", []edit{{7, " --no-cache-dir", ""}}, true},
		{"flags and options", "FROM a\nRUN apt-get update && \\\n    apt-get install -y x\n", []edit{{7, " ", " " + m1 + " \\\n    "}, {20, "install", "install -o A=b"}}, true},
		{"change at the arguments' start", "FROM a\nRUN make all\n", []edit{{7, "make", "gmake"}}, false},
		{"change at the arguments' end", "FROM a\nRUN make all\n", []edit{{7, "all", "test"}}, true},
		{"change on the continuation's end", "FROM a\nRUN make a \\\n  b\n", []edit{{7, "a \\", "a x\\"}}, false},
		{"a line that becomes a comment", "FROM a\nRUN make \\\n  x #y \\\n  z\n", []edit{{18, "x ", ""}}, false},
		{"a change with an escape", "FROM a\nRUN echo a b\n", []edit{{7, "a", "\\a"}}, false},
		{"json form", "FROM a\nRUN [\"make\", \"all\", \"x\"]\n", []edit{{7, "all", "al"}}, false},
		{"a change that writes <<", "FROM a\nRUN cat < x <y z\n", []edit{{7, " x ", ""}}, false},
		{"flags replace several blanks", "FROM a\nRUN   make\n", []edit{{7, "   ", " " + m1 + " \\\n    "}}, true},
		{"flags replace tabs", "FROM a\nRUN\t\tmake\n", []edit{{7, "\t\t", " " + m1 + " \\\n\t"}}, true},
		{"flags replace blanks, none after", "FROM a\nRUN  make\n", []edit{{7, "  ", " " + m1}}, false},
		{"a continued command taken out at the end", "FROM a\nRUN apt-get install -y x \\\n    && rm -rf /var/lib/apt/lists/*\n", []edit{{7, " \\\n    && rm -rf /var/lib/apt/lists/*", ""}}, true},
		{"a continued command taken out, tabs", "FROM a\nRUN apt-get install -y x; \\\n\trm -rf /var/lib/apt/lists/*\nRUN make\n", []edit{{7, "; \\\n\trm -rf /var/lib/apt/lists/*", ""}}, true},
		{"a middle line taken out", "FROM a\nRUN apt-get update && \\\n    apt-get clean && \\\n    make\n", []edit{{7, " \\\n    apt-get clean &&", ""}}, true},
		{"two lines taken out", "FROM a\nRUN dnf install -y x \\\n    && \\\n    dnf clean all\nENV a=b\n", []edit{{7, " \\\n    && \\\n    dnf clean all", ""}}, true},
		{"an option on a line of its own", "FROM a\nRUN apt-get install -y x\n", []edit{{7, "install", "install \\\n    -o Dir::Cache::Archives=/var/cache/apt/keep/"}}, true},
		{"a line break added", "FROM a\nRUN apt-get update && make\n", []edit{{7, "update ", "update \\\n    "}}, true},
		{"flags, an option on its own line, a command taken out", "FROM a\nRUN apt-get update && apt-get install -y x \\\n\t&& rm -rf /var/lib/apt/lists/*\n",
			[]edit{{7, " ", " " + m1 + " \\\n\t" + m2 + " \\\n\t"}, {20, "install", "install \\\n\t-o A=b"}, {30, " \\\n\t&& rm -rf /var/lib/apt/lists/*", ""}}, true},
		{"a removal that leaves an escape at the end", "FROM a\nRUN echo x\\ y\nRUN z\n", []edit{{7, "y", ""}}, false},
		{"a removal that leaves an empty line", "FROM a\nRUN make \\\n    x\nRUN y\n", []edit{{14, "x", ""}}, false},
		{"a line break before a comment", "FROM a\nRUN echo a #x\n", []edit{{7, "a ", "a \\\n    "}}, false},
		{"a blank after the new escape", "FROM a\nRUN apt-get install -y x\n", []edit{{7, "install", "install \\ \n    -o A=b"}}, false},
		{"a new line break, crlf", "FROM a\r\nRUN apt-get install -y x\r\n", []edit{{8, "install", "install \\\r\n    -o A=b"}}, false},
		{"a new text that ends its line", "FROM a\nRUN make a \\\n  b\nRUN c\n", []edit{{7, "a \\\n  b", "a \\\n"}}, false},
		{"arguments that start with a dash", "FROM a\nRUN -x y\n", []edit{{7, "x", "-x"}}, false},
		{"a line taken out up to an escape", "FROM a\nRUN make a \\\n  b \\\n  c\n", []edit{{7, " \\\n  b", ""}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			out, changes := applyEdits(t, c.src, c.edits)
			before := Derivations()
			requireReparse(t, old, out, changes)
			require.Equal(t, c.derived, Derivations() > before, "derived: %q", out)
		})
	}
}
