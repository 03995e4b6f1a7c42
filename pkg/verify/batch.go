package verify

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Severity orders verdicts for a run over many Dockerfiles, as the exit
// status does: 0 verified, 1 the rewrite changed the outcome or the
// image, 2 nothing could be concluded (or an error).
func Severity(verdict string) int {
	switch verdict {
	case VerdictOK, VerdictNothingChanged, VerdictBothFail:
		return 0
	case VerdictDiffers, VerdictRewriteFails, VerdictRewriteBuilds, VerdictFailsDifferently:
		return 1
	default:
		return 2
	}
}

// rank orders verdicts of the same severity too: unchanged before ok
// (a batch where something was verified is "ok"), ok before both-fail.
func rank(verdict string) int {
	r := 10 * Severity(verdict)
	switch verdict {
	case VerdictOK:
		r++
	case VerdictBothFail:
		r += 2
	}
	return r
}

// VerdictError is an entry of a batch that could not be verified at all
// (the file cannot be read or rewritten, the daemon went away).
const VerdictError = "error"

// Result is one Dockerfile of a batch: its report, or the error that kept
// it from having one.
type Result struct {
	Dockerfile string  `json:"dockerfile"`
	Verdict    string  `json:"verdict"`
	Error      string  `json:"error,omitempty"` // one line, not naming the file again
	Report     *Report `json:"report,omitempty"`
}

// Batch is `dfopt verify` over many Dockerfiles against one daemon.
type Batch struct {
	Addr    string         `json:"addr"`
	Verdict string         `json:"verdict"` // the worst entry's verdict
	Counts  map[string]int `json:"counts"`  // entries per verdict
	Results []*Result      `json:"results"`
}

// NewBatch makes an empty batch for the daemon at addr.
func NewBatch(addr string) *Batch {
	return &Batch{Addr: addr, Verdict: VerdictNothingChanged, Counts: map[string]int{}, Results: []*Result{}}
}

// Add records one entry and keeps the worst verdict.
func (b *Batch) Add(e *Result) {
	if e.Report != nil && e.Verdict == "" {
		e.Verdict = e.Report.Verdict
	}
	b.Results = append(b.Results, e)
	b.Counts[e.Verdict]++
	if rank(e.Verdict) > rank(b.Verdict) {
		b.Verdict = e.Verdict
	}
}

// Sort puts the entries in Dockerfile order (they are added as they end).
func (b *Batch) Sort() {
	sort.SliceStable(b.Results, func(i, j int) bool { return b.Results[i].Dockerfile < b.Results[j].Dockerfile })
}

// WriteJSON writes the batch as indented JSON.
func (b *Batch) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(b)
}

// WriteText writes the summary table: one row per Dockerfile, then the
// count per verdict.
func (b *Batch) WriteText(w io.Writer) error {
	var s strings.Builder
	fmt.Fprintf(&s, "dfopt verify: %d Dockerfiles on %s\n\n", len(b.Results), b.Addr)
	tw := tabwriter.NewWriter(&s, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DOCKERFILE\tVERDICT\tRULES\tBUILD (ORIG → NEW)\tCODE CHANGE: STEPS RUN\tSIZE (ORIG → NEW)")
	for _, e := range b.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Dockerfile, e.Verdict, rulesCell(e.Report),
			buildCell(e.Report), codeCell(e.Report), sizeCell(e.Report))
	}
	tw.Flush()
	for _, e := range b.Results {
		switch {
		case e.Error != "":
			fmt.Fprintf(&s, "\n%s: %s\n", e.Dockerfile, e.Error)
		case e.Report != nil && Severity(e.Verdict) > 0:
			if line := e.Report.summaryLine(); line != "" {
				fmt.Fprintf(&s, "\n%s: %s\n", e.Dockerfile, line)
			}
		}
	}
	verdicts := make([]string, 0, len(b.Counts))
	for v := range b.Counts {
		verdicts = append(verdicts, v)
	}
	sort.Slice(verdicts, func(i, j int) bool {
		si, sj := rank(verdicts[i]), rank(verdicts[j])
		return si < sj || (si == sj && verdicts[i] < verdicts[j])
	})
	parts := make([]string, len(verdicts))
	for i, v := range verdicts {
		parts[i] = fmt.Sprintf("%d %s", b.Counts[v], v)
	}
	fmt.Fprintf(&s, "\n%s; worst: %s\n", strings.Join(parts, ", "), b.Verdict)
	_, err := io.WriteString(w, s.String())
	return err
}

// summaryLine says in one line why a report is not verified.
func (r *Report) summaryLine() string {
	switch {
	case r.Outcome != "":
		return r.Outcome
	case r.Verdict == VerdictDiffers && r.Filesystem != nil:
		return fmt.Sprintf("a safe rewrite changed the filesystem (%d differences; verify the file alone to list them)", len(r.Filesystem.Differences))
	case r.Failure != nil:
		return "fails at " + where(r.Failure)
	}
	return ""
}

func rulesCell(r *Report) string {
	if r == nil || len(r.Rules) == 0 {
		return "—"
	}
	return strings.Join(r.Rules, ",")
}

func buildCell(r *Report) string {
	if r == nil || r.Original == nil || r.Rewritten == nil {
		return "—"
	}
	return fmt.Sprintf("%.1fs → %.1fs", r.Original.Seconds, r.Rewritten.Seconds)
}

func codeCell(r *Report) string {
	if r == nil || r.CodeChange == nil {
		return "—"
	}
	return fmt.Sprintf("%d → %d", r.CodeChange.Original.Executed, r.CodeChange.Rewritten.Executed)
}

func sizeCell(r *Report) string {
	if r == nil || r.Original == nil || r.Rewritten == nil || r.Filesystem == nil {
		return "—"
	}
	return HumanSize(r.Original.Size) + " → " + HumanSize(r.Rewritten.Size)
}
