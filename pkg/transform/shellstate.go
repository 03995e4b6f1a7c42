package transform

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"

	"github.com/dfopt/dfopt/pkg/ast"
	"mvdan.cc/sh/v3/syntax"
)

// Shared knowledge about RUN bodies: what shell state a body leaves behind,
// what kind of work it does, and how its text splits into steps.

// Scripts caches the shell analysis of a document's RUNs for one pass, so
// that no RUN is parsed twice.
type Scripts struct {
	d *ast.Document
	m map[*ast.Instruction]*ast.Script
}

func NewScripts(d *ast.Document) *Scripts {
	return &Scripts{d: d, m: map[*ast.Instruction]*ast.Script{}}
}

// Of is the shell analysis of a RUN (ast.Document.Shell) or, for an exec
// form, what is known of its commands (ast.Document.Reading): a script
// with ReadOnly set, whose spans must not be edited.
func (s *Scripts) Of(ins *ast.Instruction) *ast.Script {
	if sc, ok := s.m[ins]; ok {
		return sc
	}
	sc := s.d.Shell(ins)
	if sc == nil && ins.JSON {
		sc, _ = s.d.Reading(ins)
	}
	s.m[ins] = sc
	return sc
}

// LitWord returns a shell word's value when it has no expansions.
func LitWord(w *syntax.Word) (string, bool) { return ast.LitValue(w) }

// RawWord is a word's text as written.
func RawWord(sc *ast.Script, n syntax.Node) string {
	return sc.Text[n.Pos().Offset():n.End().Offset()]
}

// HasGlob reports whether an unquoted part of the word holds a glob
// character.
func HasGlob(w *syntax.Word) bool {
	for _, p := range w.Parts {
		if l, ok := p.(*syntax.Lit); ok && strings.ContainsAny(l.Value, "*?[") {
			return true
		}
	}
	return false
}

// CallName is the command a call runs, after wrappers such as `sudo`,
// `env VAR=x`, `command` and `nice`; args[0] is the name. ok is false when
// the name is not a literal word.
func CallName(c *syntax.CallExpr) (name string, args []*syntax.Word, ok bool) {
	args = c.Args
	for len(args) > 0 {
		n, lit := LitWord(args[0])
		if !lit {
			return "", args, false
		}
		base := path.Base(n)
		switch base {
		case "sudo", "env", "nice", "command", "builtin", "stdbuf", "ionice":
			if base == "command" && len(args) > 1 {
				if v, _ := LitWord(args[1]); v == "-v" || v == "-V" {
					return "command", args, true
				}
			}
			i := 1
			for i < len(args) {
				v, _ := LitWord(args[i])
				if strings.HasPrefix(v, "-") || (base == "env" && strings.Contains(v, "=")) {
					if base == "sudo" && (v == "-u" || v == "-g") {
						i++
					}
					i++
					continue
				}
				break
			}
			args = args[i:]
			continue
		}
		return base, args, true
	}
	return "", nil, false
}

// stateBuiltins change the state of the shell that runs them.
var stateBuiltins = map[string]bool{
	"cd": true, "pushd": true, "popd": true, "chdir": true,
	"export": true, "unset": true, "set": true, "shopt": true, "setopt": true,
	"source": true, ".": true, "umask": true, "exec": true, "ulimit": true,
	"exit": true, "return": true, "logout": true, "trap": true,
	"alias": true, "unalias": true, "eval": true, "readonly": true,
	"declare": true, "typeset": true, "local": true, "hash": true,
	"enable": true, "shift": true, "read": true, "getopts": true,
	"mapfile": true, "readarray": true, "let": true, "disown": true,
}

// daemonStarters start services that outlive the command: in separate
// RUNs they stop with the first one, merged they would keep running.
var daemonStarters = map[string]bool{
	"service": true, "systemctl": true, "start-stop-daemon": true, "setsid": true,
	"nohup": true, "daemonize": true, "rc-service": true, "supervisord": true,
	"mysqld_safe": true, "pg_ctl": true, "pg_ctlcluster": true, "dockerd": true,
	"Xvfb": true, "redis-server": true, "mongod": true, "apachectl": true, "nginx": true,
}

// ShellStateChange reports why running a script changes shell state that
// a command appended to it would inherit: a directory change, a variable,
// an option, a function, a trap, an exit, a background job. It returns ""
// when the script leaves no such state behind.
func ShellStateChange(sc *ast.Script) string {
	why := ""
	// A background job outlives its statement wherever it starts.
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		if s, ok := n.(*syntax.Stmt); ok && (s.Background || s.Coprocess || s.Disown) && why == "" {
			why = "a background job (`&`)"
		}
		return why == ""
	})
	if why != "" {
		return why
	}
	for _, s := range sc.File.Stmts {
		if why = stmtState(s); why != "" {
			return why
		}
	}
	return ""
}

