package multistage

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// Multi-stage, step 4: what becomes of each RUN before the split (kept,
// replayed, left in the builder) and which system packages the runtime
// stage installs.

// planRuns decides, for every RUN before the split, what the runtime stage
// runs in its place.
func (s *msSplit) planRuns() {
	s.pkgs.runtime, s.pkgs.dev, s.pkgs.dropped, s.pkgs.upgrade = nil, nil, nil, false
	for i := 0; i <= s.builder.last; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if pl.opaque {
			if s.row.Key == "python" && !s.anyCompiles(pl) {
				pl.replay = true
				continue
			}
			s.fail("cannot tell whether the runtime needs what %s does", s.at(pl.ins))
			continue
		}
		s.planRun(pl)
	}
}

func (s *msSplit) anyCompiles(pl *msPlan) bool {
	for _, c := range pl.cmds {
		if s.compiles(c) || c.class == msBuild || c.class == msVenv {
			return true
		}
	}
	return false
}

func (s *msSplit) planRun(pl *msPlan) {
	pl.replay, pl.before, pl.after = false, nil, nil
	for _, c := range pl.cmds {
		c.keep = false
	}
	building := pl.hasClass(msBuild) || pl.hasClass(msDeps) || pl.hasClass(msTool)
	built := false
	var before, after []*msCmd
	hasPkg, onlyReplayable := false, true
	for _, c := range pl.cmds {
		switch c.class {
		case msBuild:
			built = true
			onlyReplayable = false
		case msDeps:
			onlyReplayable = false
			if s.row.Key == "node" {
				c.keep = true
			}
		case msTool, msVenv, msNeutral, msExport:
			if c.class != msNeutral {
				onlyReplayable = false
			}
		case msCd:
		case msPkg:
			hasPkg = true
			onlyReplayable = false
			s.packages(pl, c)
		case msGlobal:
			c.keep = true
		case msSetup:
			c.keep = !(building && s.scaffold(c)) && s.setupNeeded(c)
			if !c.keep {
				onlyReplayable = false
			}
		case msRm:
			c.keep = !(building && s.scaffold(c)) && s.rmNeeded(c)
		case msWrite:
			if !(building && s.scaffold(c)) && s.writeNeeded(c) {
				s.fail("`%s` writes a file the runtime may need", msShort(c.Text(s.d)))
			}
			onlyReplayable = false
		case msMove:
			s.fail("`%s` moves files dfopt cannot follow", msShort(c.Text(s.d)))
		default:
			if s.row.Key == "python" && !pl.hasClass(msBuild) && !pl.hasClass(msVenv) && !s.compiles(c) {
				c.keep = true // runs again on the same image
			} else {
				s.fail("cannot tell whether the runtime needs what `%s` does", msShort(c.Text(s.d)))
			}
		}
		if c.keep {
			if built {
				after = append(after, c)
			} else {
				before = append(before, c)
			}
		}
	}
	if pl.ins.JSON {
		// An exec-form RUN is one command: it runs again whole, or not.
		pl.replay = len(before)+len(after) > 0
		return
	}
	if hasPkg && s.row.Key == "node" {
		// Native modules compile during the production install: the
		// runtime stage installs the same packages.
		pl.replay = true
		return
	}
	if onlyReplayable && len(before) > 0 && !built {
		pl.replay = true
		return
	}
	pl.before = s.runLines(pl, before)
	pl.after = s.runLines(pl, after)
}

func (pl *msPlan) hasClass(cl msClass) bool {
	for _, c := range pl.cmds {
		if c.class == cl {
			return true
		}
	}
	return false
}

// runLines renders the kept commands of a RUN as one runtime RUN.
func (s *msSplit) runLines(pl *msPlan, cmds []*msCmd) []string {
	if len(cmds) == 0 {
		return nil
	}
	var parts []string
	cur := pl.cwd // the folder the runtime RUN is in
	for _, c := range cmds {
		if c.cwd != cur && s.relativeArgs(c) {
			if c.cwd == "" {
				s.fail("cannot tell the folder `%s` runs in", msShort(c.Text(s.d)))
				return nil
			}
			parts = append(parts, "cd "+c.cwd)
			cur = c.cwd
		}
		if s.row.Key == "node" && c.class == msDeps {
			parts = append(parts, s.nodeProdInstall(c))
			continue
		}
		parts = append(parts, c.Text(s.d))
	}
	// The RUN's mounts (a bind mount of the manifests, a secret .npmrc)
	// are there for the commands it runs again too.
	return []string{strings.TrimPrefix(transform.RunFlags(s.d, pl.ins)+" "+strings.Join(parts, " && "), " ")}
}

// relativeArgs reports whether a command's arguments depend on the folder.
func (s *msSplit) relativeArgs(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return false
	}
	if s.row.Key == "node" && (c.class == msDeps || c.class == msGlobal) {
		return c.class == msDeps
	}
	for _, w := range c.from(1) {
		if !strings.HasPrefix(w.Value, "-") && !path.IsAbs(w.Value) {
			return true
		}
	}
	return false
}

