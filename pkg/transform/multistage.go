package transform

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// MultiStage splits a final stage that builds and runs a program into a
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
var MultiStage = Register(&Transform{
	Name:   "multi-stage",
	Doc:    "split a final stage that builds Go, Rust, Java, .NET, Node or Python-with-a-C-toolchain into a builder stage and a small runtime stage",
	Unsafe: true,
	Order:  40,
	Run:    runMultiStage,
	Options: []Option{
		{Name: "runtime-image.*", Kind: ImageOption, Suffixes: msRuntimeKeys,
			Doc: "the runtime image for an ecosystem, instead of the one derived from the builder image"},
		{Name: "distroless", Kind: BoolOption,
			Doc: "run static Go builds on gcr.io/distroless/static instead of the default runtime image"},
	},
})

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

func (c *msCmd) text(d *ast.Document) string { return string(d.Src[c.span.Start:c.span.End]) }

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

// msSplit is one run of the transform on a document.
type msSplit struct {
	p    *Pass
	d    *ast.Document
	st   *ast.Stage
	ref  ImageRef
	row  *msPattern
	ins  []*ast.Instruction // the stage's instructions after FROM
	pl   []*msPlan
	k    int // index in ins of the last instruction that needs the builder
	name string

	problems      []string
	notes         []string
	static        bool   // Go: every binary is statically linked
	distroless    string // Go: the distroless image to use when no RUN is needed
	dotnetKind    string // aspnet, runtime, runtime-deps
	venv          string // Python: the virtual environment
	newVenv       bool   // Python: dfopt creates the venv
	pkgFamily     string // the builder's package manager family: debian, alpine
	upgrade       bool   // the stage upgrades its packages
	runtimePkg    []string
	devPkgs       []string
	dropped       []string
	finalCwd      string
	finalEnv      map[string]string  // the literal ENV at the end of the stage
	image         baseimage.Defaults // the builder image's defaults (zero when unknown)
	imageWorkdir  string             // the builder image's WORKDIR ("" when unknown)
	finalCwdImage bool               // the program runs in the base image's WORKDIR
	argVals       map[string]bool
	runtime       string
	info          msRuntimeInfo
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

func runMultiStage(p *Pass) []Finding {
	d := p.Doc
	st := d.Stages[len(d.Stages)-1]
	if prev := d.StageByName(st.Base); prev != nil && prev.Index < st.Index {
		return nil // built on an earlier stage: its image is not a known builder
	}
	if strings.EqualFold(st.Base, "scratch") {
		return nil
	}
	ref, err := ParseImageRef(st.Base)
	if err != nil || parseImageTag(ref.Tag).OS == "windows" {
		return nil
	}
	s := &msSplit{p: p, d: d, st: st, ref: ref, ins: st.Instructions[1:], argVals: map[string]bool{}}
	return s.run()
}

func (s *msSplit) finding(msg string, edits []emit.Edit) []Finding {
	f := s.st.From
	return []Finding{{Rule: "multi-stage", Message: msg, Line: f.StartLine, EndLine: f.EndLine, Edits: edits, Unsafe: true}}
}

func (s *msSplit) run() []Finding {
	var imgRow *msPattern
	for _, r := range msPatterns {
		if r.Image(s.ref) {
			imgRow = r
			break
		}
	}
	if d, ok := baseimage.DefaultsOf(s.st.Base); ok && imgRow != nil {
		s.image, s.imageWorkdir = d, d.Workdir
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
		if imgRow != nil && imgRow.Compiled && s.hasStartCommand() && s.toolchainImage() {
			return s.finding(fmt.Sprintf("the final image ships %s, but no %s was found: dfopt cannot tell which files a runtime image needs", imgRow.Saving, imgRow.Build), nil)
		}
		return nil
	}
	row := buildRows[0]
	if imgRow != row {
		c := firstBuild[row]
		return s.finding(fmt.Sprintf("`%s` builds %s on `%s`, which is not a %s builder image dfopt knows: not split", strings.TrimSpace(msShort(c.text(s.d))), row.Lang, s.st.Base, row.Lang), nil)
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
			arts = append(arts, s.venv)
		}
	}
	if len(arts) > 3 {
		arts = append(arts[:3], "…")
	}
	msg := fmt.Sprintf("%s build in the final stage: split into stage %q and a runtime stage from `%s` that receives %s (drops %s)", row.Lang, s.name, s.runtime, strings.Join(arts, ", "), row.Saving)
	if len(s.dropped) > 0 {
		msg += "; leaves out the packages " + strings.Join(msUnique(s.dropped), ", ")
		if libs := s.runtimeLibs(); len(libs) > 0 {
			msg += " and installs " + strings.Join(libs, ", ")
		}
	}
	if len(s.notes) > 0 {
		msg += "; " + strings.Join(s.notes, "; ")
	}
	return s.finding(msg, edits)
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
	if msHas(parseImageTag(s.ref.Tag).Rest, "onbuild") {
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

// ---- walking the stage ---------------------------------------------------

// walk records, for every instruction, the working folder, the user and
// the literal environment before it, and splits RUNs into commands.
func (s *msSplit) walk() {
	cwd, cwdImage := s.imageWorkdir, true
	var user string
	env := s.imageEnv()
	for _, in := range s.ins {
		pl := &msPlan{ins: in, cwd: cwd, cwdImage: cwdImage, user: user, env: env}
		s.pl = append(s.pl, pl)
		switch c := in.Command.(type) {
		case *instructions.EnvCommand:
			env = msCopyEnv(env)
			for _, kv := range c.Env {
				if v, ok := msUnquote(kv.Value); ok {
					env[kv.Key] = v
				} else if v, ok := msExpand(kv.Value, env); ok {
					env[kv.Key] = v
				} else {
					delete(env, kv.Key)
				}
			}
		case *instructions.ArgCommand:
			env = msCopyEnv(env)
			for _, kv := range c.Args {
				delete(env, kv.Key) // overridable: never literal
				s.argVals[kv.Key] = true
			}
		case *instructions.WorkdirCommand:
			p, ok := msExpand(c.Path, env)
			switch {
			case !ok:
				cwd, cwdImage = "", false
			case path.IsAbs(p):
				cwd, cwdImage = path.Clean(p), false
			case cwd != "" || cwdImage:
				cwd = path.Join(msOr(cwd, "/"), p)
			}
		case *instructions.UserCommand:
			user = c.User
			if user == "root" || user == "0" || user == "0:0" || user == "root:root" {
				user = ""
			}
		case *instructions.RunCommand:
			pl.cmds, pl.opaque = s.flatten(in)
			run := msCopyEnv(env)
			dir := cwd
			for _, sc := range pl.cmds {
				sc.cwd, sc.env = dir, run
				switch sc.name() {
				case "cd":
					if p := sc.arg(1); p != "" && len(sc.words) == 2 && p != "-" && !strings.HasPrefix(p, "~") {
						if path.IsAbs(p) {
							dir = path.Clean(p)
						} else if dir != "" {
							dir = path.Join(dir, p)
						}
					} else {
						dir = ""
					}
				case "export":
					run = msCopyEnv(run)
					for _, w := range sc.from(1) {
						k, v, ok := strings.Cut(w.Value, "=")
						if ok && w.Lit {
							run[k] = v
						} else {
							delete(run, k)
						}
					}
				case "":
					run = msCopyEnv(run)
					for k, v := range sc.assigns {
						run[k] = v
					}
					for _, k := range sc.unknown {
						delete(run, k)
					}
				}
			}
		}
	}
	s.finalCwd, s.finalCwdImage, s.finalEnv = cwd, cwdImage, env
}

// imageEnv is the literal environment the builder image sets that the
// split reads: its PATH.
func (s *msSplit) imageEnv() map[string]string {
	env := map[string]string{}
	if s.image.Path != nil {
		env["PATH"] = strings.Join(s.image.Path, ":")
	}
	return env
}

func msOr(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

func msCopyEnv(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// msUnquote returns a Dockerfile word's value when it holds no expansion.
func msUnquote(raw string) (string, bool) {
	if len(raw) >= 2 && (raw[0] == '"' && raw[len(raw)-1] == '"' || raw[0] == '\'' && raw[len(raw)-1] == '\'') {
		inner := raw[1 : len(raw)-1]
		if strings.ContainsAny(inner, "\"'\\") || raw[0] == '"' && strings.Contains(inner, "$") {
			return "", false
		}
		return inner, true
	}
	if strings.ContainsAny(raw, "$\"'\\`") {
		return "", false
	}
	return raw, true
}

// msExpand expands $NAME and ${NAME} with literal values; anything else fails.
func msExpand(raw string, env map[string]string) (string, bool) {
	if v, ok := msUnquote(raw); ok {
		return v, true
	}
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if strings.IndexByte("\"'\\`", c) >= 0 {
			return "", false
		}
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		name, n := msVarAt(raw[i:])
		if name == "" {
			return "", false
		}
		v, ok := env[name]
		if !ok {
			return "", false
		}
		b.WriteString(v)
		i += n - 1
	}
	return b.String(), true
}

// msVarAt reads `$NAME` or `${NAME}` at the start of s: the name and the
// length of the reference ("" when it is another form).
func msVarAt(s string) (string, int) {
	if len(s) < 2 || s[0] != '$' {
		return "", 0
	}
	if s[1] == '{' {
		end := strings.IndexByte(s, '}')
		if end < 0 || !msIsName(s[2:end]) {
			return "", 0
		}
		return s[2:end], end + 1
	}
	k := 1
	for k < len(s) && (s[k] == '_' || s[k] >= 'a' && s[k] <= 'z' || s[k] >= 'A' && s[k] <= 'Z' || k > 1 && s[k] >= '0' && s[k] <= '9') {
		k++
	}
	if k == 1 {
		return "", 0
	}
	return s[1:k], k
}

func msIsName(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// msVarsIn lists the variables a text refers to ($NAME, ${NAME…}).
func msVarsIn(text string) []string {
	var out []string
	for i := 0; i < len(text); i++ {
		if text[i] != '$' || i+1 >= len(text) {
			continue
		}
		j := i + 1
		if text[j] == '{' {
			j++
		}
		k := j
		for k < len(text) && (text[k] == '_' || text[k] >= 'a' && text[k] <= 'z' || text[k] >= 'A' && text[k] <= 'Z' || k > j && text[k] >= '0' && text[k] <= '9') {
			k++
		}
		if k > j {
			out = append(out, text[j:k])
		}
	}
	return out
}

// flatten splits a RUN into its simple commands when it is a plain list
// (`a && b`, `a; b`, `a || true`); opaque is set otherwise, and the
// commands are still listed for recognising builds.
func (s *msSplit) flatten(in *ast.Instruction) (cmds []*msCmd, opaque bool) {
	if in.JSON {
		c := &msCmd{ins: in, span: in.Span}
		for _, a := range in.Args {
			c.words = append(c.words, ast.Word{Value: a, Lit: true})
		}
		return []*msCmd{c}, len(c.words) == 0
	}
	sc := s.d.Shell(in)
	if sc == nil {
		return nil, true
	}
	byCall := make(map[*syntax.CallExpr]*ast.Command, len(sc.Commands))
	for i := range sc.Commands {
		byCall[sc.Commands[i].Call] = &sc.Commands[i]
	}
	var walk func(st *syntax.Stmt) bool
	walk = func(st *syntax.Stmt) bool {
		if st.Negated || st.Background || st.Coprocess || st.Disown {
			return false
		}
		switch x := st.Cmd.(type) {
		case *syntax.CallExpr:
			c := &msCmd{ins: in, assigns: map[string]string{}, call: x}
			if cc := byCall[x]; cc != nil {
				c.words, c.span = cc.Args, cc.Span
			} else {
				c.span = sc.SpanOf(x)
			}
			for _, a := range x.Assigns {
				if a.Name == nil {
					return false
				}
				if v, ok := msWordLit(a.Value); ok {
					c.assigns[a.Name.Value] = v
				} else {
					c.unknown = append(c.unknown, a.Name.Value)
				}
			}
			for _, r := range st.Redirs {
				switch r.Op {
				case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
					t, ok := msWordLit(r.Word)
					if !ok {
						t = "?"
					}
					if t != "/dev/null" {
						c.redirs = append(c.redirs, t)
					}
				}
			}
			cmds = append(cmds, c)
			return true
		case *syntax.BinaryCmd:
			switch x.Op {
			case syntax.AndStmt:
				return walk(x.X) && walk(x.Y)
			case syntax.OrStmt:
				if call, ok := x.Y.Cmd.(*syntax.CallExpr); ok && len(call.Args) == 1 && len(x.Y.Redirs) == 0 {
					if v, ok := msWordLit(call.Args[0]); ok && (v == "true" || v == ":") {
						return walk(x.X)
					}
				}
			}
		}
		return false
	}
	for _, st := range sc.File.Stmts {
		if !walk(st) {
			// Keep every command for recognising builds.
			cmds = cmds[:0]
			for i := range sc.Commands {
				cc := &sc.Commands[i]
				cmds = append(cmds, &msCmd{ins: in, words: cc.Args, span: cc.Span, assigns: map[string]string{}, call: cc.Call})
			}
			return cmds, true
		}
	}
	return cmds, false
}

func msWordLit(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", true
	}
	return ast.LitValue(w)
}

// ---- classification -------------------------------------------------------

var msNeutralCmds = map[string]bool{
	"echo": true, "printf": true, "true": true, ":": true, "set": true, "printenv": true, "ls": true, "pwd": true,
	"cat": true, "which": true, "id": true, "whoami": true, "uname": true, "sleep": true, "test": true, "[": true,
	"date": true, "df": true, "du": true, "nproc": true, "command": true, "type": true, "ldd": true, "file": true,
	"sha256sum": true, "sha512sum": true, "md5sum": true, "head": true, "tail": true, "wc": true, "tree": true,
}

var msSetupCmds = map[string]bool{
	"mkdir": true, "chown": true, "chmod": true, "chgrp": true, "ln": true, "touch": true,
	"useradd": true, "groupadd": true, "adduser": true, "addgroup": true, "usermod": true,
}

func (s *msSplit) classify(c *msCmd) msClass {
	if cl := s.row.Classify(c); cl != msUnknown {
		return cl
	}
	n := c.name()
	var cl msClass
	switch {
	case len(c.words) == 0:
		cl = msNeutral
	case n == "env" && len(c.words) == 1:
		cl = msNeutral
	case msNeutralCmds[n]:
		cl = msNeutral
	case n == "cd":
		cl = msCd
	case n == "export":
		cl = msExport
	case n == "rm":
		cl = msRm
	case msSetupCmds[n]:
		cl = msSetup
	case n == "cp" || n == "mv":
		cl = msMove
	case n == "apt-get" || n == "apt" || n == "apk":
		cl = msPkg
	}
	if len(c.redirs) > 0 && (cl == msNeutral || cl == msSetup) {
		return msWrite
	}
	return cl
}

// ---- analysis --------------------------------------------------------------

var msBuilderClasses = map[msClass]bool{msBuild: true, msDeps: true, msTool: true, msVenv: true}

func (s *msSplit) analyze() {
	s.k = -1
	for i, pl := range s.pl {
		if pl.ins.Cmd == "onbuild" {
			s.fail("%s would run on the runtime image", s.at(pl.ins))
		}
		if pl.ins.Cmd != "run" {
			continue
		}
		for _, c := range pl.cmds {
			c.class = s.classify(c)
			if msBuilderClasses[c.class] {
				s.k = i
			}
		}
		if pl.opaque {
			for _, c := range pl.cmds {
				if msBuilderClasses[c.class] {
					s.fail("%s is not a plain list of commands", s.at(pl.ins))
					break
				}
			}
		}
	}
	if s.k < 0 || len(s.problems) > 0 {
		if s.k < 0 {
			s.fail("no build command")
		}
		return
	}
	if s.imageWorkdir == "" {
		for _, pl := range s.pl {
			if pl.cwdImage && (pl.ins.Cmd == "run" || pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") {
				s.fail("%s uses the WORKDIR of `%s`, which dfopt does not know", s.at(pl.ins), s.st.Base)
				return
			}
		}
	}
	s.name = s.builderName()
	if s.row.Key == "python" {
		s.pythonVenv()
	}
	s.static = s.row.Key == "go"
	s.findArtifacts()
	s.checkStartTools()
	s.checkTail()
	if len(s.problems) > 0 {
		return
	}
	s.decideCopies()
	s.planRuns()
	s.planRuntimeReads()
	s.decideRest()
	if len(s.problems) > 0 {
		return
	}
	s.chooseRuntime()
	if len(s.problems) > 0 {
		return
	}
	s.checkStart()
	s.checkRuntime()
}

// builderName is the builder stage's name: its own, or a fresh one.
func (s *msSplit) builderName() string {
	if s.st.Name != "" {
		return s.st.Name
	}
	taken := map[string]bool{}
	for _, st := range s.d.Stages {
		taken[st.Name] = true
	}
	for i := 1; ; i++ {
		n := "build"
		if i > 1 {
			n = fmt.Sprintf("build-%d", i)
		}
		if !taken[n] {
			return n
		}
	}
}

// findArtifacts asks the row what each build command made, then follows
// them through later `cp`/`mv`/`rm` up to the split.
func (s *msSplit) findArtifacts() {
	var arts []msArtifact
	for i := 0; i < len(s.pl); i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if i > s.k {
			// After the split, only copies of what the build made belong
			// to the builder.
			moves := false
			for _, c := range pl.cmds {
				if c.class == msMove && s.movesArtifact(c, arts) {
					moves = true
				}
			}
			if !moves {
				continue
			}
			s.k = i
		}
		mounts := s.mountTargets(pl.ins, "/")
		for _, c := range pl.cmds {
			switch c.class {
			case msBuild:
				got, err := s.row.Artifacts(s, c)
				if err != nil {
					s.fail("%v", err)
					continue
				}
				for _, a := range got {
					a.at = i
					a.chown = pl.user
					for _, m := range mounts {
						if msUnder(a.Path, m) {
							s.fail("%s is inside the mount at %s, not in the image", a.Path, m)
						}
					}
					// A later build of the same path replaces the earlier one.
					kept := arts[:0]
					for _, b := range arts {
						if b.Path != a.Path {
							kept = append(kept, b)
						}
					}
					arts = append(kept, a)
				}
			case msMove:
				arts = s.moveArtifacts(c, arts, i)
			case msRm:
				for _, w := range c.from(1) {
					if strings.HasPrefix(w.Value, "-") {
						continue
					}
					p := msResolve(c.cwd, w.Value)
					for _, a := range arts {
						if p != "" && (msUnder(a.Path, p) || !w.Lit) {
							s.fail("`%s` removes what the build made", msShort(c.text(s.d)))
						}
					}
				}
			}
		}
	}
	if len(arts) == 0 && s.row.Key != "python" && len(s.problems) == 0 {
		s.fail("the build writes no file dfopt can name")
	}
	needed := s.neededPaths()
	for _, a := range arts {
		if a.copied && !s.named(a, needed) {
			continue
		}
		s.pl[a.at].arts = append(s.pl[a.at].arts, a)
	}
}

// named reports whether a needed path names the artifact.
func (s *msSplit) named(a msArtifact, needed []string) bool {
	for _, n := range needed {
		if msUnder(n, a.Path) || msGlobMatch(a.Path, n) || msUnder(a.Path, n) && n != "/" {
			return true
		}
	}
	return false
}

// movesArtifact reports whether `cp`/`mv` copies an artifact.
func (s *msSplit) movesArtifact(c *msCmd, arts []msArtifact) bool {
	for _, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") {
			continue
		}
		p := msResolve(c.cwd, w.Value)
		for _, a := range arts {
			if p != "" && p == a.Path {
				return true
			}
		}
		return false
	}
	return false
}

