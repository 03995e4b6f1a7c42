package ast

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReparseHeader: an edit of the directives at the top of the file
// moves every instruction without a parse (header) when the argument in
// reparse_header.go holds, and the document is what Parse makes of the
// text (the first node's PrevComment included: nil at the top of a file,
// empty after a directive); else the first instruction is parsed again.
func TestReparseHeader(t *testing.T) {
	const syntax = "# syntax=docker/dockerfile:1\n"
	cases := []struct {
		name   string
		src    string
		edits  []edit
		header bool
	}{
		{"inserted at the top", "FROM a\nRUN x\n", []edit{{0, "", syntax}}, true},
		{"before a comment", "# about\nFROM a\n", []edit{{0, "", syntax}}, true},
		{"before an empty comment", "#\nFROM a\n", []edit{{0, "", syntax}}, true},
		{"before a blank line", "\nFROM a\n", []edit{{0, "", syntax}}, true},
		{"before an escape directive", "# escape=`\nFROM a\nRUN a `\n b\n", []edit{{0, "", syntax}}, true},
		{"after an escape directive", "# escape=`\nFROM a\nRUN a `\n b\n", []edit{{0, "# escape=`\n", "# escape=`\n" + syntax}}, true},
		{"value changed", "# syntax=a\nFROM a\n", []edit{{0, "=a", "=docker/dockerfile:1"}}, true},
		{"indented", "FROM a\n", []edit{{0, "", " \t# syntax=b\n"}}, true},
		{"crlf", "FROM a\r\nRUN x\r\n", []edit{{0, "", "# syntax=b\r\n"}}, true},
		{"directive removed", "# syntax=a\nFROM a\n", []edit{{0, "# syntax=a\n", ""}}, true},
		{"directive removed before a comment", "# syntax=a\n# about\nFROM a\n", []edit{{0, "# syntax=a\n", ""}}, true},
		{"and a later instruction", "FROM a\nRUN x\nRUN y\n", []edit{{0, "", syntax}, {0, "RUN y", "RUN z"}}, true},
		{"byte-order mark kept", "\xef\xbb\xbf# syntax=a\nFROM a\n", []edit{{0, "=a", "=b"}}, true},
		{"and the first instruction", "FROM a\nRUN x\n", []edit{{0, "", syntax}, {0, "FROM a", "FROM b"}}, false},
		{"escape changed", "# escape=`\nFROM a\nRUN a `\n b\n", []edit{{0, "`\n", "\\\n"}}, false},
		{"escape added", "FROM a\nRUN a `\nRUN b\n", []edit{{0, "", "# escape=`\n"}}, false},
		{"repeated directive", "# syntax=a\nFROM a\n", []edit{{0, "", syntax}}, false},
		{"comment inserted", "FROM a\n", []edit{{0, "", "# about\n"}}, false},
		{"no line end", "FROM a\n", []edit{{0, "", "# syntax=a"}}, false},
		{"before a byte-order mark", "\xef\xbb\xbfFROM a\n", []edit{{0, "", syntax}}, false},
		{"after a byte-order mark", "\xef\xbb\xbfFROM a\n", []edit{{0, "\xef\xbb\xbf", "\xef\xbb\xbf" + syntax}}, false},
		{"vertical tab", "FROM a\n", []edit{{0, "", "\v# syntax=a\n"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			old, err := Parse("Dockerfile", []byte(c.src))
			require.NoError(t, err)
			out, changes := applyEdits(t, c.src, c.edits)
			d := &Document{Src: out}
			d.setLines()
			_, h := old.plan(d, changes)
			require.Equal(t, c.header, h.n > 0, "header edit")
			got, err := Reparse(old, out, changes)
			want, werr := Parse("Dockerfile", out)
			if werr != nil {
				require.EqualError(t, err, werr.Error())
				return
			}
			require.NoError(t, err)
			require.Equal(t, "", sameDocument(got, want))
		})
	}
}
