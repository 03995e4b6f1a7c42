package ast

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"mvdan.cc/sh/v3/syntax"
)

// Word is one shell word of a simple command.
type Word struct {
	Value string // the word's value when Lit, else its text as written
	Lit   bool   // no expansions: Value is exactly what the command receives
	Span  Span   // in Document.Src
}

// Command is one simple command a RUN executes.
type Command struct {
	Name    string   // Args[0].Value
	Args    []Word   // Args[0] is the command name
	Assigns []string // NAME=value prefixes, as written
	Span    Span     // from the first assignment or word to the last word
	Call    *syntax.CallExpr
}

// Script is the shell analysis of a RUN.
type Script struct {
	Text     string // exactly what the shell sees
	File     *syntax.File
	Commands []Command
	// Comments reports a shell comment in the text: appending to such a
	// text can end up inside the comment.
	Comments bool
	// Background reports a command started with `&`.
	Background bool
	// Interp is the shell command that reads the script from a heredoc
	// (`bash -e` for `RUN <<EOT bash -e`), nil for a RUN's own shell;
	// Flags are its options one by one, for the equivalence check.
	Interp []string
	Flags  []string
	// ReadOnly, when set, says why the script's text is not in the file as
	// written (an exec-form argv, a script in a JSON string, commands
	// read from a Python script): its spans are those of the instruction's
	// arguments, good for locating, never for editing.
	ReadOnly string
	off      offsets
}

// Orig maps a syntax position to its offset in Document.Src.
func (s *Script) Orig(p syntax.Pos) int {
	return s.off.at(min(int(p.Offset()), s.off.len()-1))
}

// SpanOf returns the Src span of any syntax node.
func (s *Script) SpanOf(n syntax.Node) Span {
	end := int(n.End().Offset())
	if end == 0 {
		return Span{s.Orig(n.Pos()), s.Orig(n.Pos())}
	}
	return Span{s.Orig(n.Pos()), s.off.at(end-1) + 1}
}

var windowsImage = regexp.MustCompile(`(?i)(windows|nanoserver|servercore)`)

// isWindowsImage is windowsImage.MatchString(ref). An ASCII reference is
// looked at without the regexp: within ASCII its case folding is
// ASCII's, so lower-casing finds the same names.
func isWindowsImage(ref string) bool {
	for i := 0; i < len(ref); i++ {
		if ref[i] >= utf8.RuneSelf {
			return windowsImage.MatchString(ref)
		}
	}
	ref = strings.ToLower(ref)
	return strings.Contains(ref, "windows") || strings.Contains(ref, "nanoserver") || strings.Contains(ref, "servercore")
}

// ShellOf is the shell a shell-form instruction runs under: the stage's
// SHELL, inherited through `FROM <stage>`, or the platform default.
//
// The slice is shared: callers must not change it.
func (d *Document) ShellOf(ins *Instruction) []string {
	if ins.Stage < 0 {
		return posixShell
	}
	if d.shells == nil {
		d.shells = d.shellTable()
	}
	return d.shells[ins.Index]
}

// shellTable is ShellOf of every instruction, in one forward walk of each
// stage: the last SHELL before it in its stage, or what the stage
// inherits (stageShell past its end of the stage it is built on).
func (d *Document) shellTable() [][]string {
	out := make([][]string, len(d.Instructions))
	for _, st := range d.Stages {
		cur := d.stageShell(st, -1, 0)
		for _, in := range st.Instructions {
			out[in.Index] = cur
			if in.Cmd == "shell" {
				cur = in.Args
			}
		}
	}
	return out
}

func (d *Document) stageShell(st *Stage, before int, depth int) []string {
	for i := len(st.Instructions) - 1; i >= 0; i-- {
		in := st.Instructions[i]
		if in.Index < before && in.Cmd == "shell" {
			return in.Args
		}
	}
	if parent := d.StageByName(st.Base); parent != nil && parent.Index < st.Index && depth < 64 {
		return d.stageShell(parent, 1<<30, depth+1)
	}
	if isWindowsImage(st.Base) {
		return windowsShell
	}
	return posixShell
}

// The default shells, Linux's and Windows', shared (a literal's length
// is its capacity: an append copies).
var (
	posixShell   = []string{"/bin/sh", "-c"}
	windowsShell = []string{"cmd", "/S", "/C"}
)

// IsPOSIX reports whether the instruction's shell is a POSIX shell.
func (d *Document) IsPOSIX(ins *Instruction) bool {
	sh := d.ShellOf(ins)
	if len(sh) == 0 {
		return false
	}
	return IsShellProgram(sh[0])
}

var scriptHeredoc = regexp.MustCompile(`^<<-?(["']?)([A-Za-z0-9_.-]+)(["']?)$`)

