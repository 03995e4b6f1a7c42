package verify

import (
	"fmt"
	"path"
	"strings"
)

// IgnoreRule is one entry of the list of paths whose differences between
// the original and the rewritten image are expected and harmless.
type IgnoreRule struct {
	Pattern string // slash path relative to the image root; see Match
	Why     string // one line, shown by `dfopt verify --format json`
}

// DefaultIgnore is the documented list of paths that may differ between
// two builds of equivalent Dockerfiles. Everything here is a cache, a
// log, a package list or scratch space: a program that runs in the image
// cannot depend on its content. A pattern ending in `/**` covers what is
// inside a folder, not the folder itself, so the folder's mode and owner
// are still compared (/tmp must stay 1777); package-manager cache folders
// are listed on their own as well. Only the entry a pattern names is
// ignored: `root/go` ignores that folder's metadata while root/go/bin/x
// is still compared.
var DefaultIgnore = []IgnoreRule{
	{"tmp/**", "temporary files"},
	{"var/tmp/**", "temporary files"},
	{"run/**", "runtime state (pid files, locks)"},
	{"var/log/**", "logs (apt, dpkg, alternatives)"},
	{"var/cache/**", "caches by definition (apt archives, debconf, ldconfig, fontconfig)"},
	{"var/lib/apt/lists/**", "apt package lists"},
	{"var/lib/dpkg/*-old", "dpkg's backup copies of its database, written on each run"},
	{"etc/ld.so.cache", "ldconfig's cache, rebuilt by every package install"},
	{"root/.config/go/telemetry/**", "Go's local telemetry counters, updated by every go command"},
	{"home/*/.config/go/telemetry/**", "Go's local telemetry counters, updated by every go command"},
	{"**/__pycache__", "Python byte-code caches"},
	{"**/__pycache__/**", "Python byte-code caches"},
	{"**/*.pyc", "Python byte-code caches"},
	{"**/node_modules/.cache", "caches of Node tools (babel, eslint, webpack)"},
	{"**/node_modules/.cache/**", "caches of Node tools (babel, eslint, webpack)"},

	// Package-manager caches. A cache mount on one of these leaves no
	// folder behind (BuildKit removes the mount point it created, and
	// the parents it created for it), so the folder itself may be
	// missing too; what else sits beside it is still compared.
	{"root/.cache", cacheDir},
	{"root/.cache/**", "per-user caches: pip, go-build, node-gyp"},
	{"home/*/.cache", cacheDir},
	{"home/*/.cache/**", "per-user caches: pip, go-build, node-gyp"},
	{"root/.npm", cacheDir},
	{"root/.npm/**", "npm's cache and logs"},
	{"home/*/.npm", cacheDir},
	{"home/*/.npm/**", "npm's cache and logs"},
	{"root/.yarn", cacheDir},
	{"root/.yarn/**", "yarn's cache"},
	{"home/*/.yarn", cacheDir},
	{"home/*/.yarn/**", "yarn's cache"},
	{"usr/local/share/.cache", cacheDir},
	{"usr/local/share/.cache/**", "yarn's global cache"},
	{"root/.local/share/pnpm/store", cacheDir},
	{"root/.local/share/pnpm/store/**", "pnpm's store"},
	{"go/pkg", cacheDir},
	{"go/pkg/mod", cacheDir},
	{"go/pkg/mod/**", "Go's module cache (GOMODCACHE of the golang images)"},
	{"root/go", cacheDir},
	{"root/go/pkg", cacheDir},
	{"root/go/pkg/mod", cacheDir},
	{"root/go/pkg/mod/**", "Go's module cache (GOMODCACHE)"},
	{"home/*/go", cacheDir},
	{"home/*/go/pkg", cacheDir},
	{"home/*/go/pkg/mod", cacheDir},
	{"home/*/go/pkg/mod/**", "Go's module cache (GOMODCACHE)"},
	{"root/.m2", cacheDir},
	{"root/.m2/repository", cacheDir},
	{"root/.m2/repository/**", "Maven's local repository"},
	{"root/.gradle", cacheDir},
	{"root/.gradle/caches", cacheDir},
	{"root/.gradle/caches/**", "Gradle's caches"},
	{"usr/local/cargo/registry", cacheDir},
	{"usr/local/cargo/registry/**", "cargo's registry cache"},
	{"root/.cargo", cacheDir},
	{"root/.cargo/registry", cacheDir},
	{"root/.cargo/registry/**", "cargo's registry cache"},
}

const cacheDir = "a package-manager cache folder: a cache mount leaves none behind"

// IgnoreList matches paths against a list of rules.
type IgnoreList struct {
	Rules []IgnoreRule
}

// NewIgnoreList returns the default list plus extra patterns.
func NewIgnoreList(extra ...string) (*IgnoreList, error) {
	l := &IgnoreList{Rules: append([]IgnoreRule(nil), DefaultIgnore...)}
	for _, p := range extra {
		p = strings.Trim(path.Clean("/"+strings.TrimSpace(p)), "/")
		if p == "" {
			return nil, fmt.Errorf("ignore pattern %q matches the whole image", p)
		}
		if _, err := path.Match(strings.ReplaceAll(p, "**", "*"), ""); err != nil {
			return nil, fmt.Errorf("bad ignore pattern %q: %v", p, err)
		}
		l.Rules = append(l.Rules, IgnoreRule{Pattern: p, Why: "given with --ignore-path"})
	}
	return l, nil
}

// Match reports the rule that covers p (a slash path relative to the
// image root, without a leading slash), or nil.
func (l *IgnoreList) Match(p string) *IgnoreRule {
	if l == nil {
		return nil
	}
	for i := range l.Rules {
		if Match(l.Rules[i].Pattern, p) {
			return &l.Rules[i]
		}
	}
	return nil
}

// Match reports whether the slash path p matches pattern. Segments are
// matched with path.Match (`*`, `?`, `[…]` within one segment); a `**`
// segment matches any number of segments, except that a trailing `/**`
// needs at least one: `var/log/**` matches var/log/apt/term.log but not
// var/log itself.
func Match(pattern, p string) bool {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(p, "/"))
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			if len(pat) == 1 {
				return len(segs) > 0
			}
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}
