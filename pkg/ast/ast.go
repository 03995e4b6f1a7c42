// Package ast is dfopt's lossless model of a Dockerfile.
//
// A Document keeps the bytes it was read from; every Instruction knows its
// exact byte span in those bytes. Nothing is ever printed back from the
// model: transforms compute byte-range edits against Document.Src.
package ast

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// Span is a half-open byte range [Start, End) in Document.Src.
type Span struct{ Start, End int }

// Len is the number of bytes in the span.
func (s Span) Len() int { return s.End - s.Start }

// Line is one physical line: its text is Src[Start:End] (without the line
// terminator); the terminator is Src[End:Next].
type Line struct{ Start, End, Next int }

// Directive is a parser directive (`# syntax=`, `# escape=`, `# check=`).
type Directive struct {
	Name  string // lower-case
	Value string
	Line  int // 1-based
	Span  Span
}

// Flag is one `--name=value` flag of an instruction.
type Flag struct {
	Name  string // without the leading dashes
	Value string // value after '=', unquoted as BuildKit reads it
	Raw   string // what BuildKit hands the instruction parser
	Span  Span   // the flag's text in Src (may span continuation lines)
}

// Heredoc is one here-document of an instruction.
type Heredoc struct {
	Name    string
	Expand  bool
	Chomp   bool
	Content string
	Body    Span // the body lines, terminator excluded
	Term    Span // the terminator line's text
}

// Instruction is one Dockerfile instruction with its exact source.
type Instruction struct {
	Keyword    string // as spelled in the file
	Cmd        string // lower-case keyword
	StartLine  int    // 1-based, as BuildKit counts
	EndLine    int    // last line, heredoc terminators included
	Span       Span   // first byte of the first line .. end of the last line's text
	Next       int    // end of the last line's terminator
	KeywordPos Span
	Flags      []Flag
	Args       []string // BuildKit's argument values
	ArgsStart  int      // offset in Src where the arguments (after the flags) begin
	JSON       bool     // exec (JSON) form
	Heredocs   []Heredoc
	Stage      int // index into Document.Stages, -1 before the first FROM
	Index      int // index into Document.Instructions
	Node       *parser.Node
	Command    instructions.Command // BuildKit's typed instruction (nil for FROM/ONBUILD meta)

	from *instructions.Stage // a FROM's typed instruction

	joined    joinedText
	script    *Script // memoized Document.Shell
	shellDone bool
	prior     *priorShell // the analysis of the same text before an edit (Reparse)
	mounts    *mountsRead // the last reading of Mounts
}

// Flag returns the first flag with that name, or nil.
func (ins *Instruction) Flag(name string) *Flag {
	for i := range ins.Flags {
		if ins.Flags[i].Name == name {
			return &ins.Flags[i]
		}
	}
	return nil
}

// Stage is one build stage, opened by a FROM.
type Stage struct {
	Index        int
	Name         string // lower-cased `AS` name, "" when unnamed
	Base         string // the FROM image reference as written
	Platform     string
	From         *Instruction
	Instructions []*Instruction // FROM included, in order: a part of Document.Instructions, read only
}

// Document is a parsed Dockerfile that keeps its original bytes.
type Document struct {
	Path         string
	Src          []byte
	BOM          bool
	CRLF         bool // the file's line-ending style
	FinalNewline bool
	Escape       rune
	Lines        []Line
	Directives   []Directive
	Instructions []*Instruction
	Stages       []*Stage

	text     string                        // Src as a string, made when first asked (str)
	slab     buildSlab                     // what build cuts instructions from
	contains map[string]bool               // memoized Contains
	linesOf  map[string][]int              // memoized LinesWith
	trees    map[*syntax.File]*Instruction // the instruction that holds each syntax tree (ownTree)
	indent   *string                       // memoized ContinuationIndent
	shells   [][]string                    // memoized ShellOf, by instruction index
	envs     []StageEnv                    // memoized Envs
}

// Contains reports whether the source holds s anywhere. The answer is
// kept, for callers that ask for every instruction (pragma lookups).
func (d *Document) Contains(s string) bool {
	if v, ok := d.contains[s]; ok {
		return v
	}
	if d.contains == nil {
		d.contains = map[string]bool{}
	}
	v := strings.Contains(d.str(), s)
	d.contains[s] = v
	return v
}

// ErrBinary and friends describe input that is not a Dockerfile.
var (
	ErrBinary  = errors.New("binary data, not a text file")
	ErrNotUTF8 = errors.New("not valid UTF-8 text")
)

