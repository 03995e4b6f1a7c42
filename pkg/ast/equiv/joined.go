package equiv

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// sameJoin is the fast path of Check for RUNs joined by `&&` (JoinRuns:
// programs known by their text, one rewrite): it answers Same, with no
// interpreter run, when the rewrite is the join of the RUNs and the join
// cannot change what any of them does. Anything else is left to the
// interpreter.
//
// The rewrite is the join when its statements are those of the first RUN,
// the last one, L, continued by `&& B` for every later RUN: B is the RUN's
// single statement, or its and-list spliced in (`L && a && b`), or all its
// statements in a group `{ …; }` (joinedShape). Nodes are compared by
// value, positions only by validity (a position's value is only read by
// $LINENO, which no program may read here) and comments not at all.
//
// Run one after another, each RUN starts in a new shell and the build
// stops at the first that fails. Joined, the RUNs run in one shell and
// `&&` stops at the first failure with its status; they differ only by
//   - what an earlier RUN leaves in the shell for the later ones:
//     variables, the directory, options, traps, aliases, the positional
//     parameters, the umask, running jobs; and `exit 0`, which skips the
//     later RUNs. Every RUN but the last must leave nothing (leavesNoState:
//     no assignment, no built-in that changes the shell or ends it, no
//     command named by an expansion; inside a subshell or `$(…)` anything
//     goes, it ends with it);
//   - what a later RUN reads of the commands before it: $_, PIPESTATUS,
//     BASH_COMMAND, LINENO (the joined lines move), and text evaluated at
//     run time that could read them; and what differs between two runs
//     of the same program, RANDOM or SECONDS. No RUN may read any
//     (modelled);
//   - errexit: the left side of `&&` ignores it, even inside a group.
//     When errexit may be on (the SHELL's flags; no earlier RUN can set
//     it), L and every RUN between the first and the last must be and-or
//     lists of simple commands and pipelines of them, with no `$(…)`
//     (exitTransparent): a failure that would end the RUN on its own then
//     ends the joined list with the same status, and nothing runs after
//     it. With errexit off, the left side of `&&` changes nothing.
//
// The answer must also be the interpreter's, bounds included: every node
// is one the interpreter runs without an error of its own (no pushd,
// no loop, no arithmetic, no function), and the decision tree of the
// commands' statuses has at most maxPaths leaves and each path at most
// maxCalls commands (bounded in leaves), so the interpreter would have
// explored it to the end.
func sameJoin(orig, rewrite []Program) bool {
	if len(orig) < 2 || len(rewrite) != 1 {
		return false
	}
	r := rewrite[0]
	for _, p := range append(slices.Clip(orig), r) {
		if p.File == nil || p.Ident != nil || len(p.File.Stmts) == 0 || !slices.Equal(p.Flags, r.Flags) {
			return false
		}
	}
	if !joinedShape(orig, r.File) || !modelled(r.File) || !withinBounds(r.File) || !shellStarts(r.Flags) {
		return false
	}
	for _, p := range orig[:len(orig)-1] {
		if !leavesNoState(p.File) {
			return false
		}
	}
	if o := readOptions(r.Flags); o.errexit || o.named || o.unknown {
		first := orig[0].File.Stmts
		if !exitTransparent(first[len(first)-1]) {
			return false
		}
		for _, p := range orig[1 : len(orig)-1] {
			if len(p.File.Stmts) != 1 || !exitTransparent(p.File.Stmts[0]) {
				return false
			}
		}
	}
	return true
}

// joinedShape reports that f is the join of the programs (sameJoin).
func joinedShape(orig []Program, f *syntax.File) bool {
	first := orig[0].File.Stmts
	k := len(first)
	if len(f.Stmts) != k || !sameNodes(first[:k-1], f.Stmts[:k-1]) {
		return false
	}
	chain := andOr(f.Stmts[k-1])
	head := andOr(first[k-1])
	if len(chain) < len(head) || !sameLinks(head, chain[:len(head)]) {
		return false
	}
	chain = chain[len(head):]
	for _, p := range orig[1:] {
		if len(chain) == 0 || chain[0].op != syntax.AndStmt {
			return false
		}
		if b, ok := chain[0].st.Cmd.(*syntax.Block); ok && plain(chain[0].st) && sameNodes(b.Stmts, p.File.Stmts) {
			chain = chain[1:]
			continue
		}
		if len(p.File.Stmts) != 1 {
			return false
		}
		body := andOr(p.File.Stmts[0])
		for _, l := range body[1:] {
			if l.op != syntax.AndStmt {
				return false // `a || b` spliced in would catch the failures before it
			}
		}
		body[0].op = syntax.AndStmt
		if len(chain) < len(body) || !sameLinks(body, chain[:len(body)]) {
			return false
		}
		chain = chain[len(body):]
	}
	return len(chain) == 0
}

// link is an operand of an and-or list and the operator before it (0 for
// the first).
type link struct {
	op syntax.BinCmdOperator
	st *syntax.Stmt
}

// andOr is the and-or list st holds, left to right: `a && b || c` is
// ((a && b) || c), its left operand the list before the last operator. A
// statement with a redirection, a negation or in the background is one
// operand.
func andOr(st *syntax.Stmt) []link {
	b, ok := st.Cmd.(*syntax.BinaryCmd)
	if !ok || !plain(st) || b.Op != syntax.AndStmt && b.Op != syntax.OrStmt {
		return []link{{st: st}}
	}
	return append(andOr(b.X), link{b.Op, b.Y})
}

func sameLinks(a, b []link) bool {
	for i := range a {
		if a[i].op != b[i].op || !sameNode(a[i].st, b[i].st) {
			return false
		}
	}
	return len(a) == len(b)
}

func sameNodes(a, b []*syntax.Stmt) bool {
	return len(a) == len(b) && sameValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

func sameNode(a, b syntax.Node) bool {
	return sameValue(reflect.ValueOf(a), reflect.ValueOf(b))
}

var (
	posType      = reflect.TypeOf(syntax.Pos{})
	commentsType = reflect.TypeOf([]syntax.Comment(nil))
	stmtType     = reflect.TypeOf(syntax.Stmt{})
	semicolon, _ = stmtType.FieldByName("Semicolon")
)

// sameValue compares two syntax trees: positions by validity (`for i`
// and `for i in` differ by one), except where a statement's terminator
// is (`a;` and `a` on the last line of a group run the same), comments
// not at all.
func sameValue(a, b reflect.Value) bool {
	if a.Type() != b.Type() {
		return false
	}
	switch a.Type() {
	case posType:
		return a.Interface().(syntax.Pos).IsValid() == b.Interface().(syntax.Pos).IsValid()
	case commentsType:
		return true
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() && b.IsNil()
		}
		return sameValue(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type() == stmtType && i == semicolon.Index[0] {
				continue
			}
			if !sameValue(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameValue(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.String:
		return a.String() == b.String()
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return a.Uint() == b.Uint()
	}
	return false // a kind syntax trees do not hold: not known to be the same
}

// shellStarts reports that the interpreter accepts the flags (otherwise
// Check answers that the shell cannot start), asked once per set of flags.
func shellStarts(flags []string) bool {
	key := strings.Join(flags, "\x00")
	if ok, found := startingFlags.Load(key); found {
		return ok.(bool)
	}
	_, err := interp.New(interp.Params(append(quiet(flags), "--")...))
	startingFlags.Store(key, err == nil)
	return err == nil
}

var startingFlags sync.Map
