package ast

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

// sized makes the slab for a file of n instructions, with size bytes
// and lines lines.
func (s *buildSlab) sized(n, size, lines int) {
	s.ins = make([]Instruction, 0, n)
	s.text = make([]byte, 0, size)
	s.runs = make([]offRun, 0, lines+n)
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

// values is n free strings, for an instruction's values; the chunk
// made when they run out holds more, as values come one instruction at
// a time.
func (s *buildSlab) values(n int) []string {
	if cap(s.strs)-len(s.strs) < n {
		s.strs = make([]string, 0, max(n, 64))
	}
	return cut(&s.strs, n)
}

// flagSlice is n free flags.
func (s *buildSlab) flagSlice(n int) []Flag {
	if cap(s.flags)-len(s.flags) < n {
		s.flags = make([]Flag, 0, max(n, 16))
	}
	return cut(&s.flags, n)
}
