package ast

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// TestReparseHeader: an edit of the directives at the top of the file
// moves every instruction without a parse (header) when the argument in
// reparse_header.go holds, and the document is what Parse makes of the
// text (the first node's PrevComment included: nil at the top of a file,
// empty after a directive, and the directives); else the first
// instruction is parsed again.
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
			if h.n > 0 {
				// The directives are read with the header but where a
				// line's white space is more than blanks.
				require.Equal(t, c.name != "vertical tab", h.directivesRead, "directives read")
			}
			requireReparse(t, old, out, changes)
		})
	}
}

// TestReparseHeaderRandom: random edits of the lines at the top of files
// that start with directives, comments, blank lines, a byte-order mark
// or an escape directive give what Parse gives.
func TestReparseHeaderRandom(t *testing.T) {
	heads := []string{"", "\xef\xbb\xbf", "# escape=`\n", "# syntax=a\n", "# check=skip=all\n", "# about\n", "#\n", "\n", "  # syntax=b\n", "#!/bin/sh\n"}
	pieces := []string{"", "# syntax=docker/dockerfile:1\n", "# escape=`\n", "# escape=\\\n", "# check=error=true\n", "# note\n", "#\n", "\n", " \t# syntax=c\n", "FROM z\n"}
	rng := rand.New(rand.NewSource(11))
	const body = "FROM a\nRUN x `\nRUN y\nRUN z \\\nRUN w\n"
	shown, set := 0, 0
	for round := 0; round < 3000; round++ {
		var src strings.Builder
		for k := rng.Intn(4); k > 0; k-- {
			src.WriteString(heads[rng.Intn(len(heads))])
		}
		src.WriteString(body)
		old, err := Parse("Dockerfile", []byte(src.String()))
		if err != nil {
			continue
		}
		// Replace a piece of the head (whole lines, or at a line's start).
		head := old.Lines[old.Instructions[0].StartLine-1].Start
		i := rng.Intn(head + 1)
		j := i + rng.Intn(head-i+1)
		out, changes := applyEditsAt(src.String(), []edit{{i, src.String()[i:j], pieces[rng.Intn(len(pieces))]}})
		d := &Document{Src: out}
		d.setLines()
		if _, h := old.plan(d, changes); h.n > 0 {
			shown++
			if h.setComment {
				set++
			}
		}
		requireReparse(t, old, out, changes)
	}
	require.Greater(t, shown, 300, "edits moved without a parse")
	require.Greater(t, set, 50, "PrevComment set")
}

// TestDirectiveReader: directiveReader reads lines (no line feed in them)
// as BuildKit's DirectiveParser.ParseLine does, directive by directive,
// on random lines of the bytes that matter to its pattern.
func TestDirectiveReader(t *testing.T) {
	pieces := []string{"#", "# ", "syntax", "Escape", "check", "x1", "1", "=", " ", "\t", "\v", "\f", "\r", "\u00a0", "\u0085", "\xff", "a", "`", "\\", "docker/dockerfile:1", "é"}
	rng := rand.New(rand.NewSource(7))
	read, repeated := 0, 0
	for n := 0; n < 20000; n++ {
		var dp parser.DirectiveParser
		var r directiveReader
		for k := 0; k < 3; k++ {
			var b strings.Builder
			if rng.Intn(4) > 0 {
				b.WriteString("#")
			}
			if rng.Intn(2) == 0 { // most often a name and "=" first
				b.WriteString(pieces[rng.Intn(2)+1] + pieces[rng.Intn(3)+2] + pieces[rng.Intn(5)+8] + "=")
			}
			for m := rng.Intn(8); m > 0; m-- {
				b.WriteString(pieces[rng.Intn(len(pieces))])
			}
			line := []byte(b.String())
			want, werr := dp.ParseLine(line)
			name, value, err := r.read(line)
			require.Equal(t, werr != nil, err != nil, "%q", line)
			if werr != nil {
				repeated++
			}
			if want == nil {
				require.Equal(t, "", name, "%q", line)
				continue
			}
			require.Equal(t, want.Name, name, "%q", line)
			require.Equal(t, want.Value, value, "%q", line)
			read++
		}
	}
	require.Greater(t, read, 500, "directives read")
	require.Greater(t, repeated, 5, "directives repeated")
}
