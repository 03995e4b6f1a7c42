package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Every command the runtime stage runs must find the files it reads. The
// runtime stage runs again some commands of the builder (a production
// `npm ci --omit=dev`, `yarn install --production`, setup commands, the
// RUNs after the split): the files they read from the build context —
// the manifests of an install, as the Ecosystems table lists them, and
// the path operands of commands that read them — come from COPY and ADD
// instructions that the runtime stage must keep, in their place. A
// manifest that no COPY brings (made by a RUN of the builder) leaves the
// file alone with a finding.

// msRead is one file a runtime command reads: any of alts (a manifest
// with alternatives: Gemfile or gems.rb). need: the command fails
// without it; otherwise it is read only when the builder has it.
type msRead struct {
	alts []string
	need bool
}

// runtimeCmds lists the commands the runtime stage runs, with the index
// of the plan they belong to.
func (s *msSplit) runtimeCmds() (at []int, cmds []*msCmd) {
	for i, pl := range s.pl {
		if pl.ins.Cmd != "run" {
			continue
		}
		for _, c := range pl.cmds {
			if i > s.builder.last || pl.replay || c.keep {
				at, cmds = append(at, i), append(cmds, c)
			}
		}
	}
	return at, cmds
}

// msCallOf is the command as a shell call (an exec-form RUN is quoted).
func msCallOf(c *msCmd) *syntax.CallExpr {
	if c.call != nil {
		return c.call
	}
	var parts []string
	for _, w := range c.words {
		q, err := syntax.Quote(w.Value, syntax.LangBash)
		if err != nil {
			return nil
		}
		parts = append(parts, q)
	}
	f, err := syntax.NewParser().Parse(strings.NewReader(strings.Join(parts, " ")), "")
	if err != nil || len(f.Stmts) != 1 {
		return nil
	}
	call, _ := f.Stmts[0].Cmd.(*syntax.CallExpr)
	return call
}

// msReadingCmds read the files named by their operands (the first operand
// of chmod, chown and chgrp is a mode or an owner).
var msReadingCmds = map[string]int{
	"cat": 0, "head": 0, "tail": 0, "wc": 0, "test": 0, "[": 0, "ls": 0, "sha256sum": 0, "sha512sum": 0, "md5sum": 0,
	"file": 0, "ldd": 0, "du": 0, "tree": 0, "chmod": 1, "chown": 1, "chgrp": 1, "sh": 0, "bash": 0, "source": 0, ".": 0,
}

// cmdReads lists what a runtime command reads; ok is false when it is an
// install whose project folder is unknown.
func (s *msSplit) cmdReads(c *msCmd) (reads []msRead, ok bool) {
	if call := msCallOf(c); call != nil {
		if in := transform.Recognise(call); in != nil && in.Eco != nil && !in.Ignore {
			if !msLiteralFolder(c) {
				return nil, false
			}
			dir := msResolve(c.cwd, msOr(in.Dir, "."))
			if dir == "" {
				return nil, false
			}
			for _, r := range in.Eco.Required {
				var alts []string
				for _, a := range strings.Split(r, "|") {
					alts = append(alts, path.Join(dir, a))
				}
				reads = append(reads, msRead{alts: alts, need: true})
			}
			for _, n := range in.Named {
				if p := msResolve(dir, n); p != "" {
					reads = append(reads, msRead{alts: []string{p}, need: true})
				}
			}
			for _, o := range in.Eco.Optional {
				reads = append(reads, msRead{alts: []string{path.Join(dir, o)}})
			}
		}
	}
	skip, reading := msReadingCmds[c.name()]
	if !reading && c.class != msUnknown {
		return reads, true
	}
	for _, w := range c.from(1 + skip) {
		if !w.Lit || strings.HasPrefix(w.Value, "-") {
			continue
		}
		if p := msResolve(c.cwd, w.Value); p != "" {
			reads = append(reads, msRead{alts: []string{p}})
		}
	}
	return reads, true
}

// msFolderFlags name an install's project folder.
var msFolderFlags = map[string]bool{"--prefix": true, "-C": true, "--cwd": true, "--dir": true, "--directory": true, "--working-dir": true, "-d": true}

// msLiteralFolder reports whether the project folder an install names
// with a flag, if any, is literal.
func msLiteralFolder(c *msCmd) bool {
	for i, w := range c.words {
		name, _, attached := strings.Cut(w.Value, "=")
		if !msFolderFlags[name] {
			continue
		}
		if attached && !w.Lit || !attached && i+1 < len(c.words) && !c.words[i+1].Lit {
			return false
		}
	}
	return true
}

