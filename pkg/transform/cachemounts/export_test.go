package cachemounts

import "github.com/dfopt/dfopt/pkg/transform"

// RunAs runs the rule as in a pass whose findings are read (fixesOnly
// false) or in one where only the fixes count.
func RunAs(p *transform.Pass, fixesOnly bool) []transform.Finding { return run(p, fixesOnly) }
