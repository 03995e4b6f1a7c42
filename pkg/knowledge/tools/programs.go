package tools

import "mvdan.cc/sh/v3/syntax"

// Programs dfopt knows only by the kind of work they do (merge-runs keeps
// kinds apart): system package tools without caches dfopt mounts, build
// tools, other dependency installers, the Python interpreter.
func init() {
	kindOnly := func(name string, spec Spec, progs ...string) {
		Register(&Tool{Name: name, Rank: 900, Progs: progs, Command: spec})
	}
	kindOnly("system packages", Spec{Unlisted: KindSystem},
		"aptitude", "pacman", "apt-key", "add-apt-repository", "emerge", "xbps-install")
	kindOnly("build tools", Spec{Unlisted: KindBuild},
		"make", "cmake", "ninja", "meson", "gcc", "g++", "cc", "c++", "clang", "clang++", "javac", "tsc",
		"webpack", "vite", "rollup", "esbuild", "ant", "npx", "msbuild", "scons", "bazel")
	kindOnly("cpanm", Spec{Unlisted: KindDeps}, "cpanm")
	kindOnly("installers", Spec{Deps: []string{"install", "create", "update"}},
		"cpan", "luarocks", "conda", "mamba", "micromamba")
	kindOnly("dpkg/rpm", Spec{KindOf: packageFileKind}, "dpkg", "rpm")
	kindOnly("python", Spec{KindOf: pythonKind}, "python", "python3", "python2")
	// mix (Elixir): its manifests only.
	Register(&Tool{Name: "mix", Rank: 900, Progs: []string{"mix"}, Manifests: []string{"mix.exs", "mix.lock"}})
}

// packageFileKind: dpkg and rpm install or remove packages with these options.
func packageFileKind(args []*syntax.Word, _ string) Kind {
	for _, a := range args[1:] {
		v, _ := litWord(a)
		switch v {
		case "-i", "--install", "-r", "--remove", "-P", "--purge", "--configure", "-U", "-e", "--erase", "--import", "-Uvh", "-ivh":
			return KindSystem
		}
	}
	return KindOther
}

// pythonKind: `python setup.py …` and `python -m build` build, `python
// -m pip install` installs dependencies.
func pythonKind(args []*syntax.Word, sub string) Kind {
	if sub == "setup.py" {
		return KindBuild
	}
	for i, a := range args {
		if v, _ := litWord(a); v == "-m" && i+1 < len(args) {
			m, _ := litWord(args[i+1])
			switch m {
			case "pip":
				if i+2 < len(args) {
					if s, _ := litWord(args[i+2]); s == "install" || s == "download" || s == "wheel" {
						return KindDeps
					}
				}
			case "build", "compileall":
				return KindBuild
			}
			break
		}
	}
	return KindOther
}

// classifies reports whether the spec says what the tool's commands do.
func (s *Spec) classifies() bool {
	return s.KindOf != nil || s.Goal != nil || s.Deps != nil || s.Build != nil || s.Other != nil || s.Unlisted != KindOther
}

// KindTool returns the tool that classifies the commands of a program
// (named without its version suffix), or nil. Tools that share programs
// without classifying them (yarn berry) are not asked.
func KindTool(name string) *Tool {
	name = Base(name)
	for _, t := range registry {
		if t.Command.classifies() && contains(t.Progs, name) {
			return t
		}
	}
	return nil
}
