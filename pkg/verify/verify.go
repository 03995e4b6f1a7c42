// Package verify proves a Dockerfile rewrite with real builds: it builds
// the original and the rewritten file with BuildKit, compares their
// outcomes (the rewrite must fail exactly when the original fails, at the
// same step: outcome.go) and their final filesystems, and measures what
// the rewrite gains when code or dependencies change (measure.go: only
// files the build reads are changed).
//
// Only this package (and the command that calls it) imports the BuildKit
// client; the rest of dfopt stays free of it.
package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// Options are the inputs of Run.
type Options struct {
	Dockerfile string // the user's file (for messages and NAME.dockerignore)
	ContextDir string
	Original   []byte
	Rewritten  []byte
	// Files are other files the rewrite creates or replaces (absolute
	// path → content): an ignore file in the context or beside the
	// Dockerfile. The rewritten file is built with them.
	Files    map[string][]byte
	Contexts []NamedContext
	// Unsafe: the rewrite includes unsafe fixes, which change the image on
	// purpose. Filesystem differences are then reported, not failures.
	Unsafe bool
	Ignore *IgnoreList // nil: the default list
	// CodeFile and Manifest override the files the measurements change
	// (context-relative); empty means pick one.
	CodeFile string
	Manifest string
	// NoMeasure skips the rebuild measurements.
	NoMeasure bool
	// Progress receives one line per phase and per finished step.
	Progress func(string)
}

// Verdict values. `dfopt verify` exits 0 for ok, unchanged and
// both-fail, 2 for original-fails, 1 for the others.
const (
	VerdictOK      = "ok"      // both build; equivalent (or unsafe and reported)
	VerdictDiffers = "differs" // safe rewrite, filesystems differ
	// VerdictRewriteFails: the rewritten file does not build, the original
	// does.
	VerdictRewriteFails = "rewritten-fails"
	// VerdictRewriteBuilds: the original does not build and the rewrite
	// does: the rewrite changed the outcome.
	VerdictRewriteBuilds = "rewritten-builds"
	// VerdictBothFail: both fail at the same step (see outcome.go); the
	// outcome is kept and there is no filesystem to compare.
	VerdictBothFail = "both-fail"
	// VerdictFailsDifferently: both fail, at different steps.
	VerdictFailsDifferently = "fails-differently"
	// VerdictOriginalFails: the original built, then failed when rebuilt
	// for the measurements (something outside the files changed): nothing
	// to conclude.
	VerdictOriginalFails  = "original-fails"
	VerdictNothingChanged = "unchanged" // the rewrite changes nothing
)

// Report is everything verify found out.
type Report struct {
	Dockerfile string   `json:"dockerfile"`
	Context    string   `json:"context"`
	Addr       string   `json:"addr"`
	Unsafe     bool     `json:"unsafe"`
	Rules      []string `json:"rules"`           // rules whose fixes the rewrite applied
	Files      []string `json:"files,omitempty"` // other files the rewrite writes (built with them)
	Verdict    string   `json:"verdict"`

	Original  *Build `json:"original,omitempty"`
	Rewritten *Build `json:"rewritten,omitempty"`

	Filesystem *Comparison `json:"filesystem,omitempty"`

	CodeChange       *Scenario `json:"codeChange,omitempty"`
	DependencyChange *Scenario `json:"dependencyChange,omitempty"`
	// MeasureNote says why a measurement is missing.
	MeasureNote string `json:"measureNote,omitempty"`

	// Outcome is one line on the builds' outcomes when one of them failed:
	// "the original fails at line 2 (…); the rewrite builds".
	Outcome string `json:"outcome,omitempty"`
	// Failure is the failure the verdict is about (the rewrite's, or the
	// original's when only it fails or both fail the same way); each
	// build's own is in Original.Failure and Rewritten.Failure.
	Failure *BuildError `json:"failure,omitempty"`
}

// Build is one build as measured.
type Build struct {
	Seconds  float64 `json:"seconds"`
	Executed int     `json:"executed"` // steps that ran
	Cached   int     `json:"cached"`   // steps served from the cache
	Size     int64   `json:"size"`     // bytes of regular files in the final filesystem
	Steps    []Step  `json:"steps"`
	// Failure: the build failed (then there is no filesystem).
	Failure *BuildError `json:"failure,omitempty"`
}

// Scenario is a change to the context and the rebuild of both files.
type Scenario struct {
	Path      string `json:"path"` // the context file changed
	Original  *Build `json:"original"`
	Rewritten *Build `json:"rewritten"`
}

func buildOf(r *BuildResult) *Build {
	b := &Build{Seconds: r.Wall.Seconds(), Executed: r.Executed(), Cached: r.Cached(), Steps: r.Steps, Failure: r.Failure}
	if b.Steps == nil {
		b.Steps = []Step{}
	}
	return b
}

