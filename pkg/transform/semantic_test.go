package transform_test

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// semanticTally counts the semantic checks the chain makes while a test
// runs, and the merges it applies.
type semanticTally struct {
	mu                  sync.Mutex
	joins, edits        int
	appliedJoins        int
	appliedUnsame       []string
	withdrawn, unproven int
}

func tally(t *testing.T) *semanticTally {
	s := &semanticTally{}
	old := transform.Observe(func(o transform.Observation) {
		s.mu.Lock()
		defer s.mu.Unlock()
		switch o.Kind {
		case "join":
			s.joins++
			if o.Applied {
				s.appliedJoins++
			}
		case "edit":
			s.edits++
			if !o.Verdict.Same {
				s.withdrawn++
				if o.Verdict.Unknown != "" {
					s.unproven++
				}
			}
		}
		if o.Applied && !o.Verdict.Same {
			s.appliedUnsame = append(s.appliedUnsame, o.Rule+": "+o.Verdict.Reason())
		}
	})
	t.Cleanup(func() { transform.Observe(old) })
	return s
}

// semanticFiles are the golden inputs and, when present, the corpus.
func semanticFiles(t *testing.T) []string {
	golden, err := filepath.Glob("../../golden/*/Dockerfile")
	require.NoError(t, err)
	require.NotEmpty(t, golden)
	return append(golden, corpusFiles(t)...)
}

// TestSemanticProperty: every merge and every in-place edit of a RUN body
// the chain applies on the golden inputs and the corpus was proven by the
// equivalence checker, and every merge-runs fix went through it.
func TestSemanticProperty(t *testing.T) {
	files := semanticFiles(t)
	for _, unsafe := range []bool{false, true} {
		s := tally(t)
		chain := defaultChain(t)
		chain.Options.Unsafe = unsafe
		merges := 0
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			if _, err := ast.Parse(f, src); err != nil {
				continue
			}
			before := s.appliedJoins
			res, err := chain.Run(f, src, nil)
			require.NoError(t, err, f)
			n := 0
			for _, r := range res.Findings {
				if r.Rule == "merge-runs" && r.Applied {
					n++
				}
			}
			// Each applied merge was checked (the idempotence pass may
			// check a join again and refuse nothing more).
			require.GreaterOrEqual(t, s.appliedJoins-before, n, "%s: a merge not checked", f)
			merges += n
		}
		require.Empty(t, s.appliedUnsame, "unsafe=%v", unsafe)
		require.Positive(t, merges)
		require.Positive(t, s.edits)
		t.Logf("unsafe=%v: %d files, %d merges applied, %d joins and %d edited RUNs checked, %d edits withdrawn (%d unproven)",
			unsafe, len(files), merges, s.joins, s.edits, s.withdrawn, s.unproven)
	}
}

// removeLast is a rule that drops a trailing `rm` of every RUN, as a
// careless cleanup would.
var removeLast = &transform.Transform{
	Name: "remove-last",
	Run: func(p *transform.Pass) []transform.Finding {
		var out []transform.Finding
		for _, ins := range p.Doc.Instructions {
			s := p.Doc.Shell(ins)
			if s == nil || len(s.File.Stmts) < 2 || s.Commands[len(s.Commands)-1].Name != "rm" {
				continue
			}
			prev := s.File.Stmts[len(s.File.Stmts)-2]
			e := emit.Edit{Start: s.SpanOf(prev).End, End: ins.Span.End}
			out = append(out, p.Finding("remove-last", ins, "drop the cleanup", e))
		}
		return out
	},
}

// TestEditCheckWithdraws: a fix that changes a RUN's exit status is not
// applied, and its finding says why; a fix that keeps it is.
func TestEditCheckWithdraws(t *testing.T) {
	chain := &transform.Chain{Transforms: []*transform.Transform{removeLast}}
	src := "FROM debian\n" +
		"RUN for f in a b; do test -e $f; done; rm -rf /var/lib/apt/lists/*\n" +
		"RUN set -e; for f in a b; do test -e $f; done; rm -rf /var/lib/apt/lists/*\n"
	res, err := chain.Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	require.Equal(t, "FROM debian\n"+
		"RUN for f in a b; do test -e $f; done; rm -rf /var/lib/apt/lists/*\n"+
		"RUN set -e; for f in a b; do test -e $f; done;\n", string(res.Out))
	require.Len(t, res.Findings, 2)
	require.False(t, res.Findings[0].Applied)
	require.Contains(t, res.Findings[0].Message, "left unchanged: the same commands would not run with the same exit status")
	require.Contains(t, res.Findings[0].Message, "`test -e b` fails") // the loop's status is its last command's
	require.True(t, res.Findings[1].Applied)
	require.True(t, strings.HasPrefix(res.Findings[1].Message, "drop the cleanup"))
}
