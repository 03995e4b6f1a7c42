package ast

import (
	"bytes"
	"os"
	"slices"
	"sort"
	"unicode/utf8"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Change is one edit that Reparse takes into account, in the old
// document's offsets: the bytes [Start, End) became Len bytes.
type Change struct{ Start, End, Len int }

// Growth is how many bytes longer the change makes the text.
func (c Change) Growth() int { return c.Len - (c.End - c.Start) }

// growth is the sum of the changes' Growth.
func growth(cs []Change) int {
	n := 0
	for _, c := range cs {
		n += c.Growth()
	}
	return n
}

// CheckReparse makes every Reparse also parse the whole text and panic
// when the two documents differ: the tests set it (and
// $DFOPT_CHECK_REPARSE does), so that every edit the goldens and the
// corpus make proves the shortcut.
var CheckReparse = os.Getenv("DFOPT_CHECK_REPARSE") != ""

// Reparse is Parse(old.Path, out), where out is old.Src with changes
// (sorted, not overlapping) applied. Only the instructions the changes
// touch are parsed again, from the end of the untouched instruction
// before them to the end of the untouched one after them, whose parse
// must come out as before (so that no continuation or heredoc of the
// changed text crosses the edge); the others are moved, with their shell
// analysis. A change before the end of the first instruction parses
// from the top of the file (its directives read again), unless it lies
// in the directives at the top, which moves every instruction
// (reparse_header.go). The regions are parsed in one call when that can
// be shown to give each what its own would (reparse_joined.go). When the
// shortcut cannot be shown — the escape character changed, an edge that
// moved, an error — the whole text is parsed, and errors are Parse's.
func Reparse(old *Document, out []byte, changes []Change) (*Document, error) {
	return ReparseTaking(old, out, changes, nil)
}

// ReparseTaking is Reparse, which takes the edited RUNs whose new texts
// runs gives a reading of (ReadRun's) instead of parsing and building
// them again, in a region of such RUNs and untouched instructions
// (reparse_take.go); runs may be nil.
func ReparseTaking(old *Document, out []byte, changes []Change, runs RunTexts) (*Document, error) {
	if bytes.IndexByte(out, 0) >= 0 || !utf8.Valid(out) {
		return Parse(old.Path, out) // its error: an edit broke the text
	}
	doc := reparse(old, out, changes, runs)
	if doc == nil {
		return Parse(old.Path, out)
	}
	if CheckReparse {
		checkReparse(doc)
	}
	return doc, nil
}

// region is a run of instructions parsed again: lo is the untouched one
// before the changes (-1 when a change comes before the end of the first
// instruction: the region starts the file), last the last one they touch
// (len(Instructions) when a change lies past the end of every
// instruction).
type region struct {
	lo, last int
	delta    int      // the changes' length difference
	changes  []Change // its changes, a part of Reparse's
}

// hi is the region's last instruction: the untouched one after the
// changes when there is one (edge).
func (r region) hi(n int) (hi int, edge bool) { return min(r.last+1, n-1), r.last+1 < n }

// span is the region's old text: to the end of the file when no
// untouched instruction follows.
func (r region) span(old *Document) Span {
	n := len(old.Instructions)
	end := len(old.Src)
	if hi, edge := r.hi(n); edge {
		end = old.Instructions[hi].Next
	}
	if r.lo < 0 {
		return Span{0, end}
	}
	return Span{old.Instructions[r.lo].Span.Start, end}
}

// regions groups the changes by the instructions they touch.
func regions(old *Document, changes []Change) []region {
	ins := old.Instructions
	n := len(ins)
	after := func(off int) int { // the first instruction whose line ends past off
		return sort.Search(n, func(i int) bool { return ins[i].Next > off })
	}
	var rs []region
	for i, c := range changes {
		r := region{lo: after(c.Start) - 1, last: after(max(c.End-1, c.Start)), delta: c.Growth(), changes: changes[i : i+1]}
		if k := len(rs) - 1; k >= 0 {
			if hi, _ := rs[k].hi(n); r.lo <= hi {
				rs[k].last = max(rs[k].last, r.last)
				rs[k].delta += r.delta
				rs[k].changes = rs[k].changes[:len(rs[k].changes)+1] // the next is c
				continue
			}
		}
		rs = append(rs, r)
	}
	return rs
}

// plan is the regions of changes to parse again, after those that lie in
// the directives at the top of the file (h), which need none: when a
// change after them comes before the end of the first instruction, the
// directives are parsed with it, and h is none.
func (old *Document) plan(d *Document, changes []Change) ([]region, headerEdit) {
	rs := regions(old, changes)
	if rs[0].lo >= 0 {
		return rs, headerEdit{}
	}
	h, ok := old.headerEdit(d, changes)
	if !ok {
		return rs, headerEdit{}
	}
	if h.n == len(changes) {
		return nil, h
	}
	if rest := regions(old, changes[h.n:]); rest[0].lo >= 0 {
		return rest, h
	}
	return rs, headerEdit{}
}

// reparse is Reparse's shortcut, nil when it does not apply.
func reparse(old *Document, out []byte, changes []Change, runs RunTexts) (doc *Document) {
	if len(changes) == 0 || len(old.Instructions) == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			doc = nil // Parse says what went wrong
		}
	}()
	doc = &Document{Path: old.Path, Src: out, Escape: old.Escape, Directives: old.Directives}
	doc.BOM = bytes.HasPrefix(out, []byte("\xef\xbb\xbf"))
	doc.FinalNewline = len(out) > 0 && out[len(out)-1] == '\n'
	doc.setLines()
	lint := linter.New(&linter.Config{})
	n := len(old.Instructions)
	doc.Instructions = make([]*Instruction, 0, n)
	rs, h := old.plan(doc, changes)
	delta, lines, next := h.delta, h.lines, 0
	slab := movedSlab{ins: make([]Instruction, 0, movedAtMost(rs, n))}
	switch {
	case h.n > 0 && h.directivesRead:
		doc.Directives = h.directives // headerEdit read them
	case h.n > 0 || rs[0].lo < 0:
		// A change before the end of the first instruction: the
		// directives may have changed (an escape directive that did is
		// caught where the region is parsed, or by headerEdit).
		doc.Directives = nil
		doc.parseDirectives()
	}
	taken := doc.takeRegions(old, rs, runs, delta, lint)
	pre := doc.parseRegions(old, rs, taken, delta, lines)
	for k, r := range rs {
		for ; next <= r.lo; next++ {
			doc.Instructions = append(doc.Instructions, old.moved(old.Instructions[next], delta, lines, &slab))
		}
		var j joined
		if pre != nil {
			j = pre[k]
		}
		var tk takenRegion
		if taken != nil {
			tk = taken[k]
		}
		var ok bool
		if next, lines, ok = doc.addRegion(old, r, tk, j, delta, lines, lint); !ok {
			return nil
		}
		delta += r.delta
	}
	for ; next < n; next++ {
		doc.Instructions = append(doc.Instructions, old.moved(old.Instructions[next], delta, lines, &slab))
	}
	if h.setComment {
		first := doc.Instructions[0]
		nd := *first.Node
		nd.PrevComment = h.comment
		first.Node = &nd
	}
	if doc.link() != nil {
		return nil
	}
	doc.inheritContains(old, changes)
	return doc
}

