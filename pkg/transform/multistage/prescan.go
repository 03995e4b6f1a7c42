package multistage

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// mayBuild reports whether a command of the stage may be a build command
// of some row (Classify gives msBuild): when it is not, run finds no
// build row and needs neither walk nor its plans, which it skips.
//
// Why the skip is sound: a row's Classify reads a command's words alone
// (never its environment, folder, assignments or redirections, which
// walk adds). walk lists, for a RUN, the commands flatten gives: for an
// exec-form RUN one command of its arguments, as here; for a shell-form
// RUN either the commands of its analysis (opaque) or the calls of its
// plain list, each with the words of its analysis (every call with a
// word is one of the analysis's Commands) or none. The commands looked at
// here are the analysis's, and a command without words, so every command
// walk would classify is classified here with the same words.
func (s *msSplit) mayBuild() bool {
	var c msCmd
	if s.buildsAny(&c) {
		return true // a row would take a command without words for a build
	}
	for _, in := range s.ins {
		if _, ok := in.Command.(*instructions.RunCommand); !ok {
			continue
		}
		if in.JSON {
			if c.words = execWords(in); s.buildsAny(&c) {
				return true
			}
			continue
		}
		sc := s.d.Shell(in)
		if sc == nil {
			continue
		}
		for i := range sc.Commands {
			if c.words = sc.Commands[i].Args; s.buildsAny(&c) {
				return true
			}
		}
	}
	return false
}

// execWords are the words of an exec-form instruction's arguments, as
// flatten reads them.
func execWords(in *ast.Instruction) []ast.Word {
	var out []ast.Word
	for _, a := range in.Args {
		out = append(out, ast.Word{Value: a, Lit: true})
	}
	return out
}

// buildsAny reports whether some row classifies c as its build.
func (s *msSplit) buildsAny(c *msCmd) bool {
	for _, r := range msPatterns {
		if r.Classify(c) == msBuild {
			return true
		}
	}
	return false
}