// covers reports whether a COPY or ADD plan may write p.
func (s *msSplit) covers(pl *msPlan, p string) bool {
	if pl.foot == nil {
		pl.foot = s.footprint(pl)
	}
	for _, f := range pl.foot {
		if f == "" || msUnder(p, f) {
			return true
		}
	}
	return false
}

// keepReads keeps, for every file a runtime command reads, each COPY and
// ADD before it that may write the file. It reports whether it kept
// more; with final set, it reports the needed files that nothing brings.
func (s *msSplit) keepReads(final bool) bool {
	more := false
	at, cmds := s.runtimeCmds()
	for n, c := range cmds {
		reads, ok := s.cmdReads(c)
		if !ok && final {
			s.fail("cannot tell which folder `%s` reads its manifests from, to keep them in the runtime stage", msShort(c.Text(s.d)))
		}
		for _, r := range reads {
			found := s.mounted(s.pl[at[n]], r.alts) || s.writtenBefore(cmds[:n])
			for _, p := range r.alts {
				if !r.need && s.p.Context != nil && !s.builderHas(p, at[n]) {
					continue // an optional file the builder does not have
				}
				f, k := s.keepWriters(c, at[n], p)
				found, more = found || f, more || k
			}
			if r.need && !found && final {
				s.fail("`%s` in the runtime stage reads %s, which no COPY before it brings", msShort(c.Text(s.d)), strings.Join(r.alts, " or "))
			}
		}
	}
	return more
}

// keepWriters keeps each COPY and ADD before plan at that may write p,
// back to the one that surely does; it reports whether there was one,
// and whether it kept one the plan did not.
func (s *msSplit) keepWriters(c *msCmd, at int, p string) (found, kept bool) {
	for j := at - 1; j >= 0; j-- {
		pl := s.pl[j]
		if pl.ins.Cmd != "copy" && pl.ins.Cmd != "add" || !s.covers(pl, p) {
			continue
		}
		found = true
		if j < s.builder.last && !pl.keep {
			pl.keep, kept = true, true
			if msHas(pl.foot, "") {
				s.fail("cannot tell where %s writes", s.at(pl.ins))
			}
			s.notes = append(s.notes, fmt.Sprintf("keeps %s: `%s` reads %s", s.at(pl.ins), msShort(c.Text(s.d)), p))
		}
		if s.certainly(pl, p) {
			break // the COPYs before it are overwritten
		}
	}
	return found, kept
}

// mounted reports whether a mount of the RUN (the runtime RUN repeats
// its flags) provides one of the files.
func (s *msSplit) mounted(pl *msPlan, alts []string) bool {
	for _, t := range s.mountTargets(pl.ins, pl.cwd) {
		for _, p := range alts {
			if msUnder(p, t) {
				return true
			}
		}
	}
	return false
}

// writtenBefore reports whether a runtime command before may have written
// any file: a command dfopt does not know runs again in the runtime stage.
func (s *msSplit) writtenBefore(cmds []*msCmd) bool {
	for _, c := range cmds {
		if c.class == msUnknown {
			return true
		}
	}
	return false
}

// certainly reports whether a COPY surely writes p: it names the file,
// or it copies the whole build context to a folder that holds p.
func (s *msSplit) certainly(pl *msPlan, p string) bool {
	if dir, ok := s.wholeContextCopy(pl); ok && msUnder(p, dir) {
		return true
	}
	if msHas(pl.foot, p) {
		return true
	}
	// `COPY name dir/`: the file named p itself.
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || len(pl.ins.Flags) > 0 || len(c.SourcePaths) == 0 {
		return false
	}
	d, ok := msExpand(c.DestPath, pl.env)
	dest := msResolve(msOr(pl.cwd, s.builder.workdir), d)
	if !ok || dest == "" || !(strings.HasSuffix(d, "/") || d == "." || len(c.SourcePaths) > 1 || dest == pl.cwd) {
		return false
	}
	for _, src := range c.SourcePaths {
		if !strings.ContainsAny(src, "*?[$") && path.Join(dest, path.Base(src)) == p {
			return true
		}
	}
	return false
}

// builderHas reports whether the build context puts the file at p in the
// builder before instruction at (false without a build context).
func (s *msSplit) builderHas(p string, at int) bool {
	_, ok := s.contextPath(p, at)
	return ok
}

// planRuntimeReads repeats the plan of the RUNs until every file their
// runtime commands read is kept (keeping a COPY can make a setup command
// on its files run again).
func (s *msSplit) planRuntimeReads() {
	for i := 0; i < 8 && s.keepReads(false); i++ {
		s.planRuns()
	}
	s.keepReads(true)
}
