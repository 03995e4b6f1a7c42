package equiv

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

func prog(t testing.TB, text string, flags ...string) Program {
	t.Helper()
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(text), "")
	require.NoError(t, err, text)
	return Program{File: f, Flags: flags}
}

func progs(t testing.TB, texts ...string) []Program {
	var out []Program
	for _, s := range texts {
		out = append(out, prog(t, s))
	}
	return out
}

// Joining RUNs: each case is the original RUNs and the merged body.
func TestJoin(t *testing.T) {
	cases := []struct {
		name   string
		orig   []string
		merged string
		same   bool
	}{
		{"and chain", []string{"apt-get update", "apt-get install -y curl"}, "apt-get update && apt-get install -y curl", true},
		{"right body with || swallows the left failure",
			[]string{"gcc -static a.c -o /bin/a", `[ "$(uname -m)" = x86_64 ] && gcc -m32 b.c -o /bin/b || true`},
			`gcc -static a.c -o /bin/a && [ "$(uname -m)" = x86_64 ] && gcc -m32 b.c -o /bin/b || true`, false},
		{"right body grouped",
			[]string{"gcc -static a.c -o /bin/a", `[ "$(uname -m)" = x86_64 ] && gcc -m32 b.c -o /bin/b || true`},
			`gcc -static a.c -o /bin/a && { [ "$(uname -m)" = x86_64 ] && gcc -m32 b.c -o /bin/b || true; }`, true},
		{"left body with || keeps failing", []string{"a || true", "false"}, "a || true && false", true},
		{"left body ends with a list", []string{"a; b", "c"}, "a; b && c", true},
		{"right body is a list", []string{"a", "b; c"}, "a && b; c", false},
		{"right body is a list, grouped", []string{"a", "b; c"}, "a && { b; c; }", true},
		{"negation", []string{"a", "! b"}, "a && ! b", true},
		{"exit in the first body", []string{"exit 0", "false"}, "exit 0 && false", false},
		{"cd carries over", []string{"cd /tmp", "make"}, "cd /tmp && make", false},
		{"cd in a subshell does not", []string{"(cd /tmp && make)", "make install"}, "(cd /tmp && make) && make install", true},
		{"export carries over", []string{"export CC=clang", "make"}, "export CC=clang && make", false},
		{"variable carries over", []string{"V=1", `echo "$V" > /out`}, `V=1 && echo "$V" > /out`, false},
		{"set -e carries over", []string{"set -e", "a; b"}, "set -e && { a; b; }", false},
		{"pipeline status", []string{"a", "b | c"}, "a && b | c", true},
		{"loop", []string{"a", "for f in x y; do g $f; done"}, "a && for f in x y; do g $f; done", true},
		{"while read terminates", []string{"a", "while read l; do b; done"}, "a && while read l; do b; done", true},
		{"redirections", []string{"echo hi > /etc/motd", "cat /etc/motd"}, "echo hi > /etc/motd && cat /etc/motd", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := Check(progs(t, c.orig...), progs(t, c.merged))
			require.Empty(t, v.Unknown)
			require.Equal(t, c.same, v.Same, v.Diff)
			if !c.same {
				require.NotEmpty(t, v.Reason())
			}
		})
	}
}

// A command named by an expansion may be eval (`c=eval; $c 'exit $?'`)
// and read any status: every command's status matters, as with eval.
func TestObservedNamedByExpansion(t *testing.T) {
	require.Nil(t, observed(prog(t, "a; b; c=eval; $c 'exit $?'").File, nil))
	require.Nil(t, observed(prog(t, "a; b; eval 'exit $?'").File, nil))
	require.NotNil(t, observed(prog(t, "a; b; c").File, nil))
}

