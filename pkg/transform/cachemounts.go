package transform

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
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
var CacheMounts = Register(&Transform{
	Name:     cacheMountsRule,
	Doc:      "add BuildKit cache mounts for package managers (pip, npm, go, cargo, maven, apt, apk, …) and drop what defeats the cache",
	Order:    500,
	Run:      runCacheMounts,
	Requires: []*Analysis{CachePlan},
})

// aptKeep is where apt keeps downloaded packages inside the cache mount,
// out of reach of Debian's docker-clean hook.
const aptKeepDir = "keep/"

const cacheMountsRule = "cache-mounts"

type cmRun struct {
	ins      *ast.Instruction
	env      *StageState
	script   *ast.Script
	id       RunUser
	mctx     *managerCtx
	invs     []*invocation
	uses     []*cmUse
	existing []ast.Mount
	blocked  string // why the RUN is not touched
	notes    []string
	rms      []rmCmd
	assigns  []runAssign
	allUses  []*cmUse // before merging uses of the same directory
}

type cmUse struct {
	run     *cmRun
	m       *Manager
	spec    *CacheSpec
	target  EnvValue
	key     string
	uid     EnvValue
	gid     EnvValue
	inv     *invocation
	covered bool // an existing cache mount already covers it
	drop    string
	also    []*Manager // other managers of the RUN using the same directory
}

type cmPass struct {
	p      *Pass
	d      *ast.Document
	se     *StageEnv
	runs   []*cmRun
	mounts map[*ast.Instruction][]ast.Mount
}

// mountsOf reads a RUN's --mount flags once.
func (c *cmPass) mountsOf(ins *ast.Instruction) ([]ast.Mount, error) {
	if ms, ok := c.mounts[ins]; ok {
		return ms, nil
	}
	ms, err := c.d.Mounts(ins, c.se.At(ins).Expander())
	if err != nil {
		return nil, err
	}
	if c.mounts == nil {
		c.mounts = map[*ast.Instruction][]ast.Mount{}
	}
	c.mounts[ins] = ms
	return ms, nil
}

func runCacheMounts(p *Pass) []Finding {
	c := cachePlanOf(p)
	var out []Finding
	for _, r := range c.runs {
		out = append(out, c.findings(r)...)
	}
	return out
}

// CachePlan is what cache-mounts will mount, per RUN: the cache
// directories of its package managers, where they are, and which of them
// can be mounted safely (and why not). cache-mounts turns it into edits;
// apt-hygiene reads it so as not to propose a cleanup that a mount makes
// unneeded; syntax-header reads it for the frontend the mounts need.
var CachePlan = &Analysis{
	Name: "cache-plan",
	Doc:  "the cache directories each RUN's package managers use and which of them can be mounted",
	Run:  func(p *Pass) any { return planCacheMounts(p) },
}

// cachePlanOf is the pass's cache plan.
func cachePlanOf(p *Pass) *cmPass { return p.ResultOf(CachePlan).(*cmPass) }

// planCacheMounts decides, for every RUN, which cache directories can be
// mounted.
func planCacheMounts(p *Pass) *cmPass {
	c := &cmPass{p: p, d: p.Doc, se: NewStageEnv(p.Doc)}
	for _, ins := range c.d.Instructions {
		if ins.Cmd == "run" && ins.Stage >= 0 {
			c.runs = append(c.runs, c.plan(ins))
		}
	}
	c.groups()
	return c
}

// willMount reports whether cache-mounts mounts (or finds mounted) a cache
// on dir for a RUN.
func (c *cmPass) willMount(ins *ast.Instruction, dirs ...string) bool {
	for _, r := range c.runs {
		if r.ins != ins || r.blocked != "" {
			continue
		}
		for _, u := range r.uses {
			if u.drop == "" && strIn(dirs, u.key) {
				return true
			}
		}
	}
	return false
}

// plan finds the managers of a RUN and where their caches are.
func (c *cmPass) plan(ins *ast.Instruction) *cmRun {
	r := &cmRun{ins: ins, env: c.se.At(ins)}
	r.id = r.env.Identity()
	r.mctx = &managerCtx{pass: c.p, se: c.se, ins: ins, env: r.env}
	if runIgnored(c.d, ins, cacheMountsRule) {
		r.blocked = "ignored"
	}
	switch {
	case ins.JSON && len(ins.Args) == 0:
		return r
	case ins.JSON:
		words := make([]ast.Word, len(ins.Args))
		for i, a := range ins.Args {
			words[i] = ast.Word{Value: a, Lit: true}
		}
		r.invs = findInvocations(r.mctx, []ast.Command{{Name: ins.Args[0], Args: words}})
		if r.blocked == "" {
			r.blocked = "JSON-form RUN: not touched (the shell form can take a cache mount)"
		}
	default:
		r.script = c.se.Shell(ins)
		r.mctx.script = r.script
		if r.script == nil {
			if c.d.IsPOSIX(ins) || len(ins.Args) == 0 {
				return r
			}
			var cmds []ast.Command
			fields := strings.Fields(ins.Args[0])
			for i := range fields {
				words := make([]ast.Word, 0, len(fields)-i)
				for _, f := range fields[i:] {
					words = append(words, ast.Word{Value: f, Lit: true})
				}
				cmds = append(cmds, ast.Command{Name: fields[i], Args: words})
			}
			if invs := findInvocations(r.mctx, cmds); len(invs) > 0 {
				r.invs = invs[:1]
			}
			if r.blocked == "" {
				r.blocked = "RUN under a non-POSIX SHELL: not touched"
			}
		} else {
			r.invs = findInvocations(r.mctx, r.script.Commands)
			if len(r.invs) > 0 && r.blocked == "" && r.script.Background {
				r.blocked = "RUN that starts a command in the background (`&`): not touched"
			}
		}
	}
	if len(r.invs) == 0 {
		return r
	}
	ms, err := c.mountsOf(ins)
	if err != nil {
		if r.blocked == "" {
			r.blocked = "its --mount flags cannot be read: not touched"
		}
	}
	r.existing = ms
	if r.script != nil {
		r.rms = c.findRms(r)
	}
	for _, inv := range r.invs {
		if inv.isClean() {
			continue
		}
		c.resolve(r, inv)
	}
	return r
}

// runIgnored reports whether `# dfopt:ignore=rule` switches rule off for ins.
func runIgnored(d *ast.Document, ins *ast.Instruction, rule string) bool {
	return ignoredAt(d, ins.StartLine, ins.EndLine, rule)
}

// resolve finds the cache directories of one invocation.
func (c *cmPass) resolve(r *cmRun, inv *invocation) {
	m := inv.m
	note := func(why string) {
		r.notes = append(r.notes, m.Name+": "+why)
	}
	if inv.user != "" && !m.System {
		note("it runs as another user (" + inv.user + ")")
		return
	}
	if m.Veto != nil {
		if why := m.Veto(r.mctx, inv); why != "" {
			note(why)
			return
		}
	}
	for _, name := range m.NoCacheEnv {
		if why := stageDefeat(r, inv, name); why != "" {
			note(why)
			return
		}
	}
	for i := range m.Caches {
		spec := &m.Caches[i]
		target, skip, why := c.cacheDir(r, inv, spec)
		if skip {
			continue
		}
		if why != "" {
			note(why)
			continue
		}
		u := &cmUse{run: r, m: m, spec: spec, target: target, key: target.Val, inv: inv}
		for _, em := range r.existing {
			if em.Type == instructions.MountTypeCache && overlaps(u.key, em.TargetIn(r.env.Workdir)) {
				u.covered = true
			}
		}
		if !u.covered && strings.Count(u.key, "/") < 2 {
			note("the cache directory " + u.key + " is too close to the root to be mounted")
			continue
		}
		if !m.System && !r.id.Root && !u.covered {
			if r.id.UID.Val == "" {
				why := r.id.Why
				if why == "" {
					why = userLabel(r.id) + ": its uid is unknown"
				}
				note(why + "; a mount for a non-root user needs uid=")
				continue
			}
			u.uid, u.gid = r.id.UID, r.id.GID
			if why := nonRootParents(r, u); why != "" {
				note(why)
				continue
			}
			if !r.env.InScope(u.uid, r.env) || u.gid.Arg && !r.env.InScope(u.gid, r.env) {
				note("the uid of " + userLabel(r.id) + " depends on a build argument out of scope")
				continue
			}
		}
		r.uses = append(r.uses, u)
	}
}

