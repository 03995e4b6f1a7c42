package cacheplan

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"mvdan.cc/sh/v3/syntax"
)

// What defeats a mounted cache when it is spelled another way than its
// literal path: a command substitution that prints the directory
// (`rm -rf "$(pip cache dir)"`), and a manager's own clean command that
// removes the directory itself (`go clean -modcache`). Both fail on the
// mount point (EBUSY): such a command is removed with the mount, or the
// directory is not mounted.

// DirCmd is a command that prints a cache directory (tools.DirCmd).
type DirCmd = tools.DirCmd

// cleanEmpties is what a clean command of the table empties and removes.
func cleanEmpties(inv *Invocation) (empties, removes []int) {
	if inv.Manager.Empties != nil {
		return inv.Manager.Empties(inv)
	}
	for i, s := range inv.Manager.Caches {
		if !s.Lists {
			empties = append(empties, i)
		}
	}
	return empties, nil
}

// AptCleansLists reports an `apt-get dist-clean` among the invocations.
func AptCleansLists(invs []*Invocation) bool {
	for _, inv := range invs {
		if inv.Manager.Name == "apt" && inv.IsClean() {
			if e, _ := cleanEmpties(inv); containsInt(e, 1) {
				return true
			}
		}
	}
	return false
}

func containsInt(list []int, n int) bool {
	for _, x := range list {
		if x == n {
			return true
		}
	}
	return false
}

// useOf is the RUN's use of a manager's cache entry.
func (r *Run) useOf(m *Manager, idx int) *Use {
	for _, u := range r.allUses {
		if u.Manager == m && u.Spec == &m.Caches[idx] {
			return u
		}
	}
	return nil
}

// cleanMounted reports whether every cache a clean command empties is
// under one of the keys the RUN mounts: only then can the command go
// without the image keeping what it emptied.
func (r *Run) cleanMounted(inv *Invocation, keys []string) bool {
	empties, _ := cleanEmpties(inv)
	for _, i := range empties {
		u := r.useOf(inv.Manager, i)
		if u == nil || !underAny(u.Key, keys) {
			return false
		}
	}
	return len(empties) > 0
}

// cleanRemovesMount reports whether a clean command removes one of keys
// with its folder.
func (r *Run) cleanRemovesMount(inv *Invocation, keys []string) bool {
	_, removes := cleanEmpties(inv)
	for _, i := range removes {
		if u := r.useOf(inv.Manager, i); u != nil && underAny(u.Key, keys) {
			return true
		}
	}
	return false
}

func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if Under(p, d) {
			return true
		}
	}
	return false
}

// DropRemovedByClean keeps out of a RUN's mounts a directory that one of
// its clean commands removes with its folder, when that command cannot go
// (it empties a cache that stays in the image, or cannot be taken out
// cleanly): the command would fail on the mount point. Whatever that RUN
// downloads there is removed by the command anyway.
func (c *Plan) DropRemovedByClean(r *Run, mounted []*Use) ([]*Use, []string) {
	if r.script == nil {
		return mounted, nil
	}
	var notes []string
	for changed := true; changed; {
		changed = false
		keys := c.mountKeys(r, mounted)
		for _, inv := range r.Invs {
			if !inv.IsClean() || !r.cleanRemovesMount(inv, keys) {
				continue
			}
			if _, ok := c.removeCommand(r, inv.Cmd.Call); ok && r.cleanMounted(inv, keys) {
				continue
			}
			_, removes := cleanEmpties(inv)
			kept := mounted[:0:0]
			for _, u := range mounted {
				if u.Manager == inv.Manager && containsInt(removes, specIndex(u)) {
					notes = append(notes, fmt.Sprintf("%s (%s): `%s` in the RUN at line %d removes the directory, which would fail on the mount point, and cannot be taken out", u.Manager.Name, u.Key, r.commandText(c.Doc, inv.Cmd), c.Pass.InputLine(r.Ins.StartLine)))
					changed = true
					continue
				}
				kept = append(kept, u)
			}
			mounted = kept
		}
	}
	return mounted, notes
}

func specIndex(u *Use) int {
	for i := range u.Manager.Caches {
		if &u.Manager.Caches[i] == u.Spec {
			return i
		}
	}
	return -1
}

// mountKeys are the directories a RUN has mounted as caches: its own
// cache mounts and the uses to be mounted.
func (c *Plan) mountKeys(r *Run, mounted []*Use) []string {
	var keys []string
	for _, m := range r.existing {
		if m.Type == "cache" {
			keys = append(keys, m.TargetIn(r.stageEnv().Workdir))
		}
	}
	for _, u := range mounted {
		keys = append(keys, u.Key)
	}
	return keys
}

