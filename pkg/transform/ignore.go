package transform

import (
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Inline pragmas:
//
//	# dfopt:ignore=rule[,rule]          on the comment line(s) directly before an instruction
//	# dfopt:ignore-file[=rule,...]      anywhere in the file (no rules: every rule)
//	# hadolint ignore=DL3059[,DL3009]   like dfopt:ignore, for the rules the codes map to
//	# hadolint global ignore=DL3059     like dfopt:ignore-file, for the rules the codes map to
//
// A line pragma also counts when it stands on a comment line inside the
// finding's own lines: a merge-runs finding that spans three RUNs is off
// when `# hadolint ignore=DL3059` sits above the second one, where hadolint
// reports it.
var (
	ignoreLine   = regexp.MustCompile(`^\s*#\s*dfopt:ignore=([A-Za-z0-9_,\s-]+?)\s*$`)
	ignoreFile   = regexp.MustCompile(`^\s*#\s*dfopt:ignore-file(?:=([A-Za-z0-9_,\s-]+?))?\s*$`)
	hadolintLine = regexp.MustCompile(`^\s*#\s*hadolint\s+ignore=([A-Za-z0-9_,\s]+?)\s*$`)
	hadolintFile = regexp.MustCompile(`^\s*#\s*hadolint\s+global\s+ignore=([A-Za-z0-9_,\s]+?)\s*$`)
)

// names reports whether a comma-separated list of names (rule names,
// "all", hadolint codes) names part of rule ("" = the whole rule).
// Unknown names count for nothing: a pragma may name hadolint checks that
// dfopt does not act on.
func names(list, rule, part string) bool {
	for _, n := range SplitList(list) {
		if r, err := ParseRef(n); err == nil && (r.All || r.Rule == rule && r.Part == part) {
			return true
		}
	}
	return false
}

func pragmaText(d *ast.Document, n int) string {
	return strings.TrimPrefix(d.LineText(n), "\ufeff")
}

// FileIgnores reports whether `# dfopt:ignore-file` or
// `# hadolint global ignore=` switches rule off.
func FileIgnores(d *ast.Document, rule string) bool { return fileIgnoresPart(d, rule, "") }

// fileIgnoresPart is fileIgnores for one part of rule. Each file pragma
// needs its literal on its line (ignoreFile "dfopt:ignore-file",
// hadolintFile "global"), so only the lines that hold it are matched: the
// callers ask for every instruction.
func fileIgnoresPart(d *ast.Document, rule, part string) bool {
	for _, n := range d.LinesWith("dfopt:ignore-file") {
		if m := ignoreFile.FindStringSubmatch(pragmaText(d, n)); m != nil && (m[1] == "" || names(m[1], rule, part)) {
			return true
		}
	}
	if !d.Contains("hadolint") {
		return false
	}
	for _, n := range d.LinesWith("global") {
		if m := hadolintFile.FindStringSubmatch(pragmaText(d, n)); m != nil && names(m[1], rule, part) {
			return true
		}
	}
	return false
}

// lineIgnores reports whether line n is a line pragma that switches part
// of rule off ("" = the whole rule).
func lineIgnores(d *ast.Document, n int, rule, part string) bool {
	text := pragmaText(d, n)
	// Each pragma needs its literal: most comment lines hold neither.
	if !strings.Contains(text, "dfopt:ignore=") && !strings.Contains(text, "hadolint") {
		return false
	}
	if m := ignoreLine.FindStringSubmatch(text); m != nil && names(m[1], rule, part) {
		return true
	}
	if m := hadolintLine.FindStringSubmatch(text); m != nil && names(m[1], rule, part) {
		return true
	}
	return false
}

// linePragmas reports whether the document can hold a line pragma at
// all: ignoreLine and hadolintLine each need their literal, so a file
// without either has none (the answer is remembered per document).
func linePragmas(d *ast.Document) bool {
	return d.Contains("dfopt:ignore=") || d.Contains("hadolint")
}

func isComment(d *ast.Document, n int) bool {
	return strings.HasPrefix(strings.TrimLeft(d.LineText(n), " \t\ufeff"), "#")
}

// IgnoredAt reports whether a finding of rule on lines line..endLine is
// switched off: by a pragma in the comment lines directly above line, or
// by one on a comment line inside the finding's lines.
func IgnoredAt(d *ast.Document, line, endLine int, rule string) bool {
	if line < 1 || line > len(d.Lines) || !linePragmas(d) {
		return false
	}
	for n := line - 1; n >= 1 && isComment(d, n); n-- {
		if lineIgnores(d, n, rule, "") {
			return true
		}
	}
	for n := line + 1; n <= endLine && n <= len(d.Lines); n++ {
		if isComment(d, n) && lineIgnores(d, n, rule, "") {
			return true
		}
	}
	return false
}

// PartOff reports whether part of the pass's rule is switched off at ins:
// by the selection (a hadolint code for the part in --ignore, or only other
// parts in --select), by `# hadolint global ignore=` or
// `# dfopt:ignore-file=` naming its code, or by a line pragma naming it in
// the comment lines directly above the instruction.
func (p *Pass) PartOff(rule, part string, ins *ast.Instruction) bool {
	if p.Options != nil && p.Options.Parts[rule].off(part) {
		return true
	}
	if fileIgnoresPart(p.Doc, rule, part) {
		return true
	}
	for n := ins.StartLine - 1; n >= 1 && linePragmas(p.Doc) && isComment(p.Doc, n); n-- {
		if lineIgnores(p.Doc, n, rule, part) {
			return true
		}
	}
	return false
}
