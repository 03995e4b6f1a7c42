package apthygiene

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// ahManagers are the cache-plan managers whose commands the rule fixes.
var ahManagers = []string{"apt", "apk", "dnf", "microdnf", "zypper"}

// watched are the program names (and `python -m` modules) of the
// commands the rule looks at: those of ahManagers and of the tools that
// ask for confirmation (the tools' Confirm); watchedFirst, their first
// bytes (a name can only start with one of them).
var (
	watched      = watchedProgs()
	watchedFirst = firstBytes(watched)
)

// firstBytes marks the first byte of each name (all of them when a name
// is empty: it is a prefix of every word).
func firstBytes(names []string) (out [256]bool) {
	for _, n := range names {
		if n == "" {
			for i := range out {
				out[i] = true
			}
			return out
		}
		out[n[0]] = true
	}
	return out
}

func watchedProgs() []string {
	var out []string
	for _, m := range cacheplan.Managers {
		if slices.Contains(ahManagers, m.Name) {
			out = append(out, m.Progs...)
			if m.Module != "" {
				out = append(out, m.Module)
			}
		}
	}
	for _, t := range tools.All() {
		if t.Confirm != nil {
			out = append(out, t.Progs...)
		}
	}
	return out
}

// mayConcern reports whether a word of the script could name one of the
// watched programs. When none does, the RUN has nothing for the rule, so
// run skips it before reading its stage state and mounts. Sound because
// both finders only ever take a command's word as the program:
// cacheplan.FindInvocations keeps a manager only when the program word's
// base name (or the word after `python -m`) is one of its Progs, or one
// with a version suffix (pip3.11), and tools.CommandOf (asksAny) only
// when tools.Base of the base name is one of a tool's Progs; each of
// those names starts with one of watched, which is what is tested here,
// on the word as written and on its base name (cacheplan.ProgBase).
func mayConcern(s *ast.Script) bool {
	for _, c := range s.Commands {
		for _, w := range c.Args {
			if startsWatched(w.Value) || startsWatched(cacheplan.ProgBase(w)) {
				return true
			}
		}
	}
	return false
}

func startsWatched(name string) bool {
	if name != "" && !watchedFirst[name[0]] {
		return false
	}
	for _, p := range watched {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