// moveArtifacts follows `cp SRC DST` / `mv SRC DST` of an artifact.
func (s *msSplit) moveArtifacts(c *msCmd, arts []msArtifact, at int) []msArtifact {
	var ops []string
	for _, w := range c.from(1) {
		if !strings.HasPrefix(w.Value, "-") || !w.Lit {
			ops = append(ops, w.Value)
		}
	}
	if len(ops) != 2 || !c.lit(len(c.words)-1) {
		c.class = msUnknown
		return arts
	}
	src, dst := msResolve(c.cwd, ops[0]), msResolve(c.cwd, ops[1])
	for i, a := range arts {
		if src == "" || a.Path != src {
			continue
		}
		if strings.HasSuffix(ops[1], "/") || dst == c.cwd || s.knownDir(dst) {
			if strings.ContainsAny(path.Base(src), "*?[") {
				dst = path.Join(dst, "")
			} else {
				dst = path.Join(dst, path.Base(src))
			}
		}
		moved := msArtifact{Path: dst, at: at, chown: a.chown}
		if c.name() == "mv" {
			arts = append(arts[:i], arts[i+1:]...)
		} else {
			arts[i].copied = true
		}
		c.class = msNeutral
		return append(arts, moved)
	}
	return arts
}

// knownDir reports whether a path is a folder the stage created (WORKDIR,
// mkdir) or that every builder image has.
func (s *msSplit) knownDir(p string) bool {
	switch p {
	case "/", "/bin", "/usr/bin", "/usr/local/bin", "/usr/local", "/usr", "/opt", "/tmp", "/root", "/srv", "/home", "/etc", "/var", "/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/share", "/usr/lib":
		return true
	}
	for _, d := range s.builderOnlyPath() {
		if p == d || p == path.Dir(d) {
			return true
		}
	}
	for _, pl := range s.pl {
		if pl.ins.Cmd == "workdir" {
			if c, ok := pl.ins.Command.(*instructions.WorkdirCommand); ok && msResolve(pl.cwd, c.Path) == p {
				return true
			}
		}
		for _, c := range pl.cmds {
			if c.name() == "mkdir" {
				for _, w := range c.from(1) {
					if w.Lit && !strings.HasPrefix(w.Value, "-") && msResolve(c.cwd, w.Value) == p {
						return true
					}
				}
			}
		}
	}
	return false
}

