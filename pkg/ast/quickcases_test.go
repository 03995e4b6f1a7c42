package ast_test

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// quickBodies are instructions of every kind the first parse makes or
// keeps, with what its reading turns on: blanks of every kind (of Unicode
// too) around and inside keywords, words and flags; quotes and escapes
// in flags; JSON good and bad; ENV, LABEL and ARG in both forms.
// quickFrames put one in the lines around it: directives, byte order
// marks, comments, continuations, escapes alone and doubled, line
// endings, long lines. (From an adversarial review of quickparse.go.)
var quickBodies = []string{
	// instructions made here
	"RUN a", "RUN  a  ", "RUN\ta", "RUN\va", "RUN\fa", "RUN\ra", "RUN a\rb", "RUN a\r", "run a", "rUn a", "RUN\u00a0a", "RUN \u00a0a\u00a0",
	"RUN\u0085a", "RUN \u0085", "RUN \u2028a", "RUN \ufeffa", "RUN\u2003a", "RUN é", "RUNé a", "ENTRYPO\u0130NT a", "WOR\u212aDIR /x", "\u0130 x",
	"RUN --mount=type=cache x", "RUN --a=\"b c\" x", "RUN --a='b c' x", "RUN --a=\"b\\\"c\" x", "RUN --a='b\\'c' x", "RUN --a\\ b x",
	"RUN --a\\", "RUN --a=\"x", "RUN --a=\"x\\", "RUN --a=\"x\\\" y", "RUN --", "RUN -- x", "RUN --  ", "RUN --a -- --b x", "RUN --\"\" x", "RUN --'' x",
	"RUN --\"\"", "RUN --a=é x", "RUN --a x\u00a0y", "RUN --a \u00a0--b x", "RUN --a \u0085 x", "RUN --a\u00a0--b x", "RUN --a\tb", "RUN --a\vb", "RUN --a\fb",
	"RUN --a\rb", "RUN - x", "RUN -x", "RUN ---x y", "RUN --a=`b c", "RUN --a`", "RUN --a=\\", "RUN --a=\\\\ x", "RUN \"--a\" x",
	"CMD []", "CMD [ ]", "CMD [\"a\"]", "CMD [ \"a\" , \"b\" ]", "CMD [\"a\", 1]", "CMD [\"a\", null]", "CMD [\"a\"", "CMD [\"a\"] x",
	"CMD [\"a\\u0000\"]", "CMD [\"\\ud800\"]", "CMD [\"é\"]", "CMD [\t\"a\"\t]", "CMD [\"a\"]\u00a0", "CMD \u00a0[\"a\"]", "CMD [[\"a\"]]", "CMD [{}]",
	"CMD [\"a\",]", "CMD [\u00a0\"a\"]", "CMD {\"a\":1}", "CMD null", "CMD [true]", "CMD [\"a\"]\v",
	"ENTRYPOINT [\"a\", \"b\"]", "SHELL [\"a\"]", "SHELL a b", "COPY a b", "COPY [\"a\", \"b\"]", "COPY [\"a\", 1]", "COPY [\"a\"", "COPY a\tb\vc\fd\re",
	"COPY a \u00a0 b", "COPY --from=x a b", "COPY --chown=a:b [\"a\",\"b\"]", "ADD -- a b", "ADD a", "VOLUME /a /b", "VOLUME [\"/a\"]", "VOLUME []",
	"FROM a", "FROM a AS b", "FROM --platform=$X a AS b", "FROM [\"a\"]", "FROM a\tb", "EXPOSE 80 443/udp", "EXPOSE  80\v\v81",
	"WORKDIR /a b", "WORKDIR \u00a0/w\u00a0", "USER a:b", "MAINTAINER me <a@b>", "STOPSIGNAL SIGKILL",
	"ARG a", "ARG a=b", "ARG a=b c=d", "ARG a= b", "ARG =b", "ARG a==b", "ARG 'a'", "ARG \"a\"", "ARG a\\b", "ARG a`b", "ARG é", "ARG a\tb",
	"ARG a\vb", "ARG a\u00a0b", "ARG a=\"b c\"",
	"ENV a b", "ENV a b c", "ENV a  b  c ", "ENV a\tb", "ENV a\vb", "ENV a\fb", "ENV a\rb", "ENV a", "ENV a=", "ENV a=b", "ENV a=b c", "ENV a=b c=d",
	"ENV =b", "ENV a==b", "ENV a=b=c", "ENV a =b", "ENV a= b", "ENV a b=c", "ENV a=\"b c\"", "ENV a=b\\ c", "ENV a='b'", "ENV é=1", "ENV a é",
	"ENV a\u00a0b", "ENV a \u00a0b", "LABEL a=b", "LABEL a b", "LABEL a", "LABEL =", "LABEL a=b c", "LABEL \"a\"=b", "LABEL a=b\tc=d",
	// instructions kept
	"ONBUILD RUN x", "HEALTHCHECK CMD x", "HEALTHCHECK NONE", "BOGUS x", "RUN", "ENV", "ARG", "LABEL", "FROM", "CMD", "COPY", "USER", "RUN   ",
	"\\", "`", "RUN --a", "COPY --from=a", "ONBUILD", "ONBUILD ENV a", "CMD [1]",
	// "<<" that only a continuation makes (Parse looks for heredocs in the
	// logical line)
	"RUN <\\\n<EOF\nx\nEOF", "RUN a <\\\n# c\n<EOF\nx\nEOF", "COPY <\\\n<EOF /a\nx\nEOF", "ONBUILD RUN <\\\n<EOF\nx\nEOF",
	"RUN a <` \n<EOF\nx\nEOF", "RUN a <\\\n<",
}