// addRegion adds the instructions of r's new text to d, taken (tk) or
// parsed (j is what the joined parse shows of it), and returns the
// index of the first instruction of old after them and the line shift
// after them.
func (d *Document) addRegion(old *Document, r region, tk takenRegion, j joined, delta, lines int, lint *linter.Linter) (next, after int, ok bool) {
	if tk.ins != nil {
		d.Instructions = append(d.Instructions, tk.ins...)
		return r.last + 1, tk.after, true
	}
	hi, edge := r.hi(len(old.Instructions))
	nodes, after, margin, ok := d.regionParse(old, r, j, delta, lines)
	if !ok {
		return 0, 0, false
	}
	built := len(d.Instructions)
	for i, nd := range nodes {
		ins, err := d.build(nd, lint)
		if err != nil {
			return 0, 0, false
		}
		if margin && i == len(nodes)-1 {
			ins.inherit(old, old.Instructions[hi], delta+r.delta)
		}
		d.Instructions = append(d.Instructions, ins)
	}
	if margin {
		d.argsMoved(old, r.lo+1, d.Instructions[built:len(d.Instructions)-1])
	} else {
		d.argsMoved(old, r.lo+1, d.Instructions[built:])
	}
	if edge && !margin {
		return r.last + 1, after, true
	}
	return hi + 1, after, true
}

