package ast

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
)

// sentinel is the last line of RunWrapper's document.
const sentinel = "LABEL dfopt=sentinel\n"

// RunWrapper is the document in which ReadRun reads the text of one
// instruction (its lines; a missing last line terminator is added): the
// text between `FROM scratch` and a sentinel LABEL, which a text that
// ends in a continuation swallows, under the escape character esc.
func RunWrapper(esc rune, text []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(text) + 48)
	if esc == '`' {
		b.WriteString("# escape=`\n")
	}
	b.WriteString("FROM scratch\n")
	b.Write(text)
	if len(text) == 0 || text[len(text)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteString(sentinel)
	return b.Bytes()
}

// ReadRun is Parse of RunWrapper(esc, text) read for what it says of
// the text: ok is true when that document parses and holds three
// instructions, the third a LABEL (the text is one instruction, which
// ends where the text ends); its analysis is then Shell of the second
// instruction, the text's (t.Script, nil when it is no shell-form RUN);
// t is nil when ok is false.
//
// Only what the answer depends on is built: BuildKit parses the whole
// document, as Parse does, but of its instructions only the text's is
// built. The FROM is `FROM scratch` on a line of its own (no text comes
// before it), which builds without error and gives its stage the shell
// `/bin/sh -c`; the text's instruction runs under it as under no stage.
// The sentinel, when its node starts on the document's last line, is
// that line, `LABEL dfopt=sentinel`, which builds without error; another
// LABEL (the text's, swallowing the sentinel) is built for its errors.
//
// It serves TakeShell only when the text is the instruction's
// lines exactly: the instruction starts at its first byte and ends with
// its last line.
func ReadRun(esc rune, text []byte) (t *RunText, ok bool) {
	src := RunWrapper(esc, text)
	if bytes.IndexByte(src, 0) >= 0 || !utf8.Valid(src) {
		return nil, false
	}
	lines := splitLines(src)
	root, esc, err := parseNodes(src, lines)
	if err != nil {
		return nil, false
	}
	nodes := root.Children
	if len(nodes) != 3 || strings.ToLower(nodes[2].Value) != "label" {
		return nil, false
	}
	defer func() {
		if recover() != nil {
			t, ok = nil, false // Parse's error: BuildKit panicked
		}
	}()
	d := &Document{Path: "check", Src: src, Escape: esc}
	d.setLineTable(lines)
	lint := linter.New(&linter.Config{})
	if nodes[2].StartLine != len(d.Lines) {
		if _, err := instructions.ParseInstructionWithLinter(nodes[2], lint); err != nil {
			return nil, false
		}
		if _, err := d.newInstruction(nodes[2], 2); err != nil {
			return nil, false
		}
	}
	ins, err := d.build(nodes[1], lint)
	if err != nil {
		return nil, false
	}
	// Under no stage, the shell is `/bin/sh -c`, as in `FROM scratch`.
	ins.Stage, ins.Index = -1, 0
	d.Instructions = []*Instruction{ins}
	t = d.RunText(ins)
	if ins.Span.Start != wrapperStart(esc) || ins.Next != len(src)-len(sentinel) {
		t.text = nil // the instruction is not the text's lines
	} else if takeable(ins) {
		t.ins = ins // ends on the text's last line, the sentinel after it
	}
	return t, true
}

// A RunText is the shell analysis of an instruction with its text
// (Src[Span.Start:Next]), escape character and shell, which an
// instruction of another document with the same text can take
// (TakeShell).
type RunText struct {
	Script *Script
	shell  []string
	esc    rune
	text   []byte
	start  int // the text's offset in its document

	// ins is ReadRun's instruction when Reparse may take it (the text
	// is its lines, which end where they end whatever follows:
	// reparse_take.go); nil from Document.RunText.
	ins *Instruction
}

// RunText is the shell analysis of ins, an instruction of d, for
// TakeShell. An instruction on the first line is not handed on: there a
// byte order mark is not part of its text.
func (d *Document) RunText(ins *Instruction) *RunText {
	t := &RunText{Script: d.Shell(ins), shell: d.ShellOf(ins), esc: d.Escape, start: ins.Span.Start}
	if ins.StartLine > 1 {
		t.text = d.Src[ins.Span.Start:ins.Next]
	}
	return t
}

// wrapperStart is where the text starts in RunWrapper's document.
func wrapperStart(esc rune) int {
	if esc == '`' {
		return len("# escape=`\nFROM scratch\n")
	}
	return len("FROM scratch\n")
}

// TakeShell gives ins, an instruction of d not yet analysed, the shell
// analysis of t when its text, Src[Span.Start:Next], is t's and d has
// t's escape character, for Document.Shell to take when ins runs under
// t's shell: BuildKit reads the same lines alike, and the analysis is a
// function of the instruction's text and shell alone (Reparse hands it
// on on the same grounds), the offsets aside.
func (d *Document) TakeShell(ins *Instruction, t *RunText) {
	if ins.shellDone || ins.prior != nil || t == nil || t.text == nil || t.esc != d.Escape ||
		ins.StartLine == 1 || !bytes.Equal(d.Src[ins.Span.Start:ins.Next], t.text) {
		return
	}
	ins.prior = &priorShell{script: t.Script, shell: t.shell, delta: ins.Span.Start - t.start}
	if CheckReparse {
		if got, ok := ins.prior.take(d.ShellOf(ins)); ok {
			if want := d.shell(ins); !reflect.DeepEqual(scriptView(got), scriptView(want)) {
				panic(fmt.Sprintf("ast.TakeShell, line %d: %+v, want %+v", ins.StartLine, scriptView(got), scriptView(want)))
			}
		}
	}
}
