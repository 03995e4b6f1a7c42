package transform

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
)

// anyPragma is any comment that means to be a dfopt pragma.
var anyPragma = regexp.MustCompile(`^\s*#\s*dfopt\s*:`)

// PragmaProblem is a `# dfopt:` comment that does nothing: malformed, or
// naming a rule or hadolint code dfopt does not know (as ruff warns of
// unknown codes in noqa comments).
type PragmaProblem struct {
	Line    int // 1-based
	Message string
}

// CheckPragmas finds the `# dfopt:` comments of a Dockerfile that do
// nothing. `# hadolint` pragmas are not checked: they may name checks
// dfopt does not act on.
func CheckPragmas(src []byte) []PragmaProblem {
	if !bytes.Contains(src, []byte("dfopt")) {
		return nil
	}
	var out []PragmaProblem
	for i, line := range strings.Split(string(src), "\n") {
		line = strings.TrimSuffix(strings.TrimPrefix(line, "\ufeff"), "\r")
		if !anyPragma.MatchString(line) {
			continue
		}
		var list string
		if m := ignoreLine.FindStringSubmatch(line); m != nil {
			list = m[1]
		} else if m := ignoreFile.FindStringSubmatch(line); m != nil {
			list = m[1]
		} else {
			out = append(out, PragmaProblem{i + 1, fmt.Sprintf("malformed pragma %q: want `# dfopt:ignore=RULE[,RULE]` or `# dfopt:ignore-file[=RULE,...]`", strings.TrimSpace(line))})
			continue
		}
		for _, n := range SplitList(list) {
			if _, err := ParseRef(n); err != nil {
				out = append(out, PragmaProblem{i + 1, "pragma: " + err.Error()})
			}
		}
	}
	return out
}
