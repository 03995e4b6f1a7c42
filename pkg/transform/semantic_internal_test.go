package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/equiv"
	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"

	"github.com/stretchr/testify/require"
)

func TestShellFlags(t *testing.T) {
	for _, c := range []struct {
		sh   []string
		want []string
		ok   bool
	}{
		{[]string{"/bin/sh", "-c"}, nil, true},
		{[]string{"/bin/bash", "-o", "pipefail", "-c"}, []string{"-o", "pipefail"}, true},
		{[]string{"/bin/ash", "-eo", "pipefail", "-c"}, []string{"-e", "-o", "pipefail"}, true},
		{[]string{"/bin/bash", "-xec"}, []string{"-x", "-e"}, true},
		{[]string{"/bin/bash", "-euxo", "pipefail", "-c"}, []string{"-e", "-u", "-x", "-o", "pipefail"}, true},
		{[]string{"/bin/bash", "--login", "-c"}, nil, false},
		{[]string{"/bin/bash", "-c", "extra"}, nil, false},
		{[]string{"/bin/sh"}, nil, false},
	} {
		got, ok := shellFlags(c.sh)
		require.Equal(t, c.ok, ok, "%v", c.sh)
		if ok {
			require.Equal(t, c.want, got, "%v", c.sh)
		}
	}
}

// A heredoc fed to a shell is checked with that shell's options: dropping
// -e changes what runs after a failure, a mount flag changes nothing.
func TestHeredocInterpreterChecked(t *testing.T) {
	src := "FROM debian\nRUN <<EOT bash -e\nfalse\necho hi\nEOT\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ins := d.Instructions[1]
	require.NotNil(t, d.Shell(ins))
	at := strings.Index(src, " -e")
	require.False(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at + 3}))
	at = strings.Index(src, "<<EOT")
	require.True(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at, New: "--mount=type=cache,target=/root/.cache "}))
	at = strings.Index(src, "echo hi")
	require.True(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at, New: "true\n"}), "adding `true` before echo keeps the behaviour")
}

// TestKeepsBehaviourReadsTheFile: the check of an edit of one RUN read
// against the RUN as its file has it gives the verdict of the check on a
// parse of the one-RUN document, for every removal and `true`
// replacement RemoveCommand may try, on the goldens and the corpus.
func TestKeepsBehaviourReadsTheFile(t *testing.T) {
	files, err := filepath.Glob("../../golden/*/Dockerfile")
	require.NoError(t, err)
	if dir := corpustest.Dir(); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, more...)
	}
	tried := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		d, err := ast.Parse(f, src)
		if err != nil {
			continue
		}
		for _, ins := range d.Instructions {
			s := d.Shell(ins)
			if s == nil || s.ReadOnly != "" {
				continue
			}
			for _, c := range s.Commands {
				for _, e := range removalTries(d, ins, s, c.Call) {
					doc, at := runDocument(d, d.ShellOf(ins), d.Src[ins.Span.Start:ins.Span.End])
					shift := at - ins.Span.Start
					moved := []emit.Edit{{Start: e.Start + shift, End: e.End + shift, New: e.New}}
					want := parsedKeepsBehaviour(d.Path, doc, moved)
					require.Equal(t, want, editKeepsBehaviour(d, ins, doc, at, []emit.Edit{e}, moved), "%s:%d %+v", f, ins.StartLine, e)
					tried++
				}
			}
		}
	}
	require.Greater(t, tried, 100)
}

// removalTries are the edits RemoveCommand may check for call.
func removalTries(d *ast.Document, ins *ast.Instruction, s *ast.Script, call *syntax.CallExpr) []emit.Edit {
	var out []emit.Edit
	if strings.Contains(s.Text, "<<") || len(call.Assigns) > 0 {
		return nil
	}
	if e, ok := commandSpan(d, ins, s, call); ok {
		if e, ok = tidyRemoval(d, ins, e); ok {
			out = append(out, e)
		}
	}
	sp := s.SpanOf(call)
	return append(out, emit.Edit{Start: sp.Start, End: sp.End, New: "true"})
}

// RemoveCommand's proof serves the chain's check of the same removal
// beside a mount flag on a line of its own, an edit that ends where the
// RUN's arguments begin.
func TestRemovalProofServesChain(t *testing.T) {
	src := "FROM debian\nRUN apt-get update && \\\n    apt-get install -y gcc && \\\n    rm -rf /var/lib/apt/lists/*\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ins := d.Instructions[1]
	s := d.Shell(ins)
	rm, ok := RemoveCommand(d, ins, s, s.Commands[2].Call)
	require.True(t, ok)
	require.Empty(t, rm.New)
	mount := MountEdit(d, ins, []string{"--mount=type=cache,target=/var/cache/apt"})
	require.Equal(t, ins.ArgsStart, mount.End, "the flag goes on a line of its own, up to the arguments")
	chainKey := func(edits ...emit.Edit) (string, equiv.Verdict) {
		out, err := emit.Apply(d.Src, edits)
		require.NoError(t, err)
		idx := newEditIndex(edits)
		next, err := ast.Reparse(d, out, idx.changes())
		require.NoError(t, err)
		n := next.Instructions[1]
		id := editIdent{idx: idx, base: ins.Span.Start}
		p := editPair{cur: d, olds: []*ast.Instruction{ins}, next: next, n: n, before: id, after: id, edits: idx}
		key := p.key([]equiv.Program{*program(d, ins)}, *program(next, n))
		v, _ := p.check("test")
		return key, v
	}
	before := len(editVerdicts.m)
	key, v := chainKey(mount, rm)
	require.True(t, v.Same)
	require.Equal(t, before, len(editVerdicts.m), "the chain's check was RemoveCommand's")
	_, hit := editVerdicts.get(key)
	require.True(t, hit)
}
