package ast

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// joinedText is an instruction's logical line as BuildKit sees it
// (continuations removed, comment and empty continuation lines dropped),
// with the Src offset of every byte. off maps one more byte than text:
// the offset just after the last byte.
type joinedText struct {
	text []byte
	off  offsets
}

func (j *joinedText) add(src []byte, start, end int) {
	j.text = append(j.text, src[start:end]...)
	j.off.add(start, end-start)
}

// isSpace is a blank as BuildKit's splitCommand and its dispatch
// parsers' word splitting see it (their pattern [\t\v\f\r ]).
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' }

// isSpaceRune is isSpace of a rune.
func isSpaceRune(r rune) bool { return r < utf8.RuneSelf && isSpace(byte(r)) }

// trimLeftSpace skips the leading white space of src[s:e] as BuildKit's
// parser does before it reads a line's first word, or decides that a
// line is a comment or empty (trimLeadingWhitespace: unicode.IsSpace,
// which also takes a no-break space, U+0085 and the other spaces of
// Unicode, not only ASCII blanks).
func trimLeftSpace(src []byte, s, e int) int {
	for s < e {
		if c := src[s]; c < utf8.RuneSelf {
			if c != ' ' && (c < '\t' || c > '\r') {
				return s
			}
			s++
			continue
		}
		r, n := utf8.DecodeRune(src[s:e])
		if !unicode.IsSpace(r) {
			return s
		}
		s += n
	}
	return s
}

// isCommentLine reports whether a line is a comment, as BuildKit decides.
func isCommentLine(src []byte, s, e int) bool {
	s = trimLeftSpace(src, s, e)
	return s < e && src[s] == '#'
}

// continuation reports whether text[s:e] ends with the escape character
// (trailing blanks allowed) and, if so, where the kept text ends.
func continuation(src []byte, s, e int, escape byte) (int, bool) {
	t := e
	for t > s && (src[t-1] == ' ' || src[t-1] == '\t') {
		t--
	}
	if t == s || src[t-1] != escape {
		return e, false
	}
	if t-1 > s && src[t-2] == escape {
		return e, false
	}
	return t - 1, true
}

func (d *Document) newInstruction(n *parser.Node, index int) (*Instruction, error) {
	if n.StartLine < 1 || n.EndLine > len(d.Lines) || n.StartLine > n.EndLine {
		return nil, fmt.Errorf("line %d: instruction outside the file", n.StartLine)
	}
	first := d.Lines[n.StartLine-1]
	last := d.Lines[n.EndLine-1]
	ins := d.slab.instruction()
	*ins = Instruction{
		Cmd:       strings.ToLower(n.Value),
		StartLine: n.StartLine,
		EndLine:   n.EndLine,
		Span:      Span{first.Start, last.End},
		Next:      last.Next,
		JSON:      n.Attributes["json"],
		Stage:     -1,
		Index:     index,
		Node:      n,
	}
	ins.Args = d.nodeValues(n.Next)
	esc := byte(d.Escape)
	src := d.Src
	j := &ins.joined
	// The logical line is at most the instruction's text, in one run per
	// line and one for the end.
	j.text = cut(&d.slab.text, last.End-first.Start)
	j.off.runs = cut(&d.slab.runs, n.EndLine-n.StartLine+2)
	li := n.StartLine - 1
	s := first.Start
	if li == 0 && d.BOM {
		s += 3
	}
	s = trimLeftSpace(src, s, first.End)
	cut, more := continuation(src, s, first.End, esc)
	j.add(src, s, cut)
	li++
	for more && li < n.EndLine {
		l := d.Lines[li]
		li++
		if isCommentLine(src, l.Start, l.End) || trimLeftSpace(src, l.Start, l.End) == l.End {
			continue
		}
		cut, more = continuation(src, l.Start, l.End, esc)
		j.add(src, l.Start, cut)
	}
	j.off.add(d.Lines[li-1].End, 1)

	if err := d.heredocs(ins, li); err != nil {
		return nil, err
	}

	// Keyword, then flags, then arguments.
	t := j.text
	p := 0
	for p < len(t) && !isSpace(t[p]) {
		p++
	}
	ins.Keyword = keyword(t[:p], ins.Cmd)
	ins.KeywordPos = Span{j.off.at(0), j.off.at(p)}
	p = d.scanFlags(ins, p, esc)
	ins.ArgsStart = j.off.at(p)
	return ins, nil
}