// substPath resolves a word made of a command substitution that prints a
// manager's folder, with an optional literal suffix (`"$(pip cache
// dir)"/http`). It returns the path ("" when the word is not of that
// form), or why the folder is unknown together with the manager whose
// command printed it.
func (c *Plan) substPath(r *Run, w ast.Word) (p, why string, m *Manager) {
	// Asked by findRms and by mentions for every directory of the
	// document: the answer is a function of the RUN and the word alone
	// (the locals printedDir fills are its own), so it is kept per word.
	k := substKey{w.Span, w.Value}
	if s, ok := r.substs[k]; ok {
		return s.p, s.why, s.m
	}
	p, why, m = c.substPathOnce(r, w)
	if r.substs == nil {
		r.substs = map[substKey]substPathOf{}
	}
	r.substs[k] = substPathOf{p, why, m}
	return p, why, m
}

// substKey is a word of a RUN, substPathOf what substPath says of it.
type substKey struct {
	sp    ast.Span
	value string
}

type substPathOf struct {
	p, why string
	m      *Manager
}

func (c *Plan) substPathOnce(r *Run, w ast.Word) (p, why string, m *Manager) {
	if !mayStartWithSubst(w) {
		return "", "", nil // what substPathWalk finds: no substitution first
	}
	return c.substPathWalk(r, w)
}

// mayStartWithSubst reports whether a word's first part, once the parts
// of its double-quoted strings are laid flat, can be a command
// substitution: substPathWalk reads no other word, and finds it in the
// syntax tree. A literal word has none. The text of another
// (ast.Word.Value, as written) past its leading double quotes (which open
// or close strings, an empty one adding no part) must then start with a
// backquote or a `$` that does not start a plain parameter ($NAME, $1);
// a backslash (a line continuation) is left to the walk too.
func mayStartWithSubst(w ast.Word) bool {
	if w.Lit {
		return false
	}
	v := strings.TrimLeft(w.Value, `"`)
	switch {
	case v == "":
		return false
	case v[0] == '`' || v[0] == '\\':
		return true
	case v[0] != '$':
		return false
	}
	return len(v) == 1 || !stage.VarNameByte(v[1])
}

// substPathWalk is substPathOnce for any word: it finds the word in the
// RUN's syntax tree.
func (c *Plan) substPathWalk(r *Run, w ast.Word) (p, why string, m *Manager) {
	sw := r.syntaxWord(w.Span)
	if sw == nil {
		return "", "", nil
	}
	var parts []syntax.WordPart
	for _, part := range sw.Parts {
		if dq, ok := part.(*syntax.DblQuoted); ok {
			parts = append(parts, dq.Parts...)
			continue
		}
		parts = append(parts, part)
	}
	if len(parts) == 0 {
		return "", "", nil
	}
	cs, ok := parts[0].(*syntax.CmdSubst)
	if !ok {
		return "", "", nil
	}
	suffix := ""
	for _, part := range parts[1:] {
		lit, ok := part.(*syntax.Lit)
		if !ok {
			return "", "", nil
		}
		suffix += lit.Value
	}
	cmd := r.substCommand(cs)
	if cmd == nil {
		return "", "", nil
	}
	dir, why, m := c.printedDir(r, cmd)
	if m == nil {
		return "", "", nil
	}
	if why != "" {
		return "", fmt.Sprintf("`%s` in the RUN at line %d names a folder of %s that dfopt cannot place (%s)", w.Value, c.Pass.InputLine(r.Ins.StartLine), m.Name, why), m
	}
	return path.Clean(dir + suffix), "", m
}

// syntaxWord finds the shell word of the RUN at a span: the first in
// the syntax tree's order. The first questions of a RUN walk the tree
// until the word (most RUNs ask about one or two words, when any); later
// ones read an index made in one walk, so that a RUN with many such
// words is not walked once per word.
func (r *Run) syntaxWord(sp ast.Span) *syntax.Word {
	if r.words == nil && r.wordWalks < wordWalksBeforeIndex {
		r.wordWalks++
		return r.findWord(sp)
	}
	if r.words == nil {
		r.words = map[ast.Span]*syntax.Word{}
		syntax.Walk(r.script.File, func(n syntax.Node) bool {
			if w, ok := n.(*syntax.Word); ok {
				if s := r.script.SpanOf(w); r.words[s] == nil {
					r.words[s] = w
				}
			}
			return true
		})
	}
	return r.words[sp]
}

