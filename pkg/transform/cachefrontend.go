package transform

import "github.com/dfopt/dfopt/pkg/ast"

// Cache mounts need a frontend that knows `RUN --mount` (and uid= on a
// cache mount for a non-root user). Under a `# syntax` pin that predates
// them the mounts are not added: the RUN gets a finding saying so, and
// when syntax-header runs in the chain (it proposes the pin change to
// docker/dockerfile:1, an unsafe fix) the mounts come as an unsafe fix
// that goes with it.

// frontendLacks returns the feature a plan's new mounts need that the
// document's frontend lacks, and why.
func (c *CachePass) frontendLacks(plan *cmEdits) (*Feature, string) {
	if len(plan.added) == 0 {
		return nil, ""
	}
	fe := FrontendOf(c.d)
	if why := fe.Lacks(FeatRunMount); why != "" {
		return FeatRunMount, why
	}
	for _, u := range plan.added {
		if u.uid.Val == "" {
			continue
		}
		if why := fe.Lacks(FeatCacheMountIDs); why != "" {
			return FeatCacheMountIDs, why
		}
	}
	return nil, ""
}

// frontendGate turns a RUN's mount fix into what the frontend allows: the
// fix itself, the fix made unsafe (it needs syntax-header's pin change),
// or a finding without a fix.
func (c *CachePass) frontendGate(r *cmRun, plan *cmEdits) Finding {
	f := c.p.Finding(CacheMountsRule, r.ins, plan.message(), plan.edits...)
	_, why := c.frontendLacks(plan)
	if why == "" {
		return f
	}
	if fe := FrontendOf(c.d); syntaxPinWillUpdate(c.p, fe) {
		f.Message += "; " + why + ": only with syntax-header's pin change to " + fe.Upgrade()
		f.Unsafe = true
		return f
	}
	return c.p.Finding(CacheMountsRule, r.ins, "cache not mounted for "+plan.what()+": "+why)
}

// PinBlockedMount is the first RUN whose cache mounts the document's
// frontend cannot take, when cache-mounts runs in the chain, and the
// feature it lacks.
func PinBlockedMount(p *Pass, fe Frontend) (*ast.Instruction, *Feature) {
	if !fe.Known || fileIgnores(p.Doc, CacheMountsRule) {
		return nil, nil
	}
	mount, _ := fe.Knows(FeatRunMount)
	ids, _ := fe.Knows(FeatCacheMountIDs)
	if mount && ids {
		return nil, nil
	}
	if !p.InChain[CacheMountsRule] {
		return nil, nil
	}
	c := CachePlanOf(p)
	for _, r := range c.runs {
		if len(r.invs) == 0 || r.blocked != "" {
			continue
		}
		var mounted []*cmUse
		for _, u := range r.uses {
			if u.drop == "" {
				mounted = append(mounted, u)
			}
		}
		if feat, _ := c.frontendLacks(c.editPlan(r, mounted)); feat != nil {
			return r.ins, feat
		}
	}
	return nil, nil
}
