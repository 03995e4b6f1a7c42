package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A chain run for its fixes alone skips, from the first pass on, an
// unsafe rule without --unsafe (it could only report), and writes the same.
func TestFixesOnlySkipsReportOnlyRules(t *testing.T) {
	for _, fixesOnly := range []bool{false, true} {
		var safeRuns, unsafeRuns int
		c := &Chain{Transforms: []*Transform{addLine("safe", "LABEL a=1", false, &safeRuns), addLine("unsafe", "LABEL b=1", true, &unsafeRuns)},
			Options: Options{Syntax: "auto"}, FixesOnly: fixesOnly}
		res, err := c.Run("Dockerfile", []byte("FROM alpine\n"), nil)
		require.NoError(t, err)
		assert.Equal(t, "FROM alpine\nLABEL a=1\n", string(res.Out))
		assert.Equal(t, 2, safeRuns, "both passes")
		if fixesOnly {
			assert.Equal(t, 0, unsafeRuns)
			assert.Len(t, res.Findings, 1)
		} else {
			assert.Equal(t, 1, unsafeRuns, "the first pass")
			assert.Len(t, res.Findings, 2)
		}
	}
}
