package tools

import (
	"path"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"mvdan.cc/sh/v3/syntax"
)

// pip: requirement files, site-packages, ~/.cache/pip.
var pip *Tool

func init() {
	pip = Register(&Tool{
		Name: "pip", Family: "pip", Rank: 10,
		Progs: []string{"pip", "pip3", "pip2"}, Module: "pip",
		Secrets: &Secrets{Files: []SecretFile{{Name: "pip.conf", Marker: urlPassword}, {Name: "pip.ini", Marker: urlPassword}, {Name: ".netrc"}}},
		Command: Spec{
			Valued: []string{"-r", "--requirement", "-c", "--constraint", "-e", "--editable",
				"-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
				"-t", "--target", "--prefix", "--root", "--src", "--platform", "--python-version",
				"--implementation", "--abi", "--only-binary", "--no-binary", "--progress-bar",
				"--cache-dir", "--log", "--proxy", "--retries", "--timeout", "--exists-action",
				"--cert", "--client-cert", "--upgrade-strategy", "--global-option", "--install-option",
				"-C", "--config-settings", "--report", "--python", "--keyring-provider",
				"--use-feature", "--use-deprecated", "--root-user-action", "-p", "--group", "--default-timeout"},
			Deps: []string{"install", "download", "wheel"},
			Uses: []string{"install", "download", "wheel"},
		},
		Dockerignore: &Dockerignore{Entry: "python", Subs: []string{"install", "sync"}},
		Manifests:    []string{"requirements.txt", "setup.py", "setup.cfg"},
		Patterns:     []string{"requirements*.txt"},
		Hoist: &Hoist{
			DepsOnly: "the same `pip install -r …`",
			Source:   "`pip install .`, `-e`, local paths or `--find-links` folders in the command or the requirement files",
			ByModule: true,
			Match:    matchPip,
			Extra:    pipIncludes,
		},
		Cache: &Cache{
			Dirs:       []CacheDir{pipCache},
			NoCache:    []string{"--no-cache-dir", "--no-cache"},
			NoCacheEnv: []string{"PIP_NO_CACHE_DIR"},
			Clean:      CleanAny(CleanSub("cache", "purge"), CleanSub("cache", "remove")),
			DirCmds:    []DirCmd{{Args: "cache dir", Caches: []int{0}}},
		},
		Writes: []*Write{pipReq},
	})
}

// pipCache is pip's HTTP and wheel cache (poetry and pipenv run pip too).
var pipCache = CacheDir{Dirs: []string{"$PIP_CACHE_DIR", "$XDG_CACHE_HOME/pip", "~/.cache/pip"}, Flags: []string{"--cache-dir"}}

var pipReq = &Write{
	Command: "pip install -r",
	Writes: "nothing into the project folder: packages go to the interpreter's site-packages (a virtual environment's when pip " +
		"is found through it), scripts to its bin folder, the cache to ~/.cache/pip, a non-root user's packages to ~/.local",
	Hoist: "moves when none of those folders is inside the COPY's destination at a path the COPY brings",
	Move:  pipMove,
}

func matchPip(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" {
		return nil
	}
	in := &Install{Args: args, Same: true, Dep: Same}
	cl := pip.Command.Parse(args, si+1)
	for _, o := range cl.Opts {
		switch o.Name {
		case "-r", "--requirement", "-c", "--constraint":
			if !o.Lit || strings.Contains(o.Value, "$") {
				in.Source = "the requirements file is not named literally"
			} else if strings.Contains(o.Value, "://") {
				continue
			} else {
				in.Named = append(in.Named, o.Value)
			}
		case "-e", "--editable":
			in.Source = "`" + o.Name + " " + o.Value + "` is an editable install of local source"
		case "-f", "--find-links":
			if LocalPath(o.Value) && !strings.HasPrefix(o.Value, "/") || !o.Lit {
				in.Source = "`--find-links " + o.Value + "` reads a folder of the source"
			}
		case "-t", "--target", "--prefix", "--root", "--src":
			if !strings.HasPrefix(o.Value, "/") {
				in.Source = "`" + o.Name + " " + o.Value + "` installs into the source tree"
			}
		}
	}
	for _, p := range cl.Pos {
		v, ok := litWord(args[p])
		if !ok {
			continue // a package named by a variable
		}
		if LocalPath(v) {
			in.Source = "`pip install " + v + "` installs the project itself"
		}
	}
	if len(in.Named) == 0 && in.Source == "" {
		return nil // packages named on the command line: not a manifest install
	}
	// Installing from requirement files writes only to site-packages (and
	// the scripts folder): with the files checked in the context it can
	// move above the COPY instead of running twice.
	if in.Source == "" && !cl.Has("-t", "--target", "--prefix", "--root", "--src", "--user") {
		in.Writes, in.Lock = pipReq, in.Named
	}
	return in
}