// Commands that do not write into the user's cache folders.
var quietCommands = map[string]bool{"cd": true, "echo": true, "printf": true, "true": true, "false": true, "test": true, "[": true, "mkdir": true, "chmod": true, "chown": true, "ln": true, "cp": true, "mv": true, "rm": true, "touch": true, "cat": true, "ls": true, "set": true, "sed": true, "grep": true, "find": true, "tar": true, "unzip": true, "curl": true, "wget": true}

// nonRootParents: a mount for a non-root user under a folder of its home
// that may not exist yet (~/.cache) makes the runtime create that folder
// as root for the RUN; another program of the RUN that writes its own
// cache there would fail. Mount only when the RUN runs nothing else that
// could.
func nonRootParents(r *cmRun, u *cmUse) string {
	home := r.id.Home.Val
	if r.script == nil || home == "" || !under(u.key, home) || path.Dir(u.key) == home {
		return ""
	}
	for _, args := range r.otherCommands() {
		if name := progBase(args[0]); !quietCommands[name] {
			return fmt.Sprintf("the mount would make %s a root-owned folder for the RUN, and `%s` may need to write there", path.Dir(u.key), name)
		}
	}
	return ""
}

// otherCommands are the RUN's commands, wrappers stripped, that no package
// manager invocation of the table covers.
func (r *cmRun) otherCommands() [][]ast.Word {
	managed := map[int]bool{}
	for _, inv := range r.invs {
		managed[inv.call] = true
	}
	var out [][]ast.Word
	for i, cmd := range r.script.Commands {
		if args := stripWrappers(cmd.Args); !managed[i] && len(args) > 0 {
			out = append(out, args)
		}
	}
	return out
}

func userLabel(id RunUser) string {
	if id.Name == "" {
		return "the base image's user"
	}
	return "USER " + id.Name
}

// stageDefeat reports a cache-defeating variable set by ENV (which dfopt
// must not change: it is part of the image).
func stageDefeat(r *cmRun, inv *invocation, spec string) string {
	name, want, hasWant := strings.Cut(spec, "=")
	if _, ok := inv.assign[name]; ok {
		return "" // set on the command itself: removed with the mount
	}
	if exportedInRun(r, name) {
		return name + " is set in the RUN by `export`: the cache would stay unused"
	}
	v, ok := r.env.Lookup(name)
	if !ok || !v.Set || hasWant && v.Value != want {
		return ""
	}
	where := "ENV"
	if v.IsArg {
		where = "ARG"
	}
	if v.Line > 0 {
		where += fmt.Sprintf(" at line %d", v.Line)
	}
	return name + " is set by " + where + ": a cache mount would stay unused"
}

// cacheDir resolves a spec for an invocation. skip: the spec does not
// apply; why: its place is unknown.
func (c *cmPass) cacheDir(r *cmRun, inv *invocation, spec *CacheSpec) (v EnvValue, skip bool, why string) {
	lookup := func(name string) (EnvValue, bool, string) {
		if val, ok := inv.assign[name]; ok {
			if val == "" || strIn(inv.m.NoCacheEnv, name+"="+val) {
				// Unset, or a value that switches the cache off (removed with the mount).
				return EnvValue{}, false, ""
			}
			ev, ok := r.env.shellValue(val)
			if !ok {
				return EnvValue{}, false, name + " is set to a value dfopt cannot resolve"
			}
			inv.movedBy = name
			return ev, true, ""
		}
		if val, set, uncertain := runAssignment(r, inv, name); uncertain {
			return EnvValue{}, false, name + " is set in the RUN in a way dfopt cannot follow"
		} else if set {
			if val.Val == "" {
				return EnvValue{}, false, ""
			}
			inv.movedBy = name
			return val, true, ""
		}
		ev, ok := r.env.VarValue(name)
		if ok {
			if v, _ := r.env.Lookup(name); v.Line > 0 {
				inv.movedBy = name
			}
		}
		return ev, ok, ""
	}
	for _, name := range spec.Unless {
		if _, ok, _ := lookup(name); ok {
			return EnvValue{}, true, ""
		}
	}
	if spec.Path != nil {
		dir, why := spec.Path(r.env, progBase(inv.prog))
		if why != "" {
			return EnvValue{}, false, why
		}
		return litValue(dir), false, ""
	}
	// A command-line option wins.
	if len(spec.Flags) > 0 {
		if val, found, bad := flagValue(r, inv.args, spec.Flags); bad != "" {
			return EnvValue{}, false, bad
		} else if found {
			inv.movedBy = "its " + strings.TrimSuffix(spec.Flags[0], "=") + " option"
			return checkDir(val.Join(spec.FlagSub))
		}
		for _, name := range spec.EnvFlags {
			ev, ok, _ := lookup(name)
			if !ok {
				continue
			}
			for _, f := range strings.Fields(ev.Val) {
				for _, fl := range spec.Flags {
					if strings.HasSuffix(fl, "=") && strings.HasPrefix(f, fl) {
						inv.movedBy = name
						return checkDir(litValue(f[len(fl):]).Join(spec.FlagSub))
					}
				}
			}
		}
	}
	for _, alt := range spec.Dirs {
		switch {
		case strings.HasPrefix(alt, "?"):
			if _, ok, _ := lookup(alt[1:]); ok {
				return EnvValue{}, false, alt[1:] + " is set: the cache is not at a known place"
			}
		case strings.HasPrefix(alt, "root:"):
			if r.id.Root && !inv.sudo {
				return checkDir(litValue(alt[len("root:"):]))
			}
		case strings.HasPrefix(alt, "$"):
			name, sub, _ := strings.Cut(alt[1:], "/")
			ev, ok, bad := lookup(name)
			if bad != "" {
				return EnvValue{}, false, bad
			}
			if !ok {
				continue
			}
			if name == "GOPATH" {
				if i := strings.IndexByte(ev.Val, ':'); i >= 0 {
					if ev.Arg {
						return EnvValue{}, false, "GOPATH lists several folders and depends on a build argument"
					}
					ev = litValue(ev.Val[:i])
				}
			}
			if strings.HasPrefix(ev.Val, "~/") {
				home, why := c.home(r, inv)
				if why != "" {
					return EnvValue{}, false, why
				}
				ev = home.Join(ev.Val[2:])
			}
			return checkDir(ev.Join(sub))
		case strings.HasPrefix(alt, "~/"):
			home, why := c.home(r, inv)
			if why != "" {
				return EnvValue{}, false, why
			}
			return checkDir(home.Join(alt[2:]))
		default:
			return checkDir(litValue(alt))
		}
	}
	return EnvValue{}, false, "the cache location is unknown"
}

func (c *cmPass) home(r *cmRun, inv *invocation) (EnvValue, string) {
	if val, ok := inv.assign["HOME"]; ok {
		ev, ok := r.env.shellValue(val)
		if !ok || !path.IsAbs(ev.Val) {
			return EnvValue{}, "HOME is set to a value dfopt cannot resolve"
		}
		return ev, ""
	}
	if val, set, uncertain := runAssignment(r, inv, "HOME"); uncertain {
		return EnvValue{}, "HOME is changed in the RUN"
	} else if set {
		return val, ""
	}
	if inv.sudo {
		return EnvValue{}, "it runs under sudo, whose HOME depends on the sudo configuration"
	}
	if r.id.Home.Val == "" {
		why := r.id.Why
		if why == "" {
			why = "the home of " + userLabel(r.id) + " is unknown"
		}
		return EnvValue{}, why
	}
	if !r.env.InScope(r.id.Home, r.env) {
		return EnvValue{}, "the home of " + userLabel(r.id) + " depends on a build argument out of scope"
	}
	return r.id.Home, ""
}

// checkDir accepts a directory a cache mount can target.
func checkDir(v EnvValue) (EnvValue, bool, string) {
	p := v.Val
	if !path.IsAbs(p) {
		return EnvValue{}, false, "the cache directory " + p + " is relative"
	}
	v.Val = path.Clean(p)
	if strings.ContainsAny(v.Expr, ",\"' \t\n") {
		return EnvValue{}, false, "the cache directory " + v.Val + " cannot be written in a --mount flag"
	}
	if !v.Arg {
		v.Expr = v.Val
	}
	return v, false, ""
}

