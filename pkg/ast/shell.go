package ast

import (
	"regexp"
	"strings"
	"sync"

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

// ShellOf is the shell a shell-form instruction runs under: the stage's
// SHELL, inherited through `FROM <stage>`, or the platform default.
func (d *Document) ShellOf(ins *Instruction) []string {
	if ins.Stage < 0 {
		return []string{"/bin/sh", "-c"}
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
	if windowsImage.MatchString(st.Base) {
		return []string{"cmd", "/S", "/C"}
	}
	return []string{"/bin/sh", "-c"}
}

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
			ins.script = d.shell(ins)
		}
		ins.shellDone, ins.prior = true, nil
	}
	return ins.script
}

func (d *Document) shell(ins *Instruction) *Script {
	if ins.Cmd != "run" || ins.JSON || !d.IsPOSIX(ins) {
		return nil
	}
	j := &ins.joined
	k := 0
	for k < len(j.text) && j.off.at(k) < ins.ArgsStart {
		k++
	}
	sc := &Script{}
	var text []byte
	args := strings.TrimSpace(string(j.text[k:]))
	if len(ins.Heredocs) == 1 && scriptHeredoc.MatchString(args) {
		// RUN <<EOF: the body is the script.
		h := ins.Heredocs[0]
		body := d.Src[h.Body.Start:h.Body.End]
		if strings.HasPrefix(string(body), "#!") {
			first, _, _ := strings.Cut(string(body), "\n")
			if !strings.Contains(first, "sh") {
				return nil
			}
		}
		text, sc.off, _ = d.heredocBody(h, false)
	} else {
		text = append(text, j.text[k:]...)
		sc.off.appendRange(j.off, k, len(j.text))
		if len(ins.Heredocs) > 0 {
			nl := j.off.at(len(j.text))
			text = append(text, '\n')
			sc.off.add(nl, 1)
			hs := ins.Heredocs[0].Body.Start
			he := ins.Heredocs[len(ins.Heredocs)-1].Term.End
			for i := hs; i < he; i++ {
				if isCR(d.Src, i) {
					continue
				}
				text = append(text, d.Src[i])
				sc.off.add(i, 1)
			}
			text = append(text, '\n')
			sc.off.add(he, 1)
			sc.off.add(he, 1)
		} else {
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
	if !sc.parse(text) {
		return nil
	}
	return sc
}

// shellParsers are bash parsers that keep comments, reused: a parser
// starts afresh at every Parse, and making one costs about a fifth of
// parsing a short RUN.
var shellParsers = sync.Pool{New: func() any {
	return syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(true))
}}

// parse parses the script's text and lists its commands.
func (sc *Script) parse(text []byte) bool {
	sc.Text = string(text)
	p := shellParsers.Get().(*syntax.Parser)
	f, err := p.Parse(strings.NewReader(sc.Text), "")
	shellParsers.Put(p)
	if err != nil {
		return false
	}
	sc.File = f
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			if len(n.Args) > 0 {
				sc.Commands = append(sc.Commands, sc.command(n))
			}
		case *syntax.Comment:
			sc.Comments = true
		case *syntax.Stmt:
			if n.Background {
				sc.Background = true
			}
		}
		return true
	})
	return true
}

// isCR reports a CR that ends a CRLF line.
func isCR(src []byte, i int) bool {
	return src[i] == '\r' && i+1 < len(src) && src[i+1] == '\n'
}

func (s *Script) command(c *syntax.CallExpr) Command {
	cmd := Command{Call: c}
	for _, a := range c.Assigns {
		cmd.Assigns = append(cmd.Assigns, s.Text[a.Pos().Offset():a.End().Offset()])
	}
	for _, w := range c.Args {
		cmd.Args = append(cmd.Args, s.word(w))
	}
	cmd.Name = cmd.Args[0].Value
	start := c.Args[0].Pos()
	if len(c.Assigns) > 0 {
		start = c.Assigns[0].Pos()
	}
	cmd.Span = Span{s.Orig(start), s.SpanOf(c.Args[len(c.Args)-1]).End}
	return cmd
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
