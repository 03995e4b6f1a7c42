package cacheplan

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// partsOn drops the invocations of managers whose part of cache-mounts is
// switched off at ins (`# hadolint ignore=DL3042` leaves pip alone, and
// the npm cache of the same RUN to cache-mounts). The parts are the
// managers' families.
func (c *Plan) partsOn(ins *ast.Instruction, invs []*Invocation) []*Invocation {
	out := invs[:0:0]
	for _, inv := range invs {
		if !c.Pass.PartOff(transform.CacheMountsRule, inv.Manager.Family, ins) {
			out = append(out, inv)
		}
	}
	return out
}