// flagValue finds an option naming a directory in an invocation's words.
func flagValue(r *cmRun, args []ast.Word, flags []string) (EnvValue, bool, string) {
	for i, a := range args {
		for _, f := range flags {
			var raw string
			switch {
			case strings.HasSuffix(f, "="):
				if !strings.HasPrefix(a.Value, f) {
					continue
				}
				raw = a.Value[len(f):]
			case a.Value == f:
				if i+1 >= len(args) {
					return EnvValue{}, false, f + " has no value"
				}
				ev, ok := r.env.wordValue(args[i+1])
				if !ok {
					return EnvValue{}, false, f + " has a value dfopt cannot resolve"
				}
				return ev, true, ""
			case strings.HasPrefix(a.Value, f+"="):
				raw = a.Value[len(f)+1:]
			default:
				continue
			}
			ev, ok := r.env.shellValue(raw)
			if a.Lit {
				ev, ok = litValue(raw), true
			}
			if !ok {
				return EnvValue{}, false, f + " has a value dfopt cannot resolve"
			}
			return ev, true, ""
		}
	}
	return EnvValue{}, false, ""
}

// groups applies the rules that span RUNs and stages, dropping uses that
// cannot be mounted safely.
func (c *cmPass) groups() {
	byKey := map[string][]*cmUse{}
	var keys []string
	for _, r := range c.runs {
		c.dropNested(r)
		for _, u := range r.uses {
			if _, ok := byKey[u.key]; !ok {
				keys = append(keys, u.key)
			}
			byKey[u.key] = append(byKey[u.key], u)
		}
	}
	sort.Strings(keys)
	for _, key := range keys {
		for _, comp := range c.components(byKey[key]) {
			if why := c.conflict(key, comp); why != "" {
				for _, u := range comp {
					if u.drop == "" {
						u.drop = why
					}
				}
			}
		}
	}
}

// dropNested keeps one use per directory of a RUN and drops a directory
// inside another one mounted by the same RUN.
func (c *cmPass) dropNested(r *cmRun) {
	r.allUses = r.uses
	var kept []*cmUse
	seen := map[string]*cmUse{}
	for _, u := range r.uses {
		if k := seen[u.key]; k != nil {
			k.also = append(k.also, u.m)
			continue
		}
		seen[u.key] = u
		kept = append(kept, u)
	}
	r.uses = kept[:0:0]
	for _, u := range kept {
		inner := false
		for _, o := range kept {
			if o != u && strictlyUnder(u.key, o.key) {
				inner = true
			}
		}
		if !inner {
			r.uses = append(r.uses, u)
		}
	}
}

