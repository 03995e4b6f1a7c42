package transform

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/emit"
)

// CacheMounts adds `RUN --mount=type=cache` for the package managers of
// the Managers table and removes what defeats the cache in that RUN.
//
// A mount is added only where the mounted directory is a pure cache for
// the image: every RUN that uses the directory (in the stages built on one
// another) gets the mount or none does; no COPY, COPY --from, VOLUME or
// other command reads or writes it; a Store directory (Go modules, the
// Maven repository, …) is left alone in a stage an image is made of unless
// its start command is known not to need it, and no cache is mounted that
// the start command reads at run time (runtimeuse.go). Anything dfopt
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
var CacheMounts = &Transform{
	Name:     CacheMountsRule,
	Doc:      "add BuildKit cache mounts for package managers (pip, npm, go, cargo, maven, apt, apk, …) and drop what defeats the cache",
	Run:      runCacheMounts,
	Requires: []*Analysis{CachePlan},
}

// aptKeep is where apt keeps downloaded packages inside the cache mount,
// out of reach of Debian's docker-clean hook.
const aptKeepDir = "keep/"

func runCacheMounts(p *Pass) []Finding {
	c := CachePlanOf(p)
	var out []Finding
	for _, r := range c.runs {
		out = append(out, c.findings(r)...)
	}
	return out
}

// findings builds the edits and findings of one RUN.
func (c *CachePass) findings(r *cmRun) []Finding {
	if len(r.invs) == 0 || r.blocked == "ignored" {
		return nil
	}
	finding := func(msg string, edits ...emit.Edit) Finding {
		return c.p.Finding(CacheMountsRule, r.ins, msg, edits...)
	}
	if r.blocked != "" {
		return []Finding{finding(managerNames(r.invs) + " in a " + r.blocked)}
	}
	var reports []string
	reports = append(reports, r.notes...)
	var mounted []*cmUse
	for _, u := range r.uses {
		if u.drop != "" {
			// An existing mount keeps working; apt's lists are a bonus
			// whose absence needs no report.
			if !u.covered && !u.spec.Lists {
				reports = append(reports, fmt.Sprintf("%s (%s): %s", u.m.Name, u.key, u.drop))
			}
			continue
		}
		mounted = append(mounted, u)
	}
	mounted, dropped := c.dropRemovedByClean(r, mounted)
	reports = append(reports, dropped...)
	plan := c.editPlan(r, mounted)
	var out []Finding
	if len(plan.edits) > 0 {
		out = append(out, c.frontendGate(r, plan))
	}
	if len(reports) > 0 {
		out = append(out, finding("cache not mounted: "+strings.Join(dedupe(reports), "; ")))
	}
	return out
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func managerNames(invs []*Invocation) string {
	var names []string
	for _, inv := range invs {
		names = append(names, inv.Manager.Name)
	}
	return strings.Join(dedupe(names), ", ")
}