// scaffold reports whether a command in a RUN that builds only touches
// paths in its working folder: build scaffolding, not runtime setup.
func (s *msSplit) scaffold(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return false
	}
	if c.cwd == "" || c.cwd == "/" {
		return false
	}
	paths := append([]string(nil), c.redirs...)
	for i, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") || (c.name() == "chown" || c.name() == "chgrp" || c.name() == "chmod") && i == 0 {
			continue
		}
		if !w.Lit {
			return false
		}
		paths = append(paths, w.Value)
	}
	for _, p := range paths {
		if !msUnder(msResolve(c.cwd, p), c.cwd) || msResolve(c.cwd, p) == c.cwd {
			return false
		}
	}
	return len(paths) > 0
}

// setupNeeded: a setup command acting on files the runtime stage does not
// get (sources, build folders) stays in the builder.
func (s *msSplit) setupNeeded(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return true
	}
	paths := 0
	for i, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") || !w.Lit {
			continue
		}
		if (c.name() == "chown" || c.name() == "chgrp" || c.name() == "chmod") && i == 0 {
			continue // owner or mode
		}
		p := msResolve(c.cwd, w.Value)
		if p == "" {
			return true
		}
		paths++
		if s.inRuntime(p) {
			return true
		}
	}
	return paths == 0
}

// inRuntime reports whether a path exists in the runtime stage: in a kept
// COPY, an artifact, a kept WORKDIR, or outside everything the builder
// stage wrote.
func (s *msSplit) inRuntime(p string) bool {
	for i := 0; i <= s.builder.last && i < len(s.pl); i++ {
		pl := s.pl[i]
		for _, a := range pl.arts {
			if msUnder(p, strings.TrimSuffix(a.dest(), "/")) || msUnder(a.Path, p) {
				return true
			}
		}
		for _, f := range pl.foot {
			if msUnder(p, f) {
				return pl.keep
			}
		}
	}
	// Paths in the build's working folders belong to the build.
	for i := 0; i <= s.builder.last; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd == "run" {
			for _, c := range pl.cmds {
				if c.class == msBuild && c.cwd != "" && c.cwd != "/" && msUnder(p, c.cwd) {
					return false
				}
			}
		}
	}
	return true
}

func (s *msSplit) rmNeeded(c *msCmd) bool {
	for _, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") {
			continue
		}
		p := msResolve(c.cwd, w.Value)
		if p == "" {
			continue
		}
		for i := 0; i < s.builder.last; i++ {
			for _, f := range s.pl[i].foot {
				if s.pl[i].keep && msUnder(p, f) {
					return true
				}
			}
		}
	}
	return false
}

func (s *msSplit) writeNeeded(c *msCmd) bool {
	for _, t := range c.redirs {
		p := msResolve(c.cwd, t)
		if p == "" || s.inRuntime(p) {
			return true
		}
	}
	return false
}

// packages reads an apt-get/apk command: build-only packages are dropped,
// -dev packages become their runtime libraries, the rest is installed in
// the runtime stage too.
func (s *msSplit) packages(pl *msPlan, c *msCmd) {
	s.pkgs.family = msPkgFamily(c.name())
	sub, pkgs, ok := msPackageArgs(c)
	if !ok {
		s.fail("cannot read the packages of `%s`", msShort(c.Text(s.d)))
		return
	}
	switch sub {
	case "install", "add":
	case "upgrade", "dist-upgrade", "full-upgrade":
		s.pkgs.upgrade = true
		return
	case "purge", "remove", "del", "autoremove":
		removed := map[string]bool{}
		for _, p := range pkgs {
			removed[p] = true
		}
		s.pkgs.runtime = msWithout(s.pkgs.runtime, removed)
		s.pkgs.dev = msWithout(s.pkgs.dev, removed)
		return
	default:
		return
	}
	for _, p := range pkgs {
		name, _, _ := strings.Cut(p, "=")
		switch {
		case msBuildOnlyPackages[name]:
			s.pkgs.dropped = append(s.pkgs.dropped, name)
		case msDevPackage(name):
			s.pkgs.dev = append(s.pkgs.dev, name)
			s.pkgs.dropped = append(s.pkgs.dropped, name)
		case strings.ContainsAny(name, "/*$"):
			s.fail("cannot tell what package %s is", p)
		default:
			if !msHas(s.pkgs.runtime, p) {
				s.pkgs.runtime = append(s.pkgs.runtime, p)
			}
		}
	}
}

func msWithout(list []string, drop map[string]bool) []string {
	var out []string
	for _, p := range list {
		name, _, _ := strings.Cut(p, "=")
		if !drop[name] {
			out = append(out, p)
		}
	}
	return out
}

// msPackageArgs returns the subcommand and package names of apt-get/apk.
func msPackageArgs(c *msCmd) (sub string, pkgs []string, ok bool) {
	withArg := map[string]bool{"-o": true, "-t": true, "--target-release": true, "--virtual": true, "-X": true, "--repository": true, "-c": true, "--option": true}
	for i := 1; i < len(c.words); i++ {
		w := c.words[i]
		if !w.Lit {
			return "", nil, false
		}
		v := w.Value
		if strings.HasPrefix(v, "-") {
			if withArg[v] {
				i++
			}
			continue
		}
		if sub == "" {
			sub = v
			continue
		}
		pkgs = append(pkgs, v)
	}
	return sub, pkgs, true
}