// components splits the uses of one directory into groups whose stages
// are built on one another.
func (c *cmPass) components(uses []*cmUse) [][]*cmUse {
	parent := make([]int, len(uses))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			i = parent[i]
		}
		return i
	}
	for i := range uses {
		for j := i + 1; j < len(uses); j++ {
			if c.related(uses[i].run.ins.Stage, uses[j].run.ins.Stage) {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]*cmUse{}
	var order []int
	for i, u := range uses {
		root := find(i)
		if _, ok := groups[root]; !ok {
			order = append(order, root)
		}
		groups[root] = append(groups[root], u)
	}
	out := make([][]*cmUse, 0, len(order))
	for _, r := range order {
		out = append(out, groups[r])
	}
	return out
}

// related reports whether one stage is built on the other (or they are the same).
func (c *cmPass) related(a, b int) bool {
	if a == b {
		return true
	}
	sa, sb := c.d.Stages[a], c.d.Stages[b]
	for _, s := range c.se.Lineage(sa) {
		if s.Index == b {
			return true
		}
	}
	for _, s := range c.se.Lineage(sb) {
		if s.Index == a {
			return true
		}
	}
	return false
}

func (c *cmPass) relatedToAny(stage int, comp []*cmUse) bool {
	for _, u := range comp {
		if c.related(stage, u.run.ins.Stage) {
			return true
		}
	}
	return false
}

// beforeAnyUse reports an instruction that runs before one of the uses, in
// the use's stage or a stage it is built on.
func (c *cmPass) beforeAnyUse(ins *ast.Instruction, comp []*cmUse) bool {
	for _, u := range comp {
		if ins.Index >= u.run.ins.Index {
			continue
		}
		for _, s := range c.se.Lineage(c.d.Stages[u.run.ins.Stage]) {
			if s.Index == ins.Stage {
				return true
			}
		}
	}
	return false
}

// builtOnAny reports whether stage is one of comp's stages or built on one.
func (c *cmPass) builtOnAny(stage int, comp []*cmUse) bool {
	for _, s := range c.se.Lineage(c.d.Stages[stage]) {
		for _, u := range comp {
			if u.run.ins.Stage == s.Index {
				return true
			}
		}
	}
	return false
}

// conflict returns why a directory must not be mounted in a group of RUNs.
func (c *cmPass) conflict(key string, comp []*cmUse) string {
	first := comp[0]
	users := map[*cmRun]bool{}
	for _, u := range comp {
		users[u.run] = true
	}
	// A Store directory (and apt's lists) holds what later steps read:
	// every RUN that uses it must be mounted, or none. A pure cache needs
	// no such agreement: a RUN without the mount just downloads again.
	consistent := first.spec.Store || first.spec.Lists
	allBlocked := true
	for _, u := range comp {
		if u.run.blocked == "" {
			allBlocked = false
		}
	}
	if allBlocked {
		return "" // reported with their own reason
	}
	for _, u := range comp {
		if u.run.blocked != "" && consistent {
			if u.run.blocked == "ignored" {
				return fmt.Sprintf("the RUN at line %d, which uses %s too, is excluded by an ignore comment", u.run.ins.StartLine, key)
			}
			return fmt.Sprintf("the RUN at line %d uses %s too and cannot be changed (%s)", u.run.ins.StartLine, key, strings.SplitN(u.run.blocked, ":", 2)[0])
		}
	}
	for _, u := range comp {
		if u.uid.Val != first.uid.Val {
			return fmt.Sprintf("RUNs at lines %d and %d use %s as different users", first.run.ins.StartLine, u.run.ins.StartLine, key)
		}
	}
	// The same directory unresolvable for another use of the manager in the group.
	for _, r := range c.runs {
		if !consistent || users[r] || !c.relatedToAny(r.ins.Stage, comp) {
			continue
		}
		for _, n := range r.notes {
			if strings.HasPrefix(n, first.m.Name+": ") && !strings.Contains(n, "runs as another user") {
				return fmt.Sprintf("the RUN at line %d runs %s too but cannot be mounted", r.ins.StartLine, first.m.Name)
			}
		}
	}
	// The directory itself, in each RUN: for a pure cache only that RUN
	// goes without the mount.
	for _, u := range comp {
		if why := c.runConflict(u.run, key); why != "" {
			if consistent {
				return why
			}
			u.drop = why
		}
	}
	// Other instructions of the stages involved.
	for _, ins := range c.d.Instructions {
		if ins.Stage < 0 {
			continue
		}
		if why := c.instructionConflict(ins, key, comp, users); why != "" {
			return why
		}
	}
	if first.spec.Store {
		if why := c.opaqueBuilds(comp, users); why != "" {
			return why
		}
	}
	if why := c.runtimeNeeds(key, comp); why != "" {
		return why
	}
	if first.spec.Lists {
		if why := c.listsSafe(comp); why != "" {
			return why
		}
	}
	return ""
}

// runConflict checks a directory against the RUN that mounts it.
func (c *cmPass) runConflict(r *cmRun, key string) string {
	if under(r.env.Workdir, key) {
		return "the WORKDIR " + r.env.Workdir + " is inside " + key
	}
	if r.id.Home.Val != "" && under(r.id.Home.Val, key) {
		return key + " contains the home directory"
	}
	if pv, ok := r.env.Lookup("PATH"); ok {
		for _, p := range strings.Split(pv.Value, ":") {
			if p != "" && under(path.Clean(p), key) {
				return key + " contains " + p + ", which is on the PATH"
			}
		}
	}
	for _, m := range r.existing {
		t := m.TargetIn(r.env.Workdir)
		if m.Type != instructions.MountTypeCache && (under(t, key) || under(key, t)) {
			return fmt.Sprintf("the RUN at line %d already mounts %s (type=%s)", r.ins.StartLine, t, m.Type)
		}
	}
	if why := c.rmConflict(r, key); why != "" {
		return why
	}
	if why := c.substConflict(r, key); why != "" {
		return why
	}
	return c.mentions(r, key, true)
}

// instructionConflict checks one instruction against a group of uses.
func (c *cmPass) instructionConflict(ins *ast.Instruction, key string, comp []*cmUse, users map[*cmRun]bool) string {
	switch cmd := ins.Command.(type) {
	case *instructions.RunCommand:
		for _, r := range c.runs {
			if r.ins != ins || users[r] || !c.relatedToAny(ins.Stage, comp) {
				continue
			}
			if why := c.mentions(r, key, false); why != "" {
				return why
			}
		}
		if ms, err := c.mountsOf(ins); err == nil {
			for _, m := range ms {
				if m.From == "" {
					continue
				}
				if st := c.stageRef(m.From, ins); st != nil && c.builtOnAny(st.Index, comp) && overlaps(path.Clean("/"+m.Source), key) {
					return fmt.Sprintf("the RUN at line %d mounts %s from stage %s", ins.StartLine, m.Source, m.From)
				}
			}
		}
	case *instructions.CopyCommand:
		return c.copyConflict(ins, key, comp, cmd.From, cmd.SourcePaths, cmd.DestPath)
	case *instructions.AddCommand:
		return c.copyConflict(ins, key, comp, "", cmd.SourcePaths, cmd.DestPath)
	case *instructions.VolumeCommand:
		if !c.relatedToAny(ins.Stage, comp) {
			return ""
		}
		env := c.se.At(ins)
		for _, v := range cmd.Volumes {
			if ev, err := env.Expand(v); err == nil && overlaps(path.Clean("/"+ev.Val), key) {
				return fmt.Sprintf("VOLUME at line %d covers %s", ins.StartLine, key)
			}
		}
	}
	return ""
}

func (c *cmPass) copyConflict(ins *ast.Instruction, key string, comp []*cmUse, from string, srcs []string, dest string) string {
	env := c.se.At(ins)
	if from != "" {
		if st := c.stageRef(from, ins); st != nil {
			if c.builtOnAny(st.Index, comp) {
				for _, s := range srcs {
					sv, err := env.Expand(s)
					if err != nil {
						return fmt.Sprintf("COPY --from=%s at line %d copies a path dfopt cannot resolve", from, ins.StartLine)
					}
					if overlaps(globBase(path.Clean("/"+sv.Val)), key) {
						return fmt.Sprintf("COPY --from=%s at line %d reads %s from the image", from, ins.StartLine, sv.Val)
					}
				}
			}
		}
	}
	// A write into the directory matters only before a RUN that mounts
	// it (the mount would hide what was written).
	if !c.beforeAnyUse(ins, comp) {
		return ""
	}
	dv, err := env.Expand(dest)
	if err != nil {
		return fmt.Sprintf("the destination of %s at line %d cannot be resolved", ins.Keyword, ins.StartLine)
	}
	d := dv.Val
	if !path.IsAbs(d) {
		d = path.Join(env.Workdir, d)
	}
	d = path.Clean(d)
	if under(d, key) {
		return fmt.Sprintf("%s at line %d writes into %s", strings.ToUpper(ins.Cmd), ins.StartLine, key)
	}
	if !strictlyUnder(key, d) {
		return ""
	}
	rel := strings.TrimPrefix(key, strings.TrimSuffix(d, "/")+"/")
	if from != "" {
		return fmt.Sprintf("%s --from=%s at line %d copies into %s, which contains %s", strings.ToUpper(ins.Cmd), from, ins.StartLine, d, key)
	}
	if c.p.Context != nil {
		for _, s := range srcs {
			if sv, err := env.Expand(s); err == nil && c.p.Context.Exists(path.Join(sv.Val, rel)) {
				return fmt.Sprintf("%s at line %d copies %s from the build context", strings.ToUpper(ins.Cmd), ins.StartLine, path.Join(sv.Val, rel))
			}
		}
	}
	return ""
}

// stageRef resolves a --from reference to an earlier stage.
func (c *cmPass) stageRef(ref string, at *ast.Instruction) *ast.Stage {
	if v, err := c.se.At(at).Expand(ref); err == nil {
		ref = v.Val
	}
	st := c.d.StageByName(ref)
	if st == nil || at.Stage >= 0 && st.Index >= at.Stage {
		return nil
	}
	return st
}

// Commands whose mention of a cache directory is harmless.
var benignCommands = map[string]bool{"mkdir": true, "chown": true, "chmod": true, "ls": true, "echo": true, "printf": true, "test": true, "[": true, "true": true, "du": true, "stat": true}

// mentions reports a command (other than the managers themselves and rm,
// handled apart) that names the directory or something inside it.
func (c *cmPass) mentions(r *cmRun, key string, isUser bool) string {
	if r.script == nil {
		if r.ins.JSON {
			for _, a := range r.ins.Args {
				if mentionsPath(a, key, r) {
					return fmt.Sprintf("the RUN at line %d refers to %s", r.ins.StartLine, key)
				}
			}
			return ""
		}
		if len(r.ins.Args) > 0 && strings.Contains(r.ins.Args[0], key) {
			return fmt.Sprintf("the RUN at line %d refers to %s", r.ins.StartLine, key)
		}
		return ""
	}
	for _, args := range r.otherCommands() {
		name := progBase(args[0])
		if benignCommands[name] || name == "rm" && isUser {
			continue
		}
		for _, w := range args[1:] {
			if mentionsPath(w.Value, key, r) || c.substMentions(r, w, key) {
				return fmt.Sprintf("`%s` in the RUN at line %d uses %s", name, r.ins.StartLine, key)
			}
		}
	}
	return ""
}

// mentionsPath reports whether a word names dir or a path inside it, after
// resolving ~, $HOME and the stage's variables.
func mentionsPath(word, dir string, r *cmRun) bool {
	w := word
	if strings.Contains(w, "$") || strings.HasPrefix(w, "~") {
		w = expandPathWord(w, r)
	}
	for i := 0; ; {
		j := strings.Index(w[i:], dir)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(dir)
		okBefore := j == 0 || strings.ContainsRune("=:\"' ", rune(w[j-1]))
		okAfter := end == len(w) || w[end] == '/' || w[end] == '"' || w[end] == '\'' || w[end] == ':'
		if okBefore && okAfter {
			return true
		}
		i = j + 1
	}
}

// expandPathWord resolves ~ and variables in a word; unknown parts stay.
func expandPathWord(w string, r *cmRun) string {
	if strings.HasPrefix(w, "~/") || w == "~" {
		if r.id.Home.Val != "" {
			w = r.id.Home.Val + w[1:]
		}
	}
	if v, ok := r.env.shellValue(w); ok {
		return v.Val
	}
	if r.id.Home.Val != "" {
		w = strings.ReplaceAll(w, "${HOME}", r.id.Home.Val)
		w = strings.ReplaceAll(w, "$HOME", r.id.Home.Val)
	}
	return w
}

// Build drivers that may run a package manager dfopt cannot see.
var buildDrivers = map[string]bool{"make": true, "gmake": true, "mage": true, "task": true, "just": true, "bazel": true, "bazelisk": true, "goreleaser": true, "scons": true, "ninja": true, "cmake": true, "meson": true, "earthly": true, "nix": true}

// opaqueBuilds: a RUN of the stages involved runs a build driver or a
// script, which may read a Store directory (Go modules, the Maven
// repository) from the image without the mount.
func (c *cmPass) opaqueBuilds(comp []*cmUse, users map[*cmRun]bool) string {
	for _, r := range c.runs {
		if users[r] || !c.relatedToAny(r.ins.Stage, comp) {
			continue
		}
		var cmds [][]ast.Word
		switch {
		case r.script != nil:
			for _, cmd := range r.script.Commands {
				cmds = append(cmds, stripWrappers(cmd.Args))
			}
		case r.ins.JSON && len(r.ins.Args) > 0:
			var words []ast.Word
			for _, a := range r.ins.Args {
				words = append(words, ast.Word{Value: a, Lit: true})
			}
			cmds = append(cmds, words)
		}
		for _, args := range cmds {
			if len(args) == 0 {
				continue
			}
			if name := opaqueDriver(args); name != "" {
				return fmt.Sprintf("the RUN at line %d runs `%s`, which may read %s from the image", r.ins.StartLine, name, comp[0].key)
			}
		}
	}
	return ""
}

func opaqueDriver(args []ast.Word) string {
	w := strings.Trim(args[0].Value, `"'`)
	name := path.Base(w)
	switch {
	case buildDrivers[name], strings.HasSuffix(name, ".sh"):
		return name
	case (name == "sh" || name == "bash" || name == "ash" || name == "dash" || name == "zsh") && len(args) > 1 && !strings.HasPrefix(args[1].Value, "-"):
		return name + " " + args[1].Value
	case strings.HasPrefix(w, "./") && name != "mvnw" && name != "gradlew" && name != "configure":
		return w
	}
	return ""
}

// listsSafe decides whether apt's lists can be mounted: every RUN of the
// group updates them itself before installing. Like apt-hygiene, dfopt
// treats the lists as a cache the image does not need (a RUN that installs
// later must run `apt-get update` anyway).
func (c *cmPass) listsSafe(comp []*cmUse) string {
	for _, u := range comp {
		r := u.run
		if !aptUpdatesFirst(r) {
			return fmt.Sprintf("the RUN at line %d installs with apt without updating its lists first: it reads them from the image", r.ins.StartLine)
		}
	}
	// A later apt RUN of the stages that does not update.
	for _, r := range c.runs {
		if r.script == nil || !c.relatedToAny(r.ins.Stage, comp) {
			continue
		}
		for _, inv := range r.invs {
			if inv.m.Name == "apt" && !aptUpdatesFirst(r) {
				return fmt.Sprintf("the RUN at line %d uses apt without updating its lists", r.ins.StartLine)
			}
		}
	}
	return ""
}

// aptUpdatesFirst: the RUN's first apt command that needs the lists is `update`.
func aptUpdatesFirst(r *cmRun) bool {
	for _, inv := range r.invs {
		if inv.m.Name != "apt" || inv.isClean() || len(inv.sub) == 0 {
			continue
		}
		return inv.sub[0] == "update"
	}
	return true
}

// overlaps reports whether two paths are the same or one contains the other.
func overlaps(a, b string) bool { return under(a, b) || under(b, a) }

// under reports whether p is dir or inside it.
func under(p, dir string) bool {
	if p == dir || dir == "/" {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func strictlyUnder(p, dir string) bool { return p != dir && under(p, dir) }

// globBase is the part of a path before its first wildcard, cut back to a
// whole folder.
func globBase(p string) string {
	i := strings.IndexAny(p, "*?[{")
	if i < 0 {
		return p
	}
	j := strings.LastIndexByte(p[:i], '/')
	if j <= 0 {
		return "/"
	}
	return p[:j]
}

// runAssignment finds a variable assigned by the RUN before an invocation:
// `export NAME=…` or `NAME=…` of a variable the stage exports.
func runAssignment(r *cmRun, inv *invocation, name string) (EnvValue, bool, bool) {
	if r.script == nil {
		return EnvValue{}, false, false
	}
	at := inv.cmd.Span.Start
	var val EnvValue
	set := false
	for _, a := range scriptAssigns(r) {
		if a.name != name {
			continue
		}
		if !a.top {
			return EnvValue{}, false, true
		}
		if a.pos > at {
			continue
		}
		if !a.export {
			if v, ok := r.env.Lookup(name); !ok || !v.Set {
				continue // not exported: the manager does not see it
			}
		}
		ev, ok := r.env.shellValue(a.value)
		if !ok {
			return EnvValue{}, false, true
		}
		val, set = ev, true
	}
	return val, set, false
}

func exportedInRun(r *cmRun, name string) bool {
	if r.script == nil {
		return false
	}
	for _, a := range scriptAssigns(r) {
		if a.name == name && a.export {
			return true
		}
	}
	return false
}

// runAssign is one variable assignment in a RUN's script.
type runAssign struct {
	name, value string
	pos         int  // Src offset
	top         bool // runs unconditionally in the RUN's own shell
	export      bool
}

func scriptAssigns(r *cmRun) []runAssign {
	if r.assigns != nil || r.script == nil {
		return r.assigns
	}
	s := r.script
	out := []runAssign{}
	var stmts func(list []*syntax.Stmt, top bool)
	var stmt func(st *syntax.Stmt, top bool)
	stmt = func(st *syntax.Stmt, top bool) {
		if st == nil {
			return
		}
		if st.Background || st.Coprocess {
			top = false
		}
		switch c := st.Cmd.(type) {
		case *syntax.BinaryCmd:
			and := c.Op == syntax.AndStmt
			stmt(c.X, top && and)
			stmt(c.Y, top && and)
		case *syntax.DeclClause:
			export := c.Variant.Value == "export"
			for _, a := range c.Args {
				if a.Name == nil || a.Naked || a.Value == nil {
					continue
				}
				out = append(out, runAssign{name: a.Name.Value, value: s.Text[a.Value.Pos().Offset():a.Value.End().Offset()], pos: s.Orig(a.Pos()), top: top, export: export})
			}
		case *syntax.CallExpr:
			if len(c.Args) == 0 {
				for _, a := range c.Assigns {
					if a.Name == nil || a.Value == nil {
						continue
					}
					out = append(out, runAssign{name: a.Name.Value, value: s.Text[a.Value.Pos().Offset():a.Value.End().Offset()], pos: s.Orig(a.Pos()), top: top})
				}
			}
		case *syntax.Block:
			stmts(c.Stmts, top)
		case *syntax.Subshell:
			stmts(c.Stmts, false)
		case *syntax.IfClause:
			for ic := c; ic != nil; ic = ic.Else {
				stmts(ic.Cond, false)
				stmts(ic.Then, false)
			}
		case *syntax.WhileClause:
			stmts(c.Cond, false)
			stmts(c.Do, false)
		case *syntax.ForClause:
			stmts(c.Do, false)
		case *syntax.CaseClause:
			for _, it := range c.Items {
				stmts(it.Stmts, false)
			}
		case *syntax.FuncDecl:
			stmt(c.Body, false)
		}
	}
	stmts = func(list []*syntax.Stmt, top bool) {
		for _, st := range list {
			stmt(st, top)
		}
	}
	stmts(s.File.Stmts, true)
	r.assigns = out
	return out
}

// rmCmd is an `rm` of the RUN with the paths it removes.
type rmCmd struct {
	cmd  *ast.Command
	args []rmArg
}

type rmArg struct {
	word ast.Word
	path string // resolved, cleaned; "" when unknown
	// A command substitution of manager m whose folder is unknown, and why.
	why string
	m   *Manager
}

func (c *cmPass) findRms(r *cmRun) []rmCmd {
	var out []rmCmd
	for i := range r.script.Commands {
		cmd := &r.script.Commands[i]
		args := stripWrappers(cmd.Args)
		if len(args) == 0 || progBase(args[0]) != "rm" {
			continue
		}
		rc := rmCmd{cmd: cmd}
		opts := true
		for _, w := range args[1:] {
			if opts && w.Value == "--" {
				opts = false
				continue
			}
			if opts && strings.HasPrefix(w.Value, "-") {
				continue
			}
			p := expandPathWord(w.Value, r)
			sp, why, m := c.substPath(r, w)
			switch {
			case sp != "":
				p = sp
			case strings.ContainsAny(p, "$`") || !path.IsAbs(p):
				p = ""
			default:
				p = path.Clean(p)
			}
			rc.args = append(rc.args, rmArg{word: w, path: p, why: why, m: m})
		}
		out = append(out, rc)
	}
	return out
}

// rm relations between a removed path and a mounted directory.
const (
	rmNone     = iota
	rmInside   // removes things inside the mount: only empties the cache
	rmEqual    // removes the mount point itself: fails
	rmAncestor // removes a folder holding the mount point: fails, and more
)

func rmRelation(p, key string) int {
	if p == "" {
		return rmNone
	}
	if !strings.ContainsAny(p, "*?[") {
		switch {
		case p == key:
			return rmEqual
		case strictlyUnder(p, key):
			return rmInside
		case strictlyUnder(key, p):
			return rmAncestor
		}
		return rmNone
	}
	base := globBase(p)
	if under(base, key) {
		return rmInside
	}
	if strictlyUnder(key, base) {
		for a := key; a != base && a != "/" && a != "."; a = path.Dir(a) {
			if ok, _ := path.Match(p, a); ok {
				return rmAncestor
			}
		}
	}
	return rmNone
}

// rmConflict: an rm of the RUN that would hit the mount point of key.
func (c *cmPass) rmConflict(r *cmRun, key string) string {
	for _, rm := range r.rms {
		for _, a := range rm.args {
			switch rmRelation(a.path, key) {
			case rmAncestor:
				return fmt.Sprintf("`rm %s` in the RUN at line %d would fail on the mount point %s", a.word.Value, r.ins.StartLine, key)
			case rmEqual:
				if _, ok := removeWord(c.d, r.ins, a.word.Span); !ok {
					if _, ok := removeCommand(c.d, r.ins, r.script, rm.cmd.Call); !ok {
						return fmt.Sprintf("`rm %s` in the RUN at line %d would fail on the mount point and cannot be removed cleanly", a.word.Value, r.ins.StartLine)
					}
				}
			}
		}
	}
	return ""
}

// findings builds the edits and findings of one RUN.
func (c *cmPass) findings(r *cmRun) []Finding {
	if len(r.invs) == 0 || r.blocked == "ignored" {
		return nil
	}
	finding := func(msg string, edits ...emit.Edit) Finding {
		return c.p.Finding(cacheMountsRule, r.ins, msg, edits...)
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

func managerNames(invs []*invocation) string {
	var names []string
	for _, inv := range invs {
		names = append(names, inv.m.Name)
	}
	return strings.Join(dedupe(names), ", ")
}

type cmEdits struct {
	added    []*cmUse
	names    []string
	removed  []string
	replaced []string
	keepNote string
	edits    []emit.Edit
}

// what names the managers and directories of the added mounts: "go (/go/pkg/mod)".
func (e *cmEdits) what() string {
	var targets []string
	for _, u := range e.added {
		targets = append(targets, u.key)
	}
	return fmt.Sprintf("%s (%s)", strings.Join(dedupe(e.names), ", "), strings.Join(targets, ", "))
}

func (e *cmEdits) message() string {
	var b strings.Builder
	if len(e.added) > 0 {
		s := ""
		if len(e.added) > 1 {
			s = "s"
		}
		fmt.Fprintf(&b, "add cache mount%s for %s", s, e.what())
	}
	if len(e.removed) > 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "remove %s", strings.Join(dedupe(e.removed), ", "))
		if len(e.added) == 0 {
			b.WriteString(": the existing cache mount keeps the cache out of the image")
		}
	}
	for _, extra := range append(dedupe(e.replaced), e.keepNote) {
		if extra == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(extra)
	}
	return b.String()
}

// editPlan computes the edits of a RUN: the mount flags, the removals and
// the manager options. Optional removals that do not leave valid shell
// are dropped.
func (c *cmPass) editPlan(r *cmRun, mounted []*cmUse) *cmEdits {
	plan := &cmEdits{}
	// Directories the RUN will have mounted as caches.
	var keys []string
	for _, m := range r.existing {
		if m.Type == instructions.MountTypeCache {
			keys = append(keys, m.TargetIn(r.env.Workdir))
		}
	}
	byManager := map[*Manager]bool{}
	var flags []string
	for _, u := range mounted {
		covered := false
		for _, m := range r.existing {
			t := m.TargetIn(r.env.Workdir)
			if m.Type == instructions.MountTypeCache && overlaps(u.key, t) {
				covered = true
			}
		}
		byManager[u.m] = true
		for _, m := range u.also {
			byManager[m] = true
		}
		if covered {
			continue
		}
		keys = append(keys, u.key)
		plan.added = append(plan.added, u)
		plan.names = append(plan.names, u.m.Name)
		for _, m := range u.also {
			plan.names = append(plan.names, m.Name)
		}
		flags = append(flags, mountFlag(u))
	}
	// A manager whose directory lies inside a mounted one counts too.
	for _, u := range r.allUses {
		for _, k := range keys {
			if under(u.key, k) {
				byManager[u.m] = true
			}
		}
	}
	type opt struct {
		e        emit.Edit
		what     string // removed text, for the message
		replace  string // a replacement, for the message
		required bool
		mount    bool
	}
	var opts []opt
	if len(flags) > 0 {
		opts = append(opts, opt{e: mountEdit(c.d, r.ins, flags), required: true, mount: true})
	}
	for _, inv := range r.invs {
		if !byManager[inv.m] || r.script == nil {
			continue
		}
		if inv.isClean() {
			// Only when everything it empties is mounted, its own directory
			// included; required when it removes a mounted directory (see
			// dropRemovedByClean).
			if !r.cleanMounted(inv, keys) || !cleanOwnDirMounted(r, inv, keys) {
				continue
			}
			if e, ok := removeCommand(c.d, r.ins, r.script, inv.cmd.Call); ok {
				opts = append(opts, opt{e: e, what: removedText(e, commandText(c.d, inv.cmd)), required: r.cleanRemovesMount(inv, keys)})
			}
			continue
		}
		for _, a := range inv.args {
			if strIn(inv.m.NoCache, a.Value) || strings.HasPrefix(a.Value, "--no-cache-dir=") && inv.m.Name == "pip" {
				if inv.m.Name == "apk" {
					continue // replaced below
				}
				if e, ok := removeWord(c.d, r.ins, a.Span); ok {
					opts = append(opts, opt{e: e, what: a.Value})
				}
			}
		}
		for i, as := range inv.cmd.Call.Assigns {
			name := as.Name.Value
			val := ""
			if as.Value != nil {
				val = r.script.Text[as.Value.Pos().Offset():as.Value.End().Offset()]
			}
			for _, spec := range inv.m.NoCacheEnv {
				n, want, hasWant := strings.Cut(spec, "=")
				if n == name && (!hasWant || strings.Trim(val, `"'`) == want) {
					if e, ok := removeWord(c.d, r.ins, r.script.SpanOf(inv.cmd.Call.Assigns[i])); ok {
						opts = append(opts, opt{e: e, what: inv.cmd.Assigns[i]})
					}
				}
			}
		}
	}
	// rm of what the mounts hold.
	for _, rm := range r.rms {
		var hits []rmArg
		required := false
		for _, a := range rm.args {
			rel := rmNone
			for _, k := range keys {
				if x := rmRelation(a.path, k); x > rel {
					rel = x
				}
			}
			if rel == rmInside || rel == rmEqual {
				hits = append(hits, a)
				required = required || rel == rmEqual
			}
		}
		if len(hits) == 0 {
			continue
		}
		if len(hits) == len(rm.args) {
			if e, ok := removeCommand(c.d, r.ins, r.script, rm.cmd.Call); ok {
				opts = append(opts, opt{e: e, what: removedText(e, commandText(c.d, rm.cmd)), required: required})
				continue
			}
		}
		for _, a := range hits {
			if len(hits) == len(rm.args) && a.word.Span == hits[len(hits)-1].word.Span && len(hits) > 0 {
				// The last path cannot go without the command: keep it if it is harmless.
				if rmRelation(a.path, a.path) == rmEqual && !required {
					break
				}
			}
			if e, ok := removeWord(c.d, r.ins, a.word.Span); ok {
				opts = append(opts, opt{e: e, what: a.word.Value + " from rm", required: rmRelationAny(a.path, keys) == rmEqual})
			}
		}
	}
	// Manager options that make the mount work.
	plan.keepNote = c.managerOptions(r, keys, func(e emit.Edit, replace string) {
		opts = append(opts, opt{e: e, replace: replace, required: true})
	})
	// Keep the edits that fit together and leave valid shell.
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].e.Start < opts[j].e.Start })
	var kept []opt
	for _, o := range opts {
		if len(kept) > 0 {
			last := kept[len(kept)-1]
			if o.e.Start < last.e.End || o.e.Start == last.e.Start && o.e.End > o.e.Start && last.e.End > last.e.Start {
				if o.required && !last.required {
					kept = kept[:len(kept)-1]
				} else {
					continue
				}
			}
		}
		kept = append(kept, o)
	}
	build := func(list []opt) []emit.Edit {
		var es []emit.Edit
		for _, o := range list {
			es = append(es, o.e)
		}
		return es
	}
	// Insertions (the flags, manager options) keep the text well formed
	// by construction; removals are checked by parsing the result.
	removes := false
	for _, o := range kept {
		removes = removes || o.what != "" || strings.HasPrefix(o.replace, "remove ")
	}
	if removes && !c.shellValid(r.ins, build(kept)) {
		var req []opt
		for _, o := range kept {
			if o.required {
				req = append(req, o)
			}
		}
		kept = req
		if !c.shellValid(r.ins, build(kept)) {
			plan.added = nil
			plan.removed = nil
			plan.keepNote = ""
			return plan
		}
	}
	hasMount := false
	for _, o := range kept {
		if o.what != "" {
			plan.removed = append(plan.removed, o.what)
		}
		if o.replace != "" {
			plan.replaced = append(plan.replaced, o.replace)
		}
		if o.mount {
			hasMount = true
		}
	}
	if !hasMount {
		plan.added = nil
	}
	plan.edits = build(kept)
	return plan
}

