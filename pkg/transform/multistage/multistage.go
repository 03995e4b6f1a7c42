// Package multistage is the rule multi-stage: a final stage that builds
// and runs a program split into builder and runtime stages.
package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// Rule splits a final stage that builds and runs a program into a
// builder stage and a runtime stage started from a small image that gets
// only the build's artifacts. It changes the image on purpose: unsafe.
//
// The builder stage is the original stage, unchanged except for its name,
// up to the last instruction that needs the toolchain. The runtime stage is
// inserted right after it: a FROM of the runtime image, then, in their
// original order, the instructions before the split that the running
// program needs (ENV, WORKDIR, USER and the users' creation, ARG they use,
// COPY of files the program reads, the metadata), with the artifacts
// copied from the builder where the build made them. Everything after the
// split (EXPOSE, USER, CMD, …) stays as written and now belongs to the
// runtime stage. Stages are only ever appended, so numeric stage
// references (`COPY --from=0`) keep pointing at the same stages.
//
// It runs first in the chain: splitting makes new work for the rules after
// it (cache mounts in a builder stage that no image ships, package steps
// moved above `COPY . .` in the runtime stage), and the chain must reach
// its fixed point in one pass.
var Rule = &transform.Transform{
	Name:   "multi-stage",
	Doc:    "split a final stage that builds Go, Rust, Java, .NET, Node or Python-with-a-C-toolchain into a builder stage and a small runtime stage",
	Unsafe: true,
	Run:    runMultiStage,
	Options: []transform.Option{
		{Name: "runtime-image.*", Kind: transform.ImageOption, Suffixes: msRuntimeKeys,
			Doc: "the runtime image for an ecosystem, instead of the one derived from the builder image"},
		{Name: "distroless", Kind: transform.BoolOption,
			Doc: "run static Go builds on gcr.io/distroless/static instead of the default runtime image"},
	},
}

// msRuntimeKeys are the ecosystems runtime-image.* accepts: go, rust, ….
func msRuntimeKeys() []string {
	out := make([]string, len(msPatterns))
	for i, p := range msPatterns {
		out[i] = p.Key
	}
	return out
}

// msClass is what one shell command means for the split.
type msClass int

const (
	msUnknown msClass = iota
	msNeutral         // changes nothing the runtime needs
	msTool            // uses the row's toolchain, builder only (tests, code generation)
	msDeps            // fetches the build's dependencies
	msBuild           // the build: makes artifacts
	msVenv            // Python: creates a virtual environment
	msPkg             // apt-get / apk
	msSetup           // users, folders, modes: runs again in the runtime stage
	msCd              // cd DIR
	msExport          // export NAME=value
	msRm              // rm
	msMove            // cp / mv
	msGlobal          // Node: a global tool the runtime keeps (npm i -g, corepack)
	msWrite           // a command whose output is redirected to a file
)

// msCmd is one simple command of a RUN.
type msCmd struct {
	ins     *ast.Instruction
	words   []ast.Word
	assigns map[string]string // literal NAME=value prefixes
	unknown []string          // NAME=value prefixes whose value is not literal
	span    ast.Span
	call    *syntax.CallExpr // nil for an exec-form RUN
	redirs  []string         // output redirection targets ("?" when not literal)
	class   msClass
	cwd     string            // working folder when it runs ("" unknown)
	env     map[string]string // literal variables in effect
	keep    bool              // runs again in the runtime stage
}

func (c *msCmd) arg(i int) string {
	if i < len(c.words) && c.words[i].Lit {
		return c.words[i].Value
	}
	return ""
}

// from returns the words from index i on (none when there are fewer).
func (c *msCmd) from(i int) []ast.Word {
	if i >= len(c.words) {
		return nil
	}
	return c.words[i:]
}

func (c *msCmd) lit(i int) bool { return i < len(c.words) && c.words[i].Lit }

func (c *msCmd) name() string {
	if len(c.words) == 0 {
		return ""
	}
	return path.Base(c.words[0].Value)
}

func (c *msCmd) Text(d *ast.Document) string { return string(d.Src[c.span.Start:c.span.End]) }

// assign records a literal NAME=value prefix of the command.
func (c *msCmd) assign(k, v string) {
	if c.assigns == nil {
		c.assigns = map[string]string{} // made for the first: a nil map reads as empty
	}
	c.assigns[k] = v
}

// getenv is a variable's literal value for the command.
func (c *msCmd) getenv(k string) (string, bool) {
	if v, ok := c.assigns[k]; ok {
		return v, true
	}
	if msHas(c.unknown, k) {
		return "", false
	}
	v, ok := c.env[k]
	return v, ok
}

// msArtifact is one path the build made, copied to the runtime stage.
type msArtifact struct {
	Path   string // absolute in the builder; may end in a glob ("/app/target/*.jar")
	at     int    // index in msSplit.ins of the RUN that made it last
	chown  string // the USER the build ran as, when not root
	copied bool   // `cp` copied it elsewhere: needed only if the runtime names it
}

