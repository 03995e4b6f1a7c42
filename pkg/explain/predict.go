package explain

import (
	"fmt"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Change is what differs from the build whose cache BuildKit holds.
type Change struct {
	Files []string `json:"files,omitempty"` // context-relative slash paths (files or folders)
	Args  []string `json:"args,omitempty"`  // build args whose value differs
}

// StepPrediction is one vertex of the build and whether BuildKit takes it
// from its cache.
type StepPrediction struct {
	Stage     int    `json:"stage"`
	StageName string `json:"stageName,omitempty"` // the prefix in vertex names ("" for a single-stage build)
	Index     int    `json:"index"`
	Total     int    `json:"total"`
	Name      string `json:"name"`    // `[build 3/6] COPY . .`
	Command   string `json:"command"` // `COPY . .`
	Line      int    `json:"line"`
	// Built is false for a stage the target does not need: BuildKit does
	// not run it at all.
	Built  bool `json:"built"`
	Cached bool `json:"cached"`
	// First marks the first step of its stage that runs again.
	First bool `json:"first,omitempty"`
	// Uncertain: the step runs again only because a stage it copies or
	// mounts files from runs again; BuildKit compares those files' content
	// and takes the step from its cache when they come out identical.
	Uncertain bool   `json:"uncertain,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// LinkName and LinkCached describe the second vertex of COPY --link,
	// which links the copied files onto the stage (Cached is then the copy
	// itself, which does not depend on the steps before it).
	LinkName   string `json:"linkName,omitempty"`
	LinkCached bool   `json:"linkCached,omitempty"`

	step *Step
}

// Prediction is the outcome of a change for a whole build.
type Prediction struct {
	Change Change           `json:"change"`
	Steps  []StepPrediction `json:"steps"`
	// Unused are changed paths no built step reads, with why.
	Unused []UnusedChange `json:"unused,omitempty"`
	Rerun  int            `json:"rerun"` // built steps that run again
	Total  int            `json:"total"` // built steps
}

// UnusedChange is a changed path that invalidates nothing.
type UnusedChange struct {
	Path string `json:"path"`
	Why  string `json:"why"`
}

// Predict is the one-call API: the steps a build of doc runs again after
// the changed context paths (slash paths relative to the context), in
// build order. bctx may be nil (no context on disk: no ignore file).
func Predict(doc *ast.Document, bctx *transform.BuildContext, changed []string) ([]StepPrediction, error) {
	m, err := Build(doc, bctx, Options{})
	if err != nil {
		return nil, err
	}
	return m.Predict(Change{Files: changed}).Steps, nil
}

// Predict applies a change to the model.
func (m *Model) Predict(ch Change) *Prediction {
	p := &Prediction{Change: ch}
	pr := predictor{m: m, files: m.changedFiles(ch), args: map[string]bool{}, read: map[string]bool{}}
	for _, a := range ch.Args {
		pr.args[a] = true
	}
	states := make([]predictState, len(m.Stages))

	for _, s := range m.Stages {
		// prev: the chain of steps so far runs again; sure: certainly (not
		// only through files compared by content); chain: what started it.
		prev, sure, chain := false, false, ""
		if s.BaseStage >= 0 && states[s.BaseStage].rerun {
			prev, sure = true, !states[s.BaseStage].uncertain
			chain = "base stage " + m.Stages[s.BaseStage].Display()
		}
		first := true
		for _, st := range s.Steps {
			why, certain := pr.why(s, st, states)
			own := len(why) > 0
			rerun := own || prev
			stepSure := certain || (prev && sure)
			sp := StepPrediction{
				Stage: s.Index, StageName: s.Prefix, Index: st.Index, Total: st.Total,
				Name: st.Name, Command: st.Command, Line: st.Line, Built: s.Built, step: st,
			}
			sp.Cached = !rerun
			if st.Link {
				// The copy does not depend on the steps before it; the
				// merge that links it onto them does.
				sp.Cached = !own
				sp.LinkName, sp.LinkCached = st.LinkName, !rerun
			}
			if rerun {
				sp.Uncertain = !stepSure
				switch {
				case own:
					sp.Reason = strings.Join(why, ", ")
				case first:
					sp.Reason = chain + " runs again"
				default:
					sp.Reason = "follows " + chain
				}
				sp.First = first
				first = false
				if !prev || (!sure && stepSure) {
					chain = fmt.Sprintf("[%d/%d] %s", st.Index, st.Total, shorten(st.Command, 48))
				}
				prev, sure = true, sure || stepSure
			}
			if s.Built {
				p.Total++
				if rerun {
					p.Rerun++
				}
			}
			p.Steps = append(p.Steps, sp)
		}
		states[s.Index] = predictState{rerun: prev, uncertain: prev && !sure}
	}
	p.Unused = m.unusedChanges(ch, pr.read)
	return p
}

// predictState is whether a stage runs again, and whether only maybe.
type predictState struct{ rerun, uncertain bool }

// predictor is one change applied to a model.
type predictor struct {
	m     *Model
	files []string        // the changed files the build sends
	args  map[string]bool // the changed build arguments
	read  map[string]bool // the changed files a built step reads
}

// changedFiles are the changed files the build context sends.
func (m *Model) changedFiles(ch Change) []string {
	var files []string
	for _, f := range ch.Files {
		f = transform.Clean(f)
		if f == "" || m.Context.Excluded(f) && !m.Context.sendsUnder(f) {
			continue
		}
		files = append(files, f)
	}
	return files
}

// why says why a step runs again of its own (the files and arguments it
// reads, the stages it copies from), and whether certainly.
func (pr *predictor) why(s *Stage, st *Step, states []predictState) (why []string, certain bool) {
	m := pr.m
	for _, r := range st.Reads {
		var hit []string
		for _, f := range pr.files {
			if r.selects(f, !m.Context.isFile(f)) {
				hit = append(hit, f)
				if s.Built {
					pr.read[f] = true
				}
			}
		}
		if len(hit) > 0 {
			why = append(why, changedWhy(hit))
			certain = true
		}
	}
	for _, a := range st.Args {
		if pr.args[a] {
			why = append(why, "build arg "+a+" changed")
			certain = true
		}
	}
	if st.Keyword == "FROM" && certain {
		why[len(why)-1] += " (another base image)"
	}
	for _, fr := range st.From {
		if states[fr.Stage].rerun {
			why = append(why, "stage "+m.Stages[fr.Stage].Display()+" runs again")
		}
	}
	return why, certain
}

// unusedChanges are the changed files no built step reads, and why.
func (m *Model) unusedChanges(ch Change, read map[string]bool) []UnusedChange {
	var out []UnusedChange
	for _, f := range ch.Files {
		c := transform.Clean(f)
		if read[c] {
			continue
		}
		why := "no built step reads it"
		switch {
		case c == "":
			continue
		case m.Context.Excluded(c) && !m.Context.sendsUnder(c):
			why = "excluded by " + m.ignoreName()
		case m.readByUnbuilt(c):
			why = "read only by stages the target does not need"
		}
		out = append(out, UnusedChange{Path: c, Why: why})
	}
	return out
}

func (m *Model) readByUnbuilt(f string) bool {
	for _, s := range m.Stages {
		if s.Built {
			continue
		}
		for _, st := range s.Steps {
			for _, r := range st.Reads {
				if r.selects(f, !m.Context.isFile(f)) {
					return true
				}
			}
		}
	}
	return false
}

func (m *Model) ignoreName() string {
	if m.Context == nil || m.Context.IgnoreFile == "" {
		return "the ignore file"
	}
	return baseName(m.Context.IgnoreFile)
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func changedWhy(files []string) string {
	sort.Strings(files)
	switch len(files) {
	case 1:
		return files[0] + " changed"
	case 2:
		return files[0] + " and " + files[1] + " changed"
	}
	return fmt.Sprintf("%s and %d more changed", files[0], len(files)-1)
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
