package ast

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// checkReparse panics when doc, made by Reparse, is not what Parse makes
// of the same text: every field of the document, its instructions and
// stages, and the shell analysis an instruction took over.
func checkReparse(doc *Document) {
	full, err := Parse(doc.Path, doc.Src)
	if err != nil {
		panic(fmt.Sprintf("Reparse: %s: the shortcut parsed what Parse rejects: %v", doc.Path, err))
	}
	if why := sameDocument(doc, full); why != "" {
		panic(fmt.Sprintf("Reparse: %s: not what Parse makes: %s", doc.Path, why))
	}
}

// checkQuick panics when the first parse's tree of src (quickNodes) is
// not parser.Parse's.
func checkQuick(src []byte, root *parser.Node, esc rune) {
	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		panic(fmt.Sprintf("quickNodes: made a tree of what Parse rejects: %v: %q", err, src))
	}
	if res.EscapeToken != esc || !reflect.DeepEqual(res.AST, root) {
		panic(fmt.Sprintf("quickNodes: not what Parse makes of %q", src))
	}
}

// sameDocument says how a and b differ, "" when they do not.
func sameDocument(a, b *Document) string {
	type head struct {
		BOM, CRLF, FinalNewline bool
		Escape                  rune
		Lines                   []Line
		Directives              []Directive
		n                       int
	}
	ha := head{a.BOM, a.CRLF, a.FinalNewline, a.Escape, a.Lines, a.Directives, len(a.Instructions)}
	hb := head{b.BOM, b.CRLF, b.FinalNewline, b.Escape, b.Lines, b.Directives, len(b.Instructions)}
	if !reflect.DeepEqual(ha, hb) {
		return fmt.Sprintf("document %+v, want %+v", ha, hb)
	}
	for i, x := range a.Instructions {
		if why := sameInstruction(a, x, b, b.Instructions[i]); why != "" {
			return fmt.Sprintf("instruction %d (line %d): %s", i, x.StartLine, why)
		}
	}
	if len(a.Stages) != len(b.Stages) {
		return "stages differ"
	}
	for i, s := range a.Stages {
		t := b.Stages[i]
		if s.Index != t.Index || s.Name != t.Name || s.Base != t.Base || s.Platform != t.Platform ||
			s.From.Index != t.From.Index || len(s.Instructions) != len(t.Instructions) {
			return fmt.Sprintf("stage %d differs", i)
		}
	}
	return ""
}

func sameInstruction(da *Document, a *Instruction, db *Document, b *Instruction) string {
	type fields struct {
		Keyword, Cmd             string
		StartLine, EndLine, Next int
		Span, KeywordPos         Span
		Flags                    []Flag
		Args                     []string
		ArgsStart                int
		JSON                     bool
		Heredocs                 []Heredoc
		Stage, Index             int
		Text                     []byte
		Off                      []int
		Command, From            string
		Node                     *nodeView
	}
	view := func(x *Instruction) fields {
		return fields{x.Keyword, x.Cmd, x.StartLine, x.EndLine, x.Next, x.Span, x.KeywordPos, x.Flags, x.Args,
			x.ArgsStart, x.JSON, x.Heredocs, x.Stage, x.Index, x.joined.text, x.joined.off.all(),
			fmt.Sprintf("%T", x.Command), fromView(x), newNodeView(x)}
	}
	va, vb := view(a), view(b)
	if !reflect.DeepEqual(va, vb) {
		return fmt.Sprintf("%+v, want %+v", va, vb)
	}
	if a.prior != nil {
		if got, ok := a.prior.take(da.ShellOf(a)); ok {
			want := db.shell(b)
			if !reflect.DeepEqual(scriptView(got), scriptView(want)) {
				return fmt.Sprintf("shell analysis taken over: %+v, want %+v", scriptView(got), scriptView(want))
			}
		}
	}
	return ""
}

// fromView is what the model reads of a FROM's typed instruction (its
// location is BuildKit's, not read).
func fromView(x *Instruction) string {
	if x.from == nil {
		return ""
	}
	return fmt.Sprintf("%q %q %q %q", x.from.Name, x.from.BaseName, x.from.Platform, x.from.SourceCode)
}

// nodeView is what of BuildKit's node the model holds, lines included.
type nodeView struct {
	Value, Original    string
	Flags              []string
	StartLine, EndLine int
	Attributes         map[string]bool
	PrevComment        []string
	Heredocs           []parser.Heredoc
	Dump               string
}

func newNodeView(x *Instruction) *nodeView {
	n := x.Node
	return &nodeView{n.Value, n.Original, n.Flags, n.StartLine, n.EndLine, n.Attributes, n.PrevComment, n.Heredocs, n.Dump()}
}

// scriptView is a Script without its syntax tree (whose positions are in
// the script's own text, which Text compares).
func scriptView(s *Script) any {
	if s == nil {
		return nil
	}
	type cmd struct {
		Name    string
		Args    []Word
		Assigns []string
		Span    Span
	}
	var cmds []cmd
	for _, c := range s.Commands {
		cmds = append(cmds, cmd{c.Name, c.Args, c.Assigns, c.Span})
	}
	return struct {
		Text                 string
		Cmds                 []cmd
		Comments, Background bool
		Interp, Flags        []string
		ReadOnly             string
		Off                  []int
	}{s.Text, cmds, s.Comments, s.Background, s.Interp, s.Flags, s.ReadOnly, s.off.all()}
}
