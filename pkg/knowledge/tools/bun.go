package tools

// bun: its install cache under ~/.bun/install/cache.
func init() {
	Register(&Tool{
		Name: "bun", Family: "pnpm/bun", Rank: 80,
		Progs:   []string{"bun"},
		Secrets: &Secrets{Files: []SecretFile{{Name: ".npmrc", Marker: npmrcAuth}}, Also: []string{"bunx"}},
		Command: Spec{
			Uses: []string{"install", "i", "add", "a", "update"},
		},
		Dockerignore: &Dockerignore{Entry: "node", Subs: []string{"install", "i", "add"}},
		Manifests:    []string{"bun.lockb"},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: []string{"$BUN_INSTALL_CACHE_DIR", "$BUN_INSTALL/install/cache", "~/.bun/install/cache"}, Flags: []string{"--cache-dir"}}},
			NoCache: []string{"--no-cache"},
			Clean:   CleanSub("pm", "cache", "rm"),
			DirCmds: []DirCmd{{Args: "pm cache", Caches: []int{0}}},
			// Whether `bun pm cache rm` keeps the cache directory is unknown.
			Empties: EmptiesFirst,
			// bunx runs packages from the cache.
			Runtime: []string{"bunx", "bun x"},
		},
	})
}