// Parse reads a Dockerfile. It fails on anything BuildKit would reject.
func Parse(path string, src []byte) (doc *Document, err error) {
	if bytes.IndexByte(src, 0) >= 0 {
		return nil, ErrBinary
	}
	if !utf8.Valid(src) {
		return nil, ErrNotUTF8
	}
	lines := splitLines(src)
	root, esc, err := parseNodes(src, lines)
	if err != nil {
		return nil, cleanErr(err)
	}
	defer func() {
		if r := recover(); r != nil {
			doc, err = nil, fmt.Errorf("BuildKit's instruction parser panicked: %v", r)
		}
	}()
	doc = &Document{Path: path, Src: src, Escape: esc}
	doc.BOM = bytes.HasPrefix(src, bom)
	doc.FinalNewline = len(src) > 0 && src[len(src)-1] == '\n'
	doc.setLineTable(lines)
	doc.parseDirectives()
	doc.Instructions = make([]*Instruction, 0, len(root.Children))
	doc.slab.sized(root.Children, len(src), len(doc.Lines))
	staged := false
	for _, n := range root.Children {
		ins, err := doc.build(n, quietLinter)
		if err != nil {
			return nil, err
		}
		// In file order: the first error BuildKit would give.
		if staged = staged || ins.from != nil; !staged {
			if err := ins.beforeFrom(); err != nil {
				return nil, err
			}
		}
		doc.Instructions = append(doc.Instructions, ins)
	}
	if err := doc.link(); err != nil {
		return nil, err
	}
	return doc, nil
}

// setLines makes the line table of Src.
func (d *Document) setLines() { d.setLineTable(splitLines(d.Src)) }

// setLineTable takes lines, the line table of Src.
func (d *Document) setLineTable(lines []Line) {
	d.Lines = lines
	if len(d.Lines) > 0 {
		l := d.Lines[0]
		d.CRLF = l.Next-l.End == 2
	}
}

// build makes the instruction of one node of BuildKit's parse, with its
// typed command (a FROM's is kept in from, for link).
func (d *Document) build(n *parser.Node, lint *linter.Linter) (*Instruction, error) {
	ins, err := d.newInstruction(n, 0)
	if err != nil {
		return nil, err
	}
	cmd, err := instructions.ParseInstructionWithLinter(n, lint)
	if err != nil {
		return nil, cleanErr(parser.WithLocation(err, n.Location()))
	}
	switch c := cmd.(type) {
	case *instructions.Stage:
		ins.from = c
	case instructions.Command:
		ins.Command = c
	}
	return ins, nil
}

// beforeFrom is the error of an instruction before the first FROM: only
// ARG may stand there.
func (ins *Instruction) beforeFrom() error {
	if ins.Command != nil && ins.Cmd != "arg" {
		return cleanErr(parser.WithLocation(errors.New("no build stage in current context"), ins.Node.Location()))
	}
	return nil
}

// link numbers the instructions, puts each in its stage and lists the
// stages.
func (d *Document) link() error {
	stage := -1
	for i, ins := range d.Instructions {
		ins.Index = i
		if ins.from != nil {
			stage++
			d.Stages = append(d.Stages, &Stage{
				Index:    stage,
				Name:     ins.from.Name,
				Base:     ins.from.BaseName,
				Platform: ins.from.Platform,
				From:     ins,
			})
		} else if stage < 0 {
			if err := ins.beforeFrom(); err != nil {
				return err
			}
		}
		ins.Stage = stage
	}
	if len(d.Stages) == 0 {
		return errors.New("no FROM instruction")
	}
	// A stage's instructions run from its FROM to the next stage's: they
	// are that part of the document's, capped (an append copies).
	for k, st := range d.Stages {
		end := len(d.Instructions)
		if k+1 < len(d.Stages) {
			end = d.Stages[k+1].From.Index
		}
		st.Instructions = d.Instructions[st.From.Index:end:end]
	}
	return nil
}

// cleanErr turns BuildKit's errors into one line without a stack.
func cleanErr(err error) error {
	msg := err.Error()
	var loc *parser.LocationError
	if errors.As(err, &loc) && len(loc.Locations) > 0 && len(loc.Locations[0]) > 0 {
		line := loc.Locations[0][0].Start.Line
		if line > 0 && !strings.Contains(msg, "line ") {
			msg = fmt.Sprintf("line %d: %s", line, msg)
		}
	}
	msg = strings.TrimPrefix(msg, "dockerfile parse error on ")
	return errors.New(strings.SplitN(msg, "\n", 2)[0])
}

