package explain

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
)

// Request is what `dfopt explain` asks for.
type Request struct {
	Path string // the Dockerfile ("-" for standard input: Src holds it)
	Name string // how to print it ("" prints Path)
	Src  []byte
	// ContextDir is the build context ("" for none: no files, no ignore
	// file); ContextName is how to print it.
	ContextDir  string
	ContextName string
	Changed     []string // context-relative paths (see ContextPaths)
	ChangedArgs []string
	Since       string // the git revision the change was read from (for the header)
	// Predict asks for the prediction even when the change is empty
	// (--since found nothing): every step is then cached.
	Predict bool
	Compare bool
	Unsafe  bool // the rewrite of --compare also applies unsafe fixes
	// Rules are the rules of the rewrite (nil: every rule, as `dfopt fix`).
	Rules   []*transform.Transform
	Options Options
}

// Report is explain's answer.
type Report struct {
	Dockerfile string      `json:"dockerfile"`
	Context    string      `json:"context,omitempty"`
	Since      string      `json:"since,omitempty"`
	Model      *Model      `json:"model"`
	Costs      []*Cost     `json:"costs,omitempty"`      // without a change
	Prediction *Prediction `json:"prediction,omitempty"` // with a change
	Compare    *Comparison `json:"compare,omitempty"`
}

// HasChange reports whether the request names a change.
func (r *Request) HasChange() bool { return r.Predict || len(r.Changed) > 0 || len(r.ChangedArgs) > 0 }

// Run builds the model, and the prediction or the cost view, and the
// comparison with the rewritten file when asked.
func Run(req Request) (*Report, error) {
	doc, err := ast.Parse(req.Path, req.Src)
	if err != nil {
		return nil, err
	}
	var bctx *transform.BuildContext
	if req.ContextDir != "" {
		df := req.Path
		if df == "-" {
			df = ""
		}
		bctx, err = transform.NewBuildContext(req.ContextDir, df)
		if err != nil {
			return nil, fmt.Errorf("build context: %v", err)
		}
	}
	m, err := Build(doc, bctx, req.Options)
	if err != nil {
		return nil, err
	}
	name := req.Name
	if name == "" {
		name = req.Path
	}
	rep := &Report{Dockerfile: name, Context: req.ContextName, Since: req.Since, Model: m}
	ch := Change{Files: req.Changed, Args: req.ChangedArgs}
	if req.HasChange() {
		rep.Prediction = m.Predict(ch)
	} else {
		rep.Costs = m.Costs()
	}
	if req.Compare {
		rep.Compare, err = compare(req, m, bctx, ch)
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// Comparison sets the original Dockerfile beside the one `dfopt fix`
// writes (default rules).
type Comparison struct {
	Rules   []string `json:"rules"`           // rules whose fixes the rewrite applied
	Files   []string `json:"files,omitempty"` // other files it writes (an ignore file)
	Model   *Model   `json:"model"`
	Changed bool     `json:"changed"`
	// Prediction or Costs of the rewritten file, as for the original.
	Prediction *Prediction `json:"prediction,omitempty"`
	Costs      []*Cost     `json:"costs,omitempty"`
	Rows       []Row       `json:"rows"`
	// Differences are the steps whose outcome the rewrite changes, one
	// line each: `RUN pip install -r requirements.txt: re-runs → cached`.
	Differences []string `json:"differences"`
}

// Row pairs a step of the original with a step of the rewritten file
// (-1: none). Merged: the original step is part of the rewritten one.
// Moved: the rewrite moved the step; the pair has two rows, "from" where
// the original had it and "to" where the rewritten file has it.
type Row struct {
	Original  int    `json:"original"`
	Rewritten int    `json:"rewritten"`
	Merged    bool   `json:"merged,omitempty"`
	Moved     string `json:"moved,omitempty"`
}

func compare(req Request, m *Model, bctx *transform.BuildContext, ch Change) (*Comparison, error) {
	rules := req.Rules
	if rules == nil {
		var err error
		if rules, err = transform.Select(nil, nil); err != nil {
			return nil, err
		}
	}
	chain := &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "auto", Unsafe: req.Unsafe}}
	res, err := chain.Run(req.Path, req.Src, bctx)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %v", err)
	}
	cmp := &Comparison{Changed: res.Changed()}
	seen := map[string]bool{}
	for _, f := range res.Findings {
		if f.Applied && !seen[f.Rule] {
			seen[f.Rule] = true
			cmp.Rules = append(cmp.Rules, f.Rule)
		}
	}
	sort.Strings(cmp.Rules)
	nctx := bctx
	if bctx != nil && len(res.Files) > 0 {
		for _, f := range res.Files {
			rel, err := filepath.Rel(bctx.Dir, f.Path)
			if err != nil || strings.HasPrefix(rel, "..") {
				rel = f.Path
			}
			cmp.Files = append(cmp.Files, filepath.ToSlash(rel))
		}
		// The context as it is once the rewrite's files are written: the
		// ignore file BuildKit then reads.
		nctx = bctx.WithFiles(res.Files)
	}
	doc, err := ast.Parse(req.Path, res.Out)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %v", err)
	}
	cmp.Model, err = Build(doc, nctx, req.Options)
	if err != nil {
		return nil, fmt.Errorf("rewrite: %v", err)
	}
	a, b := m.builtSteps(), cmp.Model.builtSteps()
	cmp.Rows = align(a, b)
	if req.HasChange() {
		before := m.Predict(ch)
		cmp.Prediction = cmp.Model.Predict(ch)
		cmp.Differences = differences(cmp.Rows, a, b, predictedState(before, cmp.Prediction))
	} else {
		cmp.Costs = cmp.Model.Costs()
		cmp.Differences = differences(cmp.Rows, a, b, costState(costMap(m.Costs()), costMap(cmp.Costs), m.Context != nil))
	}
	return cmp, nil
}

