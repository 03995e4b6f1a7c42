package transform

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// addLine is a test rule that appends line to the file once, counting
// its runs in *runs.
func addLine(name, line string, unsafe bool, runs *int) *Transform {
	return &Transform{Name: name, Unsafe: unsafe, Run: func(p *Pass) []Finding {
		*runs++
		if strings.Contains(string(p.Doc.Src), line) {
			return nil
		}
		last := p.Doc.Instructions[len(p.Doc.Instructions)-1]
		f := p.Finding(name, last, "add "+line)
		f.Edits = []emit.Edit{{Start: len(p.Doc.Src), End: len(p.Doc.Src), New: line + "\n"}}
		return []Finding{f}
	}}
}

// A later pass only looks for fixes to apply: without --unsafe it skips
// an unsafe rule (its fixes are not applied, so it can change nothing),
// and the first pass's findings stand, the unsafe rule's included.
func TestLaterPassSkipsRulesThatCannotApply(t *testing.T) {
	src := "FROM alpine\nRUN true\n"
	for _, unsafe := range []bool{false, true} {
		var safeRuns, unsafeRuns int
		rules := []*Transform{addLine("unsafe-rule", "LABEL u=1", true, &unsafeRuns), addLine("safe-rule", "LABEL s=1", false, &safeRuns)}
		res, err := (&Chain{Transforms: rules, Options: Options{Syntax: "auto", Unsafe: unsafe}}).Run("Dockerfile", []byte(src), nil)
		require.NoError(t, err)
		assert.Equal(t, 2, safeRuns, "unsafe=%v: the safe rule runs in both passes", unsafe)
		var rules2 []string
		for _, f := range res.Findings {
			rules2 = append(rules2, f.Rule)
			assert.Equal(t, unsafe || f.Rule == "safe-rule", f.Applied, "unsafe=%v: %s", unsafe, f.Rule)
		}
		assert.ElementsMatch(t, []string{"unsafe-rule", "safe-rule"}, rules2)
		if unsafe {
			assert.Equal(t, 2, unsafeRuns, "--unsafe: the unsafe rule's fixes apply, so the later pass runs it")
			assert.Equal(t, src+"LABEL u=1\nLABEL s=1\n", string(res.Out))
		} else {
			assert.Equal(t, 1, unsafeRuns, "the later pass skips a rule whose fixes cannot apply")
			assert.Equal(t, src+"LABEL s=1\n", string(res.Out))
		}
	}
}

// Pass.FixesOnly tells a rule that only the fixes it applies are kept:
// in a later pass, and in every pass of a chain whose findings nobody
// reads (Chain.FixesOnly). A finding without a fix that a rule gives
// only there changes nothing in the result.
func TestFixesOnlyPassKeepsOnlyAppliedFixes(t *testing.T) {
	for _, unread := range []bool{false, true} {
		var runs int
		var seen []bool
		add := addLine("add", "LABEL a=1", false, &runs)
		noted := &Transform{Name: "noted", Run: func(p *Pass) []Finding {
			seen = append(seen, p.FixesOnly())
			fs := add.Run(p)
			if p.FixesOnly() {
				fs = append(fs, p.Finding("noted", p.Doc.Instructions[0], "a note only such a pass gives"))
			}
			return fs
		}}
		chain := &Chain{Transforms: []*Transform{noted}, Options: Options{Syntax: "auto"}, FixesOnly: unread}
		res, err := chain.Run("Dockerfile", []byte("FROM alpine\n"), nil)
		require.NoError(t, err)
		assert.Equal(t, []bool{unread, true}, seen, "the first pass, then a later one (findings unread: %v)", unread)
		assert.Equal(t, "FROM alpine\nLABEL a=1\n", string(res.Out))
		if !unread {
			require.Len(t, res.Findings, 1)
			assert.Equal(t, "add LABEL a=1", res.Findings[0].Message)
			assert.True(t, res.Findings[0].Applied)
		}
	}
}
