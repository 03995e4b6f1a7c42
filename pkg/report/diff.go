package report

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Diff is the unified diff of everything a result changes: the Dockerfile,
// then each other file it creates or replaces (a new file's diff starts
// from /dev/null). name gives the path written in the headers.
func Diff(r *transform.Result, name func(string) string) []byte {
	d := emit.Unified(name(r.Path), name(r.Path), r.Src, r.Out)
	for _, f := range r.Files {
		d = append(d, FileDiff(f, name)...)
	}
	return d
}

// FileDiff is the unified diff of one file change.
func FileDiff(f transform.FileChange, name func(string) string) []byte {
	p := name(f.Path)
	old := p
	if f.Old == nil {
		old = "/dev/null"
	}
	return emit.Unified(old, p, f.Old, f.New)
}

// FindingFixes returns each finding's fix as a unified diff ("" when it
// has none), for the JSON report.
//
// A finding's fix is its own edits applied alone to the input file, so
// each diff applies by itself with `git apply`: the finding's rule runs
// once more on the input (unsafe fixes included, so an unsafe finding
// shows what --unsafe would do), and its finding is found again by rule
// and line. A finding that exists only after an earlier rule's edits
// (syntax-header after cache-mounts added a RUN --mount) has no edits
// against the input; when it is applied its fix is the file's whole diff.
// The cost is one run of each rule that has fixable findings in the file.
func FindingFixes(r *transform.Result, c *transform.Chain, bctx *transform.BuildContext, name func(string) string) []string {
	out := make([]string, len(r.Findings))
	if len(r.Findings) == 0 {
		return out
	}
	doc, err := ast.Parse(r.Path, r.Src)
	if err != nil {
		return out
	}
	opts := c.Options
	opts.Unsafe = true
	alone := map[string][]transform.Finding{} // rule → its findings on the input
	ran := map[string]bool{}
	var whole string
	for i, f := range r.Findings {
		if !f.Fixable {
			continue
		}
		if !ran[f.Rule] {
			ran[f.Rule] = true
			alone[f.Rule] = runAlone(c, f.Rule, doc, bctx, &opts)
		}
		cands := alone[f.Rule]
		j := matchFinding(cands, f)
		if j < 0 {
			if f.Applied {
				if whole == "" {
					whole = string(Diff(r, name))
				}
				out[i] = whole
			}
			continue
		}
		m := cands[j]
		alone[f.Rule] = append(cands[:j:j], cands[j+1:]...) // each match used once
		fixed, err := emit.Apply(r.Src, m.Edits)
		if err != nil {
			continue
		}
		d := emit.Unified(name(r.Path), name(r.Path), r.Src, fixed)
		for _, fc := range m.Files {
			d = append(d, FileDiff(fc, name)...)
		}
		out[i] = string(d)
	}
	return out
}

// runAlone runs one rule of the chain on doc; a panic gives no findings
// (the chain already reported the file).
func runAlone(c *transform.Chain, rule string, doc *ast.Document, bctx *transform.BuildContext, opts *transform.Options) (fs []transform.Finding) {
	defer func() {
		if recover() != nil {
			fs = nil
		}
	}()
	for _, t := range c.Transforms {
		if t.Name == rule {
			for _, f := range t.Run(&transform.Pass{Doc: doc, Context: bctx, Options: opts, InChain: transform.RuleNames(c.Transforms)}) {
				if (f.Rule == "" || f.Rule == rule) && f.HasFix() {
					out := f
					out.Rule = rule
					fs = append(fs, out)
				}
			}
		}
	}
	return fs
}

// matchFinding finds the candidate reported at f's line, preferring the
// same message.
func matchFinding(cands []transform.Finding, f transform.Reported) int {
	j := -1
	for i, c := range cands {
		if c.Line != f.Line {
			continue
		}
		if c.Message == f.Message {
			return i
		}
		if j < 0 {
			j = i
		}
	}
	return j
}

// ANSI colors of a diff.
const (
	ansiReset = "\x1b[0m"
	ansiBold  = "\x1b[1m"
	ansiRed   = "\x1b[31m"
	ansiGreen = "\x1b[32m"
	ansiCyan  = "\x1b[36m"
)

