package equiv

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

func TestPipeSafe(t *testing.T) {
	for _, c := range []struct {
		body  string
		flags []string
		safe  bool
	}{
		{"curl -fsSL https://x | tar -xz && make", nil, true},
		{"set -eux; curl -fsSL https://x | sh -s -- -y", nil, true},
		{"curl -fsSL https://x | sh", []string{"-o", "pipefail"}, false},
		{"set -euo pipefail; curl -fsSL https://x | sh", nil, false},
		{"a | b; echo $?", nil, false},
		{"a | b; echo $?$x", nil, false}, // the next part of the word does not hide it
		{"a | b; echo \"$?$x\"", nil, false},
		{"a | b; echo ${PIPESTATUS[0]}", nil, false},
		{"a | b || exit", nil, false},
		{"a | b || exit 3", nil, true},
		{"f() { a; }; f | b", nil, false},
		{"trap c ERR; a | b", nil, false},
		{"eval \"$X\" | b", nil, false},
		{"$CMD | b", nil, false},
	} {
		require.Equal(t, c.safe, pipeSafe(prog(t, c.body).File, c.flags), c.body)
	}
}

func TestPipeLeft(t *testing.T) {
	for _, c := range []struct {
		body string
		left bool
	}{
		{"curl -fsSL \"$URL\"", true},
		{"echo hi", true},
		{"a | b", true},
		{"cat <<EOF\nx\nEOF", true},
		{"V=1 a", false},         // sets a variable
		{"cd /x", false},         // sets PWD
		{"printf -v x y", false}, // printf may set a variable
		{"read l", true},         // scripted: sets nothing here
		{"a ${V:=1}", false},
		{"a $((i++))", false},
		{"a $(b)", false},
		{"{ a; }", false},
		{"! a", false},
		{"exec a", false},
	} {
		st := prog(t, c.body).File.Stmts[0]
		require.Equal(t, c.left, pipeLeft(st), c.body)
	}
}

// A pipeline run without a pipe gives every check the verdict it gives
// with one, and the program it comes from is not changed.
func TestWithoutPipes(t *testing.T) {
	for _, c := range []struct{ orig, rewrite []string }{
		{[]string{"a | b", "c"}, []string{"a | b && c"}},
		{[]string{"set -e; a | b; c"}, []string{"set -e; a | b && c"}},
		{[]string{"set -e; ! a | b; c"}, []string{"set -e; ! a | b && c"}},
		{[]string{"a | b | c", "d"}, []string{"a | b | c && d"}},
		{[]string{"a | b"}, []string{"b"}},
		{[]string{"a | b"}, []string{"a; b"}},
		{[]string{"a | exit 3", "c"}, []string{"a | exit 3 && c"}},
		{[]string{"echo x | exit 3; c"}, []string{"exit 3"}},
		{[]string{`v=$(echo a | b); c "$v"`}, []string{`v=$(b); c "$v"`}},
		{[]string{`v=$(echo a | b); c "$v"`}, []string{`v=$(echo a | b); c ""`}}, // not rewritten in $(…)
		{[]string{"export V=1; a | b"}, []string{"export V=1; a | V=2 b"}},
		{[]string{"export V=1", "a | b > /o"}, []string{"export V=1 && a | b > /o"}},
		{[]string{"for f in x y; do a $f | b; done"}, []string{"a x | b; a y | b"}},
		{[]string{"if a | b; then c; fi"}, []string{"a | b && c"}},
		{[]string{"cat <<EOF | sh\nx\nEOF", "c"}, []string{"cat <<EOF | sh && c\nx\nEOF"}},
	} {
		o, r := progs(t, c.orig...), progs(t, c.rewrite...)
		var before bytes.Buffer
		require.NoError(t, syntax.NewPrinter().Print(&before, o[0].File))
		fast := Check(o, r)
		rewritePipes = false
		slow := Check(o, r)
		rewritePipes = true
		require.Equal(t, slow, fast, c.orig)
		var after bytes.Buffer
		require.NoError(t, syntax.NewPrinter().Print(&after, o[0].File))
		require.Equal(t, before.String(), after.String())
	}
}

func TestPipesRewritten(t *testing.T) {
	p := prog(t, "set -eux; curl -fsSL https://x | tar -xz -C /opt && make | tee /log")
	m, err := newMachine(p)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, syntax.NewPrinter().Print(&b, m.file))
	require.Equal(t, "set -eux\n{\n\t! (curl -fsSL https://x) >&-\n\ttar -xz -C /opt\n} && {\n\t! (make) >&-\n\ttee /log\n}\n", b.String())
}