var quickFrames = []func(string) string{
	func(b string) string { return b + "\n" },
	func(b string) string { return b },
	func(b string) string { return "FROM x\n" + b + "\n" },
	func(b string) string { return "FROM x\n" + b },
	func(b string) string { return b + "\nRUN y\n" },
	func(b string) string { return b + "\nONBUILD RUN y\n" },
	func(b string) string { return "ONBUILD RUN y\n" + b + "\n" },
	func(b string) string { return "# c\n" + b + "\n" },
	func(b string) string { return "#\n" + b + "\n" },
	func(b string) string { return "# c\n#\n" + b + "\n" },
	func(b string) string { return "#\n# c\n" + b + "\n" },
	func(b string) string { return "  # c \n\n" + b + "\n" },
	func(b string) string { return "\u00a0# c\n" + b + "\n" },
	func(b string) string { return "# escape=`\n" + b + "\n" },
	func(b string) string { return "# escape=`\nFROM x\n" + b + "\n" },
	func(b string) string { return "# escape=`\n\nFROM x\n# c\n" + b + "\n" },
	func(b string) string { return "# syntax=x\n" + b + "\nRUN y\n" },
	func(b string) string { return "\ufeff" + b + "\n" },
	func(b string) string { return "\ufeffFROM x\n" + b + "\n" },
	func(b string) string { return "\ufeff# escape=`\n" + b + "\n" },
	func(b string) string { return "FROM x\n# escape=`\n" + b + "\n" },
	func(b string) string { return "FROM x\n# escape=`\nONBUILD RUN y `\n z\n" + b + "\n" },
	func(b string) string { return "\n# escape=`\n" + b + "\n" },
	func(b string) string { return "RUN a \\\n" + b + "\n" },
	func(b string) string { return "RUN a \\\n# c\n\n" + b + "\n" },
	func(b string) string { return "RUN a \\\n  \\\n" + b + "\n" },
	func(b string) string { return "\\\n" + b + "\n" },
	func(b string) string { return " \\ \n" + b + "\n" },
	func(b string) string { return "\\\\\n" + b + "\n" },
	func(b string) string { return "RUN a \\\\\n" + b + "\n" },
	func(b string) string { return "RUN a \\\\\\\n" + b + "\n" },
	func(b string) string { return b + " \\\n" },
	func(b string) string { return b + " \\" },
	func(b string) string { return b + " \\\n# c" },
	func(b string) string { return b + " \\\n\nRUN z\n" },
	func(b string) string { return b + " \\\r\nRUN z\r\n" },
	func(b string) string { return b + " \\ \t\nRUN z\n" },
	func(b string) string { return b + " \\\v\nRUN z\n" },
	func(b string) string { return b + " \\\r \nRUN z\n" },
	func(b string) string { return b + "\\\nx\n" },
	func(b string) string { return b + " `\nx\n" },
	func(b string) string { return "# escape=`\n" + b + " `\nx\n" },
	func(b string) string { return "# escape=`\n" + b + " \\\nx\n" },
	func(b string) string { return "# escape=`\nFROM a\n" + b + " ``\nx\n" },
	func(b string) string { return "FROM a\n" + b + "\n \\\n\\\nRUN b\n" },
	func(b string) string { return "FROM a\n\\\n" + b + "\n" },
	func(b string) string { return "FROM a \\\n \\ \n" + b + "\n" },
	func(b string) string { return b + "\r\n" },
	func(b string) string { return b + "\r\r\n" },
	func(b string) string { return b + "\r" },
	func(b string) string { return "\r\n" + b + "\r\n" },
	func(b string) string { return "\t\v\f " + b + "\n" },
	func(b string) string { return "\u00a0\u2028\u0085" + b + "\n" },
	func(b string) string { return "FROM x\n\u00a0" + b + "\n" },
	func(b string) string { return "FROM x\n" + b + " \\\n\u00a0# c\n y\n" },
	func(b string) string { return "FROM x\n" + b + " \\\n\u00a0\\\n y\n" },
	func(b string) string { return "FROM x\n" + b + " \\\n\u2028\n y\n" },
	func(b string) string { return "FROM x\n" + b + " \\\n\ufeff\n y\n" },
	func(b string) string { return "FROM x\n" + b + " \\\n\ufeff# c\n y\n" },
	func(b string) string { return "FROM x\n# a\n  # b\n#\n# \u00a0c\n" + b + "\n" },
	func(b string) string { return "FROM x\n# a\n\n" + b + "\n# trailing\n" },
	func(b string) string { return "FROM x\n" + b + "\n" + b + "\n" + b },
	func(b string) string { return "# escape=\\\n# escape=`\n" + b + "\n" },
	func(b string) string { return "# escape=x\n" + b + "\n" },
	func(b string) string { return "# escape=`\r\n" + b + "\r\n" },
	func(b string) string { return "#escape=`\n" + b + "\n" },
	func(b string) string { return "# ESCAPE = ` \n" + b + "\n" },
	func(b string) string { return "# check=skip=all\n# escape=`\n" + b + "\n" },
	func(b string) string { return "# foo=bar\n# escape=`\n" + b + "\n" },
	func(b string) string { return "# directive=x\n" + b + "\n" },
	func(b string) string { return "#!/bin/sh\n" + b + "\n" },
	func(b string) string { return "// syntax=x\n" + b + "\n" },
	func(b string) string { return "FROM x\n" + b + "\n" + strings.Repeat("#", 70<<10) + "\n" },
	func(b string) string { return "FROM x\n" + b + " " + strings.Repeat("y", 62<<10) + "\n" },
	func(b string) string { return "FROM x\n" + b + " " + strings.Repeat("y", (64<<10)-20) + "\n" },
}