// inheritContains carries over old's Contains answers that were false.
// A string that is not in old's text is in doc's (old's with the
// changes applied) only where it overlaps a changed part, or spans the
// place of a removed one: only the changed parts, widened by the
// string's length less one on each side, are searched. The bytes
// between them are old's, which do not hold it.
func (d *Document) inheritContains(old *Document, changes []Change) {
	for s, had := range old.contains {
		if had {
			continue // where it was may have changed: searched again when asked
		}
		found, shift, w := false, 0, len(s)-1
		for _, c := range changes {
			lo := max(c.Start+shift-w, 0)
			hi := min(c.Start+shift+c.Len+w, len(d.Src))
			if lo < hi && bytes.Contains(d.Src[lo:hi], []byte(s)) {
				found = true
				break
			}
			shift += c.Growth()
		}
		if d.contains == nil {
			d.contains = make(map[string]bool, len(old.contains))
		}
		d.contains[s] = found
	}
}

// parseRegion parses the new text of r on its own, under the file's
// escape character, and returns its nodes (the untouched instruction
// before the changes left out), numbered as lines of d, and the line
// shift after r; ok is false when the text is not valid or an edge is
// not sure. With margin, the text runs to the end of the untouched
// instruction after the changes, whose node (the last) must come out as
// before; without, to the end of the last one they touch, whose node
// must end there as an instruction whose end does not depend on what
// follows.
func (d *Document) parseRegion(old *Document, r region, delta, lines int, margin bool) (nodes []*parser.Node, after int, ok bool) {
	rt, ok := d.regionText(old, r, delta, lines, margin)
	if !ok {
		return nil, 0, false
	}
	var prefix []byte
	if rt.prefixed {
		prefix = []byte(d.prefix())
	}
	root, esc, err := parseParts(prefix, d.Src[rt.start:rt.end])
	if err != nil || esc != d.Escape {
		return nil, 0, false
	}
	nodes = root.Children
	for _, nd := range nodes {
		nd.StartLine += rt.shift
		nd.EndLine += rt.shift
	}
	return d.regionNodes(old, r, rt, nodes, lines, margin)
}

// regionText is where the new text of a region lies in d and how the
// lines of its parse are numbered.
type regionText struct {
	start, end int  // in d.Src
	oldEnd     int  // its end in old.Src
	prefixed   bool // parsed after d.prefix()
	shift      int  // from a line of its parse (prefix included) to d's
	skip       int  // nodes of untouched instructions before it (0 or 1)
	after      int  // the line shift after it
}

// regionText is the new text of r, as parseRegion says; ok is false when
// it is not valid.
func (d *Document) regionText(old *Document, r region, delta, lines int, margin bool) (rt regionText, ok bool) {
	sp := r.span(old)
	if _, edge := r.hi(len(old.Instructions)); edge {
		// The untouched text after the changes must start a line, as it
		// did: a change that took out the line break at the end of the
		// last instruction it touches joins that line to the next one,
		// which no edge check on line numbers would see.
		if b := old.Instructions[r.last].Next + delta + r.delta; b > 0 && d.Src[b-1] != '\n' {
			return rt, false
		}
		if !margin {
			sp.End = old.Instructions[r.last].Next
		}
	}
	if r.lo >= 0 {
		lo := old.Instructions[r.lo]
		rt.prefixed, rt.shift, rt.skip = true, lo.StartLine+lines-3, 1
		if r.lo+1 < len(old.Instructions) {
			// Another instruction followed lo: lo ends where its own
			// lines end, as they are untouched; the region's text can
			// begin after it.
			sp.Start, rt.shift, rt.skip = lo.Next, lo.EndLine+lines-2, 0
		}
	}
	rt.start, rt.end, rt.oldEnd = sp.Start+delta, sp.End+delta+r.delta, sp.End
	text := d.Src[rt.start:rt.end]
	if bytes.IndexByte(text, 0) >= 0 || !utf8.Valid(text) {
		return rt, false
	}
	rt.after = lineAt(d, rt.end) - lineAt(old, sp.End)
	return rt, true
}