// DepStepsExecuted lists the dependency-install steps that ran.
func (b *Build) DepStepsExecuted() []string {
	var out []string
	for _, s := range b.Steps {
		if s.DepInstall && s.Executed {
			out = append(out, s.Name)
		}
	}
	return out
}

func (o *Options) progress(format string, args ...any) {
	if o.Progress != nil {
		o.Progress(fmt.Sprintf(format, args...))
	}
}

// Builder runs builds: a *Daemon, or a fake in tests.
type Builder interface {
	Build(ctx context.Context, r *BuildRequest) (*BuildResult, error)
	Address() string
}

// Address is the daemon's address.
func (d *Daemon) Address() string { return d.Addr }

// Run builds, compares and measures. It returns a report whose Verdict
// says what happened; err is for what kept it from finishing (a lost
// daemon, a context that cannot be read).
//
// Both files are built even when the original fails: the rewrite must
// fail too, at the same step (outcome.go).
func Run(ctx context.Context, b Builder, o Options) (*Report, error) {
	rep := &Report{Dockerfile: o.Dockerfile, Context: o.ContextDir, Addr: b.Address(), Unsafe: o.Unsafe, Rules: []string{}}
	for p := range o.Files {
		rep.Files = append(rep.Files, p)
	}
	sort.Strings(rep.Files)
	if string(o.Original) == string(o.Rewritten) && len(o.Files) == 0 {
		rep.Verdict = VerdictNothingChanged
		return rep, nil
	}
	ign := o.Ignore
	if ign == nil {
		ign, _ = NewIgnoreList()
	}
	tmp, err := os.MkdirTemp("", "dfopt-verify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	ov, err := newOverlay(o)
	if err != nil {
		return nil, err
	}
	sides, err := newSides(o, ov, tmp)
	if err != nil {
		return nil, err
	}
	build := func(side *side, label, ctxDir string, export bool) (*BuildResult, error) {
		req := &BuildRequest{
			Label: label, Dockerfile: side.df, DockerfilePath: o.Dockerfile, ContextDir: ctxDir,
			Contexts: o.Contexts, Export: export,
			Progress: func(s string) { o.progress("  %s: %s", label, s) },
		}
		if side.rewritten {
			req.DockerIgnore = ov.dockerIgnore
		}
		r, err := b.Build(ctx, req)
		side.plan.annotate(r)
		return r, err
	}

	// 1. Build both and export their filesystems.
	res := make([]*BuildResult, 2)
	for i, sd := range sides {
		o.progress("building the %s", map[bool]string{false: "original", true: "rewritten file"}[sd.rewritten])
		if res[i], err = build(sd, sd.label, sd.buildDir, true); err != nil {
			return nil, err
		}
	}
	ro, rr := res[0], res[1]
	rep.Original, rep.Rewritten = buildOf(ro), buildOf(rr)
	if decideOutcome(rep, sides[0].plan, sides[1].plan, ro.Failure, rr.Failure) {
		return rep, nil
	}

	// 2. Compare.
	o.progress("comparing the filesystems")
	to, tr := ro.FS, rr.FS
	rep.Original.Size, rep.Rewritten.Size = to.Size(), tr.Size()
	if rep.Filesystem, err = Compare(to, tr, ign); err != nil {
		return nil, err
	}
	rep.Verdict = VerdictOK
	if !rep.Filesystem.Equivalent() && !o.Unsafe {
		rep.Verdict = VerdictDiffers
	}
	if o.NoMeasure {
		rep.MeasureNote = "measurements skipped"
		return rep, nil
	}
	if err := measure(o, ov, rep, sides, build); err != nil {
		if err == errRebuildFailed {
			return rep, nil // the verdict says which
		}
		return nil, err
	}
	return rep, nil
}

// side is one of the two files verify builds.
type side struct {
	label     string // "original", "rewritten"
	rewritten bool
	df        []byte
	plan      *plan  // nil when the file cannot be modelled
	buildDir  string // the context of the first build
	copyDir   string // the context copy the measurements change
	copyTo    func(dst string) error
}

// newSides prepares the two builds: the rewritten file builds on a copy
// of the context when the rewrite changes files in it.
func newSides(o Options, ov *overlay, tmp string) ([]*side, error) {
	bctx, err := transform.NewBuildContext(o.ContextDir, o.Dockerfile)
	if err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	orig := &side{label: "original", df: o.Original, buildDir: o.ContextDir,
		plan:    newPlan(o.Dockerfile, o.Original, bctx, o.Contexts),
		copyDir: filepath.Join(tmp, "context-original"),
		copyTo:  func(dst string) error { return copyTree(o.ContextDir, dst) }}
	rewr := &side{label: "rewritten", rewritten: true, df: o.Rewritten, buildDir: o.ContextDir,
		plan:    newPlan(o.Dockerfile, o.Rewritten, nil, o.Contexts),
		copyDir: filepath.Join(tmp, "context-rewritten"),
		copyTo:  ov.copyContext}
	if ov.inContext() {
		rewr.buildDir = filepath.Join(tmp, "context-rewritten-files")
		if err := ov.copyContext(rewr.buildDir); err != nil {
			return nil, err
		}
	}
	return []*side{orig, rewr}, nil
}

type buildFunc func(sd *side, label, ctxDir string, export bool) (*BuildResult, error)

// measure rebuilds both files after a code-only change and after a
// dependency change. Each file builds on its own copy of the context, and
// the two copies get different meaningless changes (whitespaceMarker).
// Otherwise a step both files share would be rebuilt by whichever ran
// first and found in the cache by the other, which would then look faster
// than it is.
func measure(o Options, ov *overlay, rep *Report, sides []*side, build buildFunc) error {
	codeFile, manifest, notes := chooseFiles(o, sides[0].plan)
	// Warm the cache for the copies: their files may differ from the
	// original context's in ways (owners, times) the cache keys see.
	o.progress("warming the cache for the measurements")
	for _, sd := range sides {
		if err := sd.copyTo(sd.copyDir); err != nil {
			return fmt.Errorf("copying the context: %w", err)
		}
		r, err := build(sd, sd.label+" (warm)", sd.copyDir, false)
		if err != nil {
			return err
		}
		if r.Failure != nil {
			return rebuildFailed(rep, sd, r)
		}
	}

	scenario := func(what, rel string) (*Scenario, error) {
		s := &Scenario{Path: rel}
		for _, sd := range sides {
			if err := appendText(filepath.Join(sd.copyDir, filepath.FromSlash(rel)), whitespaceMarker()); err != nil {
				return nil, fmt.Errorf("changing %s: %w", rel, err)
			}
			o.progress("%s (%s): rebuilding the %s", what, rel, sd.label)
			r, err := build(sd, sd.label, sd.copyDir, false)
			if err != nil {
				return nil, err
			}
			if r.Failure != nil {
				return nil, rebuildFailed(rep, sd, r)
			}
			if sd.rewritten {
				s.Rewritten = buildOf(r)
			} else {
				s.Original = buildOf(r)
			}
		}
		return s, nil
	}
	var err error
	if codeFile != "" {
		if rep.CodeChange, err = scenario("code-only change", codeFile); err != nil {
			return err
		}
	}
	if manifest != "" {
		if rep.DependencyChange, err = scenario("dependency change", manifest); err != nil {
			return err
		}
	}
	rep.MeasureNote = strings.Join(notes, "; ")
	return nil
}

// overlay is what the rewrite changes besides the Dockerfile.
type overlay struct {
	ctxDir       string
	dockerIgnore []byte            // the new NAME.dockerignore beside the Dockerfile
	files        map[string][]byte // context-relative path → content
}

func newOverlay(o Options) (*overlay, error) {
	ov := &overlay{ctxDir: o.ContextDir, files: map[string][]byte{}}
	if len(o.Files) == 0 {
		return ov, nil
	}
	absCtx, err := filepath.Abs(o.ContextDir)
	if err != nil {
		return nil, err
	}
	absDf := ""
	if o.Dockerfile != "" {
		if absDf, err = filepath.Abs(o.Dockerfile); err != nil {
			return nil, err
		}
	}
	for p, data := range o.Files {
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if absDf != "" && abs == absDf+".dockerignore" {
			ov.dockerIgnore = data
			continue
		}
		rel, err := filepath.Rel(absCtx, abs)
		if err != nil || rel == "." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || rel == ".." {
			return nil, fmt.Errorf("the rewrite changes %s, outside the build context %s", p, o.ContextDir)
		}
		ov.files[rel] = data
	}
	return ov, nil
}

func (ov *overlay) inContext() bool { return len(ov.files) > 0 }

// copyContext copies the context to dst with the rewrite's files in it.
func (ov *overlay) copyContext(dst string) error {
	if err := copyTree(ov.ctxDir, dst); err != nil {
		return err
	}
	for rel, data := range ov.files {
		p := filepath.Join(dst, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		mode := os.FileMode(0o644)
		if fi, err := os.Stat(p); err == nil {
			mode = fi.Mode().Perm()
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			return err
		}
	}
	return nil
}

// rebuildFailed records a rebuild that failed during the measurements.
func rebuildFailed(rep *Report, sd *side, r *BuildResult) error {
	describeFailure(sd.plan, r.Failure)
	if sd.rewritten {
		rep.Verdict = VerdictRewriteFails
		rep.Outcome = "the rewrite fails when rebuilt for the measurements, at " + where(r.Failure)
	} else {
		rep.Verdict = VerdictOriginalFails
		rep.Outcome = "the original fails when rebuilt for the measurements, at " + where(r.Failure)
	}
	rep.Failure = r.Failure
	return errRebuildFailed
}

var errRebuildFailed = errors.New("a rebuild failed")
