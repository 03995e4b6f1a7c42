package transform

import (
	"encoding/json"
	"path"
	"strconv"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/equiv"
	"mvdan.cc/sh/v3/syntax"
)

// The semantic checks of edits to RUN bodies (DESIGN.md, "Syntax is not
// semantics"): joining RUNs and removing or adding commands must run the
// same commands with the same final status, for every exit status the
// commands may return. Both go through equiv.Check.

// shellFlags are the options a SHELL passes before -c, one by one:
// ["/bin/ash", "-eo", "pipefail", "-c"] → ["-e", "-o", "pipefail"]. ok is
// false for arguments the check does not know, or when -c is not last.
func shellFlags(sh []string) (flags []string, ok bool) {
	const body = "\x00the RUN's text"
	flags, script, hasC, ok := ast.ShellOptions(append(append([]string(nil), sh...), body))
	return flags, ok && hasC && script == body
}

// program is a RUN as the checker sees it (nil when it cannot).
func program(d *ast.Document, ins *ast.Instruction) *equiv.Program {
	s := d.Shell(ins)
	if s == nil {
		return nil
	}
	if s.ReadOnly != "" {
		return nil
	}
	if s.Interp != nil {
		// A heredoc fed to a shell: that shell's options, not the RUN's.
		if path.Base(s.Interp[0]) == "zsh" {
			return nil
		}
		return &equiv.Program{File: s.File, Flags: s.Flags}
	}
	sh := d.ShellOf(ins)
	flags, ok := shellFlags(sh)
	if !ok || path.Base(sh[0]) == "zsh" {
		return nil
	}
	return &equiv.Program{File: s.File, Flags: flags}
}

// joinVerdicts caches the check of a join by the texts involved: the
// chain's later passes and the idempotence run ask again.
var joinVerdicts = newMemo[equiv.Verdict](1 << 14)

// checkJoin proves that the RUN text joined, under the same shell as
// runs, behaves as runs one after another.
func checkJoin(d *ast.Document, runs []*ast.Instruction, joined string) equiv.Verdict {
	var orig []equiv.Program
	key := strings.Join(d.ShellOf(runs[0]), "\x00")
	for _, r := range runs {
		p := program(d, r)
		if p == nil {
			return equiv.Verdict{Unknown: "a body is not a POSIX shell script the check can run"}
		}
		orig = append(orig, *p)
		key += "\x01" + d.Shell(r).Text
	}
	key += "\x02" + joined
	v, ok := joinVerdicts.get(key)
	if !ok {
		v = equiv.Verdict{Unknown: "the joined RUN does not parse"}
		if s := joinedScript(d, joined); s != nil {
			v = equiv.Check(orig, []equiv.Program{{File: s.File, Flags: orig[0].Flags}})
		}
		joinVerdicts.put(key, v)
	}
	observe(Observation{Kind: "join", Line: runs[0].StartLine, Verdict: v, Applied: v.Same})
	return v
}

// joinedScript is the shell analysis of one RUN instruction's text, read
// with the document's escape character as ast.ReadRun reads it (nil when
// the text is not one shell-form RUN), under `/bin/sh -c`, as a
// document of its own gives it. The reading is kept in readRuns,
// by the text as the chain will find it once the join is applied (its
// lines, the last one ended), so that the chain's check of the applied
// join takes it instead of reading the same text again (sharedShell).
func joinedScript(d *ast.Document, text string) *ast.Script {
	src := []byte(text)
	if len(src) == 0 || src[len(src)-1] != '\n' {
		src = append(src, '\n')
	}
	t, ok := readRun(d.Escape, src)
	if !ok {
		return nil
	}
	// Not read back from readRuns: an entry there may be a reading under
	// another SHELL, which TakeShell checks and this caller could not.
	readRuns.put(runKey(d.Escape, src), t)
	return t.Script
}

// runDocument is a document of one RUN instruction's text, read as d
// reads it: the same escape character and, when given, the same SHELL. A
// RUN is checked in it at the cost of a small parse instead of the whole
// file's; shift is where the instruction's text starts.
func runDocument(d *ast.Document, shell []string, run []byte) (src []byte, shift int) {
	var pre strings.Builder
	if d.Escape != '\\' {
		// Only another escape character is named: BuildKit compiles a
		// pattern for each escape directive it reads.
		pre.WriteString("# escape=" + string(d.Escape) + "\n")
	}
	pre.WriteString("FROM scratch\n")
	if len(shell) > 0 && !(len(shell) == 2 && shell[0] == "/bin/sh" && shell[1] == "-c") {
		js, _ := json.Marshal(shell)
		pre.WriteString("SHELL " + string(js) + "\n")
	}
	src = append([]byte(pre.String()), run...)
	return append(src, '\n'), pre.Len()
}

// Observation is one semantic check the chain made, for tests that prove
// every applied edit was checked.
type Observation struct {
	Kind    string // join, edit
	Rule    string
	Line    int
	Verdict equiv.Verdict
	Applied bool
}

var (
	observerMu sync.Mutex
	observer   func(Observation)
)

// Observe sets a function that sees every semantic check (nil: none);
// it returns the previous one. For tests.
func Observe(f func(Observation)) func(Observation) {
	observerMu.Lock()
	defer observerMu.Unlock()
	old := observer
	observer = f
	return old
}

func observe(o Observation) {
	observerMu.Lock()
	f := observer
	observerMu.Unlock()
	if f != nil {
		f(o)
	}
}

// editIdent knows the commands of a RUN before and after in-place edits
// by their offset in the text before: a command whose name an edit
// replaced or deleted is removed; one whose name lies in inserted text is
// added.
type editIdent struct {
	idx  *editIndex // the edits, against the document before
	base int        // the instruction's start before the edits
}

func (e editIdent) before(s *ast.Script) func(syntax.Pos) (string, equiv.Kind) {
	return func(p syntax.Pos) (string, equiv.Kind) {
		off := s.Orig(p)
		if e.idx.removes(off) {
			return "", equiv.Removed
		}
		return strconv.Itoa(off - e.base), equiv.Keep
	}
}

func (e editIdent) after(s *ast.Script) func(syntax.Pos) (string, equiv.Kind) {
	return func(p syntax.Pos) (string, equiv.Kind) {
		off, inserted := e.idx.mapOffset(s.Orig(p))
		if inserted {
			return "", equiv.Added
		}
		return strconv.Itoa(off - e.base), equiv.Keep
	}
}
