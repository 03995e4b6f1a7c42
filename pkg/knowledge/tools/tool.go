// Package tools is dfopt's knowledge of package managers and build tools,
// one file per tool (pip.go, npm.go, maven.go, …). Each file registers a
// Tool: how its commands are recognised (programs, `python -m` module, one
// command-line Spec), its manifests and its dependency-only install form
// (Hoist), its cache directories and what moves or defeats them (Cache),
// and what its installs write into the project (Writes).
//
// The rules in pkg/transform derive every list they need from All(): the
// hoist-deps ecosystems, the cache-mounts managers, the manifests
// dockerignore protects and verify changes, the kinds of work merge-runs
// keeps apart. Adding a tool is adding a file that calls Register.
package tools

import (
	"sort"
	"strings"
)

// Tool is everything dfopt knows about one tool.
type Tool struct {
	// Name is how findings name the tool ("pip", "yarn berry").
	Name string
	// Family groups tools the way the README's cache table does
	// ("poetry/pipenv", "maven/gradle").
	Family string
	// Rank orders the registry: the row of the tool in the README's
	// tables (lower first). Lists derived from the registry (the
	// manifests verify prefers, the manifests a message names first)
	// follow it; no recognition depends on it.
	Rank int
	// Progs are the program names (the basename of the command word;
	// "pip3.12" matches "pip3" by its version suffix). Module is run as
	// `python -m Module`.
	Progs  []string
	Module string
	// Command is the command-line spec: options that take values, what
	// each subcommand does, which subcommands use the caches.
	Command Spec
	// Dockerignore names the entries the dockerignore rule proposes when
	// a RUN of the Dockerfile installs or builds with the tool.
	Dockerignore *Dockerignore
	// Manifests are files the tool's installs read besides Hoist's
	// (dockerignore never excludes them, verify changes them); Patterns
	// name manifests by pattern: a suffix (".csproj"), or a prefix and a
	// suffix joined by "*" ("requirements*.txt").
	Manifests []string
	Patterns  []string

	// Secrets are the files the tool reads credentials from
	// (build-secrets); nil: none dfopt knows.
	Secrets *Secrets

	Hoist  *Hoist   // nil: hoist-deps does not know the tool
	Cache  *Cache   // nil: cache-mounts does not know the tool
	Writes []*Write // what the tool's installs write (hoist-deps)

	Confirm *Confirm // how a system manager asks before it changes the system (apt-hygiene)
	Index   *Index   // how a system manager refreshes its package index (merge-runs)
}

// Dockerignore is what a RUN that uses the tool lets the dockerignore
// rule exclude from the context.
type Dockerignore struct {
	// Entry is the rule's entry set: "node" (node_modules), "python" (byte
	// code, virtual environments), "cargo" (target), "maven" (**/target).
	Entry string
	Subs  []string // the subcommands that install or build ("" for none); nil: any word of Goals
	Goals []string // tools driven by goals (mvn package): any of these among the words
}

var registry []*Tool

// Register adds a tool to the registry; the tool files call it from a
// package-level variable.
func Register(t *Tool) *Tool {
	registry = append(registry, t)
	sort.SliceStable(registry, func(i, j int) bool {
		if registry[i].Rank != registry[j].Rank {
			return registry[i].Rank < registry[j].Rank
		}
		return registry[i].Name < registry[j].Name
	})
	return t
}

// All returns the registered tools by Rank, then Name.
func All() []*Tool { return registry }

// Named returns the tool called name, or nil.
func Named(name string) *Tool {
	for _, t := range registry {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Base strips a version suffix from a program name: pip3.11 → pip3,
// python3.12 → python3.
func Base(name string) string {
	if i := strings.IndexByte(name, '.'); i > 0 && name != "composer.phar" {
		if strings.Trim(name[i:], ".0123456789") == "" {
			return name[:i]
		}
	}
	return name
}

// HoistOf returns the tool whose installs hoist-deps recognises under the
// program name (after Base), or nil.
func HoistOf(name string) *Tool {
	name = Base(name)
	for _, t := range registry {
		if t.Hoist != nil && contains(t.Progs, name) {
			return t
		}
	}
	return nil
}

// Manifests lists the file names a dependency install reads: each
// tool's first required manifest (the one people edit first), then the
// other required and optional files, in registry order, without repeats;
// "a|b" alternatives split.
func Manifests() []string {
	seen := map[string]bool{}
	var out []string
	add := func(names ...string) {
		for _, n := range names {
			for _, alt := range strings.Split(n, "|") {
				if !seen[alt] {
					seen[alt] = true
					out = append(out, alt)
				}
			}
		}
	}
	for _, t := range registry {
		if t.Hoist != nil && len(t.Hoist.Required) > 0 {
			add(t.Hoist.Required[0])
		}
	}
	for _, t := range registry {
		if t.Hoist != nil {
			add(t.Hoist.Required...)
			add(t.Hoist.Optional...)
		}
	}
	for _, t := range registry {
		add(t.Manifests...)
	}
	return out
}

// ManifestPatterns are the manifests named by pattern rather than name
// (a suffix, or a prefix and a suffix joined by "*").
func ManifestPatterns() []string {
	var out []string
	for _, t := range registry {
		out = append(out, t.Patterns...)
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Set makes a lookup set of names.
func Set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
