package cachemounts

import "github.com/dfopt/dfopt/pkg/transform"

// RunAs runs the rule as in the first pass of the chain (later false) or
// in a later one.
func RunAs(p *transform.Pass, later bool) []transform.Finding { return run(p, later) }
