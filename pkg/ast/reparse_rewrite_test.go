package ast

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReparseRewritten: RUNs written anew from their first byte on (joined
// into one, or edited where no derivation reaches) are made from the old
// node and their new lines (reparse_rewrite.go) where the argument holds,
// and what Parse makes in every case.
func TestReparseRewritten(t *testing.T) {
	const two = "FROM a\nRUN apt-get update\n# fetch\nRUN apt-get install -y x\nENV a=b\n"
	cases := []struct {
		name  string
		src   string
		edits []edit
		made  bool
	}{
		{"two RUNs joined", two, []edit{{0, "RUN apt-get update\n# fetch\nRUN apt-get install -y x", "RUN apt-get update && \\\n    # fetch\n    apt-get install -y x"}}, true},
		{"joined, the last instruction", "FROM a\nRUN a\nRUN b\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n    b"}}, true},
		{"joined with flags", "FROM a\nRUN --network=none a \\\n  x\nRUN b\nRUN c\n", []edit{{0, "RUN --network=none a \\\n  x\nRUN b", "RUN --network=none a \\\n  x && \\\n  b"}}, true},
		{"joined, blank line inside", two, []edit{{0, "RUN apt-get update\n# fetch\nRUN apt-get install -y x", "RUN apt-get update && \\\n\n    apt-get install -y x"}}, true},
		{"joined, backquote", "# escape=`\nFROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && `\n    b"}}, true},
		{"joined, crlf", "FROM a\r\nRUN a\r\nRUN b\r\nRUN c\r\n", []edit{{0, "RUN a\r\nRUN b", "RUN a && \\\r\n    b"}}, true},
		{"a command taken out from a line's start", "FROM a\nRUN a && \\\n    b && \\\n    c\nENV x=y\n", []edit{{0, "    b && \\\n", ""}}, true},
		{"joined at the line break", two, []edit{{0, "\n# fetch\nRUN ", " && \\\n    # fetch\n    "}}, true},
		{"joined at the line break, and an option", "FROM a\nRUN apt-get update\n\nRUN apt-get install x\nRUN c\n", []edit{{0, "\n\nRUN ", " && \\\n    "}, {30, "install", "install -y"}}, true},
		{"joined, a line break left in", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "\nRUN ", " && \n  "}}, false},
		{"a line that no longer continues", two, []edit{{0, "RUN apt-get update\n# fetch\nRUN apt-get install -y x", "RUN apt-get update && \n    apt-get install -y x"}}, false},
		{"ends on a comment", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n  # b"}}, false},
		{"the first byte of the arguments changed", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN x && \\\n  b"}}, false},
		{"the keyword changed", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "CMD a && \\\n  b"}}, false},
		{"a heredoc", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && cat <<EOF\nb\nEOF"}}, false},
		{"a line of Unicode space: empty, as BuildKit reads it", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n\u00a0\n  b"}}, true},
		{"a comment after a no-break space", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n\u00a0# c\n  b"}}, true},
		{"a no-break space before a continued line's text", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n\u00a0b"}}, true},
		{"a comment after a no-break space, last", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a && \\\n\u2003# b"}}, false},
		{"two instructions", "FROM a\nRUN a\nRUN b\nRUN c\n", []edit{{0, "RUN a\nRUN b", "RUN a\nRUN x"}}, false},
		{"json form", "FROM a\nRUN [\"a\"]\nRUN b\nRUN c\n", []edit{{0, "RUN [\"a\"]\nRUN b", "RUN [\"a\", \"b\"]"}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			out, changes := applyEdits(t, c.src, c.edits)
			before := Rewrites()
			requireReparse(t, old, out, changes)
			require.Equal(t, c.made, Rewrites() > before, "rewritten: %q", out)
		})
	}
}
