package equiv

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUntrace(t *testing.T) {
	for _, c := range []struct {
		args, want []string
		ok         bool
	}{
		{[]string{"set", "-eux"}, []string{"set", "-eux", "+x"}, true},
		{[]string{"set", "-x", "-e"}, []string{"set", "-x", "+x", "-e"}, true},
		{[]string{"set", "-exo", "pipefail"}, []string{"set", "-exo", "pipefail", "+x"}, true},
		{[]string{"set", "-o", "xtrace", "a"}, []string{"set", "-o", "xtrace", "+x", "a"}, true},
		{[]string{"set", "-x", "--", "a"}, []string{"set", "-x", "+x", "--", "a"}, true},
		{[]string{"set", "-e", "-x"}, []string{"set", "-e", "-x", "+x"}, true},
		{[]string{"set", "-e"}, []string{"set", "-e"}, true},
		{[]string{"set", "+x"}, []string{"set", "+x"}, true},
		{[]string{"set", "-e", "x"}, []string{"set", "-e", "x"}, true}, // x is a parameter
		{[]string{"set", "--", "-x"}, []string{"set", "--", "-x"}, true},
		{[]string{"set", "-x", "-o"}, []string{"set", "-x", "-o"}, false}, // prints the options
		{[]string{"set", "+o"}, []string{"set", "+o"}, false},
		{[]string{"set", "-o", ""}, []string{"set", "-o", ""}, false},
	} {
		got, ok := untrace(c.args)
		require.Equal(t, c.want, got, c.args)
		require.Equal(t, c.ok, ok, c.args)
	}
}

func TestTraceBlind(t *testing.T) {
	for _, c := range []struct {
		body  string
		blind bool
	}{
		{"set -eux; apt-get update && apt-get install -y x", true},
		{`set -ex; V="$(cat /v)"; echo "$V" > /w`, true},
		{"set -x; a 2>/dev/null | b |& c", true},
		{"set -x; echo $-", false},
		{"set -x; echo $-$x", false}, // the next part of the word does not hide it
		{"set -x; echo ${-}", false},
		{"set -x; echo ${!v}", false},
		{"set -x; [[ -o xtrace ]] && a", false},
		{"set -x; shopt -qo xtrace && a", false},
		{"set -x; eval \"$CMD\"", false},
		{"set -x; trap 'a' EXIT", false},
		{"set -x; $CMD", false},
		{"set -x; v=$(a 2>&1)", false},
		{"set -x; tee >(a)", false},
		{"set -x; declare -n r=v", false},
		{"set -x; set -o", false},
		{"set -x $OPTS", false},
	} {
		require.Equal(t, c.blind, traceBlind(prog(t, c.body).File), c.body)
	}
}

// Where the program can read xtrace, the check still sees it on.
func TestTraceRead(t *testing.T) {
	for _, c := range []struct{ orig, rewrite string }{
		{"set -x; case $- in *x*) a;; esac", "set -x; a"},
		{"set -x; [[ -o xtrace ]] && a", "set -x; a"},
		{`set -x; c "$(shopt -o xtrace)"`, `set -x; v=$(shopt -o xtrace); c $'xtrace\ton'`},
		// The trace of `:`, captured, is an argument of c.
		{`x=$(set -x; : 2>&1); c "$x"`, `x=$(set -x); c '+ :'`},
	} {
		v := Check(progs(t, c.orig), progs(t, c.rewrite))
		require.True(t, v.Same, "%s: %s", c.orig, v.Diff)
	}
	// Where it cannot, the trace is not run, and the check answers as
	// without -x.
	for _, c := range []struct{ orig, rewrite []string }{
		{[]string{"set -eu%s", "a | b", "c"}, []string{"set -eu%s && a | b && c"}},
		{[]string{"set -eu%s; a; b"}, []string{"set -eu%s; a && b"}},
		{[]string{"set -u%s; a; b"}, []string{"set -u%s; a && b"}},
		{[]string{"set -u%s; for f in 1 2; do a $f; done"}, []string{"set -u%s; a 1; a 2"}},
	} {
		verdict := func(x string) Verdict {
			var o, r []string
			for _, s := range c.orig {
				o = append(o, fmt.Sprintf(s, x))
			}
			for _, s := range c.rewrite {
				r = append(r, fmt.Sprintf(s, x))
			}
			require.True(t, traceBlind(prog(t, o[0]).File))
			return Check(progs(t, o...), progs(t, r...))
		}
		traced, plain := verdict("x"), verdict("")
		require.Equal(t, plain, traced, c.orig)
	}
}
