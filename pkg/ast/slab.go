package ast

import "github.com/moby/buildkit/frontend/dockerfile/parser"

// buildSlab holds what a parse makes for each instruction — the
// instruction, its logical line's bytes and offset runs, its argument
// values — cut from one allocation of each kind rather than one per
// instruction. Parse sizes it for the whole file; a slab that runs out
// (Reparse's, which starts empty) gets a new chunk of what is asked.
// Every piece is a capped slice: appending to one copies it and leaves
// its neighbours alone.
type buildSlab struct {
	ins   []Instruction
	text  []byte
	runs  []offRun
	strs  []string
	flags []Flag
}

// sized makes the slab for the instructions of nodes, in a file of size
// bytes and lines lines.
func (s *buildSlab) sized(nodes []*parser.Node, size, lines int) {
	values, flags := 0, 0
	for _, n := range nodes {
		for a := n.Next; a != nil; a = a.Next {
			values++
		}
		flags += len(n.Flags)
	}
	s.ins = make([]Instruction, 0, len(nodes))
	s.text = make([]byte, 0, size)
	s.runs = make([]offRun, 0, lines+len(nodes))
	s.strs = make([]string, 0, values)
	s.flags = make([]Flag, 0, flags)
}

func (s *buildSlab) instruction() *Instruction {
	if len(s.ins) == cap(s.ins) {
		s.ins = make([]Instruction, 0, 1)
	}
	s.ins = s.ins[:len(s.ins)+1]
	return &s.ins[len(s.ins)-1]
}

// cut is n free elements of a slab's slice (length 0, capacity n), a
// new chunk when fewer are left.
func cut[T any](slab *[]T, n int) []T {
	s := *slab
	if cap(s)-len(s) < n {
		return make([]T, 0, n)
	}
	*slab = s[:len(s)+n]
	return s[len(s) : len(s) : len(s)+n]
}

// values is n free strings, for an instruction's values.
func (s *buildSlab) values(n int) []string { return cut(&s.strs, n) }

// flagSlice is n free flags.
func (s *buildSlab) flagSlice(n int) []Flag { return cut(&s.flags, n) }