// Shell analyses a shell-form RUN under a POSIX shell. It returns nil when
// there is nothing a transform may touch: JSON form, a non-POSIX SHELL, a
// script run by another interpreter, or shell text that does not parse.
//
// The analysis is computed once per instruction; callers must not modify
// the returned Script.
func (d *Document) Shell(ins *Instruction) *Script {
	if !ins.shellDone {
		var ok bool
		if ins.prior != nil {
			ins.script, ok = ins.prior.take(d.ShellOf(ins))
		}
		if !ok {
			ins.script = d.shellOf(ins)
		}
		if !d.ownTree(ins, ins.script) {
			ins.script = d.shell(ins)
		}
		ins.shellDone, ins.prior = true, nil
	}
	return ins.script
}

// ownTree reports whether no other instruction of the document holds the
// syntax tree of sc, and records that ins holds it. An analysis handed on
// (recentScripts, Reparse's prior analysis) shares its tree with the
// instruction it was made for, which is right in another document and
// wrong in the same one: two RUNs of one text in a file would share their
// syntax nodes, and callers key what they learn of a command on its node
// (cacheplan's removals by *syntax.CallExpr), so the second RUN would be
// given the first one's edits. Such a RUN gets an analysis of its own.
func (d *Document) ownTree(ins *Instruction, sc *Script) bool {
	if sc == nil || sc.File == nil {
		return true // no syntax nodes to share
	}
	if other, ok := d.trees[sc.File]; ok && other != ins {
		return false
	}
	if d.trees == nil {
		d.trees = map[*syntax.File]*Instruction{}
	}
	d.trees[sc.File] = ins
	return true
}

func (d *Document) shell(ins *Instruction) *Script {
	if ins.Cmd != "run" || ins.JSON || !d.IsPOSIX(ins) {
		return nil
	}
	j := &ins.joined
	// The first byte of the arguments: the logical line's bytes lie in
	// file order, their offsets grow.
	k := sort.Search(len(j.text), func(k int) bool { return j.off.at(k) >= ins.ArgsStart })
	sc := &Script{}
	var text string
	if len(ins.Heredocs) == 1 && scriptHeredoc.Match(bytes.TrimSpace(j.text[k:])) {
		// RUN <<EOF: the body is the script.
		h := ins.Heredocs[0]
		body := d.Src[h.Body.Start:h.Body.End]
		if bytes.HasPrefix(body, []byte("#!")) {
			first, _, _ := bytes.Cut(body, []byte("\n"))
			if !bytes.Contains(first, []byte("sh")) {
				return nil
			}
		}
		var b []byte
		b, sc.off, _ = d.heredocBody(h, false)
		text = string(b)
	} else {
		sc.off.runs = make([]offRun, 0, len(j.off.runs)+1)
		sc.off.appendRange(j.off, k, len(j.text))
		if len(ins.Heredocs) > 0 {
			text = d.withHeredocs(ins, j.text[k:], &sc.off)
		} else {
			text = d.srcText(j.text[k:], sc.off)
			sc.off.add(j.off.at(len(j.text)), 1)
		}
	}
	if !sc.parse(text) {
		return nil
	}
	if len(ins.Heredocs) == 1 {
		if body := d.shellHeredoc(ins, sc); body != nil {
			return body
		}
	}
	return sc
}

// srcText is text, whose bytes off maps, as a string: cut from Src's
// when they are one run of consecutive bytes of Src there (a RUN on one
// line), else a copy.
func (d *Document) srcText(text []byte, off offsets) string {
	if len(off.runs) == 1 && !off.runs[0].fixed && off.n == len(text) {
		start := off.at(0)
		return d.str()[start : start+len(text)]
	}
	return string(text)
}

// withHeredocs is the shell text of a RUN's arguments (args, mapped in
// off) followed by its heredocs, as the shell reads them: a newline, the
// heredoc lines without the CRs of CRLF ends, a newline.
func (d *Document) withHeredocs(ins *Instruction, args []byte, off *offsets) string {
	j := &ins.joined
	hs := ins.Heredocs[0].Body.Start
	he := ins.Heredocs[len(ins.Heredocs)-1].Term.End
	text := make([]byte, 0, len(args)+he-hs+2)
	text = append(text, args...)
	text = append(text, '\n')
	off.add(j.off.at(len(j.text)), 1)
	for i := hs; i < he; i++ {
		if isCR(d.Src, i) {
			continue
		}
		text = append(text, d.Src[i])
		off.add(i, 1)
	}
	text = append(text, '\n')
	off.add(he, 1)
	off.add(he, 1)
	return string(text)
}

// shellHeredoc is the script of a heredoc fed to a POSIX shell (`RUN
// <<EOT bash -e`): the body, read like the body of `RUN <<EOT`, with the
// shell's options. nil when the RUN is not one, or when the outer shell
// would expand the body before the inner one reads it.
func (d *Document) shellHeredoc(ins *Instruction, outer *Script) *Script {
	argv := heredocInterp(outer.File)
	flags, _, hasC, ok := ShellOptions(argv)
	if !ok || hasC {
		return nil
	}
	text, off, ok := d.heredocBody(ins.Heredocs[0], true)
	if !ok {
		return nil
	}
	sc := &Script{off: off, Interp: argv, Flags: flags}
	if !sc.parse(string(text)) {
		return nil
	}
	return sc
}