// prefix goes before the text of a region that starts after an
// instruction, to parse it on its own under the file's escape
// character: two lines, the second an empty comment, which leaves no
// comment for the first node (as after an instruction); the directives
// end there. The default escape character is not named: BuildKit
// compiles a pattern for each escape directive it reads.
func (d *Document) prefix() string {
	if d.Escape != '\\' {
		return "# escape=" + string(d.Escape) + "\n#\n"
	}
	return "#\n#\n"
}

// prefixLines is how many lines prefix has.
const prefixLines = 2

// regionNodes checks the nodes of a region's parse, numbered as lines of
// d, and returns the region's, as parseRegion says.
func (d *Document) regionNodes(old *Document, r region, rt regionText, nodes []*parser.Node, lines int, margin bool) ([]*parser.Node, int, bool) {
	if len(nodes) < rt.skip {
		return nil, 0, false
	}
	if rt.skip > 0 && !sameLines(nodes[0], old.Instructions[r.lo], lines) {
		return nil, 0, false
	}
	hi, edge := r.hi(len(old.Instructions))
	switch {
	case edge && margin:
		if len(nodes) < rt.skip+1 || !sameLines(nodes[len(nodes)-1], old.Instructions[hi], rt.after) {
			return nil, 0, false
		}
	case edge:
		if len(nodes) < rt.skip+1 || !d.endsAt(nodes[len(nodes)-1], lineAt(d, rt.end)) {
			return nil, 0, false
		}
	}
	return nodes[rt.skip:], rt.after, true
}

// endsAt reports whether a node ends on line n of d (1-based) whatever
// follows: that line holds text (a continuation runs on over comment and
// blank lines, and a text cut short stops it there), with no
// continuation at its end, and no heredoc (whose end a text cut short
// could hide).
func (d *Document) endsAt(nd *parser.Node, n int) bool {
	if nd.EndLine != n || len(nd.Heredocs) > 0 || n < 1 {
		return false
	}
	l := d.Lines[n-1]
	if isCommentLine(d.Src, l.Start, l.End) || trimLeftSpace(d.Src, l.Start, l.End) == l.End {
		return false
	}
	_, more := continuation(d.Src, l.Start, l.End, byte(d.Escape))
	return !more
}

// sameLines reports whether a node of the new parse holds the lines of an
// untouched instruction, lines further.
func sameLines(nd *parser.Node, ins *Instruction, lines int) bool {
	return nd.StartLine == ins.StartLine+lines && nd.EndLine == ins.EndLine+lines
}

// lineAt is the 0-based index of the line that starts at off (the number
// of lines when off is the end of the text).
func lineAt(d *Document, off int) int {
	return sort.Search(len(d.Lines), func(i int) bool { return d.Lines[i].Start >= off })
}

// moved is an instruction of old at its place in a new text: delta bytes
// and lines lines further. Its node is old's when its lines are (nothing
// writes a node once its document is made).
func (old *Document) moved(ins *Instruction, delta, lines int, slab *movedSlab) *Instruction {
	c := slab.next()
	*c = *ins
	if lines != 0 {
		c.StartLine += lines
		c.EndLine += lines
		nd := slab.node()
		*nd = *ins.Node
		nd.StartLine += lines
		nd.EndLine += lines
		c.Node = nd
	}
	c.inherit(old, ins, delta)
	c.shift(ins, delta)
	return c
}

