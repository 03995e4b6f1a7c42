package tools

import "strings"

// apk: Alpine packages; cached only in a cache directory apk is told about.
func init() {
	Register(&Tool{
		Name: "apk", Family: "apk", Rank: 210,
		Progs: []string{"apk"},
		Command: Spec{
			Valued:   []string{"-X", "--repository", "-p", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file", "--cache-max-age", "--timeout"},
			Unlisted: KindSystem,
			Uses:     []string{"add", "upgrade", "update", "fix"},
		},
		Index: &Index{
			Refresh:  []string{"update"},
			Keeps:    []string{"add"},
			Sources:  []string{"keys", "keyring", "-repo", "-release", ".apk"},
			Cosmetic: []string{"-q", "--quiet", "-v", "--verbose", "--no-progress"},
			Lists:    "/var/cache/apk",
		},
		Cache: &Cache{
			System: true, Sharing: "locked",
			Dirs: []CacheDir{{Dirs: []string{"/var/cache/apk"}, Flags: []string{"--cache-dir"}}},
			// --no-cache is replaced by --cache-dir (apk caches packages only
			// in a cache directory it is told about): see cache-mounts.
			NoCache: []string{"--no-cache"},
			Clean:   CleanAny(CleanSub("cache", "clean"), CleanSub("cache", "purge")),
			Veto:    vetoApkMaxAge,
		},
	})
}

// vetoApkMaxAge: --cache-max-age sets how long apk reuses a cached
// index. With --no-cache the index was never reused; under a cache mount
// it would be, for that long.
func vetoApkMaxAge(_ Stage, inv Inv) string {
	for _, a := range inv.Args() {
		if strings.HasPrefix(a, "--cache-max-age") {
			return "--cache-max-age lets apk reuse a cached index that old: a cache mount would keep one between builds"
		}
	}
	return ""
}
