package explain

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	b := bufio.NewWriter(w)
	m := r.Model
	fmt.Fprintf(b, "Dockerfile: %s\n", r.Dockerfile)
	if c := m.Context; c != nil {
		name := r.Context
		if name == "" {
			name = c.Dir
		}
		fmt.Fprintf(b, "Context: %s (%s sent; ", name, plural(c.Count, "file"))
		if c.IgnoreFile != "" {
			fmt.Fprintf(b, "%s excludes %s)\n", baseName(c.IgnoreFile), plural(c.Ignored, "path"))
		} else {
			b.WriteString("no ignore file)\n")
		}
	} else {
		b.WriteString("Context: none (sources as the Dockerfile names them)\n")
	}
	if len(m.Stages) > 1 {
		built := 0
		for _, s := range m.Stages {
			if s.Built {
				built++
			}
		}
		fmt.Fprintf(b, "Target: %s (%d of %d stages built)\n", m.stageLabel(m.Stages[m.Target]), built, len(m.Stages))
	}
	var p *Prediction
	if r.Prediction != nil {
		p = r.Prediction
		ch := changeText(p.Change)
		switch {
		case ch == "" && r.Since != "":
			ch = "none (git reports nothing changed since " + r.Since + ")"
		case ch == "":
			ch = "none"
		case r.Since != "":
			ch += " (from git: since " + r.Since + ", uncommitted and untracked files included)"
		}
		fmt.Fprintf(b, "Change: %s\n", ch)
	}
	if r.Compare != nil {
		r.writeCompare(b)
		return b.Flush()
	}
	if p != nil {
		m.writePrediction(b, p)
	} else {
		m.writeCosts(b, r.Costs)
	}
	return b.Flush()
}

func changeText(ch Change) string {
	var parts []string
	parts = append(parts, ch.Files...)
	for _, a := range ch.Args {
		parts = append(parts, "build arg "+a)
	}
	return strings.Join(parts, ", ")
}

func (m *Model) stageLabel(s *Stage) string {
	switch {
	case s.Name != "":
		return "stage " + s.Name
	case len(m.Stages) == 1:
		return fmt.Sprintf("stage %d", s.Index)
	}
	return fmt.Sprintf("stage-%d", s.Index)
}

func (m *Model) stageHeader(w io.Writer, s *Stage) {
	fmt.Fprintf(w, "\n%s (FROM %s, line %d)", m.stageLabel(s), s.Base, s.Line)
	if !s.Built {
		io.WriteString(w, ": not built, the target does not need it")
	}
	io.WriteString(w, "\n")
}

// writeDeps writes what a step reads, one line each.
func (m *Model) writeDeps(w io.Writer, st *Step, indent string) {
	ctx := m.Context != nil
	var lines []string
	last := ""
	for _, r := range st.Reads {
		what := "reads"
		if r.Kind == "bind" {
			what = "mounts (bind)"
		}
		src := r.display(ctx)
		switch {
		case r.Whole && ctx:
			src = fmt.Sprintf("the whole context (%s)", plural(len(r.Files), "file"))
		case r.Whole:
			src = "the whole context"
		case ctx && r.Ignored:
			src += fmt.Sprintf(" (excluded by %s: the build fails)", m.ignoreName())
		case ctx && r.Missing:
			src += " (not in the context: the build fails)"
		case ctx && r.Wildcard && len(r.Files) == 0:
			src += " (no file matches)"
		case ctx && (len(r.Files) != 1 || r.Files[0] != r.Source):
			src += fmt.Sprintf(" (%s)", plural(len(r.Files), "file"))
		}
		if len(r.Exclude) > 0 {
			src += " except " + strings.Join(r.Exclude, ", ")
		}
		if what == last {
			lines[len(lines)-1] += ", " + src
			continue
		}
		last = what
		lines = append(lines, what+" "+src)
	}
	for _, l := range lines {
		fmt.Fprintf(w, "%s%s\n", indent, l)
	}
	for _, f := range st.From {
		what := "copies"
		if f.Kind != "copy" {
			what = "mounts (" + f.Kind + ")"
		}
		fmt.Fprintf(w, "%s%s %s from stage %s\n", indent, what, strings.Join(f.Paths, ", "), m.Stages[f.Stage].Display())
	}
	for _, img := range st.Images {
		fmt.Fprintf(w, "%stakes files from image %s\n", indent, img)
	}
	for _, u := range st.Remote {
		fmt.Fprintf(w, "%sdownloads %s\n", indent, u)
	}
}

func (m *Model) writeCosts(w io.Writer, costs []*Cost) {
	byStep := costMap(costs)
	for _, s := range m.Stages {
		m.stageHeader(w, s)
		for _, st := range s.Steps {
			fmt.Fprintf(w, "  %s\n", st.Name)
			m.writeDeps(w, st, "      ")
			if c := byStep[st]; c != nil {
				if sum := c.Summary(m.Context != nil); sum != "" {
					fmt.Fprintf(w, "      %s\n", sum)
				}
			}
		}
	}
}

func status(sp StepPrediction) string {
	if sp.Cached {
		return "CACHED "
	}
	return "       "
}

