package cacheplan

import (
	"slices"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Which row of Managers takes a command: by the positional words after
// the program (the subcommand and the one after it), read with the
// tool's Spec.

// forManager checks the subcommand against a row. The invocation is
// made only when the row takes the command: the subcommand check reads
// the positional words alone, and a command it refuses is kept only as a
// cleaning command (IsClean), asked of the made invocation when the row
// has one (IsClean's answer does not depend on when it is first asked).
func (r *rawInvocation) forManager(m *Manager) *Invocation {
	var buf [3]int
	pos := positionals(m, r.Args, buf[:0])
	if !subsMatch(m, r.Args, pos) && m.Clean == nil {
		return nil
	}
	inv := new(Invocation)
	*inv = r.Invocation
	inv.Manager = m
	inv.Args = r.Args
	if len(pos) > 0 {
		inv.SubIdx = slices.Clone(pos)
		inv.Sub = make([]string, len(pos))
		for k, i := range pos {
			inv.Sub[k] = inv.Args[i].Value
		}
	}
	if inv.IsClean() || subsMatch(m, r.Args, pos) {
		return inv // a cleaning command is kept so that it can be removed
	}
	return nil
}

// subsMatch reports whether a row takes a command by its positional
// words (the indexes pos of args): its Subs, Skip and Subs2.
func subsMatch(m *Manager, args []ast.Word, pos []int) bool {
	first := ""
	if len(pos) > 0 {
		first = args[pos[0]].Value
	}
	switch {
	case m.Subs != nil:
		if !slices.Contains(m.Subs, first) {
			return false
		}
	default:
		if first == "" || slices.Contains(m.Skip, first) {
			return false
		}
	}
	if want, ok := m.Subs2[first]; ok {
		if len(pos) < 2 || !slices.Contains(want, args[pos[1]].Value) {
			return false
		}
	}
	return true
}

// positionals appends to dst the indices of the first words of args (up
// to cap(dst)) that are not options (nor the values of the options the
// tool's Spec says take one).
func positionals(m *Manager, args []ast.Word, dst []int) []int {
	// Positionals keeps none of the list (only the strings): a command's
	// words fit in a list on the stack.
	var buf [16]string
	vals := buf[:0]
	for _, a := range args {
		vals = append(vals, a.Value)
	}
	return m.spec.Positionals(vals, 0, cap(dst), dst)
}
