package cacheplan

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// What a RUN's other commands (not its managers) say of a cache
// directory: a word that names it, after ~, $HOME and the stage's
// variables are resolved, or a command substitution that prints it.

// Commands whose mention of a cache directory is harmless.
var benignCommands = map[string]bool{"mkdir": true, "chown": true, "chmod": true, "ls": true, "echo": true, "printf": true, "test": true, "[": true, "true": true, "du": true, "stat": true}

// mentions reports a command (other than the managers themselves and rm,
// handled apart) that names the directory or something inside it.
func (c *Plan) mentions(r *Run, key string, isUser bool) string {
	if r.script == nil {
		if r.Ins.JSON {
			for _, a := range r.Ins.Args {
				if mentionsPath(a, key, r) {
					return fmt.Sprintf("the RUN at line %d refers to %s", c.Pass.InputLine(r.Ins.StartLine), key)
				}
			}
			return ""
		}
		if len(r.Ins.Args) > 0 && strings.Contains(r.Ins.Args[0], key) {
			return fmt.Sprintf("the RUN at line %d refers to %s", c.Pass.InputLine(r.Ins.StartLine), key)
		}
		return ""
	}
	others := r.otherWords()
	// Every word the loop below can match holds key once resolved
	// (namesPath), or may hold a command substitution (substMentions'
	// first test): without either in the RUN, there is nothing to find.
	if !others.subst && !others.hold(key) {
		return ""
	}
	for _, oc := range others.cmds {
		if benignCommands[oc.name] || oc.name == "rm" && isUser {
			continue
		}
		for i, w := range oc.args[1:] {
			if namesPath(oc.word(i), key) || c.substMentions(r, w, key) {
				return fmt.Sprintf("`%s` in the RUN at line %d uses %s", oc.name, c.Pass.InputLine(r.Ins.StartLine), key)
			}
		}
	}
	return ""
}

// otherCmd is one of a RUN's otherCommands as mentions reads it: its
// program's name, and its words after the program resolved
// (resolvedWord). Most words are their own resolution: resolved is made
// only for a command with a word that is not (needsResolving).
type otherCmd struct {
	name     string
	args     []ast.Word
	resolved []string // nil: each word is args[i+1].Value
}

// word is the command's word i after the program, resolved.
func (oc *otherCmd) word(i int) string {
	if oc.resolved != nil {
		return oc.resolved[i]
	}
	return oc.args[i+1].Value
}

// otherWords reads the RUN's other commands once: mentions asks about
// them for every directory of the document.
func (r *Run) otherWords() *otherWords {
	if r.others != nil {
		return r.others
	}
	o := &otherWords{cmds: make([]otherCmd, 0, len(r.script.Commands))}
	r.eachOtherCommand(func(args []ast.Word) {
		oc := otherCmd{name: ProgBase(args[0]), args: args}
		for j, w := range args[1:] {
			if needsResolving(w.Value) {
				if oc.resolved == nil {
					oc.resolved = make([]string, len(args)-1)
					for k, a := range args[1:] {
						oc.resolved[k] = a.Value
					}
				}
				oc.resolved[j] = resolvedWord(w.Value, r)
			}
			o.subst = o.subst || mayCallSubst(w)
		}
		o.cmds = append(o.cmds, oc)
	})
	r.others = o
	return o
}

// otherWords are a RUN's other commands; subst tells whether one of
// their words may hold a command substitution.
type otherWords struct {
	cmds  []otherCmd
	subst bool
}

// hold reports whether one of the resolved words holds key.
func (o *otherWords) hold(key string) bool {
	for i := range o.cmds {
		oc := &o.cmds[i]
		for j := range len(oc.args) - 1 {
			if strings.Contains(oc.word(j), key) {
				return true
			}
		}
	}
	return false
}

// mayCallSubst is the test substMentions starts with: a word that is not
// literal and holds `$(` or a backquote.
func mayCallSubst(w ast.Word) bool {
	return !w.Lit && (strings.Contains(w.Value, "$(") || strings.Contains(w.Value, "`"))
}

// mentionsPath reports whether a word names dir or a path inside it, after
// resolving ~, $HOME and the stage's variables.
func mentionsPath(word, dir string, r *Run) bool {
	return namesPath(resolvedWord(word, r), dir)
}

// resolvedWord is a word with ~, $HOME and the stage's variables
// resolved, when it has any.
func resolvedWord(w string, r *Run) string {
	if needsResolving(w) {
		return expandPathWord(w, r)
	}
	return w
}

// needsResolving reports a word that resolvedWord may change: one with a
// variable or a leading ~.
func needsResolving(w string) bool {
	return strings.Contains(w, "$") || strings.HasPrefix(w, "~")
}

// namesPath reports whether a resolved word names dir or a path inside it.
func namesPath(w, dir string) bool {
	for i := 0; ; {
		j := strings.Index(w[i:], dir)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(dir)
		okBefore := j == 0 || strings.ContainsRune("=:\"' ", rune(w[j-1]))
		okAfter := end == len(w) || w[end] == '/' || w[end] == '"' || w[end] == '\'' || w[end] == ':'
		if okBefore && okAfter {
			return true
		}
		i = j + 1
	}
}

// expandPathWord resolves ~ and variables in a word; unknown parts stay.
func expandPathWord(w string, r *Run) string {
	// A word without ~, $, quotes or backslashes is its own value: the
	// stage's ShellValue gives it back unchanged (or fails on a glob
	// character, and then nothing below changes it), so the stage state
	// need not be computed for it.
	if !strings.HasPrefix(w, "~") && !strings.ContainsAny(w, "$'\"\\") {
		return w
	}
	return expandStaged(w, r)
}

// expandStaged is expandPathWord through the stage state, for any word.
func expandStaged(w string, r *Run) string {
	if strings.HasPrefix(w, "~/") || w == "~" {
		if r.ident().Home.Val != "" {
			w = r.ident().Home.Val + w[1:]
		}
	}
	if v, ok := r.stageEnv().ShellValue(w); ok {
		return v.Val
	}
	if r.ident().Home.Val != "" {
		w = strings.ReplaceAll(w, "${HOME}", r.ident().Home.Val)
		w = strings.ReplaceAll(w, "$HOME", r.ident().Home.Val)
	}
	return w
}
