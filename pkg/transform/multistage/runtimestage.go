package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Multi-stage, step 5: the rest of the runtime stage (ENV, WORKDIR, USER,
// ARG), the runtime image, and the checks that the runtime image can run
// what the stage keeps.

// decideRest decides ENV, WORKDIR, ARG, USER and the metadata.
func (s *msSplit) decideRest() {
	for i := 0; i < s.builder.last; i++ {
		pl := s.pl[i]
		switch pl.ins.Cmd {
		case "env":
			pl.keep = !s.row.Compiled || s.envNeeded(pl)
		case "user":
			pl.keep = true
		case "label", "maintainer", "expose", "volume", "stopsignal", "healthcheck", "cmd", "entrypoint":
			pl.move = true
		case "shell":
			if s.row.Compiled {
				s.fail("the shell of %s may not exist in the runtime image", s.at(pl.ins))
			}
			pl.keep = true
		}
	}
	// WORKDIR: kept when something kept depends on it, or it is the last.
	for i := s.builder.last - 1; i >= 0; i-- {
		pl := s.pl[i]
		if pl.ins.Cmd != "workdir" {
			continue
		}
		for j := i + 1; j < len(s.pl); j++ {
			q := s.pl[j]
			if q.ins.Cmd == "workdir" {
				// A relative WORKDIR the runtime stage has builds on this one.
				c, _ := q.ins.Command.(*instructions.WorkdirCommand)
				if c == nil || !path.IsAbs(c.Path) && (j > s.builder.last || q.keep) {
					pl.keep = true
				}
				break
			}
			if j > s.builder.last {
				if q.ins.Cmd == "run" || q.ins.Cmd == "copy" || q.ins.Cmd == "add" || q.ins.Cmd == "cmd" || q.ins.Cmd == "entrypoint" || q.ins.Cmd == "healthcheck" || q.ins.Cmd == "volume" {
					pl.keep = true
					break
				}
				continue
			}
			if q.ins.Cmd == "copy" || q.ins.Cmd == "add" {
				if q.keep {
					pl.keep = true
					break
				}
			}
			if q.ins.Cmd == "run" && (q.replay || len(q.before)+len(q.after) > 0) {
				pl.keep = true
				break
			}
		}
		if !pl.keep && s.lastWorkdir(i) {
			pl.keep = true
		}
	}
	// ARG and ENV: kept when a kept text uses what they set (a kept
	// `ENV PATH=$GOPATH/bin:$PATH` needs its GOPATH).
	for more := true; more; {
		more = false
		used := map[string]bool{}
		for _, t := range s.runtimeTexts() {
			for _, v := range msVarsIn(t) {
				used[v] = true
			}
		}
		for i := 0; i < s.builder.last; i++ {
			pl := s.pl[i]
			if !pl.keep && msSetsUsed(pl, used) {
				pl.keep, more = true, true
			}
		}
	}
	if s.row.Compiled {
		s.checkImageEnv()
	}
}

// msSetsUsed reports whether an ARG or ENV sets a variable in used.
func msSetsUsed(pl *msPlan, used map[string]bool) bool {
	switch c := pl.ins.Command.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if used[kv.Key] {
				return true
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			if used[kv.Key] {
				return true
			}
		}
	}
	return false
}

// lastWorkdir reports whether plan i is the stage's last WORKDIR.
func (s *msSplit) lastWorkdir(i int) bool {
	for j := i + 1; j < len(s.pl); j++ {
		if s.pl[j].ins.Cmd == "workdir" {
			return false
		}
	}
	return true
}

// envNeeded: an ENV that sets only build settings stays in the builder.
func (s *msSplit) envNeeded(pl *msPlan) bool {
	c := pl.ins.Command.(*instructions.EnvCommand)
	for _, kv := range c.Env {
		if !msEnvKeyMatches(s.row.BuildEnv, kv.Key) {
			return true
		}
	}
	return false
}