// msResolve resolves a literal path against a working folder ("" unknown).
func msResolve(cwd, p string) string {
	if p == "" || strings.Contains(p, "$") {
		return ""
	}
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	if cwd == "" {
		return ""
	}
	return path.Join(cwd, p)
}

// msUnder reports whether p is dir or inside it.
func msUnder(p, dir string) bool {
	if p == "" || dir == "" {
		return false
	}
	return p == dir || dir == "/" || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// mountTargets lists the targets of a RUN's --mount flags, as BuildKit
// reads them (ast.Mounts), relative ones resolved against workdir.
func (s *msSplit) mountTargets(in *ast.Instruction, workdir string) []string {
	ms, err := s.d.Mounts(in, nil)
	if err != nil {
		return nil
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.TargetIn(workdir))
	}
	return out
}

// checkTail checks that what follows the split can run on the runtime image.
func (s *msSplit) checkTail() {
	for i := s.k + 1; i < len(s.pl); i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if pl.opaque {
			if !s.row.SameImage || s.row.Key == "node" {
				s.fail("%s runs a script after the build that dfopt cannot follow", s.at(pl.ins))
			}
			continue
		}
		for _, c := range pl.cmds {
			switch c.class {
			case msSetup, msNeutral, msRm, msPkg, msCd, msExport, msGlobal:
			case msMove, msWrite:
				if !s.row.SameImage {
					s.fail("`%s` changes files after the build", msShort(c.text(s.d)))
				}
			default:
				if s.row.Key != "python" || s.compiles(c) {
					s.fail("`%s` runs after the build, and dfopt cannot tell whether the runtime image can run it", msShort(c.text(s.d)))
				}
			}
		}
	}
}

var msCompilers = map[string]bool{"gcc": true, "g++": true, "cc": true, "c++": true, "make": true, "cmake": true, "ninja": true, "clang": true, "cargo": true, "rustc": true, "go": true, "ld": true}

// compiles reports whether a command needs the C toolchain the runtime drops.
func (s *msSplit) compiles(c *msCmd) bool {
	if msCompilers[c.name()] {
		return true
	}
	if strings.HasPrefix(c.name(), "python") {
		for _, w := range c.from(1) {
			if strings.HasSuffix(w.Value, "setup.py") {
				return true
			}
		}
	}
	return false
}

