package tools

import (
	"path"

	"github.com/dfopt/dfopt/pkg/emit"
	"mvdan.cc/sh/v3/syntax"
)

// uv: pyproject.toml and uv.lock, `sync --frozen --no-install-project` first.
var uv *Tool

func init() {
	uv = Register(&Tool{
		Name: "uv", Family: "uv", Rank: 40,
		Progs:   []string{"uv"},
		Secrets: &Secrets{Files: []SecretFile{{Name: ".netrc"}}},
		Command: Spec{
			Valued: []string{"--directory", "--project", "--package", "--extra", "--group",
				"--only-group", "--no-group", "-p", "--python", "--index", "--default-index", "--index-url",
				"--extra-index-url", "--find-links", "-f", "--index-strategy", "--keyring-provider",
				"--resolution", "--prerelease", "--exclude-newer", "--link-mode", "-P", "--upgrade-package",
				"--reinstall-package", "--refresh-package", "--cache-dir", "--config-file", "--python-platform",
				"--no-install-package", "--color", "--script"},
			Deps:  []string{"sync", "add", "lock", "pip"},
			Build: []string{"build"},
			Uses:  []string{"sync", "add", "remove", "lock", "run", "pip", "tool"},
			Uses2: map[string][]string{"pip": {"install", "sync", "compile"}, "tool": {"install", "run", "upgrade"}},
		},
		Dockerignore: &Dockerignore{Entry: "python", Subs: []string{"sync", "pip"}},
		Hoist: &Hoist{
			Required:    []string{"pyproject.toml", "uv.lock"},
			Optional:    []string{".python-version", "uv.toml"},
			Outputs:     []string{".venv"},
			DepsOnly:    "`uv sync --frozen --no-install-project`, then the original",
			Source:      "workspaces, path sources",
			Delegate:    map[string]string{"pip": "pip"},
			Match:       matchUv,
			NeedsSource: uvSource,
		},
		Cache: &Cache{
			Dirs:       []CacheDir{{Dirs: []string{"$UV_CACHE_DIR", "$XDG_CACHE_HOME/uv", "~/.cache/uv"}, Flags: []string{"--cache-dir"}}},
			NoCache:    []string{"--no-cache", "-n"},
			NoCacheEnv: []string{"UV_NO_CACHE"},
			Clean:      CleanSub("cache", "clean"),
			Veto:       vetoUVSymlinks,
			DirCmds:    []DirCmd{{Args: "cache dir", Caches: []int{0}}},
			// Whether `uv cache clean` keeps the cache directory is unknown.
			Empties: EmptiesFirst,
			// uvx and uv tool run tools from environments kept in the cache.
			Runtime: []string{"uvx", "uv tool"},
		},
	})
}

func matchUv(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "sync" {
		return nil
	}
	cl := uv.Command.Parse(args, si+1)
	if cl.Has("--package", "--script", "--all-packages") {
		return nil
	}
	in := &Install{}
	if !ProjectDir(in, cl, "--directory", "--project") {
		return &Install{Source: in.Source}
	}
	if cl.Has("--no-install-project", "--only-dev") {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string {
		var edits []emit.Edit
		ins := " --no-install-project"
		if o, ok := cl.Get("--locked"); ok {
			edits = append(edits, t.Replace(o.I, "--frozen"))
		} else if !cl.Has("--frozen") {
			ins = " --frozen" + ins
		}
		edits = append(edits, t.After(si, ins))
		return t.Splice(edits...)
	}
	return in
}

func uvSource(v Context, _ *Install, dir string) string {
	return uvManifestSource(v.Read(path.Join(dir, "pyproject.toml")))
}

// uvManifestSource is TOMLManifestSource for uv, which also refuses a uv
// workspace and workspace sources.
func uvManifestSource(text string) string {
	var tree map[string]any
	if err := DecodeTOML("pyproject.toml", []byte(text), &tree); err != nil {
		return err.Error()
	}
	if tool, ok := tree["tool"].(map[string]any); ok {
		if uv, ok := tool["uv"].(map[string]any); ok && uv["workspace"] != nil {
			return "pyproject.toml declares a uv workspace"
		}
	}
	if k := tomlFind(tree, "", func(key string, v any) bool { return key == "workspace" && v == true }); k != "" {
		return "pyproject.toml uses workspace sources (`" + k + "`)"
	}
	if k := tomlFind(tree, "", tomlLocalDep); k != "" {
		return "pyproject.toml has a path or editable dependency (`" + k + "`)"
	}
	return ""
}

func vetoUVSymlinks(_ Stage, inv Inv) string {
	if v, ok := inv.Env("UV_LINK_MODE"); ok && v == "symlink" {
		return "UV_LINK_MODE=symlink links the environment to the cache"
	}
	args := inv.Args()
	for i, a := range args {
		if a == "--link-mode=symlink" || a == "--link-mode" && i+1 < len(args) && args[i+1] == "symlink" {
			return "--link-mode symlink links the environment to the cache"
		}
	}
	return ""
}