func rmRelationAny(p string, keys []string) int {
	rel := rmNone
	for _, k := range keys {
		if x := rmRelation(p, k); x > rel {
			rel = x
		}
	}
	return rel
}

func commandText(d *ast.Document, cmd *ast.Command) string {
	t := string(d.Src[cmd.Span.Start:cmd.Span.End])
	if strings.ContainsAny(t, "\r\n") {
		return strings.Join(strings.Fields(strings.ReplaceAll(t, string(d.Escape)+"\n", " ")), " ")
	}
	return t
}

// managerOptions adds the options some managers need for the mount to
// keep anything and keep it fresh: apt (docker-clean, apt's own
// deletion), apk (a cache directory, --update-cache), dnf, yum and
// microdnf (keepcache, --refresh): see basefacts.go.
func (c *cmPass) managerOptions(r *cmRun, keys []string, add func(emit.Edit, string)) string {
	if r.script == nil {
		return ""
	}
	has := func(k string) bool { return strIn(keys, k) }
	note := ""
	mentions := func(word string) bool {
		return r.mctx.lineageMentions(word)
	}
	for _, inv := range r.invs {
		if inv.isClean() || len(inv.sub) == 0 {
			continue
		}
		argsText := ""
		for _, a := range inv.args {
			argsText += " " + a.Value
		}
		insertAt := inv.prog.Span.End
		switch inv.m.Name {
		case "apt":
			root := ""
			switch {
			case has("/var/cache/apt"):
				root = "/var/cache/apt/"
			case has("/var/cache/apt/archives"):
				root = "/var/cache/apt/archives/"
			}
			if root == "" || !strIn([]string{"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"}, inv.sub[0]) {
				continue
			}
			var o []string
			if !strings.Contains(argsText, "Dir::Cache") && !mentions("docker-clean") {
				o = append(o, "-o Dir::Cache::Archives="+root+aptKeepDir)
				note = "apt keeps the packages in " + root + aptKeepDir + " (Debian's docker-clean deletes /var/cache/apt/archives/*.deb)"
			}
			if progBase(inv.prog) == "apt" && !strings.Contains(argsText, "Keep-Downloaded-Packages") && !mentions("Keep-Downloaded-Packages") {
				o = append(o, "-o APT::Keep-Downloaded-Packages=true")
			}
			if len(o) > 0 {
				add(emit.Edit{Start: insertAt, End: insertAt, New: " " + strings.Join(o, " ")}, "")
			}
		case "apk":
			c.apkOptions(r, inv, has, add)
		case "dnf", "microdnf":
			if n := c.rpmOptions(r, inv, has, add); n != "" && n != note {
				note = strings.TrimPrefix(note+"; "+n, "; ")
			}
		}
	}
	return note
}

