package multistage

import (
	"bytes"
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// What the image starts: the effective ENTRYPOINT and CMD, and the
// HEALTHCHECK command, followed through wrappers (`sh -c`, exec, env,
// tini, dumb-init, gosu) to the programs they run. A split image must
// still be able to start: every program is one the build made, one the
// Dockerfile brings with a COPY or ADD the runtime stage keeps, or one the
// runtime image has; none of them runs the toolchain the runtime image
// drops (`go run`, `air`, `cargo watch`, `dotnet watch`). Anything else
// leaves the file alone with a finding.

// msProg is one program the image runs when it starts.
type msProg struct {
	ins    *ast.Instruction
	name   string // as written; "" when it is not literal
	args   []string
	script bool // read by a shell (`sh start.sh`), not executed
}

// msBuiltins are shell builtins: no program to find.
var msBuiltins = map[string]bool{
	"cd": true, "export": true, "set": true, "unset": true, "echo": true, "printf": true, "test": true, "[": true,
	"true": true, "false": true, ":": true, "exit": true, "trap": true, "wait": true, "read": true, "shift": true,
	"return": true, "local": true, "ulimit": true, "umask": true, "type": true, "alias": true,
}

// startLines are the command lines the image runs: the effective
// ENTRYPOINT + CMD, and the HEALTHCHECK test.
func (s *msSplit) startLines() (ins []*ast.Instruction, argvs [][]string) {
	var ep, cmd, hc *ast.Instruction
	for _, pl := range s.pl {
		switch pl.ins.Command.(type) {
		case *instructions.EntrypointCommand:
			ep = pl.ins
		case *instructions.CmdCommand:
			cmd = pl.ins
		case *instructions.HealthCheckCommand:
			hc = pl.ins
		}
	}
	argv := func(lines []string, shell bool) []string {
		if shell {
			return []string{"/bin/sh", "-c", strings.Join(lines, " ")}
		}
		return lines
	}
	var main []string
	if ep != nil {
		e := ep.Command.(*instructions.EntrypointCommand)
		main = argv(e.CmdLine, e.PrependShell)
		if c, ok := cmdOf(cmd); ok && !e.PrependShell {
			main = append(main, argv(c.CmdLine, c.PrependShell)...)
		}
		ins, argvs = append(ins, ep), append(argvs, main)
	} else if c, ok := cmdOf(cmd); ok {
		ins, argvs = append(ins, cmd), append(argvs, argv(c.CmdLine, c.PrependShell))
	}
	if hc != nil {
		if h := hc.Command.(*instructions.HealthCheckCommand).Health; h != nil && len(h.Test) > 1 {
			ins, argvs = append(ins, hc), append(argvs, argv(h.Test[1:], h.Test[0] == "CMD-SHELL"))
		}
	}
	return ins, argvs
}

func cmdOf(in *ast.Instruction) (*instructions.CmdCommand, bool) {
	if in == nil {
		return nil, false
	}
	c, ok := in.Command.(*instructions.CmdCommand)
	return c, ok
}

// startPrograms lists every program the start lines run.
func (s *msSplit) startPrograms() []msProg {
	var out []msProg
	ins, argvs := s.startLines()
	for i := range ins {
		out = append(out, msPrograms(ins[i], argvs[i], 0)...)
	}
	return out
}

// msPrograms follows one command line through wrappers and shells.
func msPrograms(in *ast.Instruction, argv []string, depth int) []msProg {
	for len(argv) > 0 && strings.Contains(argv[0], "=") && !strings.Contains(argv[0], "/") {
		argv = argv[1:] // VAR=value before the program
	}
	if len(argv) == 0 || depth > 4 {
		return nil
	}
	base := path.Base(argv[0])
	out := []msProg{{ins: in, name: argv[0], args: argv[1:]}}
	switch rest, wrapper := transform.Wrapped(argv); {
	case transform.Shells[base] && len(argv) > 2 && argv[1] == "-c":
		out = append(out, msShellPrograms(in, argv[2], depth+1)...)
	case transform.Shells[base] && len(argv) > 1 && !strings.HasPrefix(argv[1], "-"):
		out = append(out, msProg{ins: in, name: argv[1], args: argv[2:], script: true})
	case wrapper && rest != nil:
		out = append(out, msPrograms(in, rest, depth+1)...)
	}
	return out
}

// msShellPrograms lists the programs a shell command line runs; a program
// whose name is not literal is listed with an empty name.
func msShellPrograms(in *ast.Instruction, text string, depth int) []msProg {
	f, err := syntax.NewParser().Parse(strings.NewReader(text), "")
	if err != nil {
		return []msProg{{ins: in}}
	}
	var out []msProg
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		var words []string
		for i, w := range call.Args {
			v, lit := ast.LitValue(w)
			if !lit && i == 0 {
				out = append(out, msProg{ins: in})
				return true
			}
			words = append(words, v)
		}
		switch words[0] {
		case "command", "exec":
			words = words[1:]
			for len(words) > 0 && strings.HasPrefix(words[0], "-") {
				words = words[1:]
			}
		case ".", "source":
			if len(words) > 1 {
				out = append(out, msProg{ins: in, name: words[1], script: true})
			}
			return true
		case "eval":
			out = append(out, msProg{ins: in})
			return true
		}
		if len(words) > 0 && !msBuiltins[words[0]] {
			out = append(out, msPrograms(in, words, depth)...)
		}
		return true
	})
	return out
}