// wordWalksBeforeIndex is how many words of a RUN syntaxWord finds by
// walking before it indexes them all.
const wordWalksBeforeIndex = 3

// findWord walks the RUN's syntax tree, in the order the index is made
// in, up to the first word at the span.
func (r *Run) findWord(sp ast.Span) *syntax.Word {
	var found *syntax.Word
	syntax.Walk(r.script.File, func(n syntax.Node) bool {
		if found != nil {
			return false
		}
		if w, ok := n.(*syntax.Word); ok && r.script.SpanOf(w) == sp {
			found = w
			return false
		}
		return true
	})
	return found
}

// substCommand is the simple command a substitution runs alone (stderr
// may be redirected), or nil.
func (r *Run) substCommand(cs *syntax.CmdSubst) *ast.Command {
	if len(cs.Stmts) != 1 {
		return nil
	}
	st := cs.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess {
		return nil
	}
	for _, rd := range st.Redirs {
		if rd.N == nil || rd.N.Value != "2" {
			return nil
		}
	}
	for i := range r.script.Commands {
		if r.script.Commands[i].Call == call {
			return &r.script.Commands[i]
		}
	}
	return nil
}

// printedDir resolves the folder a manager's command prints. m is nil
// when the command runs no manager of the table.
func (c *Plan) printedDir(r *Run, cmd *ast.Command) (dir, why string, m *Manager) {
	raw := matchCommand(cmd.Args)
	if raw == nil {
		return "", "", nil
	}
	for _, mm := range Managers {
		if !progMatches(raw.progNameOrModule(), mm.Progs) && !(raw.module != "" && raw.module == mm.Module) {
			continue
		}
		if raw.module != "" && mm.Module != raw.module || mm.Applies != nil && !mm.Applies(r.ctx()) {
			continue
		}
		if m == nil {
			m = mm
		}
		if len(mm.DirCmds) == 0 {
			continue
		}
		inv := raw.Invocation
		inv.Manager, inv.Cmd, inv.Args = mm, cmd, raw.Args
		for _, a := range cmd.Assigns {
			if k, v, ok := strings.Cut(a, "="); ok {
				if inv.assign == nil {
					inv.assign = map[string]string{}
				}
				inv.assign[k] = strings.Trim(v, `"'`)
			}
		}
		var words []string
		var buf [4]int
		for _, i := range positionals(mm, inv.Args, buf[:0]) {
			words = append(words, inv.Args[i].Value)
		}
		for _, dc := range mm.DirCmds {
			if strings.Join(words, " ") == dc.Args {
				dir, why := c.dirCmdPath(r, &inv, dc)
				return dir, why, mm
			}
		}
	}
	if m != nil {
		return "", "dfopt does not know what it prints", m
	}
	return "", "", nil
}

// dirCmdPath resolves the folder a DirCmd prints for an invocation.
func (c *Plan) dirCmdPath(r *Run, inv *Invocation, dc DirCmd) (string, string) {
	if inv.User != "" {
		return "", "it runs as another user"
	}
	specs := []*CacheSpec{{Dirs: dc.Dirs}}
	if dc.Dirs == nil {
		specs = nil
		for _, i := range dc.Caches {
			specs = append(specs, &inv.Manager.Caches[i])
		}
	}
	found := ""
	for _, spec := range specs {
		v, skip, why := c.cacheDir(r, inv, spec)
		switch {
		case skip:
			continue
		case why != "":
			return "", why
		case found != "" && found != v.Val:
			return "", "it prints " + found + " or " + v.Val + " depending on the manager's configuration"
		}
		found = v.Val
	}
	if found == "" {
		return "", "the folder is unknown"
	}
	if dc.Inside {
		found += "/*"
	}
	return found, ""
}

// substConflict: an rm of the RUN removes, through a command substitution
// dfopt cannot resolve, a folder of the manager whose cache key is.
func (c *Plan) substConflict(r *Run, key string) string {
	for _, rm := range r.rms {
		for _, a := range rm.args {
			if a.why == "" {
				continue
			}
			for _, u := range r.allUses {
				if u.Manager == a.m && u.Key == key {
					return a.why + ": it may be the mount point " + key
				}
			}
		}
	}
	return ""
}

// substMentions reports a command word that, through a command
// substitution, names dir or a path inside it.
func (c *Plan) substMentions(r *Run, w ast.Word, dir string) bool {
	if !mayCallSubst(w) {
		return false
	}
	p, _, _ := c.substPath(r, w)
	return p != "" && mentionsPath(p, dir, r)
}