func hasWord(words []ast.Word, v string) bool {
	for _, w := range words {
		if w.Value == v {
			return true
		}
	}
	return false
}

// mountFlag writes one --mount flag.
func mountFlag(u *cmUse) string {
	var b strings.Builder
	b.WriteString("--mount=type=cache,target=")
	b.WriteString(u.target.Expr)
	if u.m.Sharing != "" {
		b.WriteString(",sharing=" + u.m.Sharing)
	}
	if u.uid.Val != "" {
		b.WriteString(",uid=" + u.uid.Expr)
		if u.gid.Val != "" {
			b.WriteString(",gid=" + u.gid.Expr)
		}
	}
	return b.String()
}

// shellValid applies a RUN's edits to its own text and checks that the
// result still parses as a shell-form RUN.
func (c *cmPass) shellValid(ins *ast.Instruction, edits []emit.Edit) bool {
	return editedRunParses(c.d, ins, edits)
}

func editedRunParses(d *ast.Document, ins *ast.Instruction, edits []emit.Edit) bool {
	if len(edits) == 0 {
		return true
	}
	start, end := ins.Span.Start, ins.Next
	local := make([]emit.Edit, len(edits))
	for i, e := range edits {
		if e.Start < start || e.End > end {
			return false
		}
		local[i] = emit.Edit{Start: e.Start - start, End: e.End - start, New: e.New}
	}
	out, err := emit.Apply(d.Src[start:end], local)
	if err != nil {
		return false
	}
	// The RUN between a FROM and a sentinel instruction: a RUN that ends in
	// a continuation would swallow the sentinel.
	var b strings.Builder
	if d.Escape == '`' {
		b.WriteString("# escape=`\n")
	}
	b.WriteString("FROM scratch\n")
	b.Write(out)
	if len(out) == 0 || out[len(out)-1] != '\n' {
		b.WriteString("\n")
	}
	b.WriteString("LABEL dfopt=sentinel\n")
	doc, err := ast.Parse("check", []byte(b.String()))
	if err != nil || len(doc.Instructions) != 3 || doc.Instructions[2].Cmd != "label" {
		return false
	}
	return doc.Shell(doc.Instructions[1]) != nil
}