// heredocs finds the bodies of the instruction's heredocs, which follow
// its logical line: its lines from li (0-based) on.
func (d *Document) heredocs(ins *Instruction, li int) error {
	n := ins.Node
	if len(n.Heredocs) > 0 {
		ins.Heredocs = make([]Heredoc, 0, len(n.Heredocs))
	}
	for _, h := range n.Heredocs {
		hd := Heredoc{Name: h.Name, Expand: h.Expand, Chomp: h.Chomp, Content: h.Content}
		if li >= n.EndLine {
			return fmt.Errorf("line %d: heredoc %q has no body", n.StartLine, h.Name)
		}
		hd.Body.Start = d.Lines[li].Start
		for li < n.EndLine {
			l := d.Lines[li]
			li++
			t := d.Src[l.Start:l.End]
			if h.Chomp {
				t = bytes.TrimLeft(t, "\t")
			}
			if string(t) == h.Name {
				hd.Body.End = l.Start
				hd.Term = Span{l.Start, l.End}
				break
			}
		}
		ins.Heredocs = append(ins.Heredocs, hd)
	}
	return nil
}

// nodeValues lists the values of a node and those after it, nil for
// none.
func (d *Document) nodeValues(n *parser.Node) []string {
	k := 0
	for a := n; a != nil; a = a.Next {
		k++
	}
	if k == 0 {
		return nil
	}
	out := d.slab.values(k)
	for a := n; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

// scanFlags reads the flag words of the joined text from p (flagWord),
// recording each flag's span, and returns where the arguments begin.
func (d *Document) scanFlags(ins *Instruction, p int, esc byte) int {
	t := string(ins.joined.text)
	raw := ins.Node.Flags
	for {
		p = skipFlagBlanks(t, p)
		if !strings.HasPrefix(t[p:], "--") {
			return p
		}
		start := p
		word, end, stop := flagWord(t, p, esc)
		if stop {
			return skipFlagBlanks(t, end)
		}
		p = end
		f := Flag{Span: Span{ins.joined.off.at(start), ins.joined.off.at(p-1) + 1}}
		if k := len(ins.Flags); k < len(raw) {
			f.Raw = raw[k]
		} else {
			f.Raw = word
		}
		name, value, _ := strings.Cut(strings.TrimPrefix(f.Raw, "--"), "=")
		f.Name, f.Value = strings.ToLower(name), value
		if ins.Flags == nil {
			ins.Flags = d.slab.flagSlice(max(len(raw), 1))
		}
		ins.Flags = append(ins.Flags, f)
	}
}

// Logical is the instruction's logical line as BuildKit reads it.
func (ins *Instruction) Logical() string { return string(ins.joined.text) }

// Orig maps an offset in Logical() to its offset in Src.
func (ins *Instruction) Orig(i int) int { return ins.joined.off.at(i) }

// upperKeywords maps each of BuildKit's keywords to its upper-case
// spelling, the one files mostly use.
var upperKeywords = func() map[string]string {
	m := make(map[string]string, len(command.Commands))
	for k := range command.Commands {
		m[k] = strings.ToUpper(k)
	}
	return m
}()

// keyword is the keyword as spelled (b), given its lower-case form: the
// upper-case or lower-case spelling is shared rather than copied.
func keyword(b []byte, lower string) string {
	if up, ok := upperKeywords[lower]; ok && string(b) == up {
		return up
	}
	if string(b) == lower {
		return lower
	}
	return string(b)
}