// Every body in every frame, under either escape character: the first
// parse is parser.Parse's.
func TestQuickNodesCases(t *testing.T) {
	before := ast.QuickParses()
	for _, f := range quickFrames {
		for _, b := range quickBodies {
			requireQuickAsParse(t, []byte(f(b)))
			requireQuickAsParse(t, []byte(strings.ReplaceAll(f(b), "\\", "`")))
		}
	}
	require.Greater(t, ast.QuickParses()-before, int64(5000), "the shortcut runs")
}

// Two bodies after each other: one made and one kept, in either order,
// on lines of their own, continued, with comments, under the backquote.
func TestQuickNodesPairs(t *testing.T) {
	for _, a := range quickBodies {
		for _, b := range quickBodies {
			for _, src := range []string{a + "\n" + b + "\n", a + " \\\n" + b, "# c\n" + a + "\n#\n" + b, "# escape=`\n" + a + "\n# d\n" + b + "\n"} {
				requireQuickAsParse(t, []byte(src))
			}
		}
	}
}

// Text that is not UTF-8 (which Parse's callers refuse first) is
// Parse's to read: BuildKit reads a flag word's bytes as runes, where a
// stray byte of a broken sequence can be a blank.
func TestQuickNodesNotUTF8(t *testing.T) {
	for _, src := range []string{
		"RUN \xa0--a x\n", "RUN --a=1 \xa0--b=2 x\n", "RUN --a=1 \x85 x\n", "RUN --a\xa0b x\n", "COPY \xa0--from=a b c\n",
		"\xff\n", "RUN --a\\\xc3 x\n", "RUN --a=\"\\\xc3\" x\n", "RUN \xff\n", "ENV a \xa0\n", "RUN x\xff\\\ny\n", "FROM \xa0",
	} {
		requireQuickAsParse(t, []byte(src))
	}
}