// mountEdit inserts --mount flags right after RUN, before its other flags:
// on the RUN's line when the RUN is one line, otherwise one flag per
// continuation line, indented like the RUN's body, with the file's escape
// character and line ending.
func mountEdit(d *ast.Document, ins *ast.Instruction, flags []string) emit.Edit {
	kw := ins.KeywordPos.End
	logicalEnd := ins.Orig(len(ins.Logical()))
	firstLine := d.Lines[ins.StartLine-1]
	if logicalEnd <= firstLine.End {
		return emit.Edit{Start: kw, End: kw, New: " " + strings.Join(flags, " ")}
	}
	// The first token after the keyword.
	logical := ins.Logical()
	k := 0
	for k < len(logical) && ins.Orig(k) < kw {
		k++
	}
	for k < len(logical) && (logical[k] == ' ' || logical[k] == '\t') {
		k++
	}
	next := ins.Orig(k)
	eol := d.EOL()
	esc := string(d.Escape)
	if next > firstLine.End {
		indent := d.Indent(next)
		sep := " " + esc + eol + indent
		return emit.Edit{Start: next, End: next, New: strings.Join(flags, sep) + sep}
	}
	indent := bodyIndent(d, ins)
	sep := " " + esc + eol + indent
	return emit.Edit{Start: kw, End: next, New: " " + strings.Join(flags, sep) + sep}
}

// bodyIndent is the indentation of the first continuation line of an
// instruction that holds text (not a comment), or the file's usual one.
func bodyIndent(d *ast.Document, ins *ast.Instruction) string {
	last := ins.EndLine
	if len(ins.Heredocs) > 0 {
		last = lineOf(d, ins.Heredocs[0].Body.Start) - 1
	}
	for n := ins.StartLine + 1; n <= last; n++ {
		line := d.LineText(n)
		t := strings.TrimLeft(line, " \t")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if ind := line[:len(line)-len(t)]; ind != "" {
			return ind
		}
		break
	}
	return ContinuationIndent(d)
}

// lineOf is the 1-based line holding offset off.
func lineOf(d *ast.Document, off int) int {
	i := sort.Search(len(d.Lines), func(i int) bool { return d.Lines[i].Next > off })
	if i >= len(d.Lines) {
		return len(d.Lines)
	}
	return i + 1
}

// inHeredoc reports whether an offset lies in one of the RUN's heredoc bodies.
func inHeredoc(ins *ast.Instruction, off int) bool {
	for _, h := range ins.Heredocs {
		if off >= h.Body.Start && off < h.Body.End {
			return true
		}
	}
	return false
}