// neededPaths lists the paths the runtime stage reads, as far as the file
// says: the working folder of the program, paths in its command, ENV,
// VOLUME and the RUNs after the split. It over-approximates on purpose.
func (s *msSplit) neededPaths() []string {
	var out []string
	add := func(cwd, w string) {
		w = strings.Trim(w, `"'`)
		if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
			w = v
		}
		if w == "" || strings.HasPrefix(w, "-") || strings.Contains(w, "$") {
			return
		}
		for _, part := range strings.Split(w, ":") {
			if p := msResolve(cwd, part); p != "" && (path.IsAbs(part) || cwd != "" && cwd != "/") {
				out = append(out, p)
			}
			if part != "" && !strings.Contains(part, "/") {
				// A program started by name is looked up on PATH.
				dirs, _ := s.lookupPath()
				for _, dir := range dirs {
					out = append(out, path.Join(dir, part))
				}
			}
		}
	}
	for i, pl := range s.pl {
		switch c := pl.ins.Command.(type) {
		case *instructions.CmdCommand:
			for _, a := range c.CmdLine {
				for _, w := range strings.Fields(a) {
					add(s.finalCwd, w)
				}
			}
		case *instructions.EntrypointCommand:
			for _, a := range c.CmdLine {
				for _, w := range strings.Fields(a) {
					add(s.finalCwd, w)
				}
			}
		case *instructions.HealthCheckCommand:
			if c.Health != nil {
				for _, a := range c.Health.Test {
					for _, w := range strings.Fields(a) {
						add(s.finalCwd, w)
					}
				}
			}
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if !s.row.Compiled || !msEnvKeyMatches(s.row.BuildEnv, kv.Key) {
					add("", kv.Value)
				}
			}
		case *instructions.VolumeCommand:
			for _, v := range c.Volumes {
				add(pl.cwd, v)
			}
		case *instructions.RunCommand:
			if i > s.k {
				for _, sc := range pl.cmds {
					for _, w := range sc.from(1) {
						add(sc.cwd, w.Value)
					}
				}
			}
		}
	}
	return out
}

// decideCopies keeps in the runtime stage every COPY/ADD before the split
// whose files the program may read.
func (s *msSplit) decideCopies() {
	var needed []string
	for _, n := range s.neededPaths() {
		// What the artifacts provide needs no COPY.
		provided := false
		for _, pl := range s.pl {
			for _, a := range pl.arts {
				if msUnder(n, strings.TrimSuffix(a.dest(), "/")) && !strings.HasSuffix(a.dest(), "/") || msGlobMatch(a.Path, n) {
					provided = true
				}
			}
		}
		if !provided {
			needed = append(needed, n)
		}
	}
	for i := 0; i < s.k; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "copy" && pl.ins.Cmd != "add" {
			continue
		}
		pl.foot = s.footprint(pl)
		switch {
		case s.row.Key == "python":
			pl.keep = !s.onlyPipInputs(pl)
		case s.row.Key == "node" && s.nodeManifest(pl):
			pl.keep = true
		default:
			pl.keep = s.footNeeded(pl.foot, needed)
		}
		if pl.keep && len(pl.foot) == 0 {
			s.fail("cannot tell where %s writes", s.at(pl.ins))
		}
	}
	s.dropRedundantCopies()
	if !s.row.Compiled {
		return
	}
	var kept []string
	w := msOr(s.finalCwd, s.imageWorkdir)
	for i := 0; i < s.k; i++ {
		pl := s.pl[i]
		if pl.keep && msCopyFrom(pl.ins) == "" && (pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") && s.footNeeded(pl.foot, nil) {
			kept = append(kept, "`"+msShort(pl.ins.Text(s.d))+"`")
		}
	}
	if len(kept) > 0 {
		s.notes = append(s.notes, fmt.Sprintf("keeps %s: the program runs in %s and may read files there", strings.Join(kept, ", "), w))
	}
}

// dropRedundantCopies: a kept `COPY src dest` of context files that a later
// kept `COPY . DIR` copies to the same place again is not repeated in the
// runtime stage, unless a runtime command runs in between.
func (s *msSplit) dropRedundantCopies() {
	for j := 0; j < s.k; j++ {
		full := s.pl[j]
		dir, ok := s.wholeContextCopy(full)
		if !ok || !full.keep {
			continue
		}
		for i := j - 1; i >= 0; i-- {
			pl := s.pl[i]
			if pl.ins.Cmd == "run" && (pl.keep || pl.replay || pl.venv || len(pl.before)+len(pl.after) > 0 || pl.hasClass(msDeps) && s.row.Key == "node") {
				break
			}
			if pl.ins.Cmd == "copy" && pl.keep && s.coveredBy(pl, dir) {
				pl.keep = false
			}
		}
	}
}

// wholeContextCopy: `COPY . DIR` without flags; returns DIR.
func (s *msSplit) wholeContextCopy(pl *msPlan) (string, bool) {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || len(pl.ins.Flags) > 0 || len(c.SourcePaths) != 1 || Clean(c.SourcePaths[0]) != "" || len(c.SourceContents) > 0 {
		return "", false
	}
	d, ok := msExpand(c.DestPath, pl.env)
	if !ok || pl.cwd == "" {
		return "", false
	}
	dest := msResolve(pl.cwd, d)
	return dest, dest != ""
}

// coveredBy: every file the COPY writes is the same context file at the
// same place under dir.
func (s *msSplit) coveredBy(pl *msPlan, dir string) bool {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || len(pl.ins.Flags) > 0 || len(c.SourceContents) > 0 || pl.cwd == "" {
		return false
	}
	d, ok := msExpand(c.DestPath, pl.env)
	if !ok {
		return false
	}
	dest := msResolve(pl.cwd, d)
	dirDest := strings.HasSuffix(d, "/") || d == "." || len(c.SourcePaths) > 1
	for _, src := range c.SourcePaths {
		rel := Clean(src)
		if rel == "" || strings.Contains(src, "$") {
			return false
		}
		switch {
		case dirDest && !strings.Contains(rel, "/") && dest == dir:
		case !dirDest && !strings.ContainsAny(rel, "*?[") && dest == path.Join(dir, rel):
		default:
			return false
		}
	}
	return true
}

// footNeeded: a copy is needed when the program's working folder is in it
// or holds it, or a needed path is in it or holds it.
func (s *msSplit) footNeeded(foot, needed []string) bool {
	for _, f := range foot {
		if f == "" {
			return true
		}
		w := s.finalCwd
		if w == "" {
			w = s.imageWorkdir
		}
		if w != "/" && (msUnder(w, f) || msUnder(f, w)) || w == "/" && f == "/" {
			return true
		}
		for _, n := range needed {
			if msUnder(n, f) || msUnder(f, n) && n != "/" {
				return true
			}
		}
	}
	return false
}

// footprint lists the paths a COPY/ADD writes: the destination folder, or
// the files themselves when the context shows they are files.
func (s *msSplit) footprint(pl *msPlan) []string {
	var srcs []string
	var dest string
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		srcs, dest = c.SourcePaths, c.DestPath
		for _, sc := range c.SourceContents {
			srcs = append(srcs, sc.Path)
		}
	case *instructions.AddCommand:
		srcs, dest = c.SourcePaths, c.DestPath
		for _, sc := range c.SourceContents {
			srcs = append(srcs, sc.Path)
		}
	default:
		return nil
	}
	d, ok := msExpand(dest, pl.env)
	if !ok {
		return []string{""}
	}
	cwd := pl.cwd
	if cwd == "" && pl.cwdImage {
		cwd = s.imageWorkdir
	}
	abs := msResolve(cwd, d)
	if abs == "" {
		return []string{""}
	}
	dirDest := strings.HasSuffix(d, "/") || d == "." || len(srcs) > 1 || abs == cwd || s.knownDir(abs)
	var out []string
	for _, src := range srcs {
		if dirDest && s.contextFile(pl, src) {
			out = append(out, path.Join(abs, path.Base(src)))
		} else {
			out = append(out, abs)
		}
	}
	return out
}

// contextFile reports whether a COPY source is a regular file of the
// build context on disk.
func (s *msSplit) contextFile(pl *msPlan, src string) bool {
	if s.p.Context == nil || strings.ContainsAny(src, "*?[$") || msCopyFrom(pl.ins) != "" {
		return false
	}
	st, err := os.Stat(filepath.Join(s.p.Context.Dir, filepath.FromSlash(Clean(src))))
	return err == nil && st.Mode().IsRegular()
}

func msCopyFrom(in *ast.Instruction) string {
	if f := in.Flag("from"); f != nil {
		return f.Value
	}
	return ""
}

// onlyPipInputs: a Python COPY/ADD of the requirement files pip reads only.
func (s *msSplit) onlyPipInputs(pl *msPlan) bool {
	var srcs []string
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		if c.From != "" || len(c.SourceContents) > 0 {
			return false
		}
		srcs = c.SourcePaths
	case *instructions.AddCommand:
		if len(c.SourceContents) > 0 {
			return false
		}
		srcs = c.SourcePaths
	default:
		return false
	}
	read := s.pipReads()
	for i, src := range srcs {
		b := path.Base(src)
		if strings.HasPrefix(b, "requirements") && strings.HasSuffix(b, ".txt") || b == "constraints.txt" {
			continue
		}
		if i < len(pl.foot) && read[pl.foot[i]] {
			continue
		}
		return false
	}
	return true
}