// predictedState describes a step by what the change does to it, before
// (side 0) and after the rewrite (side 1).
func predictedState(before, after *Prediction) func(side int, st *Step) string {
	return func(side int, st *Step) string {
		p := before
		if side == 1 {
			p = after
		}
		for _, sp := range p.Steps {
			if sp.step == st {
				if sp.Cached && (sp.LinkName == "" || sp.LinkCached) {
					return "cached"
				}
				if sp.Uncertain {
					return "re-runs (unless its files come out identical)"
				}
				return "re-runs"
			}
		}
		return ""
	}
}

// costState describes a step by what makes it run again, before (side 0)
// and after the rewrite (side 1).
func costState(before, after map[*Step]*Cost, withCtx bool) func(side int, st *Step) string {
	return func(side int, st *Step) string {
		c := before[st]
		if side == 1 {
			c = after[st]
		}
		if c == nil {
			return ""
		}
		if s := c.Summary(withCtx); s != "" {
			return s
		}
		return "re-runs only when the Dockerfile or a base image changes"
	}
}

func costMap(cs []*Cost) map[*Step]*Cost {
	out := map[*Step]*Cost{}
	for _, c := range cs {
		out[c.Step] = c
	}
	return out
}

func (m *Model) builtSteps() []*Step {
	var out []*Step
	for _, s := range m.Stages {
		if !s.Built {
			continue
		}
		out = append(out, s.Steps...)
	}
	return out
}

// body is a step's text for pairing: keyword, --from, arguments; other
// flags (mounts, --link, --chown) and spacing do not count.
func body(st *Step) string {
	if st.Keyword == "FROM" {
		return st.Command
	}
	var b strings.Builder
	b.WriteString(st.Keyword)
	if f := st.ins.Flag("from"); f != nil && st.Keyword == "COPY" {
		b.WriteString(" --from=" + f.Value)
	}
	for _, a := range st.ins.Args {
		b.WriteString(" ")
		b.WriteString(strings.Join(strings.Fields(a), " "))
	}
	return b.String()
}

// runBody is the shell text of a RUN, for finding merged RUNs.
func runBody(st *Step) string {
	if st.Keyword != "RUN" {
		return ""
	}
	return strings.TrimPrefix(body(st), "RUN ")
}