// removeWord removes one shell word (or NAME=value prefix) of a RUN with
// the blanks that separate it, keeping the lines well formed: a word alone
// on a continuation line takes its line with it; one alone on the last
// line joins the line before.
func removeWord(d *ast.Document, ins *ast.Instruction, sp ast.Span) (emit.Edit, bool) {
	src := d.Src
	s, e := sp.Start, sp.End
	n := lineOf(d, s)
	if lineOf(d, e) != n || e <= s {
		return emit.Edit{}, false
	}
	l := d.Lines[n-1]
	esc := d.Escape
	if inHeredoc(ins, s) {
		esc = '\\'
	}
	blank := func(c byte) bool { return c == ' ' || c == '\t' }
	before := string(src[l.Start:s])
	after := string(src[e:l.End])
	if strings.TrimLeft(before, " \t\ufeff") != "" {
		ws := s
		for ws > l.Start && blank(src[ws-1]) {
			ws--
		}
		if ws < s {
			return emit.Edit{Start: ws, End: e}, true
		}
		fe := e
		for fe < l.End && blank(src[fe]) {
			fe++
		}
		if fe == e {
			return emit.Edit{}, false
		}
		return emit.Edit{Start: s, End: fe}, true
	}
	rest := strings.TrimSpace(after)
	switch {
	case rest != "" && rest != string(esc):
		fe := e
		for fe < l.End && blank(src[fe]) {
			fe++
		}
		return emit.Edit{Start: s, End: fe}, true
	case rest == string(esc):
		return emit.Edit{Start: l.Start, End: l.Next}, true
	}
	// Alone on the instruction's last line: join the line before.
	if n-1 < ins.StartLine {
		return emit.Edit{}, false
	}
	p := d.Lines[n-2]
	pt := strings.TrimRight(string(src[p.Start:p.End]), " \t")
	if !strings.HasSuffix(pt, string(esc)) || strings.HasPrefix(strings.TrimLeft(pt, " \t"), "#") {
		return emit.Edit{}, false
	}
	ce := p.Start + len(pt) - 1
	for ce > p.Start && blank(src[ce-1]) {
		ce--
	}
	return emit.Edit{Start: ce, End: e}, true
}

// removeCommand removes one simple command from a RUN: a command joined
// by `&&` goes with its operator; a statement of a list goes with its
// separator. The removal must keep which commands run and the RUN's exit
// status, the removed command counting as one that succeeds (a cleanup
// after `;` decides the status: `…; done; rm -rf x`). When it does not,
// or when the command cannot go as text (after `||`, in a pipe, the only
// command of the RUN), it is replaced by `true` if that keeps them; else
// nothing is removed. Commands in a text with heredocs, with assignments
// or that are the target of a redirection's word are refused.
func removeCommand(d *ast.Document, ins *ast.Instruction, s *ast.Script, call *syntax.CallExpr) (emit.Edit, bool) {
	if call == nil || strings.Contains(s.Text, "<<") || len(call.Assigns) > 0 {
		return emit.Edit{}, false
	}
	e, ok := commandSpan(d, ins, s, call)
	if ok {
		e, ok = tidyRemoval(d, ins, e)
	}
	if ok && keepsBehaviour(d, ins, e) {
		return e, true
	}
	sp := s.SpanOf(call)
	t := emit.Edit{Start: sp.Start, End: sp.End, New: "true"}
	if keepsBehaviour(d, ins, t) {
		return t, true
	}
	return emit.Edit{}, false
}

// removedText is how a finding names a removed command; one replaced by
// `true` says why.
func removedText(e emit.Edit, text string) string {
	if e.New == "true" {
		return text + " (`true` in its place keeps the RUN's exit status)"
	}
	return text
}

// tidyRemoval keeps the lines around a removal well formed: a line left
// with nothing but blanks (or a lone continuation) goes entirely, and when
// it was the instruction's last line the line before gives up its
// continuation.
func tidyRemoval(d *ast.Document, ins *ast.Instruction, e emit.Edit) (emit.Edit, bool) {
	src := d.Src
	ls := d.Lines[lineOf(d, e.Start)-1]
	le := d.Lines[lineOf(d, e.End)-1]
	left, right := "", ""
	if e.Start > ls.Start {
		left = strings.TrimLeft(string(src[ls.Start:min(e.Start, ls.End)]), " \t")
	}
	if e.End < le.End {
		right = strings.TrimSpace(string(src[e.End:le.End]))
	}
	if left != "" {
		return e, true
	}
	esc := string(d.Escape)
	if inHeredoc(ins, e.Start) {
		if right == "" {
			return emit.Edit{Start: ls.Start, End: le.Next}, true
		}
		return e, true
	}
	switch right {
	case esc:
		return emit.Edit{Start: ls.Start, End: le.Next}, true
	case "":
		n := lineOf(d, e.Start)
		if n-1 < ins.StartLine {
			return emit.Edit{}, false
		}
		p := d.Lines[n-2]
		pt := strings.TrimRight(string(src[p.Start:p.End]), " \t")
		if !strings.HasSuffix(pt, esc) || strings.HasPrefix(strings.TrimLeft(pt, " \t"), "#") {
			return emit.Edit{}, false
		}
		ce := p.Start + len(pt) - len(esc)
		for ce > p.Start && (src[ce-1] == ' ' || src[ce-1] == '\t') {
			ce--
		}
		return emit.Edit{Start: ce, End: le.End}, true
	}
	return e, true
}

// commandSpan is the text removeCommand takes out.
func commandSpan(d *ast.Document, ins *ast.Instruction, s *ast.Script, call *syntax.CallExpr) (emit.Edit, bool) {
	if call == nil || strings.Contains(s.Text, "<<") {
		return emit.Edit{}, false
	}
	list, idx, chain, target := locateStmt(s.File.Stmts, call)
	if target == nil || len(target.Redirs) > 0 || target.Negated || target.Background || target.Coprocess {
		return emit.Edit{}, false
	}
	if top := list[idx]; top.Background || top.Coprocess || top.Negated || len(top.Redirs) > 0 {
		return emit.Edit{}, false
	}
	if len(chain) == 0 {
		if len(list) < 2 {
			return emit.Edit{}, false
		}
		if idx > 0 {
			// From the separator before it to its own: `a; rm x; b` → `a; b`.
			prev := list[idx-1]
			start := s.SpanOf(prev).End
			if prev.Semicolon.IsValid() {
				start = s.Orig(prev.Semicolon)
			}
			end := s.SpanOf(target).End
			if target.Semicolon.IsValid() {
				end = s.Orig(target.Semicolon)
			}
			return emit.Edit{Start: start, End: end}, true
		}
		return emit.Edit{Start: s.Orig(list[0].Pos()), End: s.Orig(list[1].Pos())}, true
	}
	for _, b := range chain {
		if b.Op != syntax.AndStmt {
			return emit.Edit{}, false
		}
	}
	b := chain[len(chain)-1]
	if b.Y == target {
		return emit.Edit{Start: s.SpanOf(b.X).End, End: s.SpanOf(b.Y).End}, true
	}
	return emit.Edit{Start: s.Orig(b.X.Pos()), End: s.Orig(b.Y.Pos())}, true
}

// stmtEnd is the end of a statement with its `;`.
func stmtEnd(s *ast.Script, st *syntax.Stmt) int {
	if st.Semicolon.IsValid() {
		return s.Orig(st.Semicolon) + 1
	}
	return s.SpanOf(st).End
}

// locateStmt finds the statement that runs call: the statement list it is
// in (directly or through && / || chains), its index there, the chain of
// binary commands down to it, and the statement itself.
func locateStmt(list []*syntax.Stmt, call *syntax.CallExpr) ([]*syntax.Stmt, int, []*syntax.BinaryCmd, *syntax.Stmt) {
	contains := func(n syntax.Node) bool {
		return n.Pos().Offset() <= call.Pos().Offset() && call.End().Offset() <= n.End().Offset()
	}
	for i, st := range list {
		if !contains(st) {
			continue
		}
		var chain []*syntax.BinaryCmd
		cur := st
		for {
			switch c := cur.Cmd.(type) {
			case *syntax.CallExpr:
				if c == call {
					return list, i, chain, cur
				}
				return nil, 0, nil, nil
			case *syntax.BinaryCmd:
				chain = append(chain, c)
				if contains(c.X) {
					cur = c.X
				} else {
					cur = c.Y
				}
				continue
			case *syntax.Block:
				return locateStmt(c.Stmts, call)
			case *syntax.IfClause:
				for ic := c; ic != nil; ic = ic.Else {
					if l, j, ch, t := locateStmt(ic.Then, call); t != nil {
						return l, j, ch, t
					}
				}
			case *syntax.ForClause:
				return locateStmt(c.Do, call)
			}
			return nil, 0, nil, nil
		}
	}
	return nil, 0, nil, nil
}
