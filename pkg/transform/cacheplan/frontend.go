package cacheplan

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Cache mounts need a frontend that knows `RUN --mount` (and uid= on a
// cache mount for a non-root user). Under a `# syntax` pin that predates
// them the mounts are not added: the RUN gets a finding saying so, and
// when syntax-header runs in the chain (it proposes the pin change to
// docker/dockerfile:1, an unsafe fix) the mounts come as an unsafe fix
// that goes with it.

// FrontendLacks returns the feature a plan's new mounts need that the
// document's frontend lacks, and why.
func (c *Plan) FrontendLacks(plan *CacheEdits) (*transform.Feature, string) {
	if len(plan.added) == 0 {
		return nil, ""
	}
	fe := transform.FrontendOf(c.Doc)
	if why := fe.Lacks(transform.FeatRunMount); why != "" {
		return transform.FeatRunMount, why
	}
	for _, u := range plan.added {
		if u.uid.Val == "" {
			continue
		}
		if why := fe.Lacks(transform.FeatCacheMountIDs); why != "" {
			return transform.FeatCacheMountIDs, why
		}
	}
	return nil, ""
}

// PinBlockedMount is the first RUN whose cache mounts the document's
// frontend cannot take, when cache-mounts runs in the chain, and the
// feature it lacks.
func PinBlockedMount(p *transform.Pass, fe transform.Frontend) (*ast.Instruction, *transform.Feature) {
	if !fe.Known || transform.FileIgnores(p.Doc, transform.CacheMountsRule) {
		return nil, nil
	}
	mount, _ := fe.Knows(transform.FeatRunMount)
	ids, _ := fe.Knows(transform.FeatCacheMountIDs)
	if mount && ids {
		return nil, nil
	}
	if !p.InChain[transform.CacheMountsRule] {
		return nil, nil
	}
	c := Of(p)
	for _, r := range c.Runs {
		if len(r.Invs) == 0 || r.Blocked != "" {
			continue
		}
		c.Settle(r)
		var mounted []*Use
		for _, u := range r.Uses {
			if u.Drop == "" {
				mounted = append(mounted, u)
			}
		}
		if feat, _ := c.FrontendLacks(c.EditPlan(r, mounted)); feat != nil {
			return r.Ins, feat
		}
	}
	return nil, nil
}
