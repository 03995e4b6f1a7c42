package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// Statistics counts findings, and files with findings, per rule.
type Statistics struct {
	files, findings map[string]int
}

// NewStatistics starts empty counts.
func NewStatistics() *Statistics {
	return &Statistics{files: map[string]int{}, findings: map[string]int{}}
}

// Add counts one file's findings.
func (s *Statistics) Add(findings []transform.Reported) {
	seen := map[string]bool{}
	for _, f := range findings {
		s.findings[f.Rule]++
		if !seen[f.Rule] {
			seen[f.Rule] = true
			s.files[f.Rule]++
		}
	}
}

// Write prints a table of rules, most findings first.
func (s *Statistics) Write(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%-24s %8s %8s\n", "rule", "files", "findings")
	for _, r := range byCount(s.findings) {
		fmt.Fprintf(&b, "%-24s %8d %8d\n", r, s.files[r], s.findings[r])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// byCount sorts the keys of m by decreasing count, then by name.
func byCount(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

// Summary is the end-of-run account: files scanned, changed, errors, and
// fixes per rule.
type Summary struct {
	Files   int
	Changed int
	Errors  int
	Fixes   map[string]int // fixes applied, per rule
	Pending map[string]int // unsafe fixes left out (no --unsafe), per rule
	errs    []string
}

// maxListedErrors bounds the error lines repeated in the summary.
const maxListedErrors = 20

// NewSummary starts an empty summary.
func NewSummary() *Summary {
	return &Summary{Fixes: map[string]int{}, Pending: map[string]int{}}
}

// AddResult counts a processed file: whether it changed (or would) and
// its findings.
func (s *Summary) AddResult(changed bool, findings []transform.Reported) {
	s.Files++
	if changed {
		s.Changed++
	}
	for _, f := range findings {
		switch {
		case f.Applied:
			s.Fixes[f.Rule]++
		case f.Fixable:
			s.Pending[f.Rule]++
		}
	}
}

// AddError counts a file that could not be processed; line is the
// `path: reason` already shown.
func (s *Summary) AddError(line string) {
	s.Files++
	s.Errors++
	if len(s.errs) < maxListedErrors {
		s.errs = append(s.errs, line)
	}
}

// Write prints the summary. written says whether changes were written
// (fix --write) or only shown.
func (s *Summary) Write(w io.Writer, written bool) error {
	var b strings.Builder
	verb := "would change"
	if written {
		verb = "changed"
	}
	fmt.Fprintf(&b, "dfopt: %s scanned, %d %s, %s\n", plural(s.Files, "file"), s.Changed, verb, plural(s.Errors, "error"))
	table := func(title string, m map[string]int) {
		if len(m) == 0 {
			return
		}
		fmt.Fprintf(&b, "  %s:\n", title)
		for _, r := range byCount(m) {
			fmt.Fprintf(&b, "    %-24s %8d\n", r, m[r])
		}
	}
	table("fixes per rule", s.Fixes)
	table("unsafe fixes not applied (use --unsafe)", s.Pending)
	if s.Errors > 0 {
		b.WriteString("  errors:\n")
		for _, e := range s.errs {
			fmt.Fprintf(&b, "    %s\n", e)
		}
		if more := s.Errors - len(s.errs); more > 0 {
			fmt.Fprintf(&b, "    … and %d more\n", more)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
