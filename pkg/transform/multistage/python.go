package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Python's row of the multi-stage table: pip with a C toolchain, and the
// virtual environment the runtime stage receives.

func msIsPip(n string) bool {
	return n == "pip" || strings.HasPrefix(n, "pip") && len(n) > 3 && (n[3] >= '0' && n[3] <= '9')
}

func msIsPython(n string) bool {
	return n == "python" || strings.HasPrefix(n, "python") && len(n) > 6 && (n[6] >= '0' && n[6] <= '9')
}

func msPythonClass(c *msCmd) msClass {
	n := c.name()
	sub := 1
	if msIsPython(n) && c.arg(1) == "-m" {
		switch c.arg(2) {
		case "pip":
			n, sub = "pip", 3
		case "venv", "virtualenv":
			return msVenv
		default:
			return msUnknown
		}
	}
	switch {
	case msIsPip(n):
		switch c.arg(sub) {
		case "install", "uninstall":
			return msBuild
		case "freeze", "list", "check", "show", "--version", "-V", "cache":
			return msNeutral
		}
	case n == "virtualenv":
		return msVenv
	case n == "poetry" || n == "pipenv" || n == "uv" || n == "pdm" || n == "conda" || n == "mamba" || n == "micromamba" || n == "pip-sync" || n == "hatch":
		return msBuild
	}
	return msUnknown
}

func msPythonArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	n := c.name()
	if !msIsPip(n) && !msIsPython(n) {
		return nil, fmt.Errorf("installs with %s: dfopt only moves pip installs into a virtual environment", n)
	}
	for _, w := range c.from(1) {
		name, _, _ := strings.Cut(w.Value, "=")
		switch name {
		case "--user", "--target", "-t", "--prefix", "--root":
			return nil, fmt.Errorf("`pip %s` installs outside a virtual environment", name)
		}
	}
	exe := c.words[0].Value
	if path.IsAbs(exe) && !msUnder(exe, s.lang.venv) {
		return nil, fmt.Errorf("`%s` is outside the virtual environment %s", exe, s.lang.venv)
	}
	if s.lang.newVenv && msPlanOf(s, c).user != "" {
		return nil, fmt.Errorf("pip runs as USER %s", msPlanOf(s, c).user)
	}
	return nil, nil
}

func msPlanOf(s *msSplit, c *msCmd) *msPlan {
	return s.pl[msIndexOf(s.pl, c.ins)]
}

// pythonToolchain reports whether the stage keeps C build tools or -dev
// headers in the image (installed and not removed again).
func (s *msSplit) pythonToolchain() bool {
	installed := map[string]bool{}
	virtual := map[string][]string{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if n := c.name(); n != "apt-get" && n != "apt" && n != "apk" {
				continue
			}
			sub, pkgs, ok := msPackageArgs(c)
			if !ok {
				continue
			}
			switch sub {
			case "install", "add":
				v := msVirtual(c)
				for _, p := range pkgs {
					p, _, _ = strings.Cut(p, "=")
					if msToolchainPackages[p] || msDevPackage(p) {
						installed[p] = true
						if v != "" {
							virtual[v] = append(virtual[v], p)
						}
					}
				}
			case "purge", "remove", "del", "autoremove":
				for _, p := range pkgs {
					delete(installed, p)
					for _, q := range virtual[p] {
						delete(installed, q)
					}
				}
			}
		}
	}
	return len(installed) > 0
}

// msVirtual is apk's --virtual/-t name.
func msVirtual(c *msCmd) string {
	for i, w := range c.words {
		if (w.Value == "--virtual" || w.Value == "-t") && c.name() == "apk" && i+1 < len(c.words) {
			return c.arg(i + 1)
		}
	}
	return ""
}

// pythonVenv finds the virtual environment pip installs into, or plans one.
func (s *msSplit) pythonVenv() {
	if transform.MajorVersion(transform.ParseImageTag(s.ref.Tag).Version) == "2" {
		s.fail("Python 2 has no venv module")
		return
	}
	var first *msPlan
	for i := 0; i <= s.builder.last; i++ {
		for _, c := range s.pl[i].cmds {
			if c.class == msVenv {
				dir := ""
				for j := len(c.words) - 1; j > 0; j-- {
					w := c.words[j]
					if strings.HasPrefix(w.Value, "-") || w.Value == "venv" || w.Value == "virtualenv" {
						continue
					}
					if w.Lit {
						dir = msResolve(c.cwd, w.Value)
					} else if v, ok := msExpand(w.Value, c.env); ok {
						dir = msResolve(c.cwd, v)
					}
					break
				}
				if dir == "" || s.lang.venv != "" && s.lang.venv != dir {
					s.fail("cannot tell the folder of the virtual environment %s makes", s.at(s.pl[i].ins))
					return
				}
				s.lang.venv = dir
			}
			if c.class == msBuild && first == nil {
				first = s.pl[i]
			}
		}
	}
	if first == nil {
		s.fail("no pip install")
		return
	}
	first.venv = true
	if s.lang.venv == "" {
		s.lang.venv, s.lang.newVenv = "/opt/venv", true
		return
	}
	// An existing venv must be the one pip installs into.
	onPath := false
	for _, pl := range s.pl {
		if pl == first {
			break
		}
		if c, ok := pl.ins.Command.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				if kv.Key != "PATH" {
					continue
				}
				v := kv.Value
				for k, val := range pl.env {
					v = strings.ReplaceAll(v, "${"+k+"}", val)
					v = strings.ReplaceAll(v, "$"+k+"/", val+"/")
				}
				if strings.Contains(v, s.lang.venv+"/bin") {
					onPath = true
				}
			}
		}
	}
	if !onPath {
		for _, pl := range s.pl {
			for _, c := range pl.cmds {
				if c.class == msBuild && !path.IsAbs(c.words[0].Value) {
					s.fail("the pip of %s is not the one in %s", s.at(pl.ins), s.lang.venv)
					return
				}
			}
		}
	}
}

func (s *msSplit) firstPip() *msPlan {
	for _, pl := range s.pl {
		if pl.venv {
			return pl
		}
	}
	return s.pl[s.builder.last]
}
