package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Multi-stage, step 2: where the builder ends (the last instruction that
// needs the toolchain) and what the build produced (each language's
// Artifacts, then the artifacts moved by later commands).

func (s *msSplit) analyze() {
	s.builder.last = -1
	for i, pl := range s.pl {
		if pl.ins.Cmd == "onbuild" {
			s.fail("%s would run on the runtime image", s.at(pl.ins))
		}
		if pl.ins.Cmd != "run" {
			continue
		}
		for _, c := range pl.cmds {
			c.class = s.classify(c)
			if msBuilderClasses[c.class] {
				s.builder.last = i
			}
		}
		if pl.opaque {
			for _, c := range pl.cmds {
				if msBuilderClasses[c.class] {
					s.fail("%s is not a plain list of commands", s.at(pl.ins))
					break
				}
			}
		}
	}
	if s.builder.last < 0 || len(s.problems) > 0 {
		if s.builder.last < 0 {
			s.fail("no build command")
		}
		return
	}
	if s.builder.workdir == "" {
		for _, pl := range s.pl {
			if pl.cwdImage && (pl.ins.Cmd == "run" || pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") {
				s.fail("%s uses the WORKDIR of `%s`, which dfopt does not know", s.at(pl.ins), s.st.Base)
				return
			}
		}
	}
	s.builder.name = s.builderName()
	if s.row.Key == "python" {
		s.pythonVenv()
	}
	s.lang.static = s.row.Key == "go"
	s.findArtifacts()
	s.checkStartTools()
	s.checkTail()
	if len(s.problems) > 0 {
		return
	}
	s.decideCopies()
	s.planRuns()
	s.planRuntimeReads()
	s.decideRest()
	if len(s.problems) > 0 {
		return
	}
	s.chooseRuntime()
	if len(s.problems) > 0 {
		return
	}
	s.checkStart()
	s.checkRuntime()
}

// builderName is the builder stage's name: its own, or a fresh one.
func (s *msSplit) builderName() string {
	if s.st.Name != "" {
		return s.st.Name
	}
	taken := map[string]bool{}
	for _, st := range s.d.Stages {
		taken[st.Name] = true
	}
	for i := 1; ; i++ {
		n := "build"
		if i > 1 {
			n = fmt.Sprintf("build-%d", i)
		}
		if !taken[n] {
			return n
		}
	}
}

// findArtifacts asks the row what each build command made, then follows
// them through later `cp`/`mv`/`rm` up to the split.
func (s *msSplit) findArtifacts() {
	var arts []msArtifact
	for i := 0; i < len(s.pl); i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if i > s.builder.last {
			// After the split, only copies of what the build made belong
			// to the builder.
			moves := false
			for _, c := range pl.cmds {
				if c.class == msMove && s.movesArtifact(c, arts) {
					moves = true
				}
			}
			if !moves {
				continue
			}
			s.builder.last = i
		}
		mounts := s.mountTargets(pl.ins, "/")
		for _, c := range pl.cmds {
			switch c.class {
			case msBuild:
				got, err := s.row.Artifacts(s, c)
				if err != nil {
					s.fail("%v", err)
					continue
				}
				for _, a := range got {
					a.at = i
					a.chown = pl.user
					for _, m := range mounts {
						if msUnder(a.Path, m) {
							s.fail("%s is inside the mount at %s, not in the image", a.Path, m)
						}
					}
					// A later build of the same path replaces the earlier one.
					kept := arts[:0]
					for _, b := range arts {
						if b.Path != a.Path {
							kept = append(kept, b)
						}
					}
					arts = append(kept, a)
				}
			case msMove:
				arts = s.moveArtifacts(c, arts, i)
			case msRm:
				for _, w := range c.from(1) {
					if strings.HasPrefix(w.Value, "-") {
						continue
					}
					p := msResolve(c.cwd, w.Value)
					for _, a := range arts {
						if p != "" && (msUnder(a.Path, p) || !w.Lit) {
							s.fail("`%s` removes what the build made", msShort(c.Text(s.d)))
						}
					}
				}
			}
		}
	}
	if len(arts) == 0 && s.row.Key != "python" && len(s.problems) == 0 {
		s.fail("the build writes no file dfopt can name")
	}
	needed := s.neededPaths()
	for _, a := range arts {
		if a.copied && !s.named(a, needed) {
			continue
		}
		s.pl[a.at].arts = append(s.pl[a.at].arts, a)
	}
}

// named reports whether a needed path names the artifact.
func (s *msSplit) named(a msArtifact, needed []string) bool {
	for _, n := range needed {
		if msUnder(n, a.Path) || msGlobMatch(a.Path, n) || msUnder(a.Path, n) && n != "/" {
			return true
		}
	}
	return false
}