// pipReads lists the files pip reads with -r and -c.
func (s *msSplit) pipReads() map[string]bool {
	out := map[string]bool{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if c.class != msBuild {
				continue
			}
			for i, w := range c.words {
				v := w.Value
				var f string
				switch {
				case v == "-r" || v == "--requirement" || v == "-c" || v == "--constraint":
					f = c.arg(i + 1)
				case strings.HasPrefix(v, "--requirement=") || strings.HasPrefix(v, "--constraint="):
					_, f, _ = strings.Cut(v, "=")
				case strings.HasPrefix(v, "-r") && len(v) > 2 && w.Lit:
					f = v[2:]
				}
				if p := msResolve(c.cwd, f); p != "" {
					out[p] = true
				}
			}
		}
	}
	return out
}

// planRuns decides, for every RUN before the split, what the runtime stage
// runs in its place.
func (s *msSplit) planRuns() {
	s.runtimePkg, s.devPkgs, s.dropped, s.upgrade = nil, nil, nil, false
	for i := 0; i <= s.k; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "run" {
			continue
		}
		if pl.opaque {
			if s.row.Key == "python" && !s.anyCompiles(pl) {
				pl.replay = true
				continue
			}
			s.fail("cannot tell whether the runtime needs what %s does", s.at(pl.ins))
			continue
		}
		s.planRun(pl)
	}
}

func (s *msSplit) anyCompiles(pl *msPlan) bool {
	for _, c := range pl.cmds {
		if s.compiles(c) || c.class == msBuild || c.class == msVenv {
			return true
		}
	}
	return false
}

func (s *msSplit) planRun(pl *msPlan) {
	pl.replay, pl.before, pl.after = false, nil, nil
	for _, c := range pl.cmds {
		c.keep = false
	}
	building := pl.hasClass(msBuild) || pl.hasClass(msDeps) || pl.hasClass(msTool)
	built := false
	var before, after []*msCmd
	hasPkg, onlyReplayable := false, true
	for _, c := range pl.cmds {
		switch c.class {
		case msBuild:
			built = true
			onlyReplayable = false
		case msDeps:
			onlyReplayable = false
			if s.row.Key == "node" {
				c.keep = true
			}
		case msTool, msVenv, msNeutral, msExport:
			if c.class != msNeutral {
				onlyReplayable = false
			}
		case msCd:
		case msPkg:
			hasPkg = true
			onlyReplayable = false
			s.packages(pl, c)
		case msGlobal:
			c.keep = true
		case msSetup:
			c.keep = !(building && s.scaffold(c)) && s.setupNeeded(c)
			if !c.keep {
				onlyReplayable = false
			}
		case msRm:
			c.keep = !(building && s.scaffold(c)) && s.rmNeeded(c)
		case msWrite:
			if !(building && s.scaffold(c)) && s.writeNeeded(c) {
				s.fail("`%s` writes a file the runtime may need", msShort(c.text(s.d)))
			}
			onlyReplayable = false
		case msMove:
			s.fail("`%s` moves files dfopt cannot follow", msShort(c.text(s.d)))
		default:
			if s.row.Key == "python" && !pl.hasClass(msBuild) && !pl.hasClass(msVenv) && !s.compiles(c) {
				c.keep = true // runs again on the same image
			} else {
				s.fail("cannot tell whether the runtime needs what `%s` does", msShort(c.text(s.d)))
			}
		}
		if c.keep {
			if built {
				after = append(after, c)
			} else {
				before = append(before, c)
			}
		}
	}
	if pl.ins.JSON {
		// An exec-form RUN is one command: it runs again whole, or not.
		pl.replay = len(before)+len(after) > 0
		return
	}
	if hasPkg && s.row.Key == "node" {
		// Native modules compile during the production install: the
		// runtime stage installs the same packages.
		pl.replay = true
		return
	}
	if onlyReplayable && len(before) > 0 && !built {
		pl.replay = true
		return
	}
	pl.before = s.runLines(pl, before)
	pl.after = s.runLines(pl, after)
}

func (pl *msPlan) hasClass(cl msClass) bool {
	for _, c := range pl.cmds {
		if c.class == cl {
			return true
		}
	}
	return false
}

// runLines renders the kept commands of a RUN as one runtime RUN.
func (s *msSplit) runLines(pl *msPlan, cmds []*msCmd) []string {
	if len(cmds) == 0 {
		return nil
	}
	var parts []string
	cur := pl.cwd // the folder the runtime RUN is in
	for _, c := range cmds {
		if c.cwd != cur && s.relativeArgs(c) {
			if c.cwd == "" {
				s.fail("cannot tell the folder `%s` runs in", msShort(c.text(s.d)))
				return nil
			}
			parts = append(parts, "cd "+c.cwd)
			cur = c.cwd
		}
		if s.row.Key == "node" && c.class == msDeps {
			parts = append(parts, s.nodeProdInstall(c))
			continue
		}
		parts = append(parts, c.text(s.d))
	}
	// The RUN's mounts (a bind mount of the manifests, a secret .npmrc)
	// are there for the commands it runs again too.
	return []string{strings.TrimPrefix(runFlags(s.d, pl.ins)+" "+strings.Join(parts, " && "), " ")}
}

// relativeArgs reports whether a command's arguments depend on the folder.
func (s *msSplit) relativeArgs(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return false
	}
	if s.row.Key == "node" && (c.class == msDeps || c.class == msGlobal) {
		return c.class == msDeps
	}
	for _, w := range c.from(1) {
		if !strings.HasPrefix(w.Value, "-") && !path.IsAbs(w.Value) {
			return true
		}
	}
	return false
}

// scaffold reports whether a command in a RUN that builds only touches
// paths in its working folder: build scaffolding, not runtime setup.
func (s *msSplit) scaffold(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return false
	}
	if c.cwd == "" || c.cwd == "/" {
		return false
	}
	paths := append([]string(nil), c.redirs...)
	for i, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") || (c.name() == "chown" || c.name() == "chgrp" || c.name() == "chmod") && i == 0 {
			continue
		}
		if !w.Lit {
			return false
		}
		paths = append(paths, w.Value)
	}
	for _, p := range paths {
		if !msUnder(msResolve(c.cwd, p), c.cwd) || msResolve(c.cwd, p) == c.cwd {
			return false
		}
	}
	return len(paths) > 0
}

// setupNeeded: a setup command acting on files the runtime stage does not
// get (sources, build folders) stays in the builder.
func (s *msSplit) setupNeeded(c *msCmd) bool {
	switch c.name() {
	case "useradd", "groupadd", "adduser", "addgroup", "usermod":
		return true
	}
	paths := 0
	for i, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") || !w.Lit {
			continue
		}
		if (c.name() == "chown" || c.name() == "chgrp" || c.name() == "chmod") && i == 0 {
			continue // owner or mode
		}
		p := msResolve(c.cwd, w.Value)
		if p == "" {
			return true
		}
		paths++
		if s.inRuntime(p) {
			return true
		}
	}
	return paths == 0
}

// inRuntime reports whether a path exists in the runtime stage: in a kept
// COPY, an artifact, a kept WORKDIR, or outside everything the builder
// stage wrote.
func (s *msSplit) inRuntime(p string) bool {
	for i := 0; i <= s.k && i < len(s.pl); i++ {
		pl := s.pl[i]
		for _, a := range pl.arts {
			if msUnder(p, strings.TrimSuffix(a.dest(), "/")) || msUnder(a.Path, p) {
				return true
			}
		}
		for _, f := range pl.foot {
			if msUnder(p, f) {
				return pl.keep
			}
		}
	}
	// Paths in the build's working folders belong to the build.
	for i := 0; i <= s.k; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd == "run" {
			for _, c := range pl.cmds {
				if c.class == msBuild && c.cwd != "" && c.cwd != "/" && msUnder(p, c.cwd) {
					return false
				}
			}
		}
	}
	return true
}

func (s *msSplit) rmNeeded(c *msCmd) bool {
	for _, w := range c.from(1) {
		if strings.HasPrefix(w.Value, "-") {
			continue
		}
		p := msResolve(c.cwd, w.Value)
		if p == "" {
			continue
		}
		for i := 0; i < s.k; i++ {
			for _, f := range s.pl[i].foot {
				if s.pl[i].keep && msUnder(p, f) {
					return true
				}
			}
		}
	}
	return false
}