// checkImageEnv: kept text must not read variables only the builder image sets.
func (s *msSplit) checkImageEnv() {
	defined := map[string]bool{}
	for i, pl := range s.pl {
		switch c := pl.ins.Command.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				defined[kv.Key] = true
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				defined[kv.Key] = true
			}
		}
		if !(i > s.builder.last || pl.keep || pl.move) {
			continue
		}
		for _, v := range msVarsIn(pl.ins.Text(s.d)) {
			if msHas(s.row.ImageEnv, v) && !defined[v] {
				s.fail("%s reads $%s, which only the builder image sets", s.at(pl.ins), v)
			}
		}
	}
}

// runtimeTexts is every text the runtime stage will hold.
func (s *msSplit) runtimeTexts() []string {
	var out []string
	for i, pl := range s.pl {
		if i > s.builder.last || pl.keep || pl.move || pl.replay {
			out = append(out, pl.ins.Text(s.d))
		}
		out = append(out, pl.before...)
		out = append(out, pl.after...)
		for _, a := range pl.arts {
			out = append(out, a.Path)
		}
	}
	return out
}

// chooseRuntime picks the runtime image: the user's, or the row's.
func (s *msSplit) chooseRuntime() {
	if o := s.option("runtime-image." + s.row.Key); o != "" {
		if _, err := transform.ParseImageRef(o); err != nil {
			s.fail("runtime-image.%s=%s: %v", s.row.Key, o, err)
			return
		}
		s.rt.image = o
	} else {
		img, err := s.row.Runtime(s)
		if err != nil {
			s.fail("%v (set runtime-image.%s)", err, s.row.Key)
			return
		}
		s.rt.image = img
		if s.lang.distroless != "" {
			if s.needsShell() || s.startNeedsShell() {
				s.notes = append(s.notes, "distroless was asked for, but the runtime stage runs commands")
			} else {
				s.rt.image = s.lang.distroless
			}
		}
	}
	s.rt.info = msRuntimeOf(s.rt.image)
	s.noteUser()
}

// noteUser says when the runtime image runs as another user than the
// builder image, and no USER in the stage settles it.
func (s *msSplit) noteUser() {
	rt, ok := baseimage.DefaultsOf(s.rt.image)
	if !ok || s.row.SameImage || rt.User == s.builder.image.User {
		return
	}
	for _, pl := range s.pl {
		if pl.ins.Cmd == "user" {
			return
		}
	}
	s.notes = append(s.notes, fmt.Sprintf("`%s` runs as user %s, the original image as %s", s.rt.image, msOr(rt.User, "root"), msOr(s.builder.image.User, "root")))
}

// needsShell reports whether the runtime stage runs any command.
func (s *msSplit) needsShell() bool {
	for i, pl := range s.pl {
		if pl.replay || len(pl.before)+len(pl.after) > 0 || i > s.builder.last && pl.ins.Cmd == "run" {
			return true
		}
	}
	return len(s.pkgs.runtime) > 0 || len(s.runtimeLibs()) > 0
}

