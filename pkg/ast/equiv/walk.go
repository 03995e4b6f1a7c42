package equiv

import "mvdan.cc/sh/v3/syntax"

// some reports whether pred holds for a node under n (n included). The
// walk stops at the first: syntax.Walk goes on to the siblings of a node
// whose visit returned false, so a flag set by one visit and written
// again by the next would forget it.
func some(n syntax.Node, pred func(syntax.Node) bool) bool {
	found := false
	syntax.Walk(n, func(x syntax.Node) bool {
		found = found || pred(x)
		return !found
	})
	return found
}

// evaluates reports a command name that may run text or commands the
// program does not show: a built-in that evaluates text, or a name that is
// not a literal (it may be any of those). Every shortcut of the check asks
// this one list.
func evaluates(name string) bool {
	switch name {
	case "", "eval", "source", ".", "trap":
		return true
	}
	return false
}

// someOutside is some, not looking inside subshells and command
// substitutions: what runs there ends with them.
func someOutside(n syntax.Node, pred func(syntax.Node) bool) bool {
	found := false
	syntax.Walk(n, func(x syntax.Node) bool {
		switch x.(type) {
		case *syntax.Subshell, *syntax.CmdSubst:
			return false
		}
		found = found || pred(x)
		return !found
	})
	return found
}