func (s *msSplit) writeNeeded(c *msCmd) bool {
	for _, t := range c.redirs {
		p := msResolve(c.cwd, t)
		if p == "" || s.inRuntime(p) {
			return true
		}
	}
	return false
}

// packages reads an apt-get/apk command: build-only packages are dropped,
// -dev packages become their runtime libraries, the rest is installed in
// the runtime stage too.
func (s *msSplit) packages(pl *msPlan, c *msCmd) {
	s.pkgFamily = msPkgFamily(c.name())
	sub, pkgs, ok := msPackageArgs(c)
	if !ok {
		s.fail("cannot read the packages of `%s`", msShort(c.text(s.d)))
		return
	}
	switch sub {
	case "install", "add":
	case "upgrade", "dist-upgrade", "full-upgrade":
		s.upgrade = true
		return
	case "purge", "remove", "del", "autoremove":
		removed := map[string]bool{}
		for _, p := range pkgs {
			removed[p] = true
		}
		s.runtimePkg = msWithout(s.runtimePkg, removed)
		s.devPkgs = msWithout(s.devPkgs, removed)
		return
	default:
		return
	}
	for _, p := range pkgs {
		name, _, _ := strings.Cut(p, "=")
		switch {
		case msBuildOnlyPackages[name]:
			s.dropped = append(s.dropped, name)
		case msDevPackage(name):
			s.devPkgs = append(s.devPkgs, name)
			s.dropped = append(s.dropped, name)
		case strings.ContainsAny(name, "/*$"):
			s.fail("cannot tell what package %s is", p)
		default:
			if !msHas(s.runtimePkg, p) {
				s.runtimePkg = append(s.runtimePkg, p)
			}
		}
	}
}

func msWithout(list []string, drop map[string]bool) []string {
	var out []string
	for _, p := range list {
		name, _, _ := strings.Cut(p, "=")
		if !drop[name] {
			out = append(out, p)
		}
	}
	return out
}

// msPackageArgs returns the subcommand and package names of apt-get/apk.
func msPackageArgs(c *msCmd) (sub string, pkgs []string, ok bool) {
	withArg := map[string]bool{"-o": true, "-t": true, "--target-release": true, "--virtual": true, "-X": true, "--repository": true, "-c": true, "--option": true}
	for i := 1; i < len(c.words); i++ {
		w := c.words[i]
		if !w.Lit {
			return "", nil, false
		}
		v := w.Value
		if strings.HasPrefix(v, "-") {
			if withArg[v] {
				i++
			}
			continue
		}
		if sub == "" {
			sub = v
			continue
		}
		pkgs = append(pkgs, v)
	}
	return sub, pkgs, true
}

// decideRest decides ENV, WORKDIR, ARG, USER and the metadata.
func (s *msSplit) decideRest() {
	for i := 0; i < s.k; i++ {
		pl := s.pl[i]
		switch pl.ins.Cmd {
		case "env":
			pl.keep = !s.row.Compiled || s.envNeeded(pl)
		case "user":
			pl.keep = true
		case "label", "maintainer", "expose", "volume", "stopsignal", "healthcheck", "cmd", "entrypoint":
			pl.move = true
		case "shell":
			if s.row.Compiled {
				s.fail("the shell of %s may not exist in the runtime image", s.at(pl.ins))
			}
			pl.keep = true
		}
	}
	// WORKDIR: kept when something kept depends on it, or it is the last.
	for i := s.k - 1; i >= 0; i-- {
		pl := s.pl[i]
		if pl.ins.Cmd != "workdir" {
			continue
		}
		for j := i + 1; j < len(s.pl); j++ {
			q := s.pl[j]
			if q.ins.Cmd == "workdir" {
				// A relative WORKDIR the runtime stage has builds on this one.
				c, _ := q.ins.Command.(*instructions.WorkdirCommand)
				if c == nil || !path.IsAbs(c.Path) && (j > s.k || q.keep) {
					pl.keep = true
				}
				break
			}
			if j > s.k {
				if q.ins.Cmd == "run" || q.ins.Cmd == "copy" || q.ins.Cmd == "add" || q.ins.Cmd == "cmd" || q.ins.Cmd == "entrypoint" || q.ins.Cmd == "healthcheck" || q.ins.Cmd == "volume" {
					pl.keep = true
					break
				}
				continue
			}
			if q.ins.Cmd == "copy" || q.ins.Cmd == "add" {
				if q.keep {
					pl.keep = true
					break
				}
			}
			if q.ins.Cmd == "run" && (q.replay || len(q.before)+len(q.after) > 0) {
				pl.keep = true
				break
			}
		}
		if !pl.keep && s.lastWorkdir(i) {
			pl.keep = true
		}
	}
	// ARG and ENV: kept when a kept text uses what they set (a kept
	// `ENV PATH=$GOPATH/bin:$PATH` needs its GOPATH).
	for more := true; more; {
		more = false
		used := map[string]bool{}
		for _, t := range s.runtimeTexts() {
			for _, v := range msVarsIn(t) {
				used[v] = true
			}
		}
		for i := 0; i < s.k; i++ {
			pl := s.pl[i]
			if !pl.keep && msSetsUsed(pl, used) {
				pl.keep, more = true, true
			}
		}
	}
	if s.row.Compiled {
		s.checkImageEnv()
	}
}

// msSetsUsed reports whether an ARG or ENV sets a variable in used.
func msSetsUsed(pl *msPlan, used map[string]bool) bool {
	switch c := pl.ins.Command.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			if used[kv.Key] {
				return true
			}
		}
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			if used[kv.Key] {
				return true
			}
		}
	}
	return false
}

// lastWorkdir reports whether plan i is the stage's last WORKDIR.
func (s *msSplit) lastWorkdir(i int) bool {
	for j := i + 1; j < len(s.pl); j++ {
		if s.pl[j].ins.Cmd == "workdir" {
			return false
		}
	}
	return true
}

// envNeeded: an ENV that sets only build settings stays in the builder.
func (s *msSplit) envNeeded(pl *msPlan) bool {
	c := pl.ins.Command.(*instructions.EnvCommand)
	for _, kv := range c.Env {
		if !msEnvKeyMatches(s.row.BuildEnv, kv.Key) {
			return true
		}
	}
	return false
}

// checkImageEnv: kept text must not read variables only the builder image sets.
func (s *msSplit) checkImageEnv() {
	defined := map[string]bool{}
	for i, pl := range s.pl {
		switch c := pl.ins.Command.(type) {
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				defined[kv.Key] = true
			}
		case *instructions.ArgCommand:
			for _, kv := range c.Args {
				defined[kv.Key] = true
			}
		}
		if !(i > s.k || pl.keep || pl.move) {
			continue
		}
		for _, v := range msVarsIn(pl.ins.Text(s.d)) {
			if msHas(s.row.ImageEnv, v) && !defined[v] {
				s.fail("%s reads $%s, which only the builder image sets", s.at(pl.ins), v)
			}
		}
	}
}

// runtimeTexts is every text the runtime stage will hold.
func (s *msSplit) runtimeTexts() []string {
	var out []string
	for i, pl := range s.pl {
		if i > s.k || pl.keep || pl.move || pl.replay {
			out = append(out, pl.ins.Text(s.d))
		}
		out = append(out, pl.before...)
		out = append(out, pl.after...)
		for _, a := range pl.arts {
			out = append(out, a.Path)
		}
	}
	return out
}

// chooseRuntime picks the runtime image: the user's, or the row's.
func (s *msSplit) chooseRuntime() {
	if o := s.option("runtime-image." + s.row.Key); o != "" {
		if _, err := ParseImageRef(o); err != nil {
			s.fail("runtime-image.%s=%s: %v", s.row.Key, o, err)
			return
		}
		s.runtime = o
	} else {
		img, err := s.row.Runtime(s)
		if err != nil {
			s.fail("%v (set runtime-image.%s)", err, s.row.Key)
			return
		}
		s.runtime = img
		if s.distroless != "" {
			if s.needsShell() || s.startNeedsShell() {
				s.notes = append(s.notes, "distroless was asked for, but the runtime stage runs commands")
			} else {
				s.runtime = s.distroless
			}
		}
	}
	s.info = msRuntimeOf(s.runtime)
	s.noteUser()
}

