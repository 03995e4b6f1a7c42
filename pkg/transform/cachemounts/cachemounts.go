// Package cachemounts is the rule cache-mounts: BuildKit cache mounts for
// package managers, from the cache plan (cacheplan.Analysis).
package cachemounts

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// Rule adds `RUN --mount=type=cache` for the package managers that
// pkg/knowledge/tools knows and removes what defeats the cache in that RUN.
//
// A mount is added only where the mounted directory is a pure cache for
// the image: every RUN that uses the directory (in the stages built on one
// another) gets the mount or none does; no COPY, COPY --from, VOLUME or
// other command reads or writes it; a Store directory (Go modules, the
// Maven repository, …) is left alone in a stage an image is made of unless
// its start command is known not to need it, and no cache is mounted that
// the start command reads at run time (cacheplan/runtimeuse.go). Anything dfopt
// cannot prove is reported, not changed.
//
// Debian and Ubuntu images delete downloaded packages after every dpkg run
// (/etc/apt/apt.conf.d/docker-clean removes /var/cache/apt/archives/*.deb).
// Deleting that file would change the image, so instead each installing
// apt-get/apt command of the RUN gets
// `-o Dir::Cache::Archives=/var/cache/apt/keep/`: apt downloads into a
// folder inside the mounted cache that the hook's globs do not reach
// (apt creates it and its partial/ folder), and the image never sees it.
// `apt` (not apt-get) also deletes what it downloaded unless told
// `-o APT::Keep-Downloaded-Packages=true`.
//
// Removal of cache-defeating text keeps the shell valid: a command joined
// by `&&` goes with its operator, a word with the blanks before it; text
// that cannot be taken out cleanly stays. Emptying a cache inside the
// mount (`rm -rf /var/lib/apt/lists/*`, `apt-get clean`) is harmless but
// wasteful, so it is removed when that is clean and kept otherwise; `rm`
// of the mounted directory itself (or of a folder above it) would fail on
// the mount point, so such a RUN is not mounted unless the command can be
// removed.
var Rule = &transform.Transform{
	Name:     transform.CacheMountsRule,
	Doc:      "add BuildKit cache mounts for package managers (pip, npm, go, cargo, maven, apt, apk, …) and drop what defeats the cache",
	Run:      runCacheMounts,
	Requires: []*transform.Analysis{cacheplan.Analysis},
}

// cmRule is the cache plan of a document as cache-mounts reads it to
// make its edits.
type cmRule struct {
	*cacheplan.Plan
	fixesOnly bool // only the fixes count (transform.Pass.FixesOnly): see fixes
}

func runCacheMounts(p *transform.Pass) []transform.Finding { return run(p, p.FixesOnly()) }

func run(p *transform.Pass, fixesOnly bool) []transform.Finding {
	c := &cmRule{Plan: cacheplan.Of(p), fixesOnly: fixesOnly}
	var out []transform.Finding
	for _, r := range c.Runs {
		out = append(out, c.findings(r)...)
	}
	return out
}

// findings builds the edits and findings of one RUN.
func (c *cmRule) findings(r *cacheplan.Run) []transform.Finding {
	if len(r.Invs) == 0 || r.Blocked == "ignored" {
		return nil
	}
	finding := func(msg string, edits ...emit.Edit) transform.Finding {
		return c.Pass.Finding(transform.CacheMountsRule, r.Ins, msg, edits...)
	}
	if r.Blocked != "" {
		if c.fixesOnly {
			return nil // a report: no fix
		}
		return []transform.Finding{finding(managerNames(r.Invs) + " in a " + r.Blocked)}
	}
	if c.fixesOnly {
		return c.fixes(r)
	}
	c.Settle(r)
	var reports []string
	reports = append(reports, r.Notes...)
	var mounted []*cacheplan.Use
	for _, u := range r.Uses {
		if u.Drop != "" {
			// An existing mount keeps working; apt's lists are a bonus
			// whose absence needs no report.
			if !u.Covered && !u.Spec.Lists {
				reports = append(reports, fmt.Sprintf("%s (%s): %s", u.Manager.Name, u.Key, u.Drop))
			}
			continue
		}
		mounted = append(mounted, u)
	}
	mounted, dropped := c.DropRemovedByClean(r, mounted)
	reports = append(reports, dropped...)
	plan := c.EditPlan(r, mounted)
	if plan.Refused != "" {
		reports = append(reports, plan.Refused)
	}
	var out []transform.Finding
	if len(plan.Edits) > 0 {
		out = append(out, c.frontendGate(r, plan))
	}
	if len(reports) > 0 {
		out = append(out, finding("cache not mounted: "+strings.Join(cacheplan.Dedupe(reports), "; ")))
	}
	return out
}

// fixes is findings in a pass where only the fixes count (a later pass
// of the chain, or any when nobody reads the findings:
// transform.Pass.FixesOnly): it builds no report, and it neither
// settles nor mounts a use inside a cache mount the RUN already has
// (Use.InsideMount), which changes no edit whether it is dropped or not.
// Of a mounted use that is covered, EditPlan reads only its managers
// (mountedKeys' byManager: no flag is added for it), and the RUN's
// existing mount already counts every manager whose directory lies
// inside it (the allUses loop there, which holds u.also's uses of the
// same directory too); DropRemovedByClean reads the mounted directories
// only as keys, where a directory inside an existing mount's target adds
// nothing (Under is transitive), and drops such a use from the list only
// with a note. Settling a directory writes only the Drop of its own uses
// (groups), so what the other uses decide is the same. TestLaterFixes
// checks this against findings.
func (c *cmRule) fixes(r *cacheplan.Run) []transform.Finding {
	var mounted []*cacheplan.Use
	for _, u := range r.Uses {
		if u.InsideMount() {
			continue
		}
		c.SettleUse(u)
		if u.Drop == "" {
			mounted = append(mounted, u)
		}
	}
	mounted, _ = c.DropRemovedByClean(r, mounted)
	plan := c.EditPlan(r, mounted)
	if len(plan.Edits) == 0 {
		return nil
	}
	if f := c.frontendGate(r, plan); len(f.Edits) > 0 {
		return []transform.Finding{f}
	}
	return nil
}

func managerNames(invs []*cacheplan.Invocation) string {
	var names []string
	for _, inv := range invs {
		names = append(names, inv.Manager.Name)
	}
	return strings.Join(cacheplan.Dedupe(names), ", ")
}

// frontendGate turns a RUN's mount fix into what the frontend allows: the
// fix itself, the fix made unsafe (it needs syntax-header's pin change),
// or a finding without a fix.
func (c *cmRule) frontendGate(r *cacheplan.Run, plan *cacheplan.CacheEdits) transform.Finding {
	f := c.Pass.Finding(transform.CacheMountsRule, r.Ins, plan.Message(), plan.Edits...)
	_, why := c.FrontendLacks(plan)
	if why == "" {
		return f
	}
	if fe := transform.FrontendOf(c.Doc); transform.SyntaxPinWillUpdate(c.Pass, fe) {
		f.Message += "; " + why + ": only with syntax-header's pin change to " + fe.Upgrade()
		f.Unsafe = true
		return f
	}
	return c.Pass.Finding(transform.CacheMountsRule, r.Ins, "cache not mounted for "+plan.What()+": "+why)
}
