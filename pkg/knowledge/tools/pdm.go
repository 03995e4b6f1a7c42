package tools

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// pdm: pyproject.toml and pdm.lock, `--no-self` first (the dependencies
// without the project itself), its cache under ~/.cache/pdm.
var pdm *Tool

func init() {
	pdm = Register(&Tool{
		Name: "pdm", Family: "pdm", Rank: 45,
		Progs: []string{"pdm"}, Module: "pdm",
		Command: Spec{
			Valued: []string{"-p", "--project", "-G", "--group", "--without", "-L", "--lockfile", "--venv",
				"-k", "--skip", "--python", "-C", "--config-setting"},
			Deps:  []string{"install", "sync", "add", "update", "lock", "remove"},
			Build: []string{"build"},
			Uses:  []string{"install", "sync", "add", "update", "lock", "remove"},
		},
		Dockerignore: &Dockerignore{Entry: "python", Subs: []string{"install", "sync"}},
		Hoist: &Hoist{
			Required:    []string{"pyproject.toml"},
			Optional:    []string{"pdm.lock", "pdm.toml", ".pdm-python", ".python-version"},
			Outputs:     []string{".venv", "__pypackages__"},
			DepsOnly:    "`pdm install --no-self` / `pdm sync --no-self`, then the original",
			Source:      "path and editable dependencies (`file:///${PROJECT_ROOT}/…`, `-e …`)",
			Match:       matchPdm,
			NeedsSource: pdmSource,
		},
		Cache: &Cache{
			Dirs:       []CacheDir{{Dirs: []string{"$PDM_CACHE_DIR", "$XDG_CACHE_HOME/pdm", "~/.cache/pdm"}}},
			NoCache:    []string{"--no-cache"},
			NoCacheEnv: []string{"PDM_NO_CACHE"},
			Clean:      CleanSub("cache", "clear"),
			DirCmds:    []DirCmd{{Args: "config cache_dir", Caches: []int{0}}},
			Veto:       vetoPdmInstallCache,
		},
		Writes: []*Write{{
			Command: "pdm install / pdm sync",
			Writes:  ".venv (or __pypackages__), pdm.lock when `pdm install` finds it missing or out of date (unless --frozen-lockfile)",
			Hoist:   "`--no-self` before, the original again after the COPY",
		}},
	})
}

func matchPdm(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" && sub != "sync" {
		return nil
	}
	cl := pdm.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 || cl.Has("-g", "--global") {
		return nil
	}
	in := &Install{}
	if !ProjectDir(in, cl, "-p", "--project") {
		return &Install{Source: in.Source}
	}
	if cl.Has("--no-self") {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string { return t.Splice(t.After(si, " --no-self")) }
	return in
}

// pdmSource refuses a pyproject.toml that is not TOML, has a path or
// editable table, or names a local folder in a requirement string.
func pdmSource(v Context, _ *Install, dir string) string {
	text := v.Read(path.Join(dir, "pyproject.toml"))
	if why := TOMLManifestSource("pyproject.toml", text); why != "" {
		return why
	}
	var tree map[string]any
	_ = DecodeTOML("pyproject.toml", []byte(text), &tree)
	if k := tomlFind(tree, "", func(_ string, v any) bool { return pdmLocal(v) }); k != "" {
		return "pyproject.toml has a local or editable dependency (`" + k + "`)"
	}
	return ""
}

// vetoPdmInstallCache: with install.cache on, pdm links the installed
// packages to its cache.
func vetoPdmInstallCache(s Stage, inv Inv) string {
	if v, ok := inv.Env("PDM_INSTALL_CACHE"); ok && v != "" && v != "0" && v != "false" {
		return "PDM_INSTALL_CACHE links the installed packages to the cache"
	}
	if s.Mentions("install.cache") {
		return "`install.cache` makes pdm link the installed packages to the cache"
	}
	return ""
}

// pdmLocal matches a requirement string, or a list holding one, that
// names a folder of the project or an editable install.
func pdmLocal(v any) bool {
	switch t := v.(type) {
	case string:
		return strings.Contains(t, "${PROJECT_ROOT}") || strings.Contains(t, "file:") || strings.HasPrefix(t, "-e ")
	case []any:
		for _, e := range t {
			if pdmLocal(e) {
				return true
			}
		}
	}
	return false
}