// stmtState looks at a statement that runs in the main shell.
func stmtState(s *syntax.Stmt) string {
	if s == nil {
		return ""
	}
	for _, r := range s.Redirs {
		if w := wordsState(r.Word); w != "" {
			return w
		}
	}
	switch c := s.Cmd.(type) {
	case *syntax.CallExpr:
		return callState(c)
	case *syntax.DeclClause:
		return "`" + c.Variant.Value + "`"
	case *syntax.LetClause, *syntax.ArithmCmd:
		return "an arithmetic assignment"
	case *syntax.FuncDecl:
		return "a function definition"
	case *syntax.ForClause:
		return "a `for` loop variable"
	case *syntax.CoprocClause:
		return "a coprocess"
	case *syntax.BinaryCmd:
		// Pipeline parts run in subshells in most shells, but not the last
		// one in every shell: treat them all as the main shell.
		if w := stmtState(c.X); w != "" {
			return w
		}
		return stmtState(c.Y)
	case *syntax.Block:
		return stmtsState(c.Stmts)
	case *syntax.IfClause:
		for ic := c; ic != nil; ic = ic.Else {
			if w := stmtsState(ic.Cond); w != "" {
				return w
			}
			if w := stmtsState(ic.Then); w != "" {
				return w
			}
		}
		return ""
	case *syntax.WhileClause:
		if w := stmtsState(c.Cond); w != "" {
			return w
		}
		return stmtsState(c.Do)
	case *syntax.CaseClause:
		for _, it := range c.Items {
			if w := stmtsState(it.Stmts); w != "" {
				return w
			}
		}
		return wordsState(c.Word)
	case *syntax.TimeClause:
		return stmtState(c.Stmt)
	case *syntax.Subshell, *syntax.TestClause, nil:
		return ""
	}
	return "a shell construct dfopt does not analyse"
}

// stmtsState is stmtState of the first statement of a list that has one.
func stmtsState(list []*syntax.Stmt) string {
	for _, x := range list {
		if w := stmtState(x); w != "" {
			return w
		}
	}
	return ""
}

// callState is stmtState of a simple command.
func callState(c *syntax.CallExpr) string {
	if len(c.Args) == 0 {
		if len(c.Assigns) > 0 {
			return "a variable assignment"
		}
		return ""
	}
	name, args, ok := CallName(c)
	if !ok {
		return "a command whose name is not literal"
	}
	if stateBuiltins[name] {
		return "`" + name + "`"
	}
	if full, _ := LitWord(args[0]); daemonStarters[name] || strings.HasPrefix(full, "/etc/init.d/") {
		return "`" + name + "`, which may leave a service running"
	}
	if name == ":" && len(c.Assigns) > 0 {
		return "a variable assignment"
	}
	if name == "printf" && len(args) > 1 {
		if v, _ := LitWord(args[1]); v == "-v" {
			return "`printf -v`"
		}
	}
	for _, a := range c.Assigns {
		if a.Value != nil {
			if w := wordsState(a.Value); w != "" {
				return w
			}
		}
	}
	return wordsState(c.Args...)
}

// wordsState finds `${x:=y}`-style assignments in words (command
// substitutions run in subshells and do not count).
func wordsState(words ...*syntax.Word) string {
	why := ""
	for _, w := range words {
		if w == nil {
			continue
		}
		syntax.Walk(w, func(n syntax.Node) bool {
			switch n := n.(type) {
			case *syntax.CmdSubst, *syntax.ProcSubst:
				return false
			case *syntax.ParamExp:
				if n.Exp != nil && (n.Exp.Op == syntax.AssignUnset || n.Exp.Op == syntax.AssignUnsetOrNull) {
					why = "a `${var:=value}` assignment"
				}
			}
			return why == ""
		})
	}
	return why
}

// WorkKind is the kind of work a RUN does (tools.Kind). merge-runs keeps
// different kinds in separate layers: they change at different rates.
type WorkKind = tools.Kind

// The kinds of work.
const (
	KindOther  = tools.KindOther
	KindSystem = tools.KindSystem
	KindDeps   = tools.KindDeps
	KindBuild  = tools.KindBuild
	KindMixed  = tools.KindMixed
)

