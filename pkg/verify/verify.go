// Package verify proves a Dockerfile rewrite with real builds: it builds
// the original and the rewritten file with BuildKit, compares the two
// final filesystems, and measures what the rewrite gains when code or
// dependencies change.
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

// Verdict values.
const (
	VerdictOK             = "ok"              // both build; equivalent (or unsafe and reported)
	VerdictDiffers        = "differs"         // safe rewrite, filesystems differ
	VerdictRewriteFails   = "rewritten-fails" // the rewritten file does not build, the original does
	VerdictOriginalFails  = "original-fails"  // the original does not build: nothing to compare
	VerdictNothingChanged = "unchanged"       // the rewrite changes nothing
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

	Failure *BuildError `json:"failure,omitempty"`
}

// Build is one build as measured.
type Build struct {
	Seconds  float64 `json:"seconds"`
	Executed int     `json:"executed"` // steps that ran
	Cached   int     `json:"cached"`   // steps served from the cache
	Size     int64   `json:"size"`     // bytes of regular files in the final filesystem
	Steps    []Step  `json:"steps"`
}

// Scenario is a change to the context and the rebuild of both files.
type Scenario struct {
	Path      string `json:"path"` // the context file changed
	Original  *Build `json:"original"`
	Rewritten *Build `json:"rewritten"`
}

func buildOf(r *BuildResult) *Build {
	b := &Build{Seconds: r.Wall.Seconds(), Executed: r.Executed(), Cached: r.Cached(), Steps: r.Steps}
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

// Run builds, compares and measures. It returns a report whose Verdict
// says what happened; err is for what kept it from finishing (a lost
// daemon, a context that cannot be read).
func Run(ctx context.Context, d *Daemon, o Options) (*Report, error) {
	rep := &Report{Dockerfile: o.Dockerfile, Context: o.ContextDir, Addr: d.Addr, Unsafe: o.Unsafe, Rules: []string{}}
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
	build := func(label string, df []byte, ctxDir string, export bool) (*BuildResult, error) {
		req := &BuildRequest{
			Label: label, Dockerfile: df, DockerfilePath: o.Dockerfile, ContextDir: ctxDir,
			Contexts: o.Contexts, Export: export,
			Progress: func(s string) { o.progress("  %s: %s", label, s) },
		}
		if strings.HasPrefix(label, "rewritten") {
			req.DockerIgnore = ov.dockerIgnore
		}
		return d.Build(ctx, req)
	}

	// 1. Build both and export their filesystems.
	rewrCtx := o.ContextDir
	if ov.inContext() {
		rewrCtx = filepath.Join(tmp, "context-rewritten-files")
		if err := ov.copyContext(rewrCtx); err != nil {
			return nil, err
		}
	}
	o.progress("building the original")
	ro, err := build("original", o.Original, o.ContextDir, true)
	if err != nil {
		return nil, err
	}
	rep.Original = buildOf(ro)
	if ro.Failure != nil {
		rep.Verdict, rep.Failure = VerdictOriginalFails, ro.Failure
		return rep, nil
	}
	o.progress("building the rewritten file")
	rr, err := build("rewritten", o.Rewritten, rewrCtx, true)
	if err != nil {
		return nil, err
	}
	rep.Rewritten = buildOf(rr)
	if rr.Failure != nil {
		rep.Verdict, rep.Failure = VerdictRewriteFails, rr.Failure
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
	if err := measure(o, ov, rep, tmp, build); err != nil {
		if err == errRebuildFailed {
			return rep, nil // the verdict says which
		}
		return nil, err
	}
	return rep, nil
}

type buildFunc func(label string, df []byte, ctxDir string, export bool) (*BuildResult, error)

// measure rebuilds both files after a code-only change and after a
// dependency change. Each file builds on its own copy of the context, and
// the two copies get different meaningless changes (whitespaceMarker).
// Otherwise a step both files share would be rebuilt by whichever ran
// first and found in the cache by the other, which would then look faster
// than it is.
func measure(o Options, ov *overlay, rep *Report, tmp string, build buildFunc) error {
	files, err := contextFiles(o.ContextDir, o.Dockerfile)
	if err != nil {
		return err
	}
	codeFile, manifest := o.CodeFile, o.Manifest
	if codeFile == "" {
		codeFile = pickCodeFile(files)
	}
	if manifest == "" {
		manifest = pickManifest(files)
	}
	sides := []struct {
		label string
		df    []byte
		dir   string
	}{
		{"original", o.Original, filepath.Join(tmp, "context-original")},
		{"rewritten", o.Rewritten, filepath.Join(tmp, "context-rewritten")},
	}
	// Warm the cache for the copies: their files may differ from the
	// original context's in ways (owners, times) the cache keys see.
	o.progress("warming the cache for the measurements")
	for i, sd := range sides {
		copyCtx := copyTree
		if i == 1 {
			copyCtx = func(_, dst string) error { return ov.copyContext(dst) }
		}
		if err := copyCtx(o.ContextDir, sd.dir); err != nil {
			return fmt.Errorf("copying the context: %w", err)
		}
		r, err := build(sd.label+" (warm)", sd.df, sd.dir, false)
		if err != nil {
			return err
		}
		if r.Failure != nil {
			return rebuildFailed(rep, sd.label, r)
		}
	}

	scenario := func(what, rel string) (*Scenario, error) {
		s := &Scenario{Path: rel}
		for i, sd := range sides {
			if err := appendText(filepath.Join(sd.dir, filepath.FromSlash(rel)), whitespaceMarker()); err != nil {
				return nil, fmt.Errorf("changing %s: %w", rel, err)
			}
			o.progress("%s (%s): rebuilding the %s", what, rel, sd.label)
			r, err := build(sd.label, sd.df, sd.dir, false)
			if err != nil {
				return nil, err
			}
			if r.Failure != nil {
				return nil, rebuildFailed(rep, sd.label, r)
			}
			if i == 0 {
				s.Original = buildOf(r)
			} else {
				s.Rewritten = buildOf(r)
			}
		}
		return s, nil
	}
	var notes []string
	if codeFile == "" {
		notes = append(notes, "no source file in the context for a code-only change")
	} else if rep.CodeChange, err = scenario("code-only change", codeFile); err != nil {
		return err
	}
	if manifest == "" {
		notes = append(notes, "no dependency manifest in the context")
	} else if rep.DependencyChange, err = scenario("dependency change", manifest); err != nil {
		return err
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
func rebuildFailed(rep *Report, label string, r *BuildResult) error {
	if label == "original" {
		rep.Verdict = VerdictOriginalFails
	} else {
		rep.Verdict = VerdictRewriteFails
	}
	rep.Failure = r.Failure
	return errRebuildFailed
}

var errRebuildFailed = errors.New("a rebuild failed")
