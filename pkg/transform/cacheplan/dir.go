package cacheplan

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
)

// Cache-directory resolution: where a package manager's cache is for one
// RUN (its options, the variables in force, the user's home), and the
// conditions under which dfopt may mount it for that user.

// resolve finds the cache directories of one invocation.
func (c *Plan) resolve(r *Run, inv *Invocation) {
	m := inv.Manager
	note := func(why string) {
		r.Notes = append(r.Notes, m.Name+": "+why)
	}
	if inv.User != "" && !m.System {
		note("it runs as another user (" + inv.User + ")")
		return
	}
	if m.Veto != nil {
		if why := m.Veto(r.ctx(), inv); why != "" {
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
		u := &Use{run: r, Manager: m, Spec: spec, target: target, Key: target.Val, inv: inv}
		for _, em := range r.existing {
			if em.Type != instructions.MountTypeCache {
				continue
			}
			if t := em.TargetIn(r.stageEnv().Workdir); overlaps(u.Key, t) {
				u.Covered = true
				u.inside = u.inside || Under(u.Key, t)
			}
		}
		if !u.Covered && strings.Count(u.Key, "/") < 2 {
			note("the cache directory " + u.Key + " is too close to the root to be mounted")
			continue
		}
		if !m.System && !r.ident().Root && !u.Covered {
			if r.ident().UID.Val == "" {
				why := r.ident().Why
				if why == "" {
					why = userLabel(r.ident()) + ": its uid is unknown"
				}
				note(why + "; a mount for a non-root user needs uid=")
				continue
			}
			u.uid, u.gid = r.ident().UID, r.ident().GID
			if why := nonRootParents(r, u); why != "" {
				note(why)
				continue
			}
			if !r.stageEnv().InScope(u.uid, r.stageEnv()) || u.gid.Arg && !r.stageEnv().InScope(u.gid, r.stageEnv()) {
				note("the uid of " + userLabel(r.ident()) + " depends on a build argument out of scope")
				continue
			}
		}
		r.Uses = append(r.Uses, u)
	}
}

// Commands that do not write into the user's cache folders.
var quietCommands = map[string]bool{"cd": true, "echo": true, "printf": true, "true": true, "false": true, "test": true, "[": true, "mkdir": true, "chmod": true, "chown": true, "ln": true, "cp": true, "mv": true, "rm": true, "touch": true, "cat": true, "ls": true, "set": true, "sed": true, "grep": true, "find": true, "tar": true, "unzip": true, "curl": true, "wget": true}

// nonRootParents: a mount for a non-root user under a folder of its home
// that may not exist yet (~/.cache) makes the runtime create that folder
// as root for the RUN; another program of the RUN that writes its own
// cache there would fail. Mount only when the RUN runs nothing else that
// could.
func nonRootParents(r *Run, u *Use) string {
	home := r.ident().Home.Val
	if r.script == nil || home == "" || !Under(u.Key, home) || path.Dir(u.Key) == home {
		return ""
	}
	for _, args := range r.otherCommands() {
		if name := ProgBase(args[0]); !quietCommands[name] {
			return fmt.Sprintf("the mount would make %s a root-owned folder for the RUN, and `%s` may need to write there", path.Dir(u.Key), name)
		}
	}
	return ""
}

// otherCommands are the RUN's commands, wrappers stripped, that no package
// manager invocation of the table covers.
func (r *Run) otherCommands() [][]ast.Word {
	var out [][]ast.Word
	r.eachOtherCommand(func(args []ast.Word) { out = append(out, args) })
	return out
}

// eachOtherCommand calls f with each of otherCommands, in order.
func (r *Run) eachOtherCommand(f func(args []ast.Word)) {
	for i, cmd := range r.script.Commands {
		if args := ast.StripWrappers(cmd.Args); len(args) > 0 && !r.manages(i) {
			f(args)
		}
	}
}

// manages reports whether the script's command i is one of the RUN's
// invocations (a RUN has few: a scan costs less than a map).
func (r *Run) manages(call int) bool {
	for _, inv := range r.Invs {
		if inv.call == call {
			return true
		}
	}
	return false
}

func userLabel(id stage.RunUser) string {
	if id.Name == "" {
		return "the base image's user"
	}
	return "USER " + id.Name
}

// stageDefeat reports a cache-defeating variable set by ENV (which dfopt
// must not change: it is part of the image).
func stageDefeat(r *Run, inv *Invocation, spec string) string {
	name, want, hasWant := strings.Cut(spec, "=")
	if _, ok := inv.assign[name]; ok {
		return "" // set on the command itself: removed with the mount
	}
	if exportedInRun(r, name) {
		return name + " is set in the RUN by `export`: the cache would stay unused"
	}
	v, ok := r.stageEnv().Lookup(name)
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
func (c *Plan) cacheDir(r *Run, inv *Invocation, spec *CacheSpec) (v stage.Value, skip bool, why string) {
	lookup := func(name string) (stage.Value, bool, string) { return cacheVar(r, inv, name) }
	if spec.When != nil && !spec.When(r.ctx()) {
		return stage.Value{}, true, ""
	}
	for _, name := range spec.Unless {
		if _, ok, _ := lookup(name); ok {
			return stage.Value{}, true, ""
		}
	}
	if spec.Path != nil {
		dir, why := spec.Path(r.stageEnv(), ProgBase(inv.Prog))
		if why != "" {
			return stage.Value{}, false, why
		}
		return stage.Lit(dir), false, ""
	}
	// A command-line option wins.
	if v, skip, why, found := flagDir(r, inv, spec, lookup); found {
		return v, skip, why
	}
	for _, alt := range spec.Dirs {
		if v, skip, why, found := c.altDir(r, inv, alt, lookup); found {
			return v, skip, why
		}
	}
	return stage.Value{}, false, "the cache location is unknown"
}

// cacheVar is the value of a variable that moves a cache, for one
// invocation: set on the command, in the RUN, or by ENV/ARG. ok: it is
// set; why: its value is not certain.
func cacheVar(r *Run, inv *Invocation, name string) (stage.Value, bool, string) {
	if val, ok := inv.assign[name]; ok {
		if val == "" || slices.Contains(inv.Manager.NoCacheEnv, name+"="+val) {
			// Unset, or a value that switches the cache off (removed with the mount).
			return stage.Value{}, false, ""
		}
		ev, ok := r.stageEnv().ShellValue(val)
		if !ok {
			return stage.Value{}, false, name + " is set to a value dfopt cannot resolve"
		}
		return ev, true, ""
	}
	if val, set, uncertain := runAssignment(r, inv, name); uncertain {
		return stage.Value{}, false, name + " is set in the RUN in a way dfopt cannot follow"
	} else if set {
		if val.Val == "" {
			return stage.Value{}, false, ""
		}
		return val, true, ""
	}
	ev, ok := r.stageEnv().VarValue(name)
	return ev, ok, ""
}

// flagDir is the cache directory a command-line option (or a variable
// holding options) gives; found: it decides.
func flagDir(r *Run, inv *Invocation, spec *CacheSpec, lookup func(string) (stage.Value, bool, string)) (v stage.Value, skip bool, why string, found bool) {
	if len(spec.Flags) == 0 {
		return stage.Value{}, false, "", false
	}
	if val, found, bad := flagValue(r, inv.Args, spec.Flags); bad != "" {
		return stage.Value{}, false, bad, true
	} else if found {
		v, skip, why := checkDir(val.Join(spec.FlagSub))
		return v, skip, why, true
	}
	for _, name := range spec.EnvFlags {
		ev, ok, _ := lookup(name)
		if !ok {
			continue
		}
		for _, f := range strings.Fields(ev.Val) {
			for _, fl := range spec.Flags {
				if strings.HasSuffix(fl, "=") && strings.HasPrefix(f, fl) {
					v, skip, why := checkDir(stage.Lit(f[len(fl):]).Join(spec.FlagSub))
					return v, skip, why, true
				}
			}
		}
	}
	return stage.Value{}, false, "", false
}

// altDir tries one of a spec's places for the cache ("?VAR", "root:DIR",
// "$VAR/sub", "~/sub", "DIR"); found: it decides.
func (c *Plan) altDir(r *Run, inv *Invocation, alt string, lookup func(string) (stage.Value, bool, string)) (v stage.Value, skip bool, why string, found bool) {
	switch {
	case strings.HasPrefix(alt, "?"):
		if _, ok, _ := lookup(alt[1:]); ok {
			return stage.Value{}, false, alt[1:] + " is set: the cache is not at a known place", true
		}
	case strings.HasPrefix(alt, "root:"):
		if r.ident().Root && !inv.Sudo {
			v, skip, why := checkDir(stage.Lit(alt[len("root:"):]))
			return v, skip, why, true
		}
	case strings.HasPrefix(alt, "$"):
		name, sub, _ := strings.Cut(alt[1:], "/")
		ev, ok, bad := lookup(name)
		if bad != "" {
			return stage.Value{}, false, bad, true
		}
		if !ok {
			return stage.Value{}, false, "", false
		}
		if name == "GOPATH" {
			if i := strings.IndexByte(ev.Val, ':'); i >= 0 {
				if ev.Arg {
					return stage.Value{}, false, "GOPATH lists several folders and depends on a build argument", true
				}
				ev = stage.Lit(ev.Val[:i])
			}
		}
		if strings.HasPrefix(ev.Val, "~/") {
			home, why := c.home(r, inv)
			if why != "" {
				return stage.Value{}, false, why, true
			}
			ev = home.Join(ev.Val[2:])
		}
		v, skip, why := checkDir(ev.Join(sub))
		return v, skip, why, true
	case strings.HasPrefix(alt, "~/"):
		home, why := c.home(r, inv)
		if why != "" {
			return stage.Value{}, false, why, true
		}
		v, skip, why := checkDir(home.Join(alt[2:]))
		return v, skip, why, true
	default:
		v, skip, why := checkDir(stage.Lit(alt))
		return v, skip, why, true
	}
	return stage.Value{}, false, "", false
}

func (c *Plan) home(r *Run, inv *Invocation) (stage.Value, string) {
	if val, ok := inv.assign["HOME"]; ok {
		ev, ok := r.stageEnv().ShellValue(val)
		if !ok || !path.IsAbs(ev.Val) {
			return stage.Value{}, "HOME is set to a value dfopt cannot resolve"
		}
		return ev, ""
	}
	if val, set, uncertain := runAssignment(r, inv, "HOME"); uncertain {
		return stage.Value{}, "HOME is changed in the RUN"
	} else if set {
		return val, ""
	}
	if inv.Sudo {
		return stage.Value{}, "it runs under sudo, whose HOME depends on the sudo configuration"
	}
	if r.ident().Home.Val == "" {
		why := r.ident().Why
		if why == "" {
			why = "the home of " + userLabel(r.ident()) + " is unknown"
		}
		return stage.Value{}, why
	}
	if !r.stageEnv().InScope(r.ident().Home, r.stageEnv()) {
		return stage.Value{}, "the home of " + userLabel(r.ident()) + " depends on a build argument out of scope"
	}
	return r.ident().Home, ""
}

// checkDir accepts a directory a cache mount can target.
func checkDir(v stage.Value) (stage.Value, bool, string) {
	p := v.Val
	if !path.IsAbs(p) {
		return stage.Value{}, false, "the cache directory " + p + " is relative"
	}
	v.Val = path.Clean(p)
	if strings.ContainsAny(v.Expr, ",\"' \t\n") {
		return stage.Value{}, false, "the cache directory " + v.Val + " cannot be written in a --mount flag"
	}
	if !v.Arg {
		v.Expr = v.Val
	}
	return v, false, ""
}

// flagValue finds an option naming a directory in an invocation's words.
func flagValue(r *Run, args []ast.Word, flags []string) (stage.Value, bool, string) {
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
					return stage.Value{}, false, f + " has no value"
				}
				ev, ok := r.stageEnv().WordValue(args[i+1])
				if !ok {
					return stage.Value{}, false, f + " has a value dfopt cannot resolve"
				}
				return ev, true, ""
			case withValue(a.Value, f):
				raw = a.Value[len(f)+1:]
			default:
				continue
			}
			ev, ok := r.stageEnv().ShellValue(raw)
			if a.Lit {
				ev, ok = stage.Lit(raw), true
			}
			if !ok {
				return stage.Value{}, false, f + " has a value dfopt cannot resolve"
			}
			return ev, true, ""
		}
	}
	return stage.Value{}, false, ""
}

// runAssignment finds a variable assigned by the RUN before an invocation:
// `export NAME=…` or `NAME=…` of a variable the stage exports.
func runAssignment(r *Run, inv *Invocation, name string) (stage.Value, bool, bool) {
	if r.script == nil {
		return stage.Value{}, false, false
	}
	at := inv.Cmd.Span.Start
	var val stage.Value
	set := false
	for _, a := range scriptAssigns(r) {
		if a.name != name {
			continue
		}
		if !a.top {
			return stage.Value{}, false, true
		}
		if a.pos > at {
			continue
		}
		if !a.export {
			if v, ok := r.stageEnv().Lookup(name); !ok || !v.Set {
				continue // not exported: the manager does not see it
			}
		}
		ev, ok := r.stageEnv().ShellValue(a.value)
		if !ok {
			return stage.Value{}, false, true
		}
		val, set = ev, true
	}
	return val, set, false
}

func exportedInRun(r *Run, name string) bool {
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

func scriptAssigns(r *Run) []runAssign {
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