// Only commands whose status can matter are choice points.
func TestObserved(t *testing.T) {
	cases := []struct {
		body  string
		flags []string
		paths int
	}{
		{"a; b; c; d; e; f; g; h; i; j", nil, 2},     // only j's status matters
		{"a | b | c | d | e", nil, 2},                // only e's
		{"a | b | c", []string{"-o", "pipefail"}, 8}, // each can fail the pipeline
		{"set -e; a; b; c", nil, 4},                  // errexit: each stops the RUN
		{"a; b; c", []string{"-e"}, 4},               // the same, from SHELL
		{"a; echo $?", nil, 2},                       // $? reads a
		{"echo $(a) $(b); c", nil, 2},                // substitutions in arguments
		{"x=$(a); b", nil, 2},                        // a is not last
		{"x=$(a)", nil, 2},                           // the status of x=$(a) is a's
		{"if a; then b; fi; c", nil, 4},              // a decides whether b runs; b does not matter
		{"for f in x y; do a $f; done; rm -rf /l", nil, 2},
	}
	for _, c := range cases {
		v := Check([]Program{prog(t, c.body, c.flags...)}, []Program{prog(t, c.body, c.flags...)})
		require.True(t, v.Same, c.body)
		require.Equal(t, c.paths, v.Paths, c.body)
	}
	// A status that does not matter in the original but does in the
	// rewrite is still explored: the class of a cleanup removed after `;`.
	o := prog(t, "for f in x y; do a $f; done; rm -rf /l")
	o.Ident = ident("for f in x y; do a $f; done; rm -rf /l", map[string]Kind{"rm": Removed})
	r := prog(t, "for f in x y; do a $f; done")
	r.Ident = ident("for f in x y; do a $f; done", nil)
	require.False(t, Check([]Program{o}, []Program{r}).Same)
}

func TestPipefail(t *testing.T) {
	// Under pipefail, `b | c` fails when b does: still the same when merged.
	orig := []Program{prog(t, "a", "-o", "pipefail"), prog(t, "b | c", "-o", "pipefail")}
	v := Check(orig, []Program{prog(t, "a && b | c", "-o", "pipefail")})
	require.True(t, v.Same, v.Diff)
	// A merge whose two sides run under different options is not.
	v = Check([]Program{prog(t, "a"), prog(t, "b | c")}, []Program{prog(t, "a && b | c", "-o", "pipefail")})
	require.False(t, v.Same)
}

// ident knows commands by the text of their name word, except those
// listed as removed or added.
func ident(text string, kinds map[string]Kind) func(syntax.Pos) (string, Kind) {
	return func(p syntax.Pos) (string, Kind) {
		rest := text[p.Offset():]
		name := strings.TrimRight(strings.Fields(rest)[0], ";")
		if k, ok := kinds[name]; ok {
			return name, k
		}
		return name, Keep
	}
}

func TestRemoval(t *testing.T) {
	cases := []struct {
		name, orig, rewrite string
		same                bool
	}{
		{"after &&", "apt-get install -y x && rm -rf /var/lib/apt/lists/*", "apt-get install -y x", true},
		{"after ; following a loop", "for f in a b; do check $f; done; rm -rf /var/lib/apt/lists/*", "for f in a b; do check $f; done", false},
		{"replaced by true after ;", "for f in a b; do check $f; done; rm -rf /var/lib/apt/lists/*", "for f in a b; do check $f; done; true", true},
		{"in the middle of &&", "apt-get update && apt-get clean && make", "apt-get update && make", true},
		{"after ||", "a || rm -rf /x", "a", false},
		{"two removals after ;", "a; rm -rf /x; rm -rf /y", "a", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := prog(t, c.orig)
			o.Ident = ident(c.orig, map[string]Kind{"rm": Removed, "apt-get clean": Removed})
			if strings.Contains(c.orig, "apt-get clean") {
				o.Ident = func(p syntax.Pos) (string, Kind) {
					if strings.HasPrefix(c.orig[p.Offset():], "apt-get clean") {
						return "", Removed
					}
					return ident(c.orig, nil)(p)
				}
			}
			r := prog(t, c.rewrite)
			r.Ident = ident(c.rewrite, map[string]Kind{"true": Added})
			v := Check([]Program{o}, []Program{r})
			require.Empty(t, v.Unknown)
			require.Equal(t, c.same, v.Same, v.Diff)
		})
	}
}

