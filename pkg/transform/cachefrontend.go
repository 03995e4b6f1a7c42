package transform

// Cache mounts need a frontend that knows `RUN --mount` (and uid= on a
// cache mount for a non-root user). Under a `# syntax` pin that predates
// them the mounts are not added: the RUN gets a finding saying so, and
// when syntax-header runs in the chain (it proposes the pin change to
// docker/dockerfile:1, an unsafe fix) the mounts come as an unsafe fix
// that goes with it.

// FrontendLacks returns the feature a plan's new mounts need that the
// document's frontend lacks, and why.
func (c *CachePass) FrontendLacks(plan *CacheEdits) (*Feature, string) {
	if len(plan.added) == 0 {
		return nil, ""
	}
	fe := FrontendOf(c.Doc)
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