// runtimeLibs maps the dropped -dev packages to runtime libraries.
func (s *msSplit) runtimeLibs() []string {
	if s.row.Key == "node" || s.row.Key == "go" && s.lang.static {
		return nil
	}
	var out []string
	for _, dev := range s.pkgs.dev {
		fam, rel := s.rt.info.Family, s.rt.info.Release
		if s.row.SameImage {
			fam = s.pkgs.family
			ti := transform.ParseImageTag(s.ref.Tag)
			rel = ti.Release
		}
		lib, ok := msRuntimeLib(fam, rel, dev)
		if !ok {
			continue
		}
		for _, l := range strings.Fields(lib) {
			if !msHas(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// checkRuntime checks what the runtime stage runs against the runtime image.
func (s *msSplit) checkRuntime() {
	fam := s.rt.info.Family
	if s.row.SameImage {
		fam = s.pkgs.family
	}
	// -dev packages need a known runtime library.
	if s.row.Key != "node" && !(s.row.Key == "go" && s.lang.static) {
		s.checkDevLibs()
	}
	if !s.row.Compiled {
		return
	}
	shell := fam != "distroless" && fam != ""
	s.checkRuntimeRuns(fam, shell)
	if len(s.pkgs.runtime) > 0 {
		builder := msRuntimeOf(s.st.Base).Family
		if builder == "" || msFamKey(builder) != msFamKey(fam) || builder != fam && !s.row.SameImage {
			s.fail("the packages %s were installed on `%s`, and may not exist for `%s`", strings.Join(s.pkgs.runtime, ", "), s.st.Base, s.rt.image)
		}
	}
	if len(s.runtimeLibs()) > 0 && !shell {
		s.fail("`%s` cannot install %s", s.rt.image, strings.Join(s.runtimeLibs(), ", "))
	}
	s.checkRuntimeUsers(fam)
}

// checkDevLibs fails when the runtime library of a -dev package is unknown.
func (s *msSplit) checkDevLibs() {
	for _, dev := range s.pkgs.dev {
		f, rel := s.rt.info.Family, s.rt.info.Release
		if s.row.SameImage {
			f, rel = s.pkgs.family, transform.ParseImageTag(s.ref.Tag).Release
		}
		if _, ok := msRuntimeLib(f, rel, dev); !ok {
			if rel == "" && msDevRuntime[msFamKey(f)][dev] != nil {
				s.fail("the runtime library of %s depends on the distribution release, which `%s` does not name", dev, msOr(s.rt.image, s.st.Base))
			} else {
				s.fail("dfopt does not know the runtime library of %s", dev)
			}
		}
	}
}

// checkRuntimeRuns fails when a RUN of the runtime stage needs a shell or
// a program the runtime image may not have.
func (s *msSplit) checkRuntimeRuns(fam string, shell bool) {
	cmds := msSetupCommands[fam]
	for i, pl := range s.pl {
		if !(i > s.builder.last && pl.ins.Cmd == "run" || pl.replay || len(pl.before)+len(pl.after) > 0) {
			continue
		}
		if !shell {
			s.fail("`%s` has no shell for %s", s.rt.image, s.at(pl.ins))
			continue
		}
		for _, c := range pl.cmds {
			if c.keep || i > s.builder.last {
				if n := c.name(); n != "" && !cmds[n] && !msNeutralCmds[n] && n != "cd" && !(c.class == msPkg && msPkgFamily(n) == msFamKey(fam)) && n != "export" {
					s.fail("`%s` may not exist in `%s`", n, s.rt.image)
				}
			}
		}
	}
}

// checkRuntimeUsers fails when the runtime stage uses a user that only
// the builder image has.
func (s *msSplit) checkRuntimeUsers(fam string) {
	created := map[string]bool{"root": true, "nobody": true, "nogroup": true}
	if fam == "distroless" {
		created["nonroot"] = true
	}
	if strings.Contains(s.rt.image, "/dotnet/") {
		// .NET 8+ images have the user app and its id in $APP_UID.
		created["app"], created["$APP_UID"], created["${APP_UID}"] = true, true, true
	}
	for i, pl := range s.pl {
		runtimeSide := i > s.builder.last || pl.keep
		for _, c := range pl.cmds {
			switch c.name() {
			case "useradd", "groupadd", "adduser", "addgroup":
				if c.keep || i > s.builder.last {
					for _, w := range c.from(1) {
						created[w.Value] = true
					}
				}
			}
		}
		for _, u := range msPlanUsers(pl, runtimeSide) {
			for _, part := range strings.SplitN(u, ":", 2) {
				if part != "" && !stage.AllDigits(part) && !created[part] {
					s.fail("user %s comes from the builder image", part)
				}
			}
		}
	}
}

// msPlanUsers are the users an instruction names (USER, --chown) and its
// artifacts are owned by.
func msPlanUsers(pl *msPlan, runtimeSide bool) []string {
	var users []string
	switch c := pl.ins.Command.(type) {
	case *instructions.UserCommand:
		if runtimeSide {
			users = append(users, c.User)
		}
	case *instructions.CopyCommand:
		if runtimeSide && c.Chown != "" {
			users = append(users, c.Chown)
		}
	case *instructions.AddCommand:
		if runtimeSide && c.Chown != "" {
			users = append(users, c.Chown)
		}
	}
	for _, a := range pl.arts {
		if a.chown != "" {
			users = append(users, a.chown)
		}
	}
	return users
}

// msPkgFamily is the distribution family a package manager belongs to.
func msPkgFamily(cmd string) string {
	if cmd == "apk" {
		return "alpine"
	}
	return "debian"
}

func msFamKey(f string) string {
	if f == "ubuntu" {
		return "debian"
	}
	return f
}