// shellParser is a bash parser that keeps comments, with a reader for
// the text it parses.
type shellParser struct {
	p *syntax.Parser
	r strings.Reader
}

// shellParsers are shell parsers, reused: a parser starts afresh at
// every Parse (it keeps nothing of a text once Parse returns, the File
// aside, which is the caller's), and making one costs about a fifth of
// parsing a short RUN.
var shellParsers = sync.Pool{New: func() any {
	return &shellParser{p: syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))}
}}

// parse parses the script's text and lists its commands.
func (sc *Script) parse(text string) bool {
	sc.Text = text
	sp := shellParsers.Get().(*shellParser)
	sp.r.Reset(sc.Text)
	f, err := sp.p.Parse(&sp.r, "")
	sp.r.Reset("")
	shellParsers.Put(sp)
	if err != nil {
		return false
	}
	sc.File = f
	calls := callScratch.Get().(*[]*syntax.CallExpr)
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				*calls = append(*calls, n)
			}
		case *syntax.Comment:
			sc.Comments = true
		case *syntax.Stmt:
			if n.Background {
				sc.Background = true
			}
		case *syntax.Word:
			return !plainParts(n)
		}
		return true
	})
	sc.commands(*calls)
	clear(*calls)
	*calls = (*calls)[:0]
	callScratch.Put(calls)
	return true
}

// plainParts reports a word made of literals and single quotes alone:
// nodes without children, none of them a command, a statement or a
// comment, which the walk need not visit.
func plainParts(w *syntax.Word) bool {
	for _, p := range w.Parts {
		switch p.(type) {
		case *syntax.Lit, *syntax.SglQuoted:
		default:
			return false
		}
	}
	return true
}

// callScratch holds the calls of a script while it is walked, reused:
// the commands are then made in slices of their exact size.
var callScratch = sync.Pool{New: func() any { return new([]*syntax.CallExpr) }}

// commands lists the commands of the calls, in order. Their words and
// assignments are cut from one slice each (capped, so that appending to
// one command's copies them), not grown one by one.
func (s *Script) commands(calls []*syntax.CallExpr) {
	if len(calls) == 0 {
		return
	}
	nw, na := 0, 0
	for _, c := range calls {
		nw += len(c.Args)
		na += len(c.Assigns)
	}
	words := make([]Word, nw)
	var assigns []string
	if na > 0 {
		assigns = make([]string, na)
	}
	s.Commands = make([]Command, len(calls))
	for i, c := range calls {
		cmd := &s.Commands[i]
		cmd.Call = c
		if n := len(c.Assigns); n > 0 {
			cmd.Assigns = assigns[:n:n]
			assigns = assigns[n:]
			for k, a := range c.Assigns {
				cmd.Assigns[k] = s.Text[a.Pos().Offset():a.End().Offset()]
			}
		}
		n := len(c.Args)
		cmd.Args = words[:n:n]
		words = words[n:]
		for k, w := range c.Args {
			cmd.Args[k] = s.word(w)
		}
		s.command(cmd)
	}
}

// isCR reports a CR that ends a CRLF line.
func isCR(src []byte, i int) bool {
	return src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n'
}

// command completes a command whose words and assignments are listed.
func (s *Script) command(cmd *Command) {
	c := cmd.Call
	cmd.Name = cmd.Args[0].Value
	start := c.Args[0].Pos()
	if len(c.Assigns) > 0 {
		start = c.Assigns[0].Pos()
	}
	cmd.Span = Span{s.Orig(start), cmd.Args[len(cmd.Args)-1].Span.End}
}

func (s *Script) word(w *syntax.Word) Word {
	out := Word{Span: s.SpanOf(w)}
	out.Value, out.Lit = LitValue(w)
	if !out.Lit {
		out.Value = s.Text[w.Pos().Offset():w.End().Offset()]
	}
	return out
}

// LitValue returns what a shell word expands to when it has no expansions
// (quotes removed, backslash escapes resolved), and false otherwise.
func LitValue(w *syntax.Word) (string, bool) {
	if len(w.Parts) == 1 {
		// One part: its value as it stands, not copied.
		switch p := w.Parts[0].(type) {
		case *syntax.Lit:
			return unescape(p.Value), true
		case *syntax.SglQuoted:
			if !p.Dollar {
				return p.Value, true
			}
		}
	}
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value))
		case *syntax.SglQuoted:
			if p.Dollar {
				return "", false
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				l, ok := q.(*syntax.Lit)
				if !ok {
					return "", false
				}
				b.WriteString(l.Value)
			}
		default:
			return "", false
		}
	}
	return b.String(), true
}

func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
