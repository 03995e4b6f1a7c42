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
	if len(invs) == 0 {
		return invs
	}
	out := invs[:0:0]
	off := map[string]bool{} // per family: the answer is the same for every invocation of the RUN
	for _, inv := range invs {
		f := inv.Manager.Family
		o, ok := off[f]
		if !ok {
			o = c.Pass.PartOff(transform.CacheMountsRule, f, ins)
			off[f] = o
		}
		if !o {
			out = append(out, inv)
		}
	}
	return out
}