func (m *Model) writePrediction(w io.Writer, p *Prediction) {
	i := 0
	var firsts []string
	for _, s := range m.Stages {
		m.stageHeader(w, s)
		for ; i < len(p.Steps) && p.Steps[i].Stage == s.Index; i++ {
			sp := p.Steps[i]
			if !s.Built {
				continue
			}
			fmt.Fprintf(w, "  %s%s\n", status(sp), sp.Name)
			if sp.LinkName != "" {
				st := sp
				st.Cached = sp.LinkCached
				fmt.Fprintf(w, "  %s%s\n", status(st), sp.LinkName)
			}
			if sp.First {
				why := sp.Reason
				if sp.Uncertain {
					why += " (cached if the files it takes from there come out identical)"
				}
				fmt.Fprintf(w, "           re-runs: %s\n", why)
			}
			if sp.First {
				if len(m.Stages) == 1 {
					firsts = append(firsts, "from "+shorten(sp.Name, 48))
				} else {
					firsts = append(firsts, fmt.Sprintf("%s from %s", s.Display(), shorten(sp.Name, 48)))
				}
			}
		}
	}
	fmt.Fprintf(w, "\n%d of %d steps re-run", p.Rerun, p.Total)
	if len(firsts) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(firsts, "; "))
	}
	io.WriteString(w, "\n")
	for _, u := range p.Unused {
		fmt.Fprintf(w, "Not read by the build: %s (%s)\n", u.Path, u.Why)
	}
}

func (r *Report) writeCompare(w io.Writer) {
	c := r.Compare
	m, n := r.Model, c.Model
	if !c.Changed {
		io.WriteString(w, "\nThe rewrite changes nothing: the rewritten Dockerfile is the same.\n")
		return
	}
	fmt.Fprintf(w, "Rewritten with: %s", strings.Join(c.Rules, ", "))
	if len(c.Files) > 0 {
		fmt.Fprintf(w, " (also writes %s)", strings.Join(c.Files, ", "))
	}
	io.WriteString(w, "\n")
	a, b := m.builtSteps(), n.builtSteps()
	label := compareLabels(m, n)
	cell := func(p *Prediction, st *Step) string {
		if p == nil {
			return label(st)
		}
		for _, sp := range p.Steps {
			if sp.step == st {
				s := strings.TrimRight(status(sp), " ")
				if sp.LinkName != "" && sp.Cached && !sp.LinkCached {
					s = "LINKED"
				}
				if s == "" {
					s = "RE-RUN"
				}
				return fmt.Sprintf("%-6s %s", s, label(st))
			}
		}
		return label(st)
	}
	width := 24
	for _, row := range c.Rows {
		if row.Original >= 0 {
			width = max(width, len([]rune(cell(r.Prediction, a[row.Original]))))
		}
	}
	width = min(width, 64)
	var left, right []string
	for _, row := range c.Rows {
		l, rt := "", ""
		if row.Original >= 0 {
			l = cell(r.Prediction, a[row.Original])
		}
		if row.Rewritten >= 0 {
			rt = cell(c.Prediction, b[row.Rewritten])
			if row.Merged {
				rt = "(merged into " + stepNumber(label(b[row.Rewritten])) + ")"
			}
		}
		l, rt = movedCells(row, l, rt, func(i int) string { return stepNumber(label(a[i])) }, func(j int) string { return stepNumber(label(b[j])) })
		left = append(left, shorten(l, width))
		right = append(right, shorten(rt, 72))
	}
	fmt.Fprintf(w, "\n  %-*s  %s\n", width, "original", "rewritten")
	for i := range left {
		fmt.Fprintf(w, "  %-*s  %s\n", width, left[i], right[i])
	}
	io.WriteString(w, "\n")
	if len(c.Differences) == 0 {
		if r.Prediction != nil {
			io.WriteString(w, "The rewrite changes no step's outcome for this change.\n")
		} else {
			io.WriteString(w, "The rewrite changes what re-runs no step.\n")
		}
	} else {
		io.WriteString(w, "What the rewrite changes:\n")
		for _, d := range c.Differences {
			fmt.Fprintf(w, "  %s\n", d)
		}
	}
	if r.Prediction != nil && c.Prediction != nil {
		fmt.Fprintf(w, "Original: %d of %d steps re-run; rewritten: %d of %d.\n", r.Prediction.Rerun, r.Prediction.Total, c.Prediction.Rerun, c.Prediction.Total)
	}
}

// compareLabels names the steps of both builds the same way: BuildKit
// drops the stage prefix from a build of a single state, so a rewrite
// that adds a cache mount would otherwise read [stage-0 3/6] beside [3/5].
// With a prefix on either side, both sides have one.
func compareLabels(m, n *Model) func(*Step) string {
	prefixed := false
	for _, mm := range []*Model{m, n} {
		for _, s := range mm.Stages {
			prefixed = prefixed || s.Prefix != ""
		}
	}
	stages := map[*Step]*Stage{}
	for _, mm := range []*Model{m, n} {
		for _, s := range mm.Stages {
			for _, st := range s.Steps {
				stages[st] = s
			}
		}
	}
	return func(st *Step) string {
		s := stages[st]
		if !prefixed || s == nil || s.Prefix != "" {
			return st.Name
		}
		return vertexName(s.Display(), st.Index, s.Total, st.Command)
	}
}

// stepNumber is the [N/M] part of a step's label (the whole label when it
// has none).
func stepNumber(label string) string {
	if strings.HasPrefix(label, "[") {
		if i := strings.Index(label, "]"); i > 0 {
			return label[:i+1]
		}
	}
	return label
}

// movedCells writes where a moved step went: in the rewritten column of
// the row it left, and in the original column of the row it went to.
func movedCells(row Row, l, rt string, orig, rewritten func(int) string) (string, string) {
	switch row.Moved {
	case "from":
		rt = "(moved to " + rewritten(row.Rewritten) + ")"
	case "to":
		l = "(moved here from " + orig(row.Original) + ")"
	}
	return l, rt
}
