package tools

import (
	"path"

	"mvdan.cc/sh/v3/syntax"
)

// pnpm: pnpm-lock.yaml, `pnpm fetch` first, a content-addressed store.
var pnpm *Tool

func init() {
	pnpm = Register(&Tool{
		Name: "pnpm", Family: "pnpm/bun", Rank: 70,
		Progs:   []string{"pnpm"},
		Secrets: &Secrets{Files: []SecretFile{{Name: ".npmrc", Marker: npmrcAuth}}},
		Command: Spec{
			Valued:   append(append([]string(nil), nodeValued...), "-F", "--workspace-dir"),
			Deps:     []string{"install", "i", "add", "fetch", "update", "up", "prune", "remove"},
			Other:    []string{"config", "store", "setup", "env", "--version", "-v"},
			Unlisted: KindBuild, // pnpm runs the project's scripts by name
			Uses:     []string{"install", "i", "add", "update", "up", "upgrade", "fetch", "remove", "rm", "dedupe"},
		},
		Dockerignore: &Dockerignore{Entry: "node", Subs: []string{"install", "i", "add"}},
		Hoist: &Hoist{
			Required: []string{"pnpm-lock.yaml"},
			Optional: []string{"package.json", "pnpm-workspace.yaml", ".npmrc", ".pnpmfile.cjs"},
			Outputs:  []string{"node_modules"},
			DepsOnly: "`pnpm fetch` (needs only the lock file), then the original",
			Source:   "nothing: `pnpm fetch` reads the lock file only",
			Match:    matchPnpm,
			Fetch: &Fetch{
				Instead:     true,
				NeedsSource: pnpmInstallSource,
			},
		},
		Cache: &Cache{
			// With no store-dir, pnpm keeps the store under its home, on the
			// same file system as the project: mount the store, not the home.
			Dirs: []CacheDir{{Dirs: []string{"$npm_config_store_dir", "$pnpm_config_store_dir", "$PNPM_HOME/store", "$XDG_DATA_HOME/pnpm/store", "~/.local/share/pnpm/store"}, Flags: []string{"--store-dir"}}, nodeGypHeaders},
			// `pnpm store path` prints a versioned folder inside it (…/v3).
			DirCmds: []DirCmd{{Args: "store path", Caches: []int{0}, Inside: true}},
			Runtime: []string{"pnpx", "pnpm dlx"},
		},
		Writes: []*Write{{
			Command: "pnpm install / pnpm fetch",
			Writes:  "node_modules (node_modules/.pnpm, .modules.yaml), pnpm-lock.yaml when out of date; `pnpm fetch` writes only the store",
			Hoist:   "`pnpm fetch` before, the original install again after the COPY",
		}},
	})
}

func matchPnpm(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub == "fetch" {
		return &Install{Same: true, Dep: Same, Fetch: true}
	}
	if sub != "install" && sub != "i" {
		return nil
	}
	cl := pnpm.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 || cl.Has("-g", "--global", "--filter", "-F") {
		return nil
	}
	in := &Install{}
	if !ProjectDir(in, cl, "--dir", "-C") {
		return &Install{Source: in.Source}
	}
	prod := cl.Has("--prod", "-P", "--production")
	in.Dep = func(t Text) string {
		s := t.UpTo(0) + " fetch"
		if prod {
			s += " --prod"
		}
		return s
	}
	return in
}

// pnpmInstallSource: what makes `pnpm install` need the source, where
// `pnpm fetch` reads only the lock: a workspace, and what package.json
// says (nodeSource).
func pnpmInstallSource(c Context, dir string) string {
	if p := path.Join(dir, "pnpm-workspace.yaml"); c.Exists(p) {
		return p + " declares a workspace"
	}
	return nodeSource(c, &Install{}, dir)
}
