// Package apthygiene is the rule apt-hygiene: apt-get installs that are
// correct and small.
package apthygiene

import (
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// Rule keeps system package installs correct and small:
//
//   - `RUN apt-get update` alone, followed by a RUN that installs: the
//     two are merged (a cached update layer goes stale and later installs
//     fail or get old versions);
//   - an install RUN that downloaded apt's lists, with no cache mount on
//     them, ends with `rm -rf /var/lib/apt/lists/*` (unless a later RUN
//     of the stage, or of a stage built on it, installs without updating);
//     dnf, yum, microdnf and zypper installs end with their `clean all`;
//     `apk add` gets `--no-cache` instead of `apk update && apk add`;
//   - a command that would ask for confirmation (`apt-get install`,
//     `dnf`/`yum`/`microdnf install`, `zypper install`, … without -y or
//     zypper's --non-interactive: the tools' Confirm) is fixed, as the
//     build would stop at the prompt;
//   - unsafe: `--no-install-recommends` is added to `apt-get install`, as
//     it changes which packages are installed.
var Rule = &transform.Transform{
	Name: transform.AptHygieneRule,
	Doc:  "merge a lone `apt-get update` into the install, clean package lists and caches, add -y (zypper: --non-interactive) (and, unsafe, --no-install-recommends)",
	Run:  runAptHygiene,
	// A cleanup is not proposed where cache-mounts will mount the cache.
	Requires: []*transform.Analysis{cacheplan.Analysis, cacheplan.RunFacts, transform.Stages},
}

// Subcommands that install packages (and need the lists).
var (
	aptInstalls = []string{"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"}
	rpmInstalls = []string{"install", "update", "upgrade", "reinstall", "groupinstall", "builddep", "distro-sync", "localinstall", "downgrade", "swap", "in", "up", "dist-upgrade", "dup", "patch", "source-install", "si"}
)

type ahRun struct {
	ins    *ast.Instruction
	se     *stage.Env
	env    *stage.State // nil until stageEnv
	script *ast.Script
	invs   []*cacheplan.Invocation
	mounts []ast.Mount
	text   string
}

type ahPass struct {
	p    *transform.Pass
	d    *ast.Document
	se   *stage.Env
	runs map[*ast.Instruction]*ahRun
	// joined are the install RUNs merged after a lone `apt-get update`,
	// as the merge leaves them.
	joined    map[*ast.Instruction]*joinedRun
	later     map[int][]laterUses // laterIn, by stage
	outsideOf map[int]laterUses   // outside, by stage
	// installed memoizes installs; firstInstall, installedBefore by stage.
	installed    map[*ast.Instruction][]string
	firstInstall map[int]map[string]int
	// facts holds the RUNs' mounts and answers the managers' Mentions
	// for every RUN of the document (shared with the cache plan).
	facts      *cacheplan.Facts
	lastReader []int // lastAptReader, by stage
	// fixesOnly: a pass where only the fixes count (Pass.FixesOnly),
	// without --unsafe: only the safe fixes count (onlyFixes).
	fixesOnly bool
}

func runAptHygiene(p *transform.Pass) []transform.Finding {
	return run(p, p.FixesOnly() && (p.Options == nil || !p.Options.Unsafe))
}

// run is the rule; fixesOnly leaves out what can only give a finding
// that applies nothing in a fixes-only pass without --unsafe: the unsafe
// --no-install-recommends fix and its analyses of the packages
// installed before and used after (installedBefore, uses, which no
// other part reads), and the findings without edits. A finding that is
// not applied changes nothing in the chain (Pass.FixesOnly; the chain wraps
// and applies only the applied ones), so the fixes that apply are the
// same. TestOnlyFixes checks this against the long way.
func run(p *transform.Pass, fixesOnly bool) []transform.Finding {
	h := &ahPass{p: p, d: p.Doc, se: transform.StagesOf(p), facts: cacheplan.FactsOf(p), runs: map[*ast.Instruction]*ahRun{}, joined: map[*ast.Instruction]*joinedRun{}, fixesOnly: fixesOnly}
	h.joinAll()
	var out []transform.Finding
	merged := map[*ast.Instruction]bool{}
	for _, ins := range h.d.Instructions {
		r := h.run(ins)
		if r == nil {
			continue
		}
		var mergeWith *ast.Instruction
		if next := h.mergeCandidate(r); next != nil && !merged[ins] {
			mergeWith = next
		}
		if merged[ins] {
			continue // its fixes were made with the merge
		}
		if mergeWith != nil {
			r2 := h.run(mergeWith)
			fs, ok := h.merge(r, r2)
			if ok {
				merged[mergeWith] = true
				out = append(out, fs...)
				continue
			}
		}
		out = append(out, h.fixes(r, false)...)
	}
	if fixesOnly {
		return onlyFixes(out)
	}
	return out
}

// onlyFixes are the findings of fs that carry edits, safe ones.
func onlyFixes(fs []transform.Finding) []transform.Finding {
	out := fs[:0]
	for _, f := range fs {
		if f.HasFix() && !f.Unsafe {
			out = append(out, f)
		}
	}
	return out
}

// run analyses a shell-form RUN with package-manager commands.
func (h *ahPass) run(ins *ast.Instruction) *ahRun {
	if r, ok := h.runs[ins]; ok {
		return r
	}
	h.runs[ins] = nil
	if ins.Cmd != "run" || ins.Stage < 0 || ins.JSON {
		return nil
	}
	s := h.se.Shell(ins)
	if s == nil || !mayConcern(s) {
		return nil
	}
	// The invocations are found without the stage state (an Applies sees
	// the RUN as a tools.Stage, which has none), as the cache plan finds
	// them: the state is read only for a RUN the rule keeps.
	ctx := &cacheplan.ManagerCtx{Pass: h.p, Stages: h.se, Ins: ins, Script: s, Mentioned: &h.facts.Mentioned}
	invs := h.facts.Invocations(ctx)
	var keep []*cacheplan.Invocation
	for _, inv := range invs {
		if slices.Contains(ahManagers, inv.Manager.Name) {
			keep = append(keep, inv)
		}
	}
	if len(keep) == 0 && !asksAny(s) {
		return nil
	}
	ms, err := h.facts.Mounts(ins)
	if err != nil {
		return nil
	}
	r := &ahRun{ins: ins, se: h.se, script: s, invs: keep, mounts: ms, text: ins.Text(h.d)}
	h.runs[ins] = r
	return r
}

// stageEnv is the stage state before the RUN, computed when first read:
// a function of the document and the RUN alone (stage.Env.At), which
// most RUNs the rule reads never need (only a mount's target or a
// system cache folder does).
func (r *ahRun) stageEnv() *stage.State {
	if r.env == nil {
		r.env = r.se.At(r.ins)
	}
	return r.env
}

// mountedAt reports a mount on dir or a folder above it.
func (r *ahRun) mountedAt(dirs ...string) bool {
	for _, m := range r.mounts {
		t := m.TargetIn(r.stageEnv().Workdir)
		for _, d := range dirs {
			if cacheplan.Under(d, t) || cacheplan.Under(t, d) {
				return true
			}
		}
	}
	return false
}

func (r *ahRun) mentions(s string) bool { return strings.Contains(r.text, s) }

func (r *ahRun) apt() []*cacheplan.Invocation {
	var out []*cacheplan.Invocation
	for _, inv := range r.invs {
		if inv.Manager.Name == "apt" && !inv.IsClean() && len(inv.Sub) > 0 {
			out = append(out, inv)
		}
	}
	return out
}

// updateOnly reports a RUN whose every command is `apt-get update`.
func (r *ahRun) updateOnly() bool {
	if len(r.script.Commands) != len(r.invs) {
		return false
	}
	for _, inv := range r.invs {
		if inv.Manager.Name != "apt" || len(inv.Sub) == 0 || inv.Sub[0] != "update" || inv.Sudo {
			return false
		}
	}
	return true
}

// updates reports an `apt-get update` before the first install.
func (r *ahRun) updates() bool {
	for _, inv := range r.apt() {
		if inv.Sub[0] == "update" {
			return true
		}
		if slices.Contains(aptInstalls, inv.Sub[0]) {
			return false
		}
	}
	return false
}

func (r *ahRun) installs() bool {
	for _, inv := range r.apt() {
		if slices.Contains(aptInstalls, inv.Sub[0]) {
			return true
		}
	}
	return false
}

// fixes returns the findings of one RUN. merged: the RUN is being merged
// after a lone `apt-get update`, so its lists are fresh.
func (h *ahPass) fixes(r *ahRun, merged bool) []transform.Finding {
	var out []transform.Finding
	add := func(msg string, unsafe bool, edits ...emit.Edit) {
		f := h.p.Finding(transform.AptHygieneRule, r.ins, msg, edits...)
		f.Unsafe = unsafe
		out = append(out, f)
	}
	mentions := func(words ...string) bool {
		// LineageMentions reads the RUN, the stages and Mentioned, not
		// the stage state.
		ctx := &cacheplan.ManagerCtx{Pass: h.p, Stages: h.se, Ins: r.ins, Script: r.script, Mentioned: &h.facts.Mentioned}
		return ctx.LineageMentions(words...)
	}
	// One finding per RUN and kind, with an edit per command.
	if f, ok := h.confirmFix(r, mentions); ok {
		out = append(out, f)
	}
	var recommends, keeps []emit.Edit
	var recCmd, notLit string
	var kept []string
	var have *pkgSet
	var uses *laterUses
	for _, inv := range r.apt() {
		if h.fixesOnly {
			break // the recommends fix is unsafe
		}
		sub := inv.Sub[0]
		subWord := inv.Args[inv.SubIdx[0]]
		if sub == "install" && !transform.HasAnyPrefix(inv.Args, "--no-install-recommends", "--install-recommends", "APT::Install-Recommends", "Install-Recommends") && !mentions("Install-Recommends") {
			// The Recommends that later steps need stay, by name.
			if have == nil {
				have, uses = h.installedBefore(r), h.uses(r)
			}
			_, why, keep, ok := h.recommendsKept(r, inv, have, uses)
			if !ok {
				notLit = cacheplan.ProgBase(inv.Prog) + " install"
				continue
			}
			if keep.New != "" {
				keeps = append(keeps, keep)
				kept = append(kept, why...)
			}
			recommends = append(recommends, emit.Edit{Start: subWord.Span.End, End: subWord.Span.End, New: " --no-install-recommends"})
			if recCmd == "" {
				recCmd = cacheplan.ProgBase(inv.Prog) + " install"
			}
		}
	}
	if len(recommends) > 0 {
		msg := fmt.Sprintf("`%s` without --no-install-recommends also installs recommended packages%s", recCmd, times(len(recommends)))
		if len(kept) > 0 {
			msg += "; the fix keeps " + transform.AndList(kept)
		}
		add(msg, true, append(recommends, keeps...)...)
	}
	if notLit != "" {
		add("`"+notLit+"` without --no-install-recommends also installs recommended packages; not fixed: it does not name its packages literally, so dfopt cannot tell which of their recommended packages later steps need", false)
	}
	if e, ok := h.listsCleanup(r, merged); ok {
		add("apt's package lists stay in the image: end the RUN with `rm -rf /var/lib/apt/lists/*`", false, e)
	}
	if f, ok := h.rpmCleanup(r); ok {
		out = append(out, f)
	}
	out = append(out, h.apkNoCache(r)...)
	return out
}

// times notes how many commands a finding covers.
func times(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (%d commands)", n)
}

// inPipeFromYes reports `yes | apt-get install …`.
func inPipeFromYes(s *ast.Script, c *ast.Command) bool {
	found := false
	syntax.Walk(s.File, func(n syntax.Node) bool {
		b, ok := n.(*syntax.BinaryCmd)
		if !ok || b.Op != syntax.Pipe || found {
			return !found
		}
		if ce, ok := b.Y.Cmd.(*syntax.CallExpr); ok && ce == c.Call {
			if x, ok := b.X.Cmd.(*syntax.CallExpr); ok && len(x.Args) > 0 {
				if lit := x.Args[0].Lit(); lit == "yes" || lit == "echo" || lit == "printf" {
					found = true
				}
			}
		}
		return true
	})
	return found
}

// listsCleanup appends `rm -rf /var/lib/apt/lists/*` where it is safe.
func (h *ahPass) listsCleanup(r *ahRun, merged bool) (emit.Edit, bool) {
	if !r.installs() || !(merged || r.updates()) || r.mountedAt("/var/lib/apt/lists") || r.mentions("/var/lib/apt/lists") || cacheplan.AptCleansLists(r.invs) {
		return emit.Edit{}, false
	}
	// The cache plan (of every RUN) is asked last, when no cheaper
	// answer has already said no.
	if h.laterAptReader(r) || h.cacheMounted(r.ins, "/var/lib/apt/lists") {
		return emit.Edit{}, false
	}
	return transform.AppendCommand(h.d, r.ins, r.script, "rm -rf /var/lib/apt/lists/*")
}

// laterAptReader: a later RUN of the stage, or of a stage built on it,
// uses apt's lists without updating them first.
func (h *ahPass) laterAptReader(r *ahRun) bool {
	return h.lastAptReader()[r.ins.Stage] > r.ins.Index
}

// lastAptReader is, for each stage, the index of the last RUN of it or of
// a stage built on it that reads apt's lists without updating them (-1:
// none). Whether a RUN reads them depends on that RUN alone, so the RUNs
// are read once for every apt RUN that asks (laterAptReader).
func (h *ahPass) lastAptReader() []int {
	if h.lastReader != nil {
		return h.lastReader
	}
	last := make([]int, len(h.d.Stages))
	for i := range last {
		last[i] = -1
	}
	for _, ins := range h.d.Instructions {
		if ins.Cmd != "run" || ins.Stage < 0 || !h.readsAptLists(ins) {
			continue
		}
		for _, s := range h.se.Lineage(h.d.Stages[ins.Stage]) {
			last[s.Index] = max(last[s.Index], ins.Index)
		}
	}
	h.lastReader = last
	return last
}

// readsAptLists: the RUN uses apt's lists without updating them first.
func (h *ahPass) readsAptLists(ins *ast.Instruction) bool {
	r2 := h.run(ins)
	if r2 == nil {
		t := strings.Join(ins.Args, " ")
		return (strings.Contains(t, "apt-get") || strings.Contains(t, "apt ") || strings.Contains(t, "apt-cache")) && !strings.Contains(t, "update")
	}
	if strings.Contains(r2.ins.Text(h.d), "apt-cache") && !r2.updates() {
		return true
	}
	return r2.installs() && !r2.updates() && !r2.mountedAt("/var/lib/apt/lists") && !h.mergedAfterUpdate(r2)
}

// builtOn reports whether stage is base or built on it.
func (h *ahPass) builtOn(stage, base int) bool {
	for _, s := range h.se.Lineage(h.d.Stages[stage]) {
		if s.Index == base {
			return true
		}
	}
	return false
}

// rpmCleanup appends `dnf clean all` (yum, microdnf; `zypper clean --all`).
func (h *ahPass) rpmCleanup(r *ahRun) (transform.Finding, bool) {
	var last *cacheplan.Invocation
	for _, inv := range r.invs {
		switch inv.Manager.Name {
		case "dnf", "microdnf", "zypper":
			if inv.IsClean() {
				return transform.Finding{}, false
			}
			if len(inv.Sub) > 0 && slices.Contains(rpmInstalls, inv.Sub[0]) {
				last = inv
			}
		}
	}
	if last == nil || last.Sudo || last.User != "" {
		return transform.Finding{}, false
	}
	prog := cacheplan.ProgBase(last.Prog)
	// The script handling a cache directory itself (the --mount flags are
	// checked against the directory the manager really uses).
	dirs, candidates := cacheplan.SystemCacheDirs(r.stageEnv(), prog)
	for _, d := range candidates {
		if strings.Contains(r.script.Text, d) {
			return transform.Finding{}, false
		}
	}
	if r.mountedAt(dirs...) || prog == "tdnf" || h.cacheMounted(r.ins, dirs...) {
		return transform.Finding{}, false
	}
	cmd := prog + " clean all"
	if last.Manager.Name == "zypper" {
		cmd = "zypper clean --all"
	}
	e, ok := transform.AppendCommand(h.d, r.ins, r.script, cmd)
	if !ok {
		return transform.Finding{}, false
	}
	return h.p.Finding(transform.AptHygieneRule, r.ins, fmt.Sprintf("%s leaves its cache in the image: end the RUN with `%s`", prog, cmd), e), true
}

// apkNoCache turns `apk update && apk add x` into `apk add --no-cache x`.
func (h *ahPass) apkNoCache(r *ahRun) []transform.Finding {
	var adds, updates []*cacheplan.Invocation
	for _, inv := range r.invs {
		if inv.Manager.Name != "apk" || len(inv.Sub) == 0 {
			continue
		}
		if inv.IsClean() {
			return nil
		}
		switch inv.Sub[0] {
		case "add", "upgrade":
			adds = append(adds, inv)
		case "update":
			updates = append(updates, inv)
		default:
			if inv.Sub[0] != "del" && inv.Sub[0] != "info" {
				return nil
			}
		}
	}
	if len(adds) == 0 || r.mountedAt("/var/cache/apk", "/etc/apk/cache") || r.mentions("/var/cache/apk") || r.mentions("/etc/apk/cache") {
		return nil
	}
	var edits []emit.Edit
	for _, inv := range adds {
		if inv.Sudo || inv.User != "" || transform.HasWord(inv.Args, "--no-cache") {
			continue
		}
		if transform.HasAnyPrefix(inv.Args, "--cache-dir", "--root", "-p") {
			return nil
		}
		replaced := false
		for _, a := range inv.Args {
			if a.Value == "--update" || a.Value == "-U" || a.Value == "--update-cache" {
				edits = append(edits, emit.Edit{Start: a.Span.Start, End: a.Span.End, New: "--no-cache"})
				replaced = true
				break
			}
		}
		if !replaced {
			w := inv.Args[inv.SubIdx[0]]
			edits = append(edits, emit.Edit{Start: w.Span.End, End: w.Span.End, New: " --no-cache"})
		}
	}
	// The cache plan is asked once the commands leave something to fix.
	if len(edits) == 0 && len(updates) == 0 || h.cacheMounted(r.ins, "/var/cache/apk") {
		return nil
	}
	for _, inv := range updates {
		e, ok := transform.RemoveCommand(h.d, r.ins, r.script, inv.Cmd.Call)
		if !ok {
			return []transform.Finding{h.p.Finding(transform.AptHygieneRule, r.ins, "`apk update` leaves apk's index in the image: use `apk add --no-cache` instead")}
		}
		edits = append(edits, e)
	}
	if len(edits) == 0 || !transform.EditedRunParses(h.d, r.ins, edits) {
		return nil
	}
	msg := "apk keeps its index in the image: use `apk add --no-cache`"
	if len(updates) > 0 {
		msg += " instead of `apk update`"
	}
	return []transform.Finding{h.p.Finding(transform.AptHygieneRule, r.ins, msg, edits...)}
}