// noteUser says when the runtime image runs as another user than the
// builder image, and no USER in the stage settles it.
func (s *msSplit) noteUser() {
	rt, ok := baseimage.DefaultsOf(s.runtime)
	if !ok || s.row.SameImage || rt.User == s.image.User {
		return
	}
	for _, pl := range s.pl {
		if pl.ins.Cmd == "user" {
			return
		}
	}
	s.notes = append(s.notes, fmt.Sprintf("`%s` runs as user %s, the original image as %s", s.runtime, msOr(rt.User, "root"), msOr(s.image.User, "root")))
}

// needsShell reports whether the runtime stage runs any command.
func (s *msSplit) needsShell() bool {
	for i, pl := range s.pl {
		if pl.replay || len(pl.before)+len(pl.after) > 0 || i > s.k && pl.ins.Cmd == "run" {
			return true
		}
	}
	return len(s.runtimePkg) > 0 || len(s.runtimeLibs()) > 0
}

// runtimeLibs maps the dropped -dev packages to runtime libraries.
func (s *msSplit) runtimeLibs() []string {
	if s.row.Key == "node" || s.row.Key == "go" && s.static {
		return nil
	}
	var out []string
	for _, dev := range s.devPkgs {
		fam, rel := s.info.Family, s.info.Release
		if s.row.SameImage {
			fam = s.pkgFamily
			ti := parseImageTag(s.ref.Tag)
			rel = ti.Release
		}
		lib, ok := msRuntimeLib(fam, rel, dev)
		if !ok {
			continue
		}
		for _, l := range strings.Fields(lib) {
			if !msHas(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}

// checkRuntime checks what the runtime stage runs against the runtime image.
func (s *msSplit) checkRuntime() {
	fam := s.info.Family
	if s.row.SameImage {
		fam = s.pkgFamily
	}
	// -dev packages need a known runtime library.
	if s.row.Key != "node" && !(s.row.Key == "go" && s.static) {
		for _, dev := range s.devPkgs {
			f, rel := s.info.Family, s.info.Release
			if s.row.SameImage {
				f, rel = s.pkgFamily, parseImageTag(s.ref.Tag).Release
			}
			if _, ok := msRuntimeLib(f, rel, dev); !ok {
				if rel == "" && msDevRuntime[msFamKey(f)][dev] != nil {
					s.fail("the runtime library of %s depends on the distribution release, which `%s` does not name", dev, msOr(s.runtime, s.st.Base))
				} else {
					s.fail("dfopt does not know the runtime library of %s", dev)
				}
			}
		}
	}
	if !s.row.Compiled {
		return
	}
	cmds := msSetupCommands[fam]
	shell := fam != "distroless" && fam != ""
	for i, pl := range s.pl {
		if !(i > s.k && pl.ins.Cmd == "run" || pl.replay || len(pl.before)+len(pl.after) > 0) {
			continue
		}
		if !shell {
			s.fail("`%s` has no shell for %s", s.runtime, s.at(pl.ins))
			continue
		}
		for _, c := range pl.cmds {
			if c.keep || i > s.k {
				if n := c.name(); n != "" && !cmds[n] && !msNeutralCmds[n] && n != "cd" && !(c.class == msPkg && msPkgFamily(n) == msFamKey(fam)) && n != "export" {
					s.fail("`%s` may not exist in `%s`", n, s.runtime)
				}
			}
		}
	}
	if len(s.runtimePkg) > 0 {
		builder := msRuntimeOf(s.st.Base).Family
		if builder == "" || msFamKey(builder) != msFamKey(fam) || builder != fam && !s.row.SameImage {
			s.fail("the packages %s were installed on `%s`, and may not exist for `%s`", strings.Join(s.runtimePkg, ", "), s.st.Base, s.runtime)
		}
	}
	if len(s.runtimeLibs()) > 0 && !shell {
		s.fail("`%s` cannot install %s", s.runtime, strings.Join(s.runtimeLibs(), ", "))
	}
	// Users must exist in the runtime image.
	created := map[string]bool{"root": true, "nobody": true, "nogroup": true}
	if fam == "distroless" {
		created["nonroot"] = true
	}
	if strings.Contains(s.runtime, "/dotnet/") {
		// .NET 8+ images have the user app and its id in $APP_UID.
		created["app"], created["$APP_UID"], created["${APP_UID}"] = true, true, true
	}
	for i, pl := range s.pl {
		runtimeSide := i > s.k || pl.keep
		for _, c := range pl.cmds {
			switch c.name() {
			case "useradd", "groupadd", "adduser", "addgroup":
				if c.keep || i > s.k {
					for _, w := range c.from(1) {
						created[w.Value] = true
					}
				}
			}
		}
		var users []string
		switch c := pl.ins.Command.(type) {
		case *instructions.UserCommand:
			if runtimeSide {
				users = append(users, c.User)
			}
		case *instructions.CopyCommand:
			if runtimeSide && c.Chown != "" {
				users = append(users, c.Chown)
			}
		case *instructions.AddCommand:
			if runtimeSide && c.Chown != "" {
				users = append(users, c.Chown)
			}
		}
		for _, a := range pl.arts {
			if a.chown != "" {
				users = append(users, a.chown)
			}
		}
		for _, u := range users {
			for _, part := range strings.SplitN(u, ":", 2) {
				if part != "" && !allDigitsMS(part) && !created[part] {
					s.fail("user %s comes from the builder image", part)
				}
			}
		}
	}
}

// msPkgFamily is the distribution family a package manager belongs to.
func msPkgFamily(cmd string) string {
	if cmd == "apk" {
		return "alpine"
	}
	return "debian"
}

func msFamKey(f string) string {
	if f == "ubuntu" {
		return "debian"
	}
	return f
}

// ---- context ---------------------------------------------------------------

// contextPath maps an absolute path of the builder, as the COPY/ADD
// instructions before instruction at made it, to a path of the build
// context on disk.
func (s *msSplit) contextPath(abs string, at int) (string, bool) {
	if s.p.Context == nil || abs == "" {
		return "", false
	}
	for i := at - 1; i >= 0; i-- {
		pl := s.pl[i]
		c, ok := pl.ins.Command.(*instructions.CopyCommand)
		if !ok || c.From != "" {
			continue
		}
		d, ok := msExpand(c.DestPath, pl.env)
		if !ok {
			continue
		}
		cwd := pl.cwd
		if cwd == "" && pl.cwdImage {
			cwd = s.imageWorkdir
		}
		dest := msResolve(cwd, d)
		if dest == "" {
			continue
		}
		dirDest := strings.HasSuffix(d, "/") || d == "." || len(c.SourcePaths) > 1 || dest == cwd
		for _, src := range c.SourcePaths {
			var matches []string
			if strings.ContainsAny(src, "*?[") {
				m, _ := filepath.Glob(filepath.Join(s.p.Context.Dir, filepath.FromSlash(Clean(src))))
				for _, f := range m {
					if rel, err := filepath.Rel(s.p.Context.Dir, f); err == nil {
						matches = append(matches, filepath.ToSlash(rel))
					}
				}
			} else {
				matches = []string{Clean(src)}
			}
			for _, m := range matches {
				full := filepath.Join(s.p.Context.Dir, filepath.FromSlash(m))
				st, err := os.Stat(full)
				if err != nil {
					continue
				}
				if st.IsDir() {
					if rel, ok := msRel(dest, abs); ok {
						cand := path.Join(m, rel)
						if s.p.Context.Exists(cand) {
							return cand, true
						}
					}
					continue
				}
				target := dest
				if dirDest || len(matches) > 1 {
					target = path.Join(dest, path.Base(m))
				}
				if target == abs && s.p.Context.Exists(m) {
					return m, true
				}
			}
		}
	}
	return "", false
}

// msRel returns p relative to dir when p is inside it.
func msRel(dir, p string) (string, bool) {
	switch {
	case p == dir:
		return ".", true
	case dir == "/":
		return strings.TrimPrefix(p, "/"), true
	case strings.HasPrefix(p, dir+"/"):
		return p[len(dir)+1:], true
	}
	return "", false
}

// readContext reads the context file that is at abs in the builder.
func (s *msSplit) readContext(abs string, at int) ([]byte, string, bool) {
	rel, ok := s.contextPath(abs, at)
	if !ok {
		return nil, "", false
	}
	data, err := s.p.Context.ReadFile(rel)
	if err != nil {
		return nil, "", false
	}
	return data, rel, true
}

// ---- output ----------------------------------------------------------------

func (s *msSplit) kw(k string) string {
	if s.st.From.Keyword == strings.ToLower(s.st.From.Keyword) {
		return strings.ToLower(k)
	}
	return k
}

// edits renders the split.
func (s *msSplit) edits() []emit.Edit {
	d := s.d
	eol := d.EOL()
	var edits []emit.Edit
	from := s.st.From
	if s.st.Name == "" {
		end := from.Span.End
		for end > from.Span.Start && (d.Src[end-1] == ' ' || d.Src[end-1] == '\t') {
			end--
		}
		edits = append(edits, emit.Edit{Start: end, End: end, New: " " + s.asWord() + " " + s.name})
	}
	var lines []string
	add := func(t string) { lines = append(lines, t) }
	fromLine := s.kw("FROM") + " "
	if f := from.Flag("platform"); f != nil {
		fromLine += string(d.Src[f.Span.Start:f.Span.End]) + " "
	}
	add(fromLine + s.runtime)
	var pkgs []string
	if s.row.Key == "python" || s.row.Compiled {
		pkgs = append(pkgs, s.runtimeLibs()...)
		for _, p := range s.runtimePkg {
			if !msHas(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	fam := s.info.Family
	if s.row.SameImage {
		fam = s.pkgFamily
	}
	if s.row.CAcerts && (fam == "debian" || fam == "ubuntu") && !msHas(pkgs, "ca-certificates") {
		pkgs = append([]string{"ca-certificates"}, pkgs...)
	}
	// The packages are installed where the stage installed its own (after
	// the ENV it set for apt), or first.
	pkgLine := ""
	if len(pkgs) > 0 || s.upgrade && (s.row.Key == "python" || msFamKey(s.pkgFamily) == msFamKey(fam)) {
		pkgLine = s.kw("RUN") + " " + msInstallLine(fam, pkgs, s.upgrade)
	}
	pkgAt := -1
	if s.row.Key != "node" {
		for i := 0; i <= s.k && pkgLine != ""; i++ {
			if s.pl[i].hasClass(msPkg) {
				pkgAt = i
				break
			}
		}
	}
	if pkgAt < 0 && pkgLine != "" {
		add(pkgLine)
	}
	if s.needsImageWorkdir() {
		add(s.kw("WORKDIR") + " " + s.imageWorkdir)
	}
	pathDone := map[string]bool{}
	var dels []emit.Edit
	var carried []*ast.Instruction
	for i := 0; i < s.k; i++ {
		pl := s.pl[i]
		if i == pkgAt {
			add(pkgLine)
		}
		if pl.move || pl.keep || pl.replay {
			carried = append(carried, pl.ins)
		}
		switch {
		case pl.move:
			start := s.commentStart(pl.ins)
			dels = append(dels, emit.Edit{Start: start, End: pl.ins.Next})
			add(strings.TrimRight(string(d.Src[start:pl.ins.Span.End]), "\r\n"))
		case pl.keep || pl.replay:
			add(pl.ins.Text(d))
		}
		if pl.ins.Cmd == "run" && !pl.replay {
			s.addRun(pl, add, pathDone)
		}
	}
	if k := s.pl[s.k]; k.ins.Cmd == "run" && !k.replay {
		if s.k == pkgAt {
			add(pkgLine)
		}
		s.addRun(k, add, pathDone)
	}
	edits = append(edits, s.mergeDeletions(dels)...)
	if s.newVenv {
		first := s.firstPip()
		start := s.commentStart(first.ins)
		edits = append(edits, emit.Edit{Start: start, End: start, New: s.kw("RUN") + " python -m venv " + s.venv + eol + s.kw("ENV") + " PATH=\"" + s.venv + "/bin:$PATH\"" + eol})
	}
	last := s.pl[s.k].ins
	text := eol + strings.Join(lines, eol) + eol
	at := last.Next
	if last.Next == last.Span.End {
		// No line terminator at the end of the file.
		text = eol + eol + strings.Join(lines, eol)
	}
	edits = append(edits, carry(d, emit.Edit{Start: at, End: at, New: text}, carried...))
	return edits
}

// mergeDeletions joins adjacent deletions and, when a deleted block sat
// between two blank lines, deletes one of them too.
func (s *msSplit) mergeDeletions(dels []emit.Edit) []emit.Edit {
	var out []emit.Edit
	for _, e := range dels {
		if n := len(out); n > 0 && out[n-1].End == e.Start {
			out[n-1].End = e.End
			continue
		}
		out = append(out, e)
	}
	blank := func(off int) (int, bool) { // the line at off: its end, and whether it is blank
		for _, l := range s.d.Lines {
			if l.Start == off {
				return l.Next, strings.TrimSpace(string(s.d.Src[l.Start:l.End])) == ""
			}
		}
		return 0, false
	}
	for i := range out {
		e := &out[i]
		prevBlank := false
		for _, l := range s.d.Lines {
			if l.Next == e.Start {
				prevBlank = strings.TrimSpace(string(s.d.Src[l.Start:l.End])) == ""
			}
		}
		if next, ok := blank(e.End); ok && prevBlank && next > e.End {
			e.End = next
		}
	}
	return out
}

// addRun renders the runtime side of a RUN before the split.
func (s *msSplit) addRun(pl *msPlan, add func(string), pathDone map[string]bool) {
	for _, l := range pl.before {
		add(s.kw("RUN") + " " + l)
	}
	for _, a := range pl.arts {
		src, dst := a.Path, a.dest()
		flags := "--from=" + s.name
		if a.chown != "" {
			flags += " --chown=" + a.chown
		}
		if strings.ContainsAny(src+dst, " \t\"") {
			add(fmt.Sprintf("%s %s [%q, %q]", s.kw("COPY"), flags, src, dst))
		} else {
			add(fmt.Sprintf("%s %s %s %s", s.kw("COPY"), flags, src, dst))
		}
		for _, dir := range s.pathFor(a) {
			if !pathDone[dir] {
				add(s.kw("ENV") + " PATH=\"" + dir + ":$PATH\"")
				pathDone[dir] = true
			}
		}
	}
	if pl.venv {
		add(fmt.Sprintf("%s --from=%s %s %s", s.kw("COPY"), s.name, s.venv, s.venv))
		if s.newVenv {
			add(s.kw("ENV") + " PATH=\"" + s.venv + "/bin:$PATH\"")
		}
	}
	for _, l := range pl.after {
		add(s.kw("RUN") + " " + l)
	}
}

// needsImageWorkdir: the program runs in the builder image's WORKDIR
// (golang: /go, gradle: /home/gradle), or kept text is relative to it, and
// the runtime image's WORKDIR differs or is unknown.
func (s *msSplit) needsImageWorkdir() bool {
	if s.row.SameImage || s.imageWorkdir == "" {
		return false
	}
	if rt, ok := baseimage.DefaultsOf(s.runtime); ok && rt.Workdir == s.imageWorkdir {
		return false
	}
	for i, pl := range s.pl {
		if !pl.cwdImage {
			return false
		}
		relWorkdir := false
		if w, ok := pl.ins.Command.(*instructions.WorkdirCommand); ok {
			relWorkdir = !path.IsAbs(w.Path)
		}
		if pl.keep && (pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") && s.relativeDest(pl) || pl.keep && relWorkdir || pl.replay && pl.opaque || i > s.k && pl.ins.Cmd == "run" {
			return true
		}
		for _, c := range pl.cmds {
			if (c.keep || pl.replay) && s.relativeArgs(c) {
				return true
			}
		}
	}
	return s.finalCwdImage
}

// relativeDest reports whether a COPY/ADD writes relative to the folder.
func (s *msSplit) relativeDest(pl *msPlan) bool {
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		return !path.IsAbs(c.DestPath)
	case *instructions.AddCommand:
		return !path.IsAbs(c.DestPath)
	}
	return false
}

func (s *msSplit) asWord() string {
	for _, st := range s.d.Stages {
		if len(st.From.Args) == 3 {
			return st.From.Args[1]
		}
	}
	return s.kw("AS")
}

// commentStart is where the comment lines directly above an instruction begin.
func (s *msSplit) commentStart(in *ast.Instruction) int {
	start := s.d.Lines[in.StartLine-1].Start
	for n := in.StartLine - 1; n >= 1; n-- {
		t := strings.TrimSpace(s.d.LineText(n))
		if !strings.HasPrefix(t, "#") {
			break
		}
		if prev := s.d.Stages[s.st.Index].From; n <= prev.EndLine {
			break
		}
		start = s.d.Lines[n-1].Start
	}
	return start
}

func msUnique(list []string) []string {
	var out []string
	for _, x := range list {
		if !msHas(out, x) {
			out = append(out, x)
		}
	}
	return out
}