// startNeedsShell reports whether the image starts a shell.
func (s *msSplit) startNeedsShell() bool {
	for _, p := range s.startPrograms() {
		if transform.Shells[path.Base(p.name)] {
			return true
		}
	}
	return false
}

// runtimePrograms are the programs the runtime stage has by name: the
// runtime image's own, its distribution's, and the packages it installs.
func (s *msSplit) runtimePrograms() map[string]bool {
	out := map[string]bool{}
	ref := s.rt.image
	if s.row.SameImage {
		ref = s.st.Base
	}
	d, _ := baseimage.DefaultsOf(ref)
	for _, p := range d.Programs {
		out[p] = true
	}
	for _, p := range baseimage.FamilyPrograms[imageFamily(ref)] {
		out[p] = true
	}
	for _, p := range s.pkgs.runtime {
		name, _, _ := strings.Cut(p, "=")
		out[name] = true
	}
	return out
}

// toolchain reports whether a program needs the toolchain the runtime
// image drops: "builder" for the builder image's own programs and the
// row's build tools, "runs" for the programs the package-manager table
// says read the toolchain's stores at run time (air, reflex,
// cargo-watch…), "" for neither or when the runtime image has it too
// (java, dotnet).
func (s *msSplit) toolchain(base string, have map[string]bool) string {
	switch {
	case have[base]:
		return ""
	case msHas(s.row.RuntimeTools, base) || msHas(s.builder.image.Programs, base):
		return "builder"
	case s.row.SameImage && (msCompilers[base] || msHas(s.pkgs.dropped, base)):
		return "builder"
	}
	for _, m := range cacheplan.Managers {
		if msHas(s.row.Managers, m.Name) && slices.Contains(m.Runtime, base) {
			return "runs"
		}
	}
	return ""
}

// candidates are the paths a program name can be in the runtime stage.
func (s *msSplit) candidates(p msProg) []string {
	if strings.Contains(p.name, "/") || p.script {
		if c := msResolve(s.end.cwd, p.name); c != "" {
			return []string{c}
		}
		return nil
	}
	var out []string
	dirs, _ := s.lookupPath()
	for _, dir := range dirs {
		out = append(out, path.Join(dir, p.name))
	}
	return out
}

// isArtifact reports whether the program is one the build made.
func (s *msSplit) isArtifact(p msProg) bool {
	for _, c := range s.candidates(p) {
		for _, pl := range s.pl {
			for _, a := range pl.arts {
				if msUnder(c, a.Path) || msGlobMatch(a.Path, c) {
					return true
				}
			}
		}
		if s.lang.venv != "" && msUnder(c, s.lang.venv) {
			return true
		}
	}
	return false
}

