package moves

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// Moving a step past a RUN that cannot move. Two RUNs may swap when
// neither touches what the other writes. A RUN that stays is crossed
// only when everything it touches is known: its commands are file
// commands whose result depends on the files they name and on nothing
// the system has installed (selfContained), and every file they name
// resolves to a path (its footprint). A step crosses it when its own
// files are outside that footprint (the fence protects the footprint's
// paths) and the files its commands write without naming them (a
// package manager writes the system folders) are outside it too.

// selfContained are the commands whose effect depends only on the files
// they name (the read-set model lists them) and on their arguments: no
// installed software, configuration or network changes what they do.
var selfContained = transform.NameSet(
	"cd", "set", "echo", "printf", "true", "false", ":", "sleep", "basename", "dirname", "test", "[",
	"cat", "readlink", "realpath", "stat", "wc", "head", "tail", "cut", "sort", "uniq", "tr", "ls",
	"sha256sum", "sha1sum", "sha512sum", "md5sum", "cmp", "diff", "sed", "grep", "tee",
	"mkdir", "rmdir", "rm", "touch", "truncate", "ln", "cp", "mv", "chmod", "chown", "chgrp",
)

// implicitReads are the files a self-contained command reads without
// naming them: the user database for an owner name.
var implicitReads = map[string][]string{
	"chown": {"/etc/passwd", "/etc/group"},
	"chgrp": {"/etc/group"},
}

// userWrites are the files the tools that change users write besides the
// ones they name (the read-set model marks them as changing users).
var userWrites = []string{"/etc", "/home"}

// systemWrites are the folders a command that is not self-contained may
// write without naming them: a package manager, a language installer or
// a compiler writes programs, libraries and their configuration there.
// Under /var only the system's own folders: /var/www is a web root that
// packages leave alone.
var systemWrites = []string{"/bin", "/boot", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32",
	"/opt", "/root", "/run", "/sbin", "/tmp", "/usr", "/var/backups", "/var/cache", "/var/lib", "/var/local",
	"/var/lock", "/var/log", "/var/mail", "/var/opt", "/var/run", "/var/spool", "/var/tmp"}

// programDirs are where every command finds its program and libraries:
// a RUN that writes there may change any command of a step.
var programDirs = []string{"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/usr/bin", "/usr/sbin",
	"/usr/lib", "/usr/local/bin", "/usr/local/sbin", "/usr/local/lib"}

// Footprint is what a RUN that stays touches: the resolved paths its
// commands name (read or write), its working directory and home folder
// where they use them, and what they read implicitly.
type Footprint struct {
	Paths []string
	by    string // the RUN, quoted, with its line
}

// Footprint is what the statements list of RUN x touch ("" reason), or
// why dfopt cannot know it.
func (m *Result) Footprint(x *ast.Instruction, list []*syntax.Stmt) (Footprint, string) {
	sc := m.Script(x)
	if sc == nil {
		return Footprint{}, "not a shell-form RUN dfopt can analyse"
	}
	if list == nil {
		list = sc.File.Stmts
	}
	var paths []string
	why := ""
	eachCall(list, func(name string, ok bool) {
		switch {
		case why != "":
		case !ok:
			why = "a command whose name is not literal"
		case commands[name] == nil && !selfContained[name]: // the read set says why
		case !selfContained[name]:
			why = "what `" + name + "` does depends on the software installed, which a moved step may change"
		default:
			paths = append(paths, implicitReads[name]...)
		}
	})
	if why != "" {
		return Footprint{}, why
	}
	e := FreeEnv{seen: &paths}
	if why, _ := e.movable(m.d, m.Scripts, x, m.Env(x), m.Env(x), list); why != "" {
		return Footprint{}, why
	}
	for _, p := range paths {
		if !ast.IsAbsPath(p) {
			return Footprint{}, "a path in a working directory dfopt does not know"
		}
	}
	for _, c := range sc.Commands {
		if !selfContained[c.Name] && commands[c.Name] == nil {
			return Footprint{}, "dfopt does not know what `" + c.Name + "` reads"
		}
	}
	return Footprint{Paths: paths, by: fmt.Sprintf("%s (line %d)", transform.InsQuote(m.d, x), x.StartLine)}, ""
}

// CrossRun adds to a fence a RUN that stays: the step must be free of
// the paths it touches, and must write nothing there unnamed.
func (m *Result) CrossRun(fe *FreeEnv, fp Footprint) {
	for _, p := range fp.Paths {
		fe.protect(p, fp.by)
	}
	fe.runs = append(fe.runs, fp)
}

// CrossWrites adds to a fence what a COPY or ADD the step moves above
// writes, for the files its commands write without naming them: a
// package that ships /etc/nginx/conf.d/default.conf must not move above
// the COPY that writes it.
func (m *Result) CrossWrites(fe *FreeEnv, x *ast.Instruction) {
	if x.Cmd == "copy" || x.Cmd == "add" {
		dest := transform.CopyDest(m.d, m.Env(x), x)
		fe.runs = append(fe.runs, Footprint{Paths: []string{dest}, by: transform.InsQuote(m.d, x)})
	}
}

// record notes a path a footprint touches.
func (e FreeEnv) record(p string) {
	if e.seen != nil && p != "" {
		*e.seen = append(*e.seen, p)
	}
}

// crossesRuns reports why the statements of a moving step write, without
// naming them, files that a RUN it crosses touches.
func (e FreeEnv) crossesRuns(list []*syntax.Stmt) string {
	if len(e.runs) == 0 {
		return ""
	}
	why := ""
	eachCall(list, func(name string, ok bool) {
		if why != "" || !ok {
			return
		}
		for _, fp := range e.runs {
			if p, w := overlap(programDirs, fp.Paths); p != "" {
				why = "it would move above " + fp.by + ", which reads or writes " + show(p) + ", where `" + name + "` may find its program or libraries (`" + w + "`)"
				e.mark()
				return
			}
		}
		if selfContained[name] {
			return
		}
		writes := systemWrites
		if spec := commands[name]; spec != nil && spec.users {
			writes = userWrites
		}
		for _, fp := range e.runs {
			if p, w := overlap(writes, fp.Paths); p != "" {
				why = "`" + name + "` may write under `" + w + "`, and it would move above " + fp.by + ", which reads or writes " + show(p)
				e.mark()
				return
			}
		}
	})
	return why
}

// overlap returns a path of ps under (or holding) one of the folders
// roots, and that folder; a path that is not absolute meets every folder.
func overlap(roots, ps []string) (string, string) {
	for _, p := range ps {
		for _, r := range roots {
			if !ast.IsAbsPath(p) {
				return p, r
			}
			if _, in := ast.RelPath(r, p); in {
				return p, r
			}
			if _, in := ast.RelPath(p, r); in {
				return p, r
			}
		}
	}
	return "", ""
}

// eachCall calls f with the name of every simple command in list, those
// in substitutions included (ok is false for a name that is not literal).
func eachCall(list []*syntax.Stmt, f func(name string, ok bool)) {
	for _, s := range list {
		syntax.Walk(s, func(n syntax.Node) bool {
			if c, isCall := n.(*syntax.CallExpr); isCall && len(c.Args) > 0 {
				name, _, ok := transform.CallName(c)
				f(strings.TrimSpace(path.Base(name)), ok)
			}
			return true
		})
	}
}

// DoesWork reports whether statements run a command that is not
// self-contained (an install, a download): a part of a RUN worth a layer
// of its own.
func DoesWork(list []*syntax.Stmt) bool {
	work := false
	eachCall(list, func(name string, ok bool) { work = work || !ok || !selfContained[name] })
	return work
}