// RunKind classifies a RUN by the commands it runs in statement position
// (command substitutions such as `$(dpkg --print-architecture)` do not
// count).
func RunKind(sc *ast.Script) WorkKind { return runKind(sc, true) }

// runKind is RunKind; with skipWords, the walk does not enter words: a
// command inside a word is inside a command or process substitution,
// which does not count, and a call's own words are read by CallKind.
func runKind(sc *ast.Script, skipWords bool) WorkKind {
	seen := map[WorkKind]bool{}
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst:
			return false
		case *syntax.Word:
			return !skipWords
		case *syntax.CallExpr:
			if k := CallKind(n); k != KindOther {
				seen[k] = true
			}
		}
		return true
	})
	switch len(seen) {
	case 0:
		return KindOther
	case 1:
		for k := range seen {
			return k
		}
	}
	return KindMixed
}

// firstArg is the first argument of a command line that is not an option.
func firstArg(args []*syntax.Word) string {
	for _, a := range args[1:] {
		v, ok := LitWord(a)
		if !ok {
			return ""
		}
		if !strings.HasPrefix(v, "-") {
			return v
		}
	}
	return ""
}

// CallKind classifies a command by what its tool's command-line spec
// says (pkg/knowledge/tools); removing package-manager caches is part of
// installing system packages.
func CallKind(c *syntax.CallExpr) WorkKind {
	name, args, ok := CallName(c)
	if !ok {
		return KindOther
	}
	if name == "rm" {
		return rmKind(args)
	}
	if t := tools.KindTool(name); t != nil {
		return t.Command.Kind(args, firstArg(args))
	}
	return KindOther
}

// rmKind: removing system package caches (and nothing else) is system
// package work.
func rmKind(args []*syntax.Word) WorkKind {
	paths := 0
	for _, a := range args[1:] {
		v, ok := LitWord(a)
		if !ok {
			return KindOther
		}
		if strings.HasPrefix(v, "-") {
			continue
		}
		if !SystemPath(path.Clean(strings.TrimRight(v, "*"))) {
			return KindOther
		}
		paths++
	}
	if paths > 0 {
		return KindSystem
	}
	return KindOther
}

// Step is one element of a RUN body's top-level `&&`/`;` sequence.
type Step struct {
	Stmt *syntax.Stmt
	Sep  string // the operator before it: "", "&&" or ";"
}

// TopSteps splits a script into the statements of its top-level `&&` and
// `;` sequence. Anything else (`||`, pipes, blocks) stays one step.
func TopSteps(f *syntax.File) []Step {
	var out []Step
	var add func(s *syntax.Stmt, sep string)
	add = func(s *syntax.Stmt, sep string) {
		if b, ok := s.Cmd.(*syntax.BinaryCmd); ok && b.Op == syntax.AndStmt && !s.Negated && !s.Background && len(s.Redirs) == 0 {
			add(b.X, sep)
			add(b.Y, "&&")
			return
		}
		out = append(out, Step{Stmt: s, Sep: sep})
	}
	for i, s := range f.Stmts {
		sep := ""
		if i > 0 {
			sep = ";"
		}
		add(s, sep)
	}
	return out
}

// StmtSpan is a statement's Src span without its trailing `;` or `&`.
func StmtSpan(sc *ast.Script, s *syntax.Stmt) ast.Span {
	end := s.Position
	if s.Cmd != nil {
		end = s.Cmd.End()
	}
	for _, r := range s.Redirs {
		if r.End().Offset() > end.Offset() {
			end = r.End()
		}
	}
	sp := sc.SpanOf(s)
	if end.Offset() > 0 {
		sp.End = sc.Orig(syntax.NewPos(end.Offset()-1, 0, 0)) + 1
	}
	return sp
}

// HasAnyPrefix reports whether a word contains one of subs.
func HasAnyPrefix(words []ast.Word, subs ...string) bool {
	for _, w := range words {
		for _, s := range subs {
			if strings.Contains(w.Value, s) {
				return true
			}
		}
	}
	return false
}

func HasWord(words []ast.Word, v string) bool {
	for _, w := range words {
		if w.Value == v {
			return true
		}
	}
	return false
}

// SystemPath: package-manager state that no build context holds.
func SystemPath(p string) bool {
	for _, s := range []string{"/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apk", "/var/cache/yum",
		"/var/cache/dnf", "/var/cache/debconf", "/var/lib/dpkg", "/var/log/apt", "/var/log/dpkg.log",
		"/etc/apt", "/etc/apk", "/etc/yum.repos.d", "/usr/share/keyrings", "/var/cache/ldconfig", "/dev/null"} {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}