// Edits that change only the options of scripted commands, or drop a
// command where it leaves no trace, need no interpreter run; anything
// else does. Where the fast path answers, the interpreter agrees.
func TestSkeleton(t *testing.T) {
	known := func(text string, flags []string) Program {
		p := prog(t, text, flags...)
		p.Ident = ident(text, map[string]Kind{"rm": Removed})
		return p
	}
	for _, c := range []struct {
		orig, rewrite string
		fast          bool
		flags         []string
	}{
		{"pip install --no-cache-dir -r r.txt && echo ok", "pip install -r r.txt && echo ok", true, nil},
		{"apt-get install -y x; apt-get clean", "apt-get -o A=b install -y x; apt-get clean", true, nil},
		{"apt-get install -y x && rm -rf /l", "apt-get install -y x", true, nil}, // a removal after &&
		{"rm -rf /l && apt-get install -y x", "apt-get install -y x", true, nil}, // before &&
		{"a && rm -rf /l && b", "a && b", true, nil},                             // in the middle
		{"a && b && rm -rf /l", "a && b", true, nil},                             // at the end of a longer list
		{"a; rm -rf /l", "a", false, nil},                                        // at the end, errexit off: a's status would be the program's
		{"a || rm -rf /l", "a", false, nil},                                      // after ||
		{"a && ! rm -rf /l", "a", false, nil},                                    // negated
		{"a && b", "a || b", false, nil},                                         // an operator
		{"set -u; a && rm -rf $X", "set -u; a", false, nil},                      // its words expand: an unset X ends the RUN
		{"a && rm -rf $(b)", "a", false, nil},                                    // b runs
		{"a && exit 0", "a && exit 1", false, nil},                               // a native command's arguments
		{"cd /a && make", "cd /b && make", false, nil},                           // cd's
		{"for f in x y; do a $f; done", "for f in x; do a $f; done", false, nil}, // a loop's words
		{"a > /x", "a > /y", false, nil},                                         // a redirection
		{"a x;", "a x", true, nil},                                               // a terminator
		// A statement of its own in the middle of a list.
		{"a; rm -rf /l; b", "a; b", true, nil},
		{"set -u; a; rm -rf $X; b", "set -u; a; b", false, nil}, // an unset X ends the RUN
		{"a\nrm -rf /l\nrm -rf /m\nb", "a\nb", true, nil},
		{"if c; then a; rm -rf /l; b; fi", "if c; then a; b; fi", true, nil},
		{"rm -rf /l; b", "b", true, nil},
		{"a; rm -rf /l; [ $? = 0 ] && b", "a; [ $? = 0 ] && b", false, nil}, // the next one reads the status
		{"a; rm -rf /l; b ${PIPESTATUS[0]}", "a; b ${PIPESTATUS[0]}", false, nil},
		{"a; rm -rf /l; echo $_", "a; echo $_", false, nil}, // or the last argument
		{`a; rm -rf /l; eval "$x"`, `a; eval "$x"`, false, nil},
		{"f() { a; }; a; rm -rf /l; b", "f() { a; }; a; b", false, nil}, // a function
		{"a; rm -rf /l >/x; b", "a; b", false, nil},                     // a redirection of its own
		{"a; rm -rf /l & b", "a; b", false, nil},                        // in the background
		{"{ a; rm -rf /l; }", "{ a; }", false, nil},                     // the end of a nested list
		// At the end of the program, under errexit.
		{"set -ex; a; rm -rf /l", "set -ex; a", true, nil},
		{"set -eux\na\nrm -rf /l\nrm -rf /m", "set -eux\na", true, nil},
		{"set -o errexit; a | b; rm -rf /l", "set -o errexit; a | b", true, nil},
		{"a; rm -rf /l", "a", true, []string{"-e"}},
		{"set -e; a && b; rm -rf /l", "set -e; a && b", false, nil}, // a failing a does not end it
		{"set -e; ! a; rm -rf /l", "set -e; ! a", false, nil},       // negated
		{"set -e; if a; then b; fi; rm -rf /l", "set -e; if a; then b; fi", true, nil},
		{"set -e; if a; then b && c; fi; rm -rf /l", "set -e; if a; then b && c; fi", false, nil},
		{"set -e; for f in x; do a $f; done; rm -rf /l", "set -e; for f in x; do a $f; done", true, nil},
		{"set -e; command -v a; rm -rf /l", "set -e; command -v a", true, nil},
		{"set -e; command set +e; a; rm -rf /l", "set -e; command set +e; a", false, nil},
		{"set -eo pipefail; a | b; rm -rf /l", "set -eo pipefail; a | b", true, nil},
		{"set -ez; a; rm -rf /l", "set -ez; a", false, nil}, // an option no shell knows
		{"set -e -o foo; a; rm -rf /l", "set -e -o foo; a", false, nil},
		{"a; rm -rf /l; command -v b", "a; command -v b", true, nil},
		{"set -e; set +e; a; rm -rf /l", "set -e; set +e; a", false, nil}, // errexit turned off
		{"set -e; (set +o errexit); a; rm -rf /l", "set -e; (set +o errexit); a", false, nil},
		{"set -e; set $O; a; rm -rf /l", "set -e; set $O; a", false, nil}, // options unknown
		{"set -e; shopt -u x; a; rm -rf /l", "set -e; shopt -u x; a", false, nil},
		{"a; set -e; rm -rf /l", "a; set -e", false, nil}, // errexit must be on before the last statement
		{"a; rm -rf /l; set -e", "a; set -e", true, nil},  // in the middle
	} {
		o, r := known(c.orig, c.flags), known(c.rewrite, c.flags)
		fast := sameSkeleton([]Program{o}, []Program{r})
		require.Equal(t, c.fast, fast, c.orig)
		if fast {
			v := interpret([]Program{o}, []Program{r})
			require.True(t, v.Same, "%s: the fast path says the same, the interpreter: %s", c.orig, v.Reason())
		}
	}
}