func (a msArtifact) dest() string {
	if strings.ContainsAny(path.Base(a.Path), "*?[") {
		return path.Dir(a.Path) + "/"
	}
	return a.Path
}

// msPlan is one instruction of the stage and what becomes of it.
type msPlan struct {
	ins      *ast.Instruction
	cwd      string // working folder before it ("" unknown)
	cwdImage bool   // the working folder comes from the base image
	user     string // USER in effect before it ("" root)
	env      map[string]string
	cmds     []*msCmd // RUN: its commands (nil when it is not a plain list)
	opaque   bool     // RUN that is not a plain && list of simple commands
	foot     []string // COPY/ADD: what it writes
	keep     bool     // copied into the runtime stage
	move     bool     // moved into the runtime stage
	replay   bool     // RUN copied whole into the runtime stage
	before   []string // generated runtime RUN lines before its artifacts
	after    []string // generated runtime RUN lines after its artifacts
	arts     []msArtifact
	venv     bool // Python: the venv is copied here
}

// msSplit is one run of the transform on a document: the input, the plan
// of every instruction (pl), and what each step of the analysis decided,
// one sub-struct per step. run walks the stage (walk.go: end) and
// analyze runs the steps in order: the builder's extent (artifacts.go:
// builder), the row's Artifacts (the language files: lang), decideCopies
// (copies.go), planRuns (runs.go: pkgs), decideRest and
// chooseRuntime (runtimestage.go: rt); edits (edits.go) writes the
// plan out.
type msSplit struct {
	p   *transform.Pass
	d   *ast.Document
	st  *ast.Stage
	ref transform.ImageRef
	ins []*ast.Instruction // the stage's instructions after FROM
	row *msPattern         // the language's row, once run has chosen it
	pl  []*msPlan          // one per instruction of ins

	builder msBuilder   // the builder stage
	end     msStageEnd  // walk: the stage at its end
	lang    msLangFacts // the row's Artifacts: what the build told
	pkgs    msPackages  // planRuns: the system packages of the runtime stage
	rt      msRuntime   // chooseRuntime: the runtime image

	problems []string // why the stage cannot be split
	notes    []string // what the finding adds about the split
}

// msBuilder is the builder stage: its image and where it ends.
type msBuilder struct {
	image   baseimage.Defaults // the builder image's defaults (zero when unknown)
	workdir string             // the builder image's WORKDIR ("" when unknown)
	last    int                // index in ins of the last instruction that needs the builder
	name    string             // the builder stage's name
}

// msStageEnd is the stage after its last instruction, as walk saw it.
type msStageEnd struct {
	cwd      string
	cwdImage bool              // the program runs in the base image's WORKDIR
	env      map[string]string // the literal ENV at the end of the stage
	args     map[string]bool   // the build arguments the stage declares
}

// msLangFacts are what a language's Artifacts learned of the build.
type msLangFacts struct {
	static     bool   // Go: every binary is statically linked
	distroless string // Go: the distroless image to use when no RUN is needed
	dotnetKind string // .NET: aspnet, runtime, runtime-deps
	venv       string // Python: the virtual environment
	newVenv    bool   // Python: dfopt creates the venv
}

// msPackages are the system packages the runtime stage installs.
type msPackages struct {
	family  string // the builder's package manager family: debian, alpine
	upgrade bool   // the stage upgrades its packages
	runtime []string
	dev     []string
	dropped []string
}

// msRuntime is the runtime image.
type msRuntime struct {
	image string
	info  msRuntimeInfo
}

func (s *msSplit) option(key string) string {
	return s.p.Options.Get("multi-stage", key)
}

func (s *msSplit) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	for _, p := range s.problems {
		if p == msg {
			return
		}
	}
	s.problems = append(s.problems, msg)
}

func runMultiStage(p *transform.Pass) []transform.Finding {
	d := p.Doc
	st := d.Stages[len(d.Stages)-1]
	if prev := d.StageByName(st.Base); prev != nil && prev.Index < st.Index {
		return nil // built on an earlier stage: its image is not a known builder
	}
	if strings.EqualFold(st.Base, "scratch") {
		return nil
	}
	s := &msSplit{p: p, d: d, st: st, ins: st.Instructions[1:], end: msStageEnd{args: map[string]bool{}}}
	builds := s.mayBuild()
	if !builds && !s.hasStartCommand() {
		return nil // what run finds without a build command (noBuild): the image is not looked at
	}
	ref, err := transform.ParseImageRef(st.Base)
	if err != nil || transform.ParseImageTag(ref.Tag).OS == "windows" {
		return nil
	}
	s.ref = ref
	return s.run(builds)
}

func (s *msSplit) finding(msg string, edits []emit.Edit) []transform.Finding {
	f := s.st.From
	return []transform.Finding{{Rule: "multi-stage", Message: msg, Line: f.StartLine, EndLine: f.EndLine, Edits: edits, Unsafe: true}}
}