// shift moves the offsets of c, a copy of ins, delta bytes further: the
// slices that hold offsets are copied, the others shared (nothing writes
// them once the instruction is made).
func (c *Instruction) shift(ins *Instruction, delta int) {
	if delta == 0 {
		return // the offsets hold as they are; the slices are not written
	}
	c.Span = c.Span.moved(delta)
	c.KeywordPos = c.KeywordPos.moved(delta)
	c.Next += delta
	c.ArgsStart += delta
	c.Flags = append([]Flag(nil), ins.Flags...)
	for i := range c.Flags {
		c.Flags[i].Span = c.Flags[i].Span.moved(delta)
	}
	c.Heredocs = append([]Heredoc(nil), ins.Heredocs...)
	for i := range c.Heredocs {
		h := &c.Heredocs[i]
		h.Body, h.Term = h.Body.moved(delta), h.Term.moved(delta)
	}
	c.joined.off = ins.joined.off.moved(delta)
}

// movedSlab holds the instructions a Reparse moves, and the nodes it
// makes for them, in one allocation each rather than one each.
type movedSlab struct {
	ins   []Instruction
	nodes []parser.Node
}

// movedAtMost is how many of n instructions a Reparse may move: those
// after the untouched one before each region and up to its last are
// parsed again.
func movedAtMost(rs []region, n int) int {
	m := n
	for _, r := range rs {
		m -= min(r.last, n-1) - r.lo
	}
	return max(m, 0)
}

// next is a free instruction, a new slab when the slab is full.
func (s *movedSlab) next() *Instruction {
	if len(s.ins) == cap(s.ins) {
		s.ins = make([]Instruction, 0, 1)
	}
	s.ins = s.ins[:len(s.ins)+1]
	return &s.ins[len(s.ins)-1]
}

// node is a free node, for the instruction next gave last: the nodes
// are made for it and those that may follow it.
func (s *movedSlab) node() *parser.Node {
	if len(s.nodes) == cap(s.nodes) {
		s.nodes = make([]parser.Node, 0, cap(s.ins)-len(s.ins)+1)
	}
	s.nodes = s.nodes[:len(s.nodes)+1]
	return &s.nodes[len(s.nodes)-1]
}

func (s Span) moved(delta int) Span { return Span{s.Start + delta, s.End + delta} }

// inherit gives ins the shell analysis of from (an instruction of old with
// the same text, delta bytes earlier), for Document.Shell to take when
// ins runs under the same shell: the analysis depends on nothing else.
func (ins *Instruction) inherit(old *Document, from *Instruction, delta int) {
	ins.script, ins.shellDone = nil, false
	switch {
	case from.shellDone:
		ins.prior = &priorShell{script: from.script, shell: old.ShellOf(from), delta: delta}
	case from.prior != nil:
		p := *from.prior
		p.delta += delta
		ins.prior = &p
	default:
		ins.prior = nil
	}
}

// priorShell is the shell analysis of an instruction's text in an earlier
// version of the file.
type priorShell struct {
	script *Script
	shell  []string // the shell it was made under
	delta  int      // how far the text has moved since
}

// take returns the earlier analysis when it holds for the shell now.
func (p *priorShell) take(shell []string) (*Script, bool) {
	if !slices.Equal(shell, p.shell) {
		return nil, false
	}
	return p.script.moved(p.delta), true
}

// moved is the script of the same text delta bytes further in the file.
func (s *Script) moved(delta int) *Script {
	if s == nil || delta == 0 {
		return s
	}
	c := *s
	c.off = s.off.moved(delta)
	if s.Commands == nil {
		return &c
	}
	n := 0
	for _, cmd := range s.Commands {
		n += len(cmd.Args)
	}
	words := make([]Word, n) // cut in capped slices, as parse does
	c.Commands = make([]Command, len(s.Commands))
	for i, cmd := range s.Commands {
		cmd.Span = cmd.Span.moved(delta)
		k := len(cmd.Args)
		args := words[:k:k]
		words = words[k:]
		for j, w := range cmd.Args {
			w.Span = w.Span.moved(delta)
			args[j] = w
		}
		cmd.Args = args
		c.Commands[i] = cmd
	}
	return &c
}