// An added command joined by && leaves no trace either: it runs as
// `true`.
func TestSkeletonAdded(t *testing.T) {
	for _, c := range []struct {
		orig, rewrite string
		fast          bool
	}{
		{"apt-get install -y x", "apt-get install -y x && rm -rf /var/lib/apt/lists/*", true},
		{"a && b", "a && rm -rf /l && b", true},
		{"a", "rm -rf /l && a", true},
		{"a && rm -rf /l && b", "a && true && b", true}, // removed, and added in its place
		{"a", "a || rm -rf /l", false},
		{"a", "a; rm -rf /l", false},
		{"a", "a && ! rm -rf /l", false},
		{"a", "a && rm -rf /l > /x", false},
		{"a", "a && rm -rf ${X:?}", false}, // an expansion that may end the RUN
	} {
		o := prog(t, c.orig)
		o.Ident = ident(c.orig, map[string]Kind{"rm": Removed})
		r := prog(t, c.rewrite)
		r.Ident = ident(c.rewrite, map[string]Kind{"rm": Added, "true": Added})
		fast := sameSkeleton([]Program{o}, []Program{r})
		require.Equal(t, c.fast, fast, c.rewrite)
		if fast {
			v := interpret([]Program{o}, []Program{r})
			require.True(t, v.Same, "%s: the fast path says the same, the interpreter: %s", c.rewrite, v.Reason())
		}
	}
}

func TestUnknown(t *testing.T) {
	for _, body := range []string{
		"while true; do sleep 1; done", // never ends
		"while :; do :; done",          // never ends, and runs no program
		"pushd /src && make",           // a directory stack is not followed
	} {
		v := Check(progs(t, body), progs(t, body))
		require.False(t, v.Same, body)
		require.NotEmpty(t, v.Unknown, body)
	}
}

// TestStepBound: a loop that runs no command is stopped by the count of
// the interpreter's steps, with the same answer on a busy machine as on
// an idle one (a wall-clock bound gave "unknown" only under load).
func TestStepBound(t *testing.T) {
	for _, body := range []string{
		"while [[ 1 ]]; do x=1; done",
		"while ((1)); do ((i++)); done",
	} {
		v := Check(progs(t, "true; "+body), progs(t, "true && "+body))
		require.False(t, v.Same, body)
		require.Equal(t, "a body runs too long in the interpreter", v.Unknown, body)
	}
}

func TestBounds(t *testing.T) {
	// Ten independent tests: 2^10 paths is past the bound.
	var b strings.Builder
	for i := 0; i < 10; i++ {
		b.WriteString("if c" + strings.Repeat("x", i) + "; then y; fi; ")
	}
	b.WriteString("true")
	v := Check(progs(t, b.String()), progs(t, b.String()))
	require.False(t, v.Same)
	require.Contains(t, v.Unknown, "paths")
	// Five commands joined by && need six paths (the interpreter's; the
	// fast path needs none).
	v = interpret(progs(t, "a", "b", "c", "d", "e"), progs(t, "a && b && c && d && e"))
	require.True(t, v.Same)
	require.Equal(t, 6, v.Paths)
	v = Check(progs(t, "a", "b", "c", "d", "e"), progs(t, "a && b && c && d && e"))
	require.True(t, v.Same)
	require.Equal(t, 0, v.Paths)
}