// imageRow is the row of the stage's base image, when it is a known
// builder image, whose defaults the split then reads. They matter only
// there, and are not looked up (a parse of the reference) for any other.
func (s *msSplit) imageRow() *msPattern {
	for _, r := range msPatterns {
		if r.Image(s.ref) {
			if d, ok := baseimage.DefaultsOf(s.st.Base); ok {
				s.builder.image, s.builder.workdir = d, d.Workdir
			}
			return r
		}
	}
	return nil
}

// run splits the stage; builds is mayBuild.
func (s *msSplit) run(builds bool) []transform.Finding {
	imgRow := s.imageRow()
	if !builds {
		return s.noBuild(imgRow) // no build row: walk's plans are not needed
	}
	s.walk()
	// Which rows' build commands does the stage run?
	var buildRows []*msPattern
	var firstBuild = map[*msPattern]*msCmd{}
	for _, r := range msPatterns {
		for _, pl := range s.pl {
			for _, c := range pl.cmds {
				if r.Classify(c) == msBuild {
					if firstBuild[r] == nil {
						firstBuild[r] = c
					}
				}
			}
		}
		if firstBuild[r] != nil && (r.Key != "python" || s.pythonToolchain()) {
			buildRows = append(buildRows, r)
		}
	}
	switch {
	case len(buildRows) > 1:
		var langs []string
		for _, r := range buildRows {
			langs = append(langs, r.Lang)
		}
		return s.finding(fmt.Sprintf("the final stage builds %s: not split (split it by hand, one builder stage per language)", strings.Join(langs, " and ")), nil)
	case len(buildRows) == 1 && buildRows[0] == imgRow && imgRow.Compiled && !s.hasStartCommand():
		return s.finding(fmt.Sprintf("the final image ships %s, but it sets no CMD or ENTRYPOINT: dfopt cannot tell what runs in it, or whether it needs the toolchain", imgRow.Saving), nil)
	case len(buildRows) == 0:
		return s.noBuild(imgRow)
	}
	row := buildRows[0]
	if imgRow != row {
		c := firstBuild[row]
		return s.finding(fmt.Sprintf("`%s` builds %s on `%s`, which is not a %s builder image dfopt knows: not split", strings.TrimSpace(msShort(c.Text(s.d))), row.Lang, s.st.Base, row.Lang), nil)
	}
	s.row = row
	s.analyze()
	if len(s.problems) > 0 {
		return s.finding(fmt.Sprintf("the final image ships %s, but it cannot be split: %s", row.Saving, strings.Join(s.problems, "; ")), nil)
	}
	edits := s.edits()
	var arts []string
	for _, pl := range s.pl {
		for _, a := range pl.arts {
			arts = append(arts, a.Path)
		}
		if pl.venv {
			arts = append(arts, s.lang.venv)
		}
	}
	if len(arts) > 3 {
		arts = append(arts[:3], "…")
	}
	msg := fmt.Sprintf("%s build in the final stage: split into stage %q and a runtime stage from `%s` that receives %s (drops %s)", row.Lang, s.builder.name, s.rt.image, strings.Join(arts, ", "), row.Saving)
	if len(s.pkgs.dropped) > 0 {
		msg += "; leaves out the packages " + strings.Join(msUnique(s.pkgs.dropped), ", ")
		if libs := s.runtimeLibs(); len(libs) > 0 {
			msg += " and installs " + strings.Join(libs, ", ")
		}
	}
	if len(s.notes) > 0 {
		msg += "; " + strings.Join(s.notes, "; ")
	}
	return s.finding(msg, edits)
}

// noBuild is the finding of a stage that runs no build command: one only
// on a toolchain image of a compiled language that says how it starts.
func (s *msSplit) noBuild(imgRow *msPattern) []transform.Finding {
	if imgRow != nil && imgRow.Compiled && s.hasStartCommand() && s.toolchainImage() {
		return s.finding(fmt.Sprintf("the final image ships %s, but no %s was found: dfopt cannot tell which files a runtime image needs", imgRow.Saving, imgRow.Build), nil)
	}
	return nil
}

// at names an instruction in a message by its text: line numbers would
// refer to the text the transform saw, which earlier rules may have moved.
func (s *msSplit) at(in *ast.Instruction) string {
	return "`" + msShort(in.Text(s.d)) + "`"
}

func msShort(t string) string {
	t = strings.Join(strings.Fields(t), " ")
	if r := []rune(t); len(r) > 60 {
		t = string(r[:57]) + "..."
	}
	return t
}

// toolchainImage reports whether the base image exists to build (golang,
// rust, maven, gradle, the .NET SDK), not to run (a JDK also runs servers).
func (s *msSplit) toolchainImage() bool {
	if msHas(transform.ParseImageTag(s.ref.Tag).Rest, "onbuild") {
		return false
	}
	n, _, ok := s.ref.Official()
	if !ok {
		return msDotnetImage(s.ref)
	}
	return n == "golang" || n == "rust" || n == "maven" || n == "gradle"
}

// hasStartCommand reports whether the stage says how to run the image.
func (s *msSplit) hasStartCommand() bool {
	for _, in := range s.ins {
		if in.Cmd == "cmd" || in.Cmd == "entrypoint" {
			return true
		}
	}
	return false
}
