package tools

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Index is how a system package manager refreshes its package index
// (`apt-get update`, `apk update`). merge-runs drops a refresh that
// repeats an earlier one of the same RUN when nothing between them can
// change where packages come from: the same sources and keys give the
// same index.
type Index struct {
	// Refresh are the subcommands that download the index.
	Refresh []string
	// Keeps are the subcommands that never change the sources or the
	// keys, when they install packages named literally that are not
	// Sources (apt-get install curl, apt-get clean).
	Keeps []string
	// Sources are parts of package names whose packages may add
	// sources, keys or transports (debian-archive-keyring,
	// apt-transport-https, alpine-keys). Local package files (a path)
	// may too.
	Sources []string
	// Cosmetic are options of a refresh that do not change what it
	// downloads (-y, -q): two refreshes are the same when their other
	// words are.
	Cosmetic []string
	// Lists is the folder of the downloaded index: removing it between
	// two refreshes is what makes the second necessary, so the removal
	// goes with it (the later removal, if any, leaves the image as before).
	Lists string
}

// RefreshLine is what identifies a refresh: its words after the program
// but the cosmetic options.
func (x *Index) RefreshLine(c Cmd) string {
	var out []string
	for _, v := range c.Vals[c.Prog+1:] {
		if !contains(x.Cosmetic, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, " ")
}

// Cmd is a command of a known tool found in a shell command's words.
type Cmd struct {
	Tool *Tool
	Prog int      // index of the program word (after sudo)
	Vals []string // every word's value
	Line Line     // the words after the program, by the tool's Spec
}

// Sub is the command's subcommand ("" when none).
func (c Cmd) Sub() string {
	if len(c.Line.Pos) == 0 {
		return ""
	}
	return c.Vals[c.Line.Pos[0]]
}

// CommandOf finds the tool a command runs, directly or through the
// wrappers ast.StripWrappers looks through (sudo, env, …), among the tools
// with want; ok is false when the words up to the subcommand are not all
// literal.
func CommandOf(words []ast.Word, want func(*Tool) bool) (Cmd, bool) {
	p := len(words) - len(ast.StripWrappers(words))
	if p >= len(words) {
		return Cmd{}, false
	}
	name := Base(path.Base(strings.Trim(words[p].Value, `"'`)))
	var t *Tool
	for _, x := range registry {
		if want(x) && contains(x.Progs, name) {
			t = x
			break
		}
	}
	if t == nil {
		return Cmd{}, false
	}
	vals := make([]string, len(words))
	for i, w := range words {
		vals[i] = w.Value
	}
	c := Cmd{Tool: t, Prog: p, Vals: vals, Line: t.Command.ParseValues(vals, p+1)}
	end := len(words) - 1
	if len(c.Line.Pos) > 0 {
		end = c.Line.Pos[0]
	}
	for _, w := range words[:end+1] {
		if !w.Lit {
			return Cmd{}, false
		}
	}
	return c, true
}

// NeutralInstall reports that the command, a Keeps subcommand, installs
// only packages named literally that are not Sources.
func (x *Index) NeutralInstall(words []ast.Word, c Cmd) bool {
	if !contains(x.Keeps, c.Sub()) {
		return false
	}
	for _, i := range c.Line.Pos[1:] {
		w := words[i]
		if !w.Lit || strings.ContainsAny(w.Value, "/*?[") || strings.HasPrefix(w.Value, ".") {
			return false
		}
		for _, s := range x.Sources {
			if strings.Contains(w.Value, s) {
				return false
			}
		}
	}
	return true
}