func BenchmarkJoinFive(b *testing.B) {
	orig := progs(b, "apt-get update", "apt-get install -y curl", "curl -fsSL https://x | sh", "rm -rf /tmp/x", "useradd app")
	merged := progs(b, "apt-get update && apt-get install -y curl && curl -fsSL https://x | sh && rm -rf /tmp/x && useradd app")
	for b.Loop() {
		if !Check(orig, merged).Same {
			b.Fatal("not the same")
		}
	}
}

// BenchmarkCheck is one interpreter check from cold, on the shapes the
// chain asks about: RUNs joined, each starting with set -eux (traced), one
// with a pipe; and a command removed after `;` (the fast paths answer
// both without the interpreter: this measures what they save).
func BenchmarkCheck(b *testing.B) {
	first := "set -eux; apt-get update; apt-get install -y --no-install-recommends curl ca-certificates; rm -rf /var/lib/apt/lists/*"
	second := "set -eux; curl -fsSL https://example.com/t.tgz | tar -xz -C /opt; ln -s /opt/t/bin/t /usr/local/bin/t"
	b.Run("join", func(b *testing.B) {
		orig := progs(b, first, second)
		joined := progs(b, first+" && { "+second+"; }")
		for b.Loop() {
			if v := interpret(orig, joined); !v.Same || v.Paths != 6 {
				b.Fatal(v)
			}
		}
	})
	b.Run("removal", func(b *testing.B) {
		text := "set -eux; apt-get update; apt-get install -y curl; rm -rf /var/lib/apt/lists/*"
		rewrite := "set -eux; apt-get update; apt-get install -y curl"
		o := prog(b, text)
		o.Ident = ident(text, map[string]Kind{"rm": Removed})
		r := prog(b, rewrite)
		r.Ident = ident(rewrite, nil)
		for b.Loop() {
			if v := interpret([]Program{o}, []Program{r}); !v.Same || v.Paths != 3 {
				b.Fatal(v)
			}
		}
	})
}