// hasProgram reports whether the runtime image has the program: by name,
// or at a path in a folder of its PATH.
func (s *msSplit) hasProgram(p msProg, have map[string]bool) bool {
	if p.script || !have[path.Base(p.name)] {
		return false
	}
	if !strings.Contains(p.name, "/") {
		return true
	}
	rt := baseimage.StdPath
	if d, ok := baseimage.DefaultsOf(s.rt.image); ok && d.Path != nil {
		rt = d.Path
	}
	return msHas(rt, path.Dir(path.Clean(p.name))) || msHas(baseimage.StdPath, path.Dir(path.Clean(p.name)))
}

// keptFile finds the COPY or ADD the runtime stage keeps that brings the
// program, and the program's path.
func (s *msSplit) keptFile(p msProg) (*msPlan, string) {
	for _, c := range s.candidates(p) {
		for i := len(s.pl) - 1; i >= 0; i-- {
			pl := s.pl[i]
			if pl.ins.Cmd != "copy" && pl.ins.Cmd != "add" || !(pl.keep || i > s.builder.last) {
				continue
			}
			if pl.foot == nil {
				pl.foot = s.footprint(pl)
			}
			for _, f := range pl.foot {
				if f != "" && msUnder(c, f) {
					return pl, c
				}
			}
		}
	}
	return nil, ""
}

// checkStartTools refuses, before anything else is planned, an image that
// starts one of the row's build tools (go, cargo, mvn, `dotnet run`).
func (s *msSplit) checkStartTools() {
	for _, p := range s.startPrograms() {
		base := path.Base(p.name)
		if msHas(s.row.RuntimeTools, base) {
			s.fail("%s starts `%s`, which only the builder image has", s.at(p.ins), base)
		}
		if base == "dotnet" && len(p.args) > 0 {
			switch p.args[0] {
			case "run", "watch", "build", "test", "publish", "restore", "ef":
				s.fail("%s starts `dotnet %s`, which needs the SDK", s.at(p.ins), p.args[0])
			}
		}
	}
}

// checkStart refuses a split whose image could not start: a program that
// needs the toolchain, or that the runtime stage does not have.
func (s *msSplit) checkStart() {
	have := s.runtimePrograms()
	for _, p := range s.startPrograms() {
		if p.name == "" {
			if !s.row.SameImage {
				s.fail("dfopt cannot tell what %s starts", s.at(p.ins))
			}
			continue
		}
		base := path.Base(p.name)
		art := s.isArtifact(p)
		switch s.toolchain(base, have) {
		case "runs":
			s.fail("%s starts `%s`, which runs the %s toolchain at run time", s.at(p.ins), base, s.row.Lang)
			continue
		case "builder":
			s.fail("%s starts `%s`, which only the builder image has", s.at(p.ins), base)
			continue
		}
		if art || s.row.SameImage || s.hasProgram(p, have) {
			continue
		}
		if pl, file := s.keptFile(p); pl != nil {
			s.checkScript(p, pl, file, have)
			continue
		}
		if _, known := s.lookupPath(); !known && !strings.Contains(p.name, "/") {
			s.fail("%s starts `%s` through PATH, and dfopt cannot tell which folders PATH holds", s.at(p.ins), p.name)
			continue
		}
		s.fail("%s starts `%s`, which neither the build makes nor `%s` has", s.at(p.ins), p.name, s.rt.image)
	}
}

// checkScript reads a started file the runtime stage copies from the
// build context: a script must not run the toolchain. A file the
// Dockerfile downloads or copies from another image is a program it
// brings.
func (s *msSplit) checkScript(p msProg, pl *msPlan, file string, have map[string]bool) {
	if msCopyFrom(pl.ins) != "" {
		return
	}
	if a, ok := pl.ins.Command.(*instructions.AddCommand); ok {
		for _, src := range a.SourcePaths {
			if strings.Contains(src, "://") {
				return
			}
		}
	}
	data, _, ok := s.readContext(file, len(s.pl))
	if !ok {
		s.fail("%s starts %s from the build context, which dfopt cannot read to tell whether it needs the toolchain", s.at(p.ins), file)
		return
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return // a binary checked in
	}
	for _, q := range msShellPrograms(p.ins, string(data), 1) {
		if q.name != "" && s.toolchain(path.Base(q.name), have) != "" {
			s.fail("%s starts %s, which runs `%s`: the runtime image does not have it", s.at(p.ins), file, path.Base(q.name))
		}
	}
}
