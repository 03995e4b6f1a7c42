package tools

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"mvdan.cc/sh/v3/syntax"
)

// Kind is the kind of work a command does. merge-runs keeps different
// kinds in separate layers: they change at different rates.
type Kind int

// The kinds of work.
const (
	KindOther  Kind = iota // anything else: files, users, downloads
	KindSystem             // system packages (apt-get, apk, dnf, …)
	KindDeps               // language dependencies (pip, npm, go mod download, …)
	KindBuild              // building the project (make, go build, npm run build, …)
	KindMixed              // more than one of the above
)

func (k Kind) String() string {
	return [...]string{"other", "system packages", "language dependencies", "build", "mixed"}[k]
}

// Spec is a tool's command line, declared once: the options that take a
// value (so that the value is never taken for a subcommand or a goal),
// what each subcommand does, and which subcommands use the caches.
type Spec struct {
	// Valued are the options that take the next word as their value; a
	// short one may carry it attached (-rfile), a long one after "="
	// (--file=pom.xml).
	Valued []string
	// Plus: words starting with "+" are options (cargo +nightly build).
	Plus bool

	// What each subcommand (the first positional word; "" for none) does.
	Deps, Build, Other []string
	// Unlisted is what any other subcommand does (KindOther, or KindBuild
	// for tools that run the project's scripts by name: yarn, pnpm).
	Unlisted Kind
	// Goal classifies tools whose every positional word is a goal or a
	// task (mvn, gradle, sbt): the command is KindDeps when each goal is,
	// KindBuild when one is a build.
	Goal func(goal string) Kind
	// KindOf overrides the subcommand lists (go install pkg@version).
	KindOf func(args []*syntax.Word, sub string) Kind

	// Uses are the subcommands that use the caches ("" accepting an
	// invocation with no positional at all: `yarn`, `bundle`); nil Uses
	// accept any subcommand but those in Skip. Uses2 narrows a subcommand
	// by its own first positional (`uv pip install`, `go mod download`).
	Uses  []string
	Skip  []string
	Uses2 map[string][]string
}

// Kind classifies a command line of the tool (args[0] is the program,
// sub its first positional word).
func (s *Spec) Kind(args []*syntax.Word, sub string) Kind {
	switch {
	case s.KindOf != nil:
		return s.KindOf(args, sub)
	case s.Goal != nil:
		return s.goals(args)
	case contains(s.Deps, sub):
		return KindDeps
	case contains(s.Build, sub):
		return KindBuild
	case contains(s.Other, sub):
		return KindOther
	}
	return s.Unlisted
}

// goals classifies a goal-driven command: the positional words, option
// values skipped.
func (s *Spec) goals(args []*syntax.Word) Kind {
	k := KindOther
	l := s.Parse(args, 1)
	for _, p := range l.Pos {
		v, ok := ast.LitValue(args[p])
		if !ok || v == "" {
			continue
		}
		if s.Goal(v) == KindDeps {
			if k == KindOther {
				k = KindDeps
			}
			continue
		}
		k = KindBuild
	}
	return k
}

// Opt is one option of a command line.
type Opt struct {
	Name  string // "-r", "--requirement"
	Value string // its value ("" for a flag)
	Lit   bool   // the value is literal
	I, VI int    // indexes of the option and of its value word (VI == I when attached or a flag)
}

// Line is a command line split into options and positional words.
type Line struct {
	Opts []Opt
	Pos  []int // indexes of positional words
	Lit  bool  // every word is literal
}

// arg is a word as the parser sees it: its literal value, or, when it is
// not literal, the literal text it starts with.
type arg struct {
	v   string
	lit bool
}

// Parse splits a shell command line, from args[from], by the spec.
func (s *Spec) Parse(args []*syntax.Word, from int) Line {
	as := make([]arg, len(args))
	for i, w := range args {
		v, ok := ast.LitValue(w)
		if !ok {
			v = dashPrefix(w)
		}
		as[i] = arg{v, ok}
	}
	return s.parse(as, from)
}