// ColorDiff colors a unified diff as git does: file headers bold, hunk
// headers cyan, removed lines red, added lines green. It follows the hunk
// counts, so a removed line that reads "-- x" is not taken for a header.
func ColorDiff(d []byte) []byte {
	var out bytes.Buffer
	out.Grow(len(d) + len(d)/4)
	oldLeft, newLeft := 0, 0
	for len(d) > 0 {
		i := bytes.IndexByte(d, '\n')
		line := d
		if i >= 0 {
			line, d = d[:i+1], d[i+1:]
		} else {
			d = nil
		}
		body := bytes.TrimRight(line, "\r\n")
		eol := line[len(body):]
		color := ""
		switch {
		case oldLeft > 0 || newLeft > 0:
			switch {
			case len(body) > 0 && body[0] == '-':
				color, oldLeft = ansiRed, oldLeft-1
			case len(body) > 0 && body[0] == '+':
				color, newLeft = ansiGreen, newLeft-1
			case len(body) > 0 && body[0] == '\\':
			default:
				oldLeft, newLeft = oldLeft-1, newLeft-1
			}
		case bytes.HasPrefix(body, []byte("@@ ")):
			color = ansiCyan
			oldLeft, newLeft = hunkCounts(string(body))
		case bytes.HasPrefix(body, []byte("--- ")), bytes.HasPrefix(body, []byte("+++ ")):
			color = ansiBold
		}
		if color == "" || len(body) == 0 {
			out.Write(line)
			continue
		}
		out.WriteString(color)
		out.Write(body)
		out.WriteString(ansiReset)
		out.Write(eol)
	}
	return out.Bytes()
}

// hunkCounts reads "@@ -1,3 +1,4 @@".
func hunkCounts(h string) (oldN, newN int) {
	f := strings.Fields(h)
	if len(f) < 3 {
		return 0, 0
	}
	count := func(r string) int {
		_, n, ok := strings.Cut(r[1:], ",")
		if !ok {
			return 1
		}
		v, _ := strconv.Atoi(n)
		return v
	}
	return count(f[1]), count(f[2])
}

// DiffStat collects the per-file line counts that `--stat` prints, like
// `git diff --stat`. It keeps only a path and two numbers per changed file.
type DiffStat struct {
	entries []statEntry
}

type statEntry struct {
	path         string
	added, remov int
}

// Add counts the change of one file from a to b (nothing when equal).
func (s *DiffStat) Add(path string, a, b []byte) {
	if bytes.Equal(a, b) {
		return
	}
	add, rem := emit.DiffStat(a, b)
	s.entries = append(s.entries, statEntry{path, add, rem})
}

// AddResult counts a result's Dockerfile and its other files.
func (s *DiffStat) AddResult(r *transform.Result, name func(string) string) {
	s.Add(name(r.Path), r.Src, r.Out)
	for _, f := range r.Files {
		s.Add(name(f.Path), f.Old, f.New)
	}
}

// Merge adds the entries of o, in order.
func (s *DiffStat) Merge(o *DiffStat) {
	s.entries = append(s.entries, o.entries...)
}

// maxBar is the widest +/- bar.
const maxBar = 50

// Write prints the stat; color paints the bars.
func (s *DiffStat) Write(w io.Writer, color bool) error {
	if len(s.entries) == 0 {
		return nil
	}
	nameW, maxTotal, adds, rems := 0, 0, 0, 0
	for _, e := range s.entries {
		nameW = max(nameW, len(e.path))
		maxTotal = max(maxTotal, e.added+e.remov)
		adds += e.added
		rems += e.remov
	}
	numW := len(strconv.Itoa(maxTotal))
	var b strings.Builder
	for _, e := range s.entries {
		plus, minus := e.added, e.remov
		if maxTotal > maxBar {
			plus, minus = scale(plus, maxTotal), scale(minus, maxTotal)
		}
		p, m := strings.Repeat("+", plus), strings.Repeat("-", minus)
		if color {
			if p != "" {
				p = ansiGreen + p + ansiReset
			}
			if m != "" {
				m = ansiRed + m + ansiReset
			}
		}
		fmt.Fprintf(&b, " %-*s | %*d %s%s\n", nameW, e.path, numW, e.added+e.remov, p, m)
	}
	fmt.Fprintf(&b, " %s changed", plural(len(s.entries), "file"))
	if adds > 0 || rems == 0 {
		fmt.Fprintf(&b, ", %d insertion", adds)
		if adds != 1 {
			b.WriteString("s")
		}
		b.WriteString("(+)")
	}
	if rems > 0 || adds == 0 {
		fmt.Fprintf(&b, ", %d deletion", rems)
		if rems != 1 {
			b.WriteString("s")
		}
		b.WriteString("(-)")
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func scale(n, total int) int {
	if n == 0 {
		return 0
	}
	return max(1, n*maxBar/total)
}