// Files made of random keywords, words and line ends.
func TestQuickNodesRandomFiles(t *testing.T) {
	keys := []string{"RUN", "run", "CMD", "ENTRYPOINT", "SHELL", "COPY", "ADD", "VOLUME", "FROM", "EXPOSE", "WORKDIR", "USER",
		"MAINTAINER", "STOPSIGNAL", "ARG", "ENV", "LABEL", "ONBUILD", "HEALTHCHECK", "X", "", "#", "# escape=`", "# escape=\\", "# syntax=a", "\\", "`"}
	toks := []string{"", " ", "  ", "\t", "\v", "\f", "\r", "\u00a0", "\u0085", "\u2028", "\ufeff", "a", "b=c", "=", "==", "a=", "=b", "--", "--a",
		"--a=b", "--a=\"b c\"", "--a='b", "\"", "'", "\\", "`", "\\\\", "``", "[", "]", "[\"a\"]", "[\"a\", \"b\"]", "[1]", "[]", "é", "#", "# c",
		",", "\\ ", "` ", "--\"\"", "RUN", "ENV"}
	ends := []string{"\n", "\n", "\n", "\r\n", " \\\n", " `\n", "\\\n", "`\n", "\\ \t\n", "\\\r\n", "\\\\\n", "", "\r", "\n\n", "\n#\n", "\n# x\n", "\n \n", "\n\u00a0\n"}
	rng := rand.New(rand.NewSource(99))
	for iter := 0; iter < 50000; iter++ {
		var sb strings.Builder
		if rng.Intn(8) == 0 {
			sb.WriteString("\ufeff")
		}
		for l := rng.Intn(6) + 1; l > 0; l-- {
			if rng.Intn(4) == 0 {
				sb.WriteString(toks[rng.Intn(len(toks))])
			}
			sb.WriteString(keys[rng.Intn(len(keys))])
			for w := rng.Intn(5); w > 0; w-- {
				if rng.Intn(3) > 0 {
					sb.WriteString(" ")
				}
				sb.WriteString(toks[rng.Intn(len(toks))])
			}
			sb.WriteString(ends[rng.Intn(len(ends))])
		}
		requireQuickAsParse(t, []byte(sb.String()))
	}
}

// Where a shell-form RUN's arguments start (after its flags, read by
// flagWord) is where BuildKit's arguments start: the logical line from
// there, trimmed, is the node's argument. Flags with blanks of Unicode
// in them (a byte 0x85 or 0xA0 is a blank to extractBuilderFlags) are
// among the cases.
func TestArgsStartAsParse(t *testing.T) {
	bodies := append([]string{"RUN --a=\u00a0b x", "RUN --a=\u0085b x", "RUN --a=é\u00a0 x", "RUN --a=\"\u00a0\" x", "RUN --a\\\u00a0b x"}, quickBodies...)
	n := 0
	for _, b := range bodies {
		d, err := ast.Parse("Dockerfile", []byte("FROM x\n"+b+"\n"))
		if err != nil {
			continue
		}
		for _, ins := range d.Instructions {
			if ins.Cmd != "run" || ins.JSON || ins.Node.Next == nil {
				continue
			}
			logical := ins.Logical()
			k := 0
			for k < len(logical) && ins.Orig(k) < ins.ArgsStart {
				k++
			}
			require.Equal(t, ins.Node.Next.Value, strings.TrimSpace(logical[k:]), "%q", b)
			require.Len(t, ins.Flags, len(ins.Node.Flags), "%q", b)
			n++
		}
	}
	require.Greater(t, n, 20)
}