// ParseValues splits a command line of known word values (every word
// literal), from vals[from], by the spec.
func (s *Spec) ParseValues(vals []string, from int) Line {
	as := make([]arg, len(vals))
	for i, v := range vals {
		as[i] = arg{v, true}
	}
	return s.parse(as, from)
}

// Positionals appends to dst the indexes of the first max positional
// words of vals (every word literal), from vals[from]: what
// ParseValues(vals, from).Pos starts with, without the options' list or
// the words after the last one wanted (a long `apt-get install` needs
// its subcommand alone). It walks the words as parse does.
func (s *Spec) Positionals(vals []string, from, max int, dst []int) []int {
	for i := from; i < len(vals) && len(dst) < max; i++ {
		v := vals[i]
		switch {
		case !s.option(v):
			dst = append(dst, i)
		case v == "--":
			for j := i + 1; j < len(vals) && len(dst) < max; j++ {
				dst = append(dst, j)
			}
			return dst
		case attachedValue(v):
		case contains(s.Valued, v) && i+1 < len(vals):
			i++ // the option's value
		}
	}
	return dst
}

// attachedValue reports an option written with its value after "="
// (--flag=value, and Go's -flag=value).
func attachedValue(v string) bool {
	k := strings.IndexByte(v, '=')
	return k > 2 || k == 2 && strings.HasPrefix(v, "--")
}

func (s *Spec) parse(args []arg, from int) Line {
	cl := Line{Lit: true}
	for i := from; i < len(args); i++ {
		v, ok := args[i].v, args[i].lit
		if !ok {
			cl.Lit = false
			if v != "" {
				// --opt=$VALUE: an option whose value is not literal.
				name, _, _ := strings.Cut(v, "=")
				cl.Opts = append(cl.Opts, Opt{Name: name, I: i, VI: i})
				continue
			}
		}
		if !ok || !s.option(v) {
			cl.Pos = append(cl.Pos, i)
			continue
		}
		if v == "--" {
			for j := i + 1; j < len(args); j++ {
				cl.Pos = append(cl.Pos, j)
			}
			break
		}
		o := Opt{Name: v, I: i, VI: i, Lit: true}
		if attachedValue(v) {
			k := strings.IndexByte(v, '=')
			o.Name, o.Value = v[:k], v[k+1:]
		} else if contains(s.Valued, v) && i+1 < len(args) {
			i++
			o.VI = i
			o.Value, o.Lit = args[i].v, args[i].lit
			if !o.Lit {
				o.Value = ""
				cl.Lit = false
			}
		} else if !strings.HasPrefix(v, "--") && len(v) > 2 && contains(s.Valued, v[:2]) {
			o.Name, o.Value = v[:2], v[2:]
		}
		cl.Opts = append(cl.Opts, o)
	}
	return cl
}

func (s *Spec) option(v string) bool {
	return strings.HasPrefix(v, "-") && v != "-" || s.Plus && strings.HasPrefix(v, "+")
}

// dashPrefix is the literal start of a word when it starts with a dash.
func dashPrefix(w *syntax.Word) string {
	if len(w.Parts) > 0 {
		if l, ok := w.Parts[0].(*syntax.Lit); ok && strings.HasPrefix(l.Value, "-") {
			return l.Value
		}
	}
	return ""
}

// Has reports whether the line has one of the options.
func (cl Line) Has(names ...string) bool {
	_, ok := cl.Get(names...)
	return ok
}

// Get returns the first of the options on the line.
func (cl Line) Get(names ...string) (Opt, bool) {
	for _, o := range cl.Opts {
		for _, n := range names {
			if o.Name == n {
				return o, true
			}
		}
	}
	return Opt{}, false
}

// Sub returns the first word of a command line that is not an option
// (the subcommand) and its index; "", -1 when there is none or a word
// before it is not literal.
func Sub(args []*syntax.Word) (string, int) {
	for i := 1; i < len(args); i++ {
		v, ok := ast.LitValue(args[i])
		if !ok {
			return "", -1
		}
		if !strings.HasPrefix(v, "-") {
			return v, i
		}
	}
	return "", -1
}