// RUNs joined by && need no interpreter run where nothing an earlier RUN
// does can reach a later one; anything else does. Where the fast path
// answers, the interpreter agrees.
func TestJoinFast(t *testing.T) {
	e := []string{"-e"}
	for _, c := range []struct {
		orig   []string
		merged string
		fast   bool
		flags  []string
	}{
		{[]string{"apt-get update", "apt-get install -y curl"}, "apt-get update && apt-get install -y curl", true, nil},
		{[]string{"a", "b; c"}, "a && { b; c; }", true, nil},               // grouped
		{[]string{"a; b", "c"}, "a; b && c", true, nil},                    // the first ends with a list
		{[]string{"a || true", "false"}, "a || true && false", true, nil},  // || on the left
		{[]string{"a", "b && c", "d"}, "a && b && c && d", true, nil},      // spliced in
		{[]string{"a", "b && c", "d"}, "a && { b && c; } && d", true, nil}, // or grouped
		{[]string{"(cd /tmp && make)", "make install"}, "(cd /tmp && make) && make install", true, nil},
		{[]string{"DEBIAN_FRONTEND=noninteractive apt-get install -y x", "b"}, "DEBIAN_FRONTEND=noninteractive apt-get install -y x && b", true, nil},
		{[]string{"echo hi > /etc/motd", "cat /etc/motd"}, "echo hi > /etc/motd && cat /etc/motd", true, nil},
		{[]string{"a", "b | c"}, "a && b | c", true, nil},
		{[]string{"a $(b; c)", "d"}, "a $(b; c) && d", true, nil},
		{[]string{"if a; then b; fi", "c"}, "if a; then b; fi && c", true, nil},
		{[]string{"a", "cd /x && make"}, "a && cd /x && make", true, nil},                // the last may change the shell
		{[]string{"a", "set -e; b; c"}, "a && { set -e; b; c; }", true, nil},             // errexit in the last: honoured
		{[]string{"a", "export V=1; exit 3"}, "a && { export V=1; exit 3; }", true, nil}, // so may it end it
		{[]string{"a", "b"}, "a &&\n# a comment between the RUNs\nb", true, nil},
		{[]string{"a && b", "c | d", "e"}, "a && b && c | d && e", true, e}, // errexit: simple commands
		{[]string{"a || b", "c"}, "a || b && c", true, e},
		{[]string{"a; b", "c"}, "a; b && { c; }", true, e},
		{[]string{"a", "b | c"}, "a && b | c", true, []string{"-o", "pipefail"}},
		// What an earlier RUN leaves in the shell.
		{[]string{"cd /tmp", "make"}, "cd /tmp && make", false, nil},
		{[]string{"export CC=clang", "make"}, "export CC=clang && make", false, nil},
		{[]string{"V=1", `echo "$V" > /out`}, `V=1 && echo "$V" > /out`, false, nil},
		{[]string{"set -e", "a; b"}, "set -e && { a; b; }", false, nil},
		{[]string{"exit 0", "false"}, "exit 0 && false", false, nil},
		{[]string{"trap 'rm -f /x' EXIT", "b"}, "trap 'rm -f /x' EXIT && b", false, nil},
		{[]string{"umask 077", "touch /x"}, "umask 077 && touch /x", false, nil},
		{[]string{"read x < /f", `echo "$x"`}, `read x < /f && echo "$x"`, false, nil},
		{[]string{": ${V:=1}", `echo "$V"`}, `: ${V:=1} && echo "$V"`, false, nil},
		{[]string{"printf -v x y", `echo "$x"`}, `printf -v x y && echo "$x"`, false, nil},
		{[]string{"V=1 :", `echo "$V"`}, `V=1 : && echo "$V"`, false, nil},
		{[]string{"$CMD", "b"}, "$CMD && b", false, nil},
		{[]string{"a | cd /x", "b"}, "a | cd /x && b", false, nil}, // the last command of a pipe runs in the shell
		{[]string{"a & b", "c"}, "a & b && c", false, nil},
		// What a later RUN reads of the commands before it.
		{[]string{"a", "echo $LINENO > /x"}, "a && echo $LINENO > /x", false, nil},
		{[]string{"a | b", "echo ${PIPESTATUS[0]} > /x"}, "a | b && echo ${PIPESTATUS[0]} > /x", false, nil},
		{[]string{"a", `eval "$X"`}, `a && eval "$X"`, false, nil},
		{[]string{"a", "echo $RANDOM > /x"}, "a && echo $RANDOM > /x", false, nil},
		// The left side of && ignores errexit.
		{[]string{"{ a; b; }", "c"}, "{ a; b; } && c", false, e},
		{[]string{"a", "b; c", "d"}, "a && { b; c; } && d", false, e},
		{[]string{"a $(b; c)", "d"}, "a $(b; c) && d", false, e},
		{[]string{"(a; b)", "c"}, "(a; b) && c", false, e},
		// Not the join.
		{[]string{"a", "b; c"}, "a && b; c", false, nil},
		{[]string{"a", "b || true"}, "a && b || true", false, nil},
		{[]string{"a", "b"}, "a || b", false, nil},
		{[]string{"a", "b"}, "b && a", false, nil},
		{[]string{"a", "b"}, "a && c", false, nil},
		{[]string{"a x", "b"}, "a  x && b", true, nil}, // blanks are not in the tree
		// What the interpreter does not run to the end, or not alone.
		{[]string{"for f in x y; do a $f; done", "b"}, "for f in x y; do a $f; done && b", false, nil},
		{[]string{"f() { a; }; f", "b"}, "f() { a; }; f && b", false, nil},
		{[]string{"a", "pushd /x"}, "a && pushd /x", false, nil},
		{[]string{"a", "b $((1 + 2))"}, "a && b $((1 + 2))", false, nil},
		{[]string{"a", strings.Repeat("if c; then d; fi; ", 9) + "e"}, "a && { " + strings.Repeat("if c; then d; fi; ", 9) + "e; }", false, nil},
	} {
		orig := progs(t, c.orig...)
		for i := range orig {
			orig[i].Flags = c.flags
		}
		merged := progs(t, c.merged)
		merged[0].Flags = c.flags
		fast := sameJoin(orig, merged)
		require.Equal(t, c.fast, fast, "%q → %q", c.orig, c.merged)
		if fast {
			v := interpret(orig, merged)
			require.True(t, v.Same, "%q: the fast path says the same, the interpreter: %s", c.orig, v.Reason())
		}
	}
	// Many commands joined whose tree stays small: still answered.
	many := strings.Repeat("apt-get install -y x && ", 100) + "true"
	require.True(t, sameJoin(progs(t, many, "b"), progs(t, many+" && b")))
	// RUNs whose SHELLs differ are not one join.
	o := progs(t, "a", "b")
	o[1].Flags = e
	require.False(t, sameJoin(o, progs(t, "a && b")))
}