func splitLines(src []byte) []Line {
	lines := make([]Line, 0, bytes.Count(src, []byte{'\n'})+1)
	start := 0
	for start < len(src) {
		i := bytes.IndexByte(src[start:], '\n')
		next := len(src)
		if i >= 0 {
			next = start + i + 1
		}
		end := next
		for end > start && (src[end-1] == '\n' || src[end-1] == '\r') {
			end--
		}
		lines = append(lines, Line{Start: start, End: end, Next: next})
		start = next
	}
	return lines
}

func (d *Document) parseDirectives() {
	var dp parser.DirectiveParser
	for i, l := range d.Lines {
		text := d.Src[l.Start:l.End]
		start := l.Start
		if i == 0 && d.BOM {
			text = text[3:]
			start += 3
		}
		trimmed := bytes.TrimLeft(text, " \t")
		if len(trimmed) == 0 || trimmed[0] != '#' {
			return // what ParseLine finds: no directive, and none after
		}
		dir, err := dp.ParseLine(trimmed)
		if err != nil || dir == nil {
			return
		}
		d.Directives = append(d.Directives, Directive{
			Name: dir.Name, Value: dir.Value, Line: i + 1,
			Span: Span{start, l.End},
		})
	}
}

// Directive returns the directive with that name, or nil.
func (d *Document) Directive(name string) *Directive {
	for i := range d.Directives {
		if d.Directives[i].Name == name {
			return &d.Directives[i]
		}
	}
	return nil
}

// ContentStart is the first byte after the BOM.
func (d *Document) ContentStart() int {
	if d.BOM {
		return 3
	}
	return 0
}

// EOL is the file's line terminator.
func (d *Document) EOL() string {
	if d.CRLF {
		return "\r\n"
	}
	return "\n"
}

// str is Src as a string, copied once: the texts of lines and
// instructions are cut from it rather than copied one by one (a
// document's Src is never written).
func (d *Document) str() string {
	if len(d.text) != len(d.Src) {
		d.text = string(d.Src)
	}
	return d.text
}

// LineText is the text of a 1-based line without its terminator.
func (d *Document) LineText(n int) string {
	l := d.Lines[n-1]
	return d.str()[l.Start:l.End]
}

// Text is the instruction's source, without the last line's terminator.
func (ins *Instruction) Text(d *Document) string {
	return d.str()[ins.Span.Start:ins.Span.End]
}

// Indent is the leading white space of the line at offset off.
func (d *Document) Indent(off int) string {
	// The first line whose terminator ends at or after off (an offset
	// just after a terminator is its line's).
	if i := sort.Search(len(d.Lines), func(i int) bool { return d.Lines[i].Next >= off }); i < len(d.Lines) {
		if l := d.Lines[i]; off >= l.Start {
			s := l.Start
			if s == 0 && d.BOM {
				s = 3
			}
			e := s
			for e < l.End && (d.Src[e] == ' ' || d.Src[e] == '\t') {
				e++
			}
			return d.str()[s:e]
		}
	}
	return ""
}

// StageByName finds a stage by its name or index ("0", "1", …).
func (d *Document) StageByName(ref string) *Stage {
	ref = strings.ToLower(ref)
	for _, s := range d.Stages {
		if s.Name == ref {
			return s
		}
	}
	// Only digits can name an index (strconv.Atoi takes a sign too, but
	// Itoa gives none back): the others are not converted, which fails
	// with an error made for nothing.
	if !allDigits(ref) {
		return nil
	}
	if i, err := strconv.Atoi(ref); err == nil && i >= 0 && i < len(d.Stages) && strconv.Itoa(i) == ref {
		return d.Stages[i]
	}
	return nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// ContinuationIndent is the indentation of the file's first indented
// continuation line (comments and heredocs aside), four spaces when it
// has none. It is kept: rules ask for every line they write.
func (d *Document) ContinuationIndent() string {
	if d.indent == nil {
		ind := d.continuationIndent()
		d.indent = &ind
	}
	return *d.indent
}

func (d *Document) continuationIndent() string {
	for _, ins := range d.Instructions {
		if ins.EndLine > ins.StartLine && len(ins.Heredocs) == 0 {
			for n := ins.StartLine + 1; n <= ins.EndLine; n++ {
				line := d.LineText(n)
				trimmed := strings.TrimLeft(line, " \t")
				if trimmed != "" && !strings.HasPrefix(trimmed, "#") {
					if ind := line[:len(line)-len(trimmed)]; ind != "" {
						return ind
					}
				}
			}
		}
	}
	return "    "
}

// LineOf is the 1-based line that holds offset off (the last line for an
// offset past the end).
func (d *Document) LineOf(off int) int {
	i := sort.Search(len(d.Lines), func(i int) bool { return d.Lines[i].Next > off })
	if i >= len(d.Lines) {
		return len(d.Lines)
	}
	return i + 1
}
