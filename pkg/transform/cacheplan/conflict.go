package cacheplan

import (
	"fmt"
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Conflicts between uses of a cache directory: the RUNs that use one
// directory in stages built on one another are mounted together or not at
// all, and not where another instruction (COPY, VOLUME, a command, the
// start command) reads or writes it.

// groups gathers the uses of each cache directory, one per directory and
// RUN (dropNested). The rules that span RUNs and stages are applied to a
// directory's uses when its uses are first read (settle): what a conflict
// decides for one directory reads nothing that another directory's
// conflicts write (each writes only the Drop of its own uses, which no
// check reads), so the order and the time of settling change nothing, and
// apt-hygiene, which asks about apt's directories alone (WillMount), does
// not pay for the others.
func (c *Plan) groups() {
	c.byKey = map[string][]*Use{}
	for _, r := range c.Runs {
		c.dropNested(r)
		for _, u := range r.Uses {
			c.byKey[u.Key] = append(c.byKey[u.Key], u)
		}
	}
}

// settle applies the rules that span RUNs and stages to the uses of a
// directory, once, dropping those that cannot be mounted safely.
func (c *Plan) settle(key string) {
	uses, ok := c.byKey[key]
	if !ok {
		return
	}
	delete(c.byKey, key)
	for _, comp := range c.components(uses) {
		if why := c.conflict(key, comp); why != "" {
			for _, u := range comp {
				if u.Drop == "" {
					u.Drop = why
				}
			}
		}
	}
}

// Settle decides every use of a RUN (Use.Drop): call it before reading
// r.Uses.
func (c *Plan) Settle(r *Run) {
	for _, u := range r.Uses {
		c.settle(u.Key)
	}
}

// SettleUse decides one use (Use.Drop): call it before reading u.Drop.
func (c *Plan) SettleUse(u *Use) { c.settle(u.Key) }

// InsideMount reports a use whose directory is the target of a cache
// mount the RUN already has, or inside one.
func (u *Use) InsideMount() bool { return u.inside }

// dropNested keeps one use per directory of a RUN and drops a directory
// inside another one mounted by the same RUN.
func (c *Plan) dropNested(r *Run) {
	r.allUses = r.Uses
	if len(r.Uses) < 2 {
		// Nothing to merge or nest: the list as it is, shared with
		// allUses (neither is changed after groups).
		return
	}
	var kept []*Use
	seen := map[string]*Use{}
	for _, u := range r.Uses {
		if k := seen[u.Key]; k != nil {
			k.also = append(k.also, u.Manager)
			continue
		}
		seen[u.Key] = u
		kept = append(kept, u)
	}
	r.Uses = kept[:0:0]
	for _, u := range kept {
		inner := false
		for _, o := range kept {
			if o != u && strictlyUnder(u.Key, o.Key) {
				inner = true
			}
		}
		if !inner {
			r.Uses = append(r.Uses, u)
		}
	}
}

// components splits the uses of one directory into groups whose stages
// are built on one another.
func (c *Plan) components(uses []*Use) [][]*Use {
	parent := make([]int, len(uses))
	for i := range parent {
		parent[i] = i
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	// Uses in one stage are related: each joins the stage's first, and
	// only the stages are compared pairwise (not every pair of uses).
	first := map[int]int{} // stage → its first use
	var reps []int
	for i, u := range uses {
		if r, ok := first[u.run.Ins.Stage]; ok {
			parent[find(i)] = find(r)
			continue
		}
		first[u.run.Ins.Stage] = i
		reps = append(reps, i)
	}
	for x, i := range reps {
		for _, j := range reps[x+1:] {
			if c.related(uses[i].run.Ins.Stage, uses[j].run.Ins.Stage) {
				parent[find(i)] = find(j)
			}
		}
	}
	groups := map[int][]*Use{}
	var order []int
	for i, u := range uses {
		root := find(i)
		if _, ok := groups[root]; !ok {
			order = append(order, root)
		}
		groups[root] = append(groups[root], u)
	}
	out := make([][]*Use, 0, len(order))
	for _, r := range order {
		out = append(out, groups[r])
	}
	return out
}

// related reports whether one stage is built on the other (or they are the same).
func (c *Plan) related(a, b int) bool {
	return a == b || c.inLineage(a, b) || c.inLineage(b, a)
}

// relatedToAny reports whether stage is related to a stage of the
// group, asked once per stage.
func (c *Plan) relatedToAny(stage int, g *group) bool {
	if v, ok := g.rel[stage]; ok {
		return v
	}
	v := false
	for _, s := range g.stages {
		if c.related(stage, s) {
			v = true
			break
		}
	}
	if g.rel == nil {
		g.rel = map[int]bool{}
	}
	g.rel[stage] = v
	return v
}

// beforeAnyUse reports an instruction that runs before one of the uses, in
// the use's stage or a stage it is built on: before the last use of such
// a stage.
func (c *Plan) beforeAnyUse(ins *ast.Instruction, g *group) bool {
	for _, s := range g.stages {
		if ins.Index < g.last[s] && c.inLineage(s, ins.Stage) {
			return true
		}
	}
	return false
}

// builtOnAny reports whether stage is one of the group's stages or built on one.
func (c *Plan) builtOnAny(stage int, g *group) bool {
	for _, s := range g.stages {
		if c.inLineage(stage, s) {
			return true
		}
	}
	return false
}

// conflict returns why a directory must not be mounted in a group of RUNs.
func (c *Plan) conflict(key string, comp []*Use) string {
	first := comp[0]
	g := newGroup(comp)
	users := g.users
	// A Store directory (and apt's lists) holds what later steps read:
	// every RUN that uses it must be mounted, or none. A pure cache needs
	// no such agreement: a RUN without the mount just downloads again.
	consistent := first.Spec.Store || first.Spec.Lists
	allBlocked := true
	for _, u := range comp {
		if u.run.Blocked == "" {
			allBlocked = false
		}
	}
	if allBlocked {
		return "" // reported with their own reason
	}
	for _, u := range comp {
		if u.run.Blocked != "" && consistent {
			if u.run.Blocked == "ignored" {
				return fmt.Sprintf("the RUN at line %d, which uses %s too, is excluded by an ignore comment", c.Pass.InputLine(u.run.Ins.StartLine), key)
			}
			return fmt.Sprintf("the RUN at line %d uses %s too and cannot be changed (%s)", c.Pass.InputLine(u.run.Ins.StartLine), key, strings.SplitN(u.run.Blocked, ":", 2)[0])
		}
	}
	for _, u := range comp {
		if u.uid.Val != first.uid.Val {
			return fmt.Sprintf("RUNs at lines %d and %d use %s as different users", first.run.Ins.StartLine, u.run.Ins.StartLine, key)
		}
	}
	// The same directory unresolvable for another use of the manager in the group.
	for _, r := range c.Runs {
		if !consistent || users[r] || !c.relatedToAny(r.Ins.Stage, g) {
			continue
		}
		for _, n := range r.Notes {
			if strings.HasPrefix(n, first.Manager.Name+": ") && !strings.Contains(n, "runs as another user") {
				return fmt.Sprintf("the RUN at line %d runs %s too but cannot be mounted", c.Pass.InputLine(r.Ins.StartLine), first.Manager.Name)
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
			u.Drop = why
		}
	}
	// Other instructions of the stages involved.
	for _, ins := range c.checkedInstructions() {
		if why := c.instructionConflict(ins, key, g); why != "" {
			return why
		}
	}
	if first.Spec.Store {
		if why := c.opaqueBuilds(g); why != "" {
			return why
		}
	}
	if why := c.runtimeNeeds(key, g); why != "" {
		return why
	}
	if first.Spec.Lists {
		if why := c.listsSafe(g); why != "" {
			return why
		}
	}
	return ""
}

// runConflict checks a directory against the RUN that mounts it.
func (c *Plan) runConflict(r *Run, key string) string {
	if Under(r.stageEnv().Workdir, key) {
		return "the WORKDIR " + r.stageEnv().Workdir + " is inside " + key
	}
	if r.ident().Home.Val != "" && Under(r.ident().Home.Val, key) {
		return key + " contains the home directory"
	}
	if pv, ok := r.stageEnv().Lookup("PATH"); ok {
		for p := range strings.SplitSeq(pv.Value, ":") {
			if p != "" && Under(path.Clean(p), key) {
				return key + " contains " + p + ", which is on the PATH"
			}
		}
	}
	for _, m := range r.existing {
		t := m.TargetIn(r.stageEnv().Workdir)
		if m.Type != instructions.MountTypeCache && (Under(t, key) || Under(key, t)) {
			return fmt.Sprintf("the RUN at line %d already mounts %s (type=%s)", c.Pass.InputLine(r.Ins.StartLine), t, m.Type)
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
func (c *Plan) instructionConflict(ins *ast.Instruction, key string, g *group) string {
	switch cmd := ins.Command.(type) {
	case *instructions.RunCommand:
		if r := c.byIns[ins]; r != nil && !g.users[r] && c.relatedToAny(ins.Stage, g) {
			if why := c.mentions(r, key, false); why != "" {
				return why
			}
		}
		for _, m := range c.fromMounts(ins) {
			if st := c.stageRef(m.From, ins); st != nil && c.builtOnAny(st.Index, g) && overlaps(path.Clean("/"+m.Source), key) {
				return fmt.Sprintf("the RUN at line %d mounts %s from stage %s", c.Pass.InputLine(ins.StartLine), m.Source, m.From)
			}
		}
	case *instructions.CopyCommand:
		return c.copyConflict(ins, key, g, cmd.From, cmd.SourcePaths, cmd.DestPath)
	case *instructions.AddCommand:
		return c.copyConflict(ins, key, g, "", cmd.SourcePaths, cmd.DestPath)
	case *instructions.VolumeCommand:
		if !c.relatedToAny(ins.Stage, g) {
			return ""
		}
		env := c.se.At(ins)
		for _, v := range cmd.Volumes {
			if ev, err := env.Expand(v); err == nil && overlaps(path.Clean("/"+ev.Val), key) {
				return fmt.Sprintf("VOLUME at line %d covers %s", c.Pass.InputLine(ins.StartLine), key)
			}
		}
	}
	return ""
}

func (c *Plan) copyConflict(ins *ast.Instruction, key string, g *group, from string, srcs []string, dest string) string {
	if from != "" {
		if st := c.stageRef(from, ins); st != nil && c.builtOnAny(st.Index, g) {
			f := c.copyOf(ins, srcs, dest)
			for i, sv := range f.srcs {
				if f.srcErr[i] != nil {
					return fmt.Sprintf("COPY --from=%s at line %d copies a path dfopt cannot resolve", from, c.Pass.InputLine(ins.StartLine))
				}
				if overlaps(globBase(path.Clean("/"+sv.Val)), key) {
					return fmt.Sprintf("COPY --from=%s at line %d reads %s from the image", from, c.Pass.InputLine(ins.StartLine), sv.Val)
				}
			}
		}
	}
	// A write into the directory matters only before a RUN that mounts
	// it (the mount would hide what was written).
	if !c.beforeAnyUse(ins, g) {
		return ""
	}
	d, err := c.copyDest(ins, srcs, dest)
	if err != nil {
		return fmt.Sprintf("the destination of %s at line %d cannot be resolved", ins.Keyword, c.Pass.InputLine(ins.StartLine))
	}
	if Under(d, key) {
		return fmt.Sprintf("%s at line %d writes into %s", strings.ToUpper(ins.Cmd), c.Pass.InputLine(ins.StartLine), key)
	}
	if !strictlyUnder(key, d) {
		return ""
	}
	rel := strings.TrimPrefix(key, strings.TrimSuffix(d, "/")+"/")
	if from != "" {
		return fmt.Sprintf("%s --from=%s at line %d copies into %s, which contains %s", strings.ToUpper(ins.Cmd), from, c.Pass.InputLine(ins.StartLine), d, key)
	}
	if c.Pass.Context != nil {
		f := c.copyOf(ins, srcs, dest)
		for i, sv := range f.srcs {
			if f.srcErr[i] == nil && c.Pass.Context.Exists(path.Join(sv.Val, rel)) {
				return fmt.Sprintf("%s at line %d copies %s from the build context", strings.ToUpper(ins.Cmd), c.Pass.InputLine(ins.StartLine), path.Join(sv.Val, rel))
			}
		}
	}
	return ""
}

// absIn is p made absolute against the WORKDIR wd, and clean.
func absIn(wd, p string) string {
	if !path.IsAbs(p) {
		p = path.Join(wd, p)
	}
	return path.Clean(p)
}

// stageRef resolves a --from reference to an earlier stage, once per
// instruction and reference.
func (c *Plan) stageRef(ref string, at *ast.Instruction) *ast.Stage {
	k := stageRefKey{at, ref}
	if st, ok := c.facts.refs[k]; ok {
		return st
	}
	if c.facts.refs == nil {
		c.facts.refs = map[stageRefKey]*ast.Stage{}
	}
	// A name of letters, digits and . _ - : / @ is its own expansion
	// (stage.State.Expand returns a word without $, quotes, < or the
	// escape character as it is): the stage state need not be computed.
	if !plainRef(ref) {
		if v, err := c.se.At(at).Expand(ref); err == nil {
			ref = v.Val
		}
	}
	st := c.Doc.StageByName(ref)
	if st == nil || at.Stage >= 0 && st.Index >= at.Stage {
		st = nil
	}
	c.facts.refs[k] = st
	return st
}

// plainRef reports a --from reference made only of the characters of
// stage names and image references.
func plainRef(ref string) bool {
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._-:/@", c) >= 0) {
			return false
		}
	}
	return true
}

// Build drivers that may run a package manager dfopt cannot see.
var buildDrivers = map[string]bool{"make": true, "gmake": true, "mage": true, "task": true, "just": true, "bazel": true, "bazelisk": true, "goreleaser": true, "scons": true, "ninja": true, "cmake": true, "meson": true, "earthly": true, "nix": true}

// opaqueBuilds: a RUN of the stages involved runs a build driver or a
// script, which may read a Store directory (Go modules, the Maven
// repository) from the image without the mount.
func (c *Plan) opaqueBuilds(g *group) string {
	for _, r := range c.Runs {
		if g.users[r] || !c.relatedToAny(r.Ins.Stage, g) {
			continue
		}
		if name := c.opaqueIn(r); name != "" {
			return fmt.Sprintf("the RUN at line %d runs `%s`, which may read %s from the image", c.Pass.InputLine(r.Ins.StartLine), name, g.uses[0].Key)
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
func (c *Plan) listsSafe(g *group) string {
	for _, u := range g.uses {
		r := u.run
		if !aptUpdatesFirst(r) {
			return fmt.Sprintf("the RUN at line %d installs with apt without updating its lists first: it reads them from the image", c.Pass.InputLine(r.Ins.StartLine))
		}
	}
	// A later apt RUN of the stages that does not update.
	for _, r := range c.Runs {
		if r.script == nil || !c.relatedToAny(r.Ins.Stage, g) {
			continue
		}
		for _, inv := range r.Invs {
			if inv.Manager.Name == "apt" && !aptUpdatesFirst(r) {
				return fmt.Sprintf("the RUN at line %d uses apt without updating its lists", c.Pass.InputLine(r.Ins.StartLine))
			}
		}
	}
	return ""
}

// aptUpdatesFirst: the RUN's first apt command that needs the lists is `update`.
func aptUpdatesFirst(r *Run) bool {
	for _, inv := range r.Invs {
		if inv.Manager.Name != "apt" || inv.IsClean() || len(inv.Sub) == 0 {
			continue
		}
		return inv.Sub[0] == "update"
	}
	return true
}

// overlaps reports whether two paths are the same or one contains the other.
func overlaps(a, b string) bool { return Under(a, b) || Under(b, a) }

// Under reports whether p is dir or inside it.
func Under(p, dir string) bool {
	if p == dir || dir == "/" {
		return true
	}
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

func strictlyUnder(p, dir string) bool { return p != dir && Under(p, dir) }

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
