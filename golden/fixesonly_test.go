package golden

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/transform"
)

// A chain run for its fixes alone (FixesOnly: diff, fix without a
// summary) writes what the full run writes, with the same applied
// fixes: the rules it leaves out of the first pass only report.
func TestFixesOnlyWritesTheSame(t *testing.T) {
	skipped := 0 // cases where the full run reports more
	for _, c := range Cases(t) {
		src, chain, bctx := setup(t, c)
		full, err := chain.Run(c.Dir+"/Dockerfile", src, bctx)
		fixes := *chain
		fixes.FixesOnly = true
		_, _, bctx = setup(t, c) // a context of its own
		only, err2 := fixes.Run(c.Dir+"/Dockerfile", src, bctx)
		if err != nil {
			require.Error(t, err2, c.Name)
			continue
		}
		require.NoError(t, err2, c.Name)
		assert.Equal(t, string(full.Out), string(only.Out), c.Name)
		assert.Equal(t, full.Files, only.Files, c.Name)
		assert.Equal(t, applied(full), applied(only), c.Name)
		if len(full.Findings) > len(only.Findings) {
			skipped++
		}
	}
	assert.Greater(t, skipped, 5, "cases whose unsafe rules only report")
}

func applied(r *transform.Result) []transform.Reported {
	var out []transform.Reported
	for _, f := range r.Findings {
		if f.Applied {
			out = append(out, f)
		}
	}
	return out
}
