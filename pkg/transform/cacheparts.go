package transform

import "github.com/dfopt/dfopt/pkg/ast"

// partsOn drops the invocations of managers whose part of cache-mounts is
// switched off at ins (`# hadolint ignore=DL3042` leaves pip alone, and
// the npm cache of the same RUN to cache-mounts). The parts are the
// managers' families.
func (c *CachePass) partsOn(ins *ast.Instruction, invs []*Invocation) []*Invocation {
	out := invs[:0:0]
	for _, inv := range invs {
		if !c.Pass.PartOff(CacheMountsRule, inv.Manager.Family, ins) {
			out = append(out, inv)
		}
	}
	return out
}
