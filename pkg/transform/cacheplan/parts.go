package cacheplan

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// partsOn drops the invocations of managers whose part of cache-mounts is
// switched off at ins (`# hadolint ignore=DL3042` leaves pip alone, and
// the npm cache of the same RUN to cache-mounts). The parts are the
// managers' families. When none is off, the list is invs itself (shared
// with RunFacts.Invocations: nothing changes either).
func (c *Plan) partsOn(ins *ast.Instruction, invs []*Invocation) []*Invocation {
	if len(invs) == 0 {
		return invs
	}
	// Per family: the answer is the same for every invocation of the
	// RUN, and a RUN runs few families.
	var asked []string
	var off []bool
	var out []*Invocation // nil while every invocation is kept
	for i, inv := range invs {
		f := inv.Manager.Family
		k := 0
		for k < len(asked) && asked[k] != f {
			k++
		}
		if k == len(asked) {
			asked = append(asked, f)
			off = append(off, c.Pass.PartOff(transform.CacheMountsRule, f, ins))
		}
		switch {
		case off[k] && out == nil:
			out = append(make([]*Invocation, 0, len(invs)-1), invs[:i]...)
		case !off[k] && out != nil:
			out = append(out, inv)
		}
	}
	if out == nil {
		return invs
	}
	return out
}
