package cacheplan

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Removals of cache-defeating `rm`s: which paths an `rm` of the RUN
// removes, and how they relate to a mounted directory (emptying the cache
// inside it, or removing the mount point, which would fail).

// rmCmd is an `rm` of the RUN with the paths it removes.
type rmCmd struct {
	cmd  *ast.Command
	args []rmArg
}

type rmArg struct {
	word ast.Word
	path string // resolved, cleaned; "" when unknown
	// A command substitution of manager m whose folder is unknown, and why.
	why string
	m   *Manager
}

func (c *Plan) findRms(r *Run) []rmCmd {
	var out []rmCmd
	for i := range r.script.Commands {
		cmd := &r.script.Commands[i]
		args := ast.StripWrappers(cmd.Args)
		if len(args) == 0 || ProgBase(args[0]) != "rm" {
			continue
		}
		rc := rmCmd{cmd: cmd}
		opts := true
		for _, w := range args[1:] {
			if opts && w.Value == "--" {
				opts = false
				continue
			}
			if opts && strings.HasPrefix(w.Value, "-") {
				continue
			}
			p := expandPathWord(w.Value, r)
			var sp, why string
			var m *Manager
			if mayHoldSubst(w) {
				sp, why, m = c.substPath(r, w)
			}
			switch {
			case sp != "":
				p = sp
			case strings.ContainsAny(p, "$`") || !path.IsAbs(p):
				p = ""
			default:
				p = path.Clean(p)
			}
			rc.args = append(rc.args, rmArg{word: w, path: p, why: why, m: m})
		}
		out = append(out, rc)
	}
	return out
}

// mayHoldSubst reports whether a word can hold a command substitution:
// substPath finds none in any other (a literal word has no expansion, and
// every form of substitution is written with $ or a backquote), so it
// need not look for the word in the RUN's syntax tree.
func mayHoldSubst(w ast.Word) bool {
	return !w.Lit && strings.ContainsAny(w.Value, "$`")
}

// rm relations between a removed path and a mounted directory.
const (
	rmNone     = iota
	rmInside   // removes things inside the mount: only empties the cache
	rmEqual    // removes the mount point itself: fails
	rmAncestor // removes a folder holding the mount point: fails, and more
)

func rmRelation(p, key string) int {
	if p == "" {
		return rmNone
	}
	if !strings.ContainsAny(p, "*?[") {
		switch {
		case p == key:
			return rmEqual
		case strictlyUnder(p, key):
			return rmInside
		case strictlyUnder(key, p):
			return rmAncestor
		}
		return rmNone
	}
	base := globBase(p)
	if Under(base, key) {
		return rmInside
	}
	if strictlyUnder(key, base) {
		for a := key; a != base && a != "/" && a != "."; a = path.Dir(a) {
			if ok, _ := path.Match(p, a); ok {
				return rmAncestor
			}
		}
	}
	return rmNone
}

// rmConflict: an rm of the RUN that would hit the mount point of key.
func (c *Plan) rmConflict(r *Run, key string) string {
	for _, rm := range r.rms {
		for _, a := range rm.args {
			switch rmRelation(a.path, key) {
			case rmAncestor:
				return fmt.Sprintf("`rm %s` in the RUN at line %d would fail on the mount point %s", a.word.Value, c.Pass.InputLine(r.Ins.StartLine), key)
			case rmEqual:
				if _, ok := transform.RemoveWord(c.Doc, r.Ins, a.word.Span); !ok {
					if _, ok := c.removeCommand(r, rm.cmd.Call); !ok {
						return fmt.Sprintf("`rm %s` in the RUN at line %d would fail on the mount point and cannot be removed cleanly", a.word.Value, c.Pass.InputLine(r.Ins.StartLine))
					}
				}
			}
		}
	}
	return ""
}

func rmRelationAny(p string, keys []string) int {
	rel := rmNone
	for _, k := range keys {
		if x := rmRelation(p, k); x > rel {
			rel = x
		}
	}
	return rel
}