// align pairs the steps of two builds: a longest common subsequence of
// steps with the same stage and text (a rewritten RUN pairs with an
// original RUN whose commands it contains), then original RUNs merged into
// a rewritten one.
func align(a, b []*Step) []Row {
	ka, kb := make([]string, len(a)), make([]string, len(b))
	for i, st := range a {
		ka[i] = body(st)
	}
	for j, st := range b {
		kb[j] = body(st)
	}
	match := func(i, j int) bool {
		if a[i].Stage != b[j].Stage {
			return false
		}
		if ka[i] == kb[j] {
			return true
		}
		ra, rb := runBody(a[i]), runBody(b[j])
		return ra != "" && rb != "" && strings.Contains(rb, ra)
	}
	n, k := len(a), len(b)
	dp := make([][]int, n+1)
	for i := range dp {
		dp[i] = make([]int, k+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := k - 1; j >= 0; j-- {
			switch {
			case match(i, j):
				dp[i][j] = dp[i+1][j+1] + 1
			case dp[i+1][j] >= dp[i][j+1]:
				dp[i][j] = dp[i+1][j]
			default:
				dp[i][j] = dp[i][j+1]
			}
		}
	}
	var rows []Row
	i, j := 0, 0
	for i < n || j < k {
		switch {
		case i < n && j < k && match(i, j) && dp[i][j] == dp[i+1][j+1]+1:
			rows = append(rows, Row{Original: i, Rewritten: j})
			i++
			j++
		case j < k && (i == n || dp[i][j+1] >= dp[i+1][j]):
			rows = append(rows, Row{Original: -1, Rewritten: j})
			j++
		default:
			row := Row{Original: i, Rewritten: -1}
			// An original RUN the rewrite merged into a neighbour.
			if ra := runBody(a[i]); ra != "" {
				for jj := range b {
					if rb := runBody(b[jj]); b[jj].Stage == a[i].Stage && rb != "" && rb != ra && strings.Contains(rb, ra) {
						row.Rewritten, row.Merged = jj, true
						break
					}
				}
			}
			rows = append(rows, row)
			i++
		}
	}
	rows = pairMoved(rows, match)
	// Then a RUN the rewrite both moved and edited (a cache option added
	// to its install): most of its words are in the rewritten RUN.
	return pairMoved(rows, func(i, j int) bool {
		return a[i].Stage == b[j].Stage && similarRuns(runBody(a[i]), runBody(b[j]))
	})
}

// similarRuns reports whether most words of RUN text a (at least two in
// three) are in RUN text b.
func similarRuns(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	in := map[string]bool{}
	for _, w := range strings.Fields(b) {
		in[w] = true
	}
	words, found := strings.Fields(a), 0
	for _, w := range words {
		if in[w] {
			found++
		}
	}
	return 3*found >= 2*len(words)
}

// pairMoved pairs a step the alignment left without a partner in the
// rewritten file with an unpaired rewritten step of the same text: the
// rewrite moved it (hoisted above a COPY, reordered).
func pairMoved(rows []Row, match func(i, j int) bool) []Row {
	for x := range rows {
		if rows[x].Rewritten >= 0 || rows[x].Merged {
			continue
		}
		for y := range rows {
			if rows[y].Original < 0 && rows[y].Moved == "" && match(rows[x].Original, rows[y].Rewritten) {
				i, j := rows[x].Original, rows[y].Rewritten
				rows[x] = Row{Original: i, Rewritten: j, Moved: "from"}
				rows[y] = Row{Original: i, Rewritten: j, Moved: "to"}
				break
			}
		}
	}
	return rows
}

// differences lists the paired steps whose outcome differs, and the
// steps the rewrite adds or removes.
func differences(rows []Row, a, b []*Step, outcome func(side int, st *Step) string) []string {
	var out []string
	for _, r := range rows {
		switch {
		case r.Moved == "from":
			continue
		case r.Moved == "to":
			if o, n := outcome(0, a[r.Original]), outcome(1, b[r.Rewritten]); o != n {
				out = append(out, fmt.Sprintf("%s (moved): %s → %s", shorten(a[r.Original].Command, 60), o, n))
			} else {
				out = append(out, fmt.Sprintf("%s: moved", shorten(a[r.Original].Command, 60)))
			}
			continue
		case r.Original < 0:
			out = append(out, fmt.Sprintf("%s (new): %s", shorten(b[r.Rewritten].Command, 60), outcome(1, b[r.Rewritten])))
			continue
		case r.Rewritten < 0:
			out = append(out, fmt.Sprintf("%s: %s → removed", shorten(a[r.Original].Command, 60), outcome(0, a[r.Original])))
			continue
		}
		o, n := outcome(0, a[r.Original]), outcome(1, b[r.Rewritten])
		if o == n {
			continue
		}
		line := fmt.Sprintf("%s: %s → %s", shorten(a[r.Original].Command, 60), o, n)
		if r.Merged {
			line = fmt.Sprintf("%s (merged into %s): %s → %s", shorten(a[r.Original].Command, 60), shorten(b[r.Rewritten].Name, 40), o, n)
		}
		out = append(out, line)
	}
	return out
}