// pipIncludes follows the -r/-c files, and the -r/-c lines inside them.
func pipIncludes(v Context, in *Install, _ string) ([]string, string) {
	var files []string
	seen := map[string]bool{}
	var walk func(rel string, depth int) string
	walk = func(rel string, depth int) string {
		if seen[rel] || depth > 20 {
			return ""
		}
		seen[rel] = true
		if why := v.Need(rel); why != "" {
			return why
		}
		files = append(files, rel)
		if !v.Present() {
			return ""
		}
		for _, line := range requirementLines(v.Read(rel)) {
			name, val := requirementOption(line)
			switch name {
			case "-r", "--requirement", "-c", "--constraint":
				if strings.Contains(val, "://") {
					continue
				}
				if strings.Contains(val, "$") || val == "" {
					return NeedsSource(rel + " includes a file that is not named literally")
				}
				if why := walk(CleanPath(path.Join(path.Dir(rel), val)), depth+1); why != "" {
					return why
				}
			case "-e", "--editable":
				return NeedsSource(rel + " has an editable install (`" + line + "`)")
			case "-f", "--find-links":
				if !strings.Contains(val, "://") {
					return NeedsSource(rel + " reads a local folder of packages (`" + line + "`)")
				}
			default:
				if why := requirementSource(rel, name, line); why != "" {
					return why
				}
			}
		}
		return ""
	}
	for _, n := range in.Named {
		if why := walk(n, 0); why != "" {
			return nil, why
		}
	}
	return files, ""
}

// requirementOption splits an option line of a requirements file.
func requirementOption(line string) (name, val string) {
	f := strings.Fields(line)
	name = f[0]
	if len(f) > 1 {
		val = f[1]
	}
	if k := strings.IndexByte(name, '='); k > 0 && strings.HasPrefix(name, "--") {
		name, val = name[:k], name[k+1:]
	} else if len(name) > 2 && (strings.HasPrefix(name, "-r") || strings.HasPrefix(name, "-c") || strings.HasPrefix(name, "-e") || strings.HasPrefix(name, "-f")) && !strings.HasPrefix(name, "--") {
		name, val = name[:2], name[2:]
	}
	return name, val
}

// requirementSource refuses a requirement line naming a local path.
func requirementSource(rel, name, line string) string {
	if strings.HasPrefix(name, "-") {
		return ""
	}
	req := line
	if k := strings.Index(req, " @ "); k >= 0 {
		req = strings.TrimSpace(req[k+3:])
	}
	req = strings.Fields(strings.SplitN(req, ";", 2)[0])[0]
	if LocalPath(req) || strings.Contains(req, "${") {
		return NeedsSource(rel + " installs a local path (`" + line + "`)")
	}
	return ""
}

// requirementLines returns the logical lines of a requirements file:
// continuations joined, comments and blank lines dropped.
func requirementLines(text string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			l = ""
		} else if k := strings.Index(l, " #"); k >= 0 {
			l = l[:k]
		}
		if strings.HasSuffix(l, `\`) {
			cur.WriteString(strings.TrimSuffix(l, `\`) + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

// pipMove: pip writes into the interpreter's prefix, the user site and
// the cache; none may be a folder the COPY brings.
func pipMove(w WriteCheck) string {
	// The interpreter named by path, and the environment found through
	// VIRTUAL_ENV or PATH.
	if tool := w.Program(); strings.Contains(tool, "/") {
		if why := w.WritesAt(path.Dir(path.Dir(w.Abs(tool)))); why != "" {
			return why
		}
	}
	if why := pipConfig(w); why != "" {
		return why
	}
	for _, name := range []string{"VIRTUAL_ENV", "CONDA_PREFIX", "PIP_TARGET", "PIP_PREFIX", "PIP_ROOT", "PIP_SRC", "PYTHONUSERBASE", "PIP_CACHE_DIR"} {
		p, set, ok := w.EnvPath(name)
		if !set {
			continue
		}
		if !ok {
			return "the value of " + name + " is not known, so where pip installs is not known"
		}
		if why := w.WritesAt(w.Abs(p)); why != "" {
			return why
		}
	}
	entries, why := w.PathEntries()
	if why != "" {
		return why + ", so which pip runs is not known"
	}
	for _, e := range entries {
		prefix := e
		if path.Base(e) == "bin" {
			prefix = path.Dir(e)
		}
		if why := w.WritesAt(prefix); why != "" {
			return why
		}
	}
	return pipHome(w)
}

// pipHome: the cache and a non-root user's packages under the home.
func pipHome(w WriteCheck) string {
	cl := pip.Command.Parse(w.Install().Args, 1)
	if o, ok := cl.Get("--cache-dir"); ok {
		if !o.Lit {
			return "the cache folder is not named literally"
		}
		if why := w.WritesAt(w.Abs(o.Value)); why != "" {
			return why
		}
	} else if _, noCache, _ := w.EnvPath("PIP_NO_CACHE_DIR"); !cl.Has("--no-cache-dir") && !noCache {
		if why := w.Home(".cache"); why != "" {
			return why
		}
	}
	_, user, _ := w.EnvPath("PIP_USER")
	if user || !w.Root() {
		// A non-root user's pip installs into ~/.local when the
		// interpreter's site-packages is not writable.
		if why := w.Home(".local"); why != "" {
			return why
		}
	}
	return ""
}

// pipConfig finds pip configuration that may say where pip installs: a
// config file named by the environment, pip.conf written or copied by an
// earlier instruction, `pip config set`.
func pipConfig(w WriteCheck) string {
	if _, set, _ := w.EnvPath("PIP_CONFIG_FILE"); set {
		return "PIP_CONFIG_FILE names a pip configuration that may say where pip installs"
	}
	q := w.Earlier(func(t string) bool {
		return strings.Contains(t, "pip.conf") || strings.Contains(t, "pip.ini") || pipConfigSet.MatchString(t)
	})
	if q != "" {
		return q + " configures pip, which may say where pip installs"
	}
	return ""
}

var pipConfigSet = regexp.MustCompile(`\bpip[0-9.]*\s+config\s+set\b`)

func litWord(w *syntax.Word) (string, bool) { return ast.LitValue(w) }
