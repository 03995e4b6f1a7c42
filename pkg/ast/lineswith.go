package ast

import "strings"

// LinesWith lists, in order, the 1-based lines whose text (without its
// terminator) holds s, which must not be empty or hold a line break. The
// answer is kept, for callers that ask for every instruction (a pragma
// that needs a literal is looked for only on the lines that hold it).
func (d *Document) LinesWith(s string) []int {
	if v, ok := d.linesOf[s]; ok {
		return v
	}
	if d.linesOf == nil {
		d.linesOf = map[string][]int{}
	}
	var out []int
	text := d.str()
	for off := 0; off < len(text); {
		i := strings.Index(text[off:], s)
		if i < 0 {
			break
		}
		n := d.LineOf(off + i)
		out = append(out, n)
		off = d.Lines[n-1].Next // the next line: each line is listed once
	}
	d.linesOf[s] = out
	return out
}
