package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// MaxListed is how many filesystem differences the text report lists.
const MaxListed = 20

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteText writes the report for a person.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	mode := "safe fixes"
	if r.Unsafe {
		mode = "with unsafe fixes"
	}
	rules := "none"
	if len(r.Rules) > 0 {
		rules = strings.Join(r.Rules, ", ")
	}
	fmt.Fprintf(&b, "dfopt verify %s (%s; rules: %s) on %s\n", r.Dockerfile, mode, rules, r.Addr)
	if len(r.Files) > 0 {
		fmt.Fprintf(&b, "  the rewrite also writes %s (the rewritten build uses it)\n", strings.Join(r.Files, ", "))
	}

	switch r.Verdict {
	case VerdictNothingChanged:
		b.WriteString("nothing to verify: the rewrite changes nothing\n")
		_, err := io.WriteString(w, b.String())
		return err
	case VerdictOriginalFails, VerdictRewriteFails, VerdictRewriteBuilds, VerdictBothFail, VerdictFailsDifferently:
		writeOutcome(&b, r)
		_, err := io.WriteString(w, b.String())
		return err
	}

	if r.Original != nil && r.Rewritten != nil {
		fmt.Fprintf(&b, "  original   built in %s (%d steps run, %d cached)\n", secs(r.Original.Seconds), r.Original.Executed, r.Original.Cached)
		fmt.Fprintf(&b, "  rewritten  built in %s (%d steps run, %d cached)\n", secs(r.Rewritten.Seconds), r.Rewritten.Executed, r.Rewritten.Cached)
	}
	if c := r.Filesystem; c != nil {
		writeFilesystem(&b, c, r.Unsafe)
	}

	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 3, ' ', 0)
	fmt.Fprintf(tw, "\toriginal\trewritten\n")
	if r.CodeChange != nil {
		writeScenario(tw, "code-only change", r.CodeChange)
	}
	if r.DependencyChange != nil {
		writeScenario(tw, "dependency change", r.DependencyChange)
	}
	if r.Original != nil && r.Rewritten != nil {
		fmt.Fprintf(tw, "final size\t%s\t%s\n", HumanSize(r.Original.Size), HumanSize(r.Rewritten.Size))
	}
	tw.Flush()
	if r.MeasureNote != "" {
		fmt.Fprintf(&b, "(%s)\n", r.MeasureNote)
	}
	fmt.Fprintf(&b, "\nverdict: %s\n", verdictText(r))
	_, err := io.WriteString(w, b.String())
	return err
}

// writeFilesystem writes the comparison of the two images' filesystems.
func writeFilesystem(b *strings.Builder, c *Comparison, unsafe bool) {
	hidden := 0
	for _, n := range c.IgnoredDiffering {
		hidden += n
	}
	state := "equivalent"
	if !c.Equivalent() {
		state = fmt.Sprintf("%d differences", len(c.Differences))
	}
	fmt.Fprintf(b, "filesystem: %s (%d paths compared; %d ignored, %d of them differ)\n", state, c.Compared, c.Ignored, hidden)
	if hidden > 0 {
		fmt.Fprintf(b, "  differences the ignore list allows: %s\n", c.IgnoredSummary())
	}
	for i, d := range c.Differences {
		if i == MaxListed {
			fmt.Fprintf(b, "  … and %d more (--format json lists them all)\n", len(c.Differences)-MaxListed)
			break
		}
		fmt.Fprintf(b, "  %s\n", d)
	}
	if !c.Equivalent() && unsafe {
		b.WriteString("  (expected: unsafe fixes change the image on purpose; review the list)\n")
	}
}

// writeScenario writes one measured scenario as rows of the table.
func writeScenario(tw io.Writer, title string, s *Scenario) {
	fmt.Fprintf(tw, "%s (%s)\t\t\n", title, s.Path)
	fmt.Fprintf(tw, "  steps run / cached\t%d / %d\t%d / %d\n", s.Original.Executed, s.Original.Cached, s.Rewritten.Executed, s.Rewritten.Cached)
	fmt.Fprintf(tw, "  dependency install\t%s\t%s\n", depState(s.Original), depState(s.Rewritten))
	fmt.Fprintf(tw, "  wall time\t%s\t%s\n", secs(s.Original.Seconds), secs(s.Rewritten.Seconds))
}

func verdictText(r *Report) string {
	switch r.Verdict {
	case VerdictOK:
		if r.Filesystem != nil && !r.Filesystem.Equivalent() {
			return "ok — both build; the filesystems differ as listed (unsafe fixes)"
		}
		return "ok — both build and the filesystems are equivalent"
	case VerdictDiffers:
		return "FAIL — a safe rewrite changed the filesystem (listed above)"
	}
	return r.Verdict
}

// depState says whether any dependency-install step ran.
func depState(b *Build) string {
	has := false
	for _, s := range b.Steps {
		if s.DepInstall {
			has = true
		}
	}
	switch {
	case len(b.DepStepsExecuted()) > 0:
		return "re-run"
	case has:
		return "cached"
	default:
		return "—"
	}
}

// writeOutcome writes a report where a build failed: the outcome in one
// line, then each failure with the end of its output.
func writeOutcome(b *strings.Builder, r *Report) {
	state := "FAIL"
	switch r.Verdict {
	case VerdictBothFail:
		state = "ok"
	case VerdictOriginalFails:
		state = "cannot verify"
	}
	outcome := r.Outcome
	if outcome == "" && r.Failure != nil {
		outcome = "a build fails at " + where(r.Failure)
	}
	fmt.Fprintf(b, "%s: %s\n", state, outcome)
	failures := []struct {
		whose string
		f     *BuildError
	}{{"the original", nil}, {"the rewrite", nil}}
	if r.Original != nil {
		failures[0].f = r.Original.Failure
	}
	if r.Rewritten != nil {
		failures[1].f = r.Rewritten.Failure
	}
	if failures[0].f == nil && failures[1].f == nil {
		failures[0].f = r.Failure // a rebuild during the measurements
		failures[0].whose = "the rebuild"
	}
	for _, x := range failures {
		if x.f != nil {
			fmt.Fprintf(b, "%s's failure:\n", x.whose)
			writeFailure(b, x.f)
		}
	}
	if r.Verdict == VerdictBothFail {
		b.WriteString("(both fail the same way: the rewrite keeps the outcome; no filesystem to compare)\n")
	}
}

func writeFailure(b *strings.Builder, f *BuildError) {
	if f == nil {
		return
	}
	if f.Step != "" {
		fmt.Fprintf(b, "  step:  %s\n", f.Step)
	}
	fmt.Fprintf(b, "  error: %s\n", f.Message)
	if len(f.LogTail) > 0 {
		b.WriteString("  last lines of its output:\n")
		for _, l := range f.LogTail {
			fmt.Fprintf(b, "    | %s\n", l)
		}
	}
}

func secs(s float64) string { return fmt.Sprintf("%.2f s", s) }

// HumanSize prints a byte count in MB with one decimal (or kB for small).
func HumanSize(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.1f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// IgnoredSummary lists the ignore patterns that hid differences, most first.
func (c *Comparison) IgnoredSummary() string {
	type kv struct {
		k string
		v int
	}
	var l []kv
	for k, v := range c.IgnoredDiffering {
		l = append(l, kv{k, v})
	}
	sort.Slice(l, func(i, j int) bool {
		if l[i].v != l[j].v {
			return l[i].v > l[j].v
		}
		return l[i].k < l[j].k
	})
	var parts []string
	for _, e := range l {
		parts = append(parts, fmt.Sprintf("%s %d", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}
