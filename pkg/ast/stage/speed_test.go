package stage

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"github.com/stretchr/testify/require"
)

// Expand's fast path gives what BuildKit's lexer gives for every word it
// takes, and leaves the others to the lexer.
func TestPlainWordIsWhatTheLexerGives(t *testing.T) {
	env := &State{Vars: map[string]Var{"A": {Name: "A", Value: "x", Set: true}}}
	words := []string{"ubuntu:22.04", "/usr/local/bin", "a b c", "node@sha256:abc", "x=y,z", "~/.cache", "{a,b}", "*.txt", "!#%&()*+-./:;=>?@[]^_{|}~"}
	for _, esc := range []rune{'\\', '`'} {
		lex := shell.NewLex(esc)
		for _, w := range words {
			require.True(t, plainWord(w, esc), w)
			res, err := lex.ProcessWordWithMatches(w, env)
			require.NoError(t, err)
			require.Equal(t, w, res.Result, w)
			require.Empty(t, res.Matched, w)
		}
	}
	for _, w := range []string{"$A", "${A}", `"a"`, "'a'", `a\b`, "<<EOF", "é", "a\nb"} {
		require.False(t, plainWord(w, '\\'), w)
	}
	require.False(t, plainWord("a`b", '`'))
}

// The states At hands out are shared by the instructions that change
// nothing, and copied again after one that may.
func TestAtSharesUnchangedState(t *testing.T) {
	d, _ := lastRun(t, "FROM alpine\nRUN a\nCOPY x /x\nRUN b\nENV A=1\nRUN c\nRUN useradd -u 1000 app\nRUN d\n")
	se := New(d)
	ins := d.Stages[0].Instructions
	at := func(i int) *State { return se.At(ins[i]) }
	require.Same(t, at(1), at(3)) // RUN a, COPY: nothing changed
	require.NotSame(t, at(3), at(5))
	require.Equal(t, "1", at(5).Vars["A"].Value)
	require.Same(t, at(5), at(6))
	require.NotSame(t, at(6), at(7)) // useradd
	require.Contains(t, at(7).Accounts, "app")
	require.NotContains(t, at(6).Accounts, "app")
	// Asking again, or backwards, gives the same answers.
	require.Same(t, at(1), at(2))
	require.Equal(t, "", at(3).Vars["A"].Value)
}

// BenchmarkAt asks for the state at every instruction of a stage of
// 1,000 and 10,000 instructions, one ENV in eight: the walk goes once
// through the stage and a state is copied only after an instruction that
// may change it, so the cost per instruction stays flat.
func BenchmarkAt(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		var src strings.Builder
		src.WriteString("FROM ubuntu:22.04\n")
		for i := range n {
			if i%8 == 5 {
				fmt.Fprintf(&src, "ENV V%d=%d\n", i%50, i)
			} else {
				fmt.Fprintf(&src, "RUN echo %d\n", i)
			}
		}
		d, err := ast.Parse("Dockerfile", []byte(src.String()))
		require.NoError(b, err)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for range b.N {
				se := New(d)
				for _, ins := range d.Instructions {
					se.At(ins)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/instruction")
		})
	}
}

// States share their maps until one is written: a write, even to an
// account in place (usermod), leaves the states it was copied from and
// the parent stage's as they were.
func TestStatesCopyOnWrite(t *testing.T) {
	d, err := ast.Parse("Dockerfile", []byte("FROM alpine AS a\nRUN useradd -u 1000 app\nRUN d\nFROM a\nRUN e\nRUN usermod -u 2000 app\nENV X=1\nRUN f\n"))
	require.NoError(t, err)
	se := New(d)
	ins := d.Instructions
	uid := func(e *State) string { return e.Accounts["app"].UID.Val }
	require.Equal(t, "2000", uid(se.At(ins[7])))
	require.Equal(t, "1", se.At(ins[7]).Vars["X"].Value)
	require.Equal(t, "1000", uid(se.At(ins[2])))
	require.Equal(t, "1000", uid(se.End(d.Stages[0])))
	require.Equal(t, "1000", uid(se.At(ins[4])))
	require.NotContains(t, se.At(ins[5]).Vars, "X")
	require.Equal(t, "2000", uid(se.End(d.Stages[1])))
}
