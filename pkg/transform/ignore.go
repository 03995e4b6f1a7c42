package transform

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Inline pragmas:
//
//	# dfopt:ignore=rule[,rule]       on the comment line(s) directly before an instruction
//	# dfopt:ignore-file[=rule,...]   anywhere in the file (no rules: every rule)
var (
	ignoreLine = regexp.MustCompile(`^\s*#\s*dfopt:ignore=([A-Za-z0-9_,\s-]+?)\s*$`)
	ignoreFile = regexp.MustCompile(`^\s*#\s*dfopt:ignore-file(?:=([A-Za-z0-9_,\s-]+?))?\s*$`)
)

func listHas(list, rule string) bool {
	for _, r := range SplitList(list) {
		if r == rule || r == "all" {
			return true
		}
	}
	return false
}

// fileIgnores reports whether `# dfopt:ignore-file` switches rule off.
func fileIgnores(d *ast.Document, rule string) bool {
	if !bytes.Contains(d.Src, []byte("dfopt:ignore-file")) {
		return false
	}
	for n := 1; n <= len(d.Lines); n++ {
		if m := ignoreFile.FindStringSubmatch(d.LineText(n)); m != nil {
			if m[1] == "" || listHas(m[1], rule) {
				return true
			}
		}
	}
	return false
}

// ignoredAt reports whether the comment lines directly above line switch
// rule off.
func ignoredAt(d *ast.Document, line int, rule string) bool {
	for n := line - 1; n >= 1; n-- {
		text := d.LineText(n)
		if !strings.HasPrefix(strings.TrimLeft(text, " \t\ufeff"), "#") {
			return false
		}
		if m := ignoreLine.FindStringSubmatch(text); m != nil && listHas(m[1], rule) {
			return true
		}
	}
	return false
}