// movesArtifact reports whether `cp`/`mv` copies an artifact.
func (s *msSplit) movesArtifact(c *msCmd, arts []msArtifact) bool {
	for _, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") {
			continue
		}
		p := msResolve(c.cwd, w.Value)
		for _, a := range arts {
			if p != "" && p == a.Path {
				return true
			}
		}
		return false
	}
	return false
}

// moveArtifacts follows `cp SRC DST` / `mv SRC DST` of an artifact.
func (s *msSplit) moveArtifacts(c *msCmd, arts []msArtifact, at int) []msArtifact {
	var ops []string
	for _, w := range c.from(1) {
		if !strings.HasPrefix(w.Value, "-") || !w.Lit {
			ops = append(ops, w.Value)
		}
	}
	if len(ops) != 2 || !c.lit(len(c.words)-1) {
		c.class = msUnknown
		return arts
	}
	src, dst := msResolve(c.cwd, ops[0]), msResolve(c.cwd, ops[1])
	for i, a := range arts {
		if src == "" || a.Path != src {
			continue
		}
		if strings.HasSuffix(ops[1], "/") || dst == c.cwd || s.knownDir(dst) {
			if strings.ContainsAny(path.Base(src), "*?[") {
				dst = path.Join(dst, "")
			} else {
				dst = path.Join(dst, path.Base(src))
			}
		}
		moved := msArtifact{Path: dst, at: at, chown: a.chown}
		if c.name() == "mv" {
			arts = append(arts[:i], arts[i+1:]...)
		} else {
			arts[i].copied = true
		}
		c.class = msNeutral
		return append(arts, moved)
	}
	return arts
}

// knownDir reports whether a path is a folder the stage created (WORKDIR,
// mkdir) or that every builder image has.
func (s *msSplit) knownDir(p string) bool {
	switch p {
	case "/", "/bin", "/usr/bin", "/usr/local/bin", "/usr/local", "/usr", "/opt", "/tmp", "/root", "/srv", "/home", "/etc", "/var", "/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/share", "/usr/lib":
		return true
	}
	for _, d := range s.builderOnlyPath() {
		if p == d || p == path.Dir(d) {
			return true
		}
	}
	for _, pl := range s.pl {
		if pl.ins.Cmd == "workdir" {
			if c, ok := pl.ins.Command.(*instructions.WorkdirCommand); ok && msResolve(pl.cwd, c.Path) == p {
				return true
			}
		}
		for _, c := range pl.cmds {
			if c.name() == "mkdir" {
				for _, w := range c.from(1) {
					if w.Lit && !strings.HasPrefix(w.Value, "-") && msResolve(c.cwd, w.Value) == p {
						return true
					}
				}
			}
		}
	}
	return false
}

// msResolve resolves a literal path against a working folder ("" unknown).
func msResolve(cwd, p string) string {
	if p == "" || strings.Contains(p, "$") {
		return ""
	}
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if cwd == "" {
		return ""
	}
	return path.Join(cwd, p)
}

// msUnder reports whether p is dir or inside it.
func msUnder(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	return p == dir || dir == "/" || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// mountTargets lists the targets of a RUN's --mount flags, as BuildKit
// reads them (ast.Mounts), relative ones resolved against workdir.
func (s *msSplit) mountTargets(in *ast.Instruction, workdir string) []string {
	ms, err := s.d.Mounts(in, nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.TargetIn(workdir))
	}
	return out
}

// checkTail checks that what follows the split can run on the runtime image.
func (s *msSplit) checkTail() {
	for i := s.builder.last + 1; i < len(s.pl); i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if pl.opaque {
			if !s.row.SameImage || s.row.Key == "node" {
				s.fail("%s runs a script after the build that dfopt cannot follow", s.at(pl.ins))
			}
			continue
		}
		for _, c := range pl.cmds {
			switch c.class {
			case msSetup, msNeutral, msRm, msPkg, msCd, msExport, msGlobal:
			case msMove, msWrite:
				if !s.row.SameImage {
					s.fail("`%s` changes files after the build", msShort(c.Text(s.d)))
				}
			default:
				if s.row.Key != "python" || s.compiles(c) {
					s.fail("`%s` runs after the build, and dfopt cannot tell whether the runtime image can run it", msShort(c.Text(s.d)))
				}
			}
		}
	}
}

var msCompilers = map[string]bool{"gcc": true, "g++": true, "cc": true, "c++": true, "make": true, "cmake": true, "ninja": true, "clang": true, "cargo": true, "rustc": true, "go": true, "ld": true}

// compiles reports whether a command needs the C toolchain the runtime drops.
func (s *msSplit) compiles(c *msCmd) bool {
	if msCompilers[c.name()] {
		return true
	}
	if strings.HasPrefix(c.name(), "python") {
		for _, w := range c.from(1) {
			if strings.HasSuffix(w.Value, "setup.py") {
				return true
			}
		}
	}
	return false
}
