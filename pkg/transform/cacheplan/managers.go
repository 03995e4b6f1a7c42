package cacheplan

import (
	"bytes"
	"math"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Manager is cache-mounts' and apt-hygiene's view of a tool of
// pkg/knowledge/tools that has caches (Tool.Cache): how to recognise its
// commands, where its download cache lives, what moves it, what defeats
// it and how BuildKit must share it.
type Manager struct {
	Name   string // as findings name it: "pip"
	Family string // the family: "pip", "poetry/pipenv", …

	// Recognition (tools.Tool's Progs and Module, its Spec's Uses, Skip
	// and Uses2).
	Progs  []string
	Module string
	Subs   []string
	Skip   []string
	Subs2  map[string][]string
	spec   *tools.Spec

	Caches  []CacheSpec
	Sharing string // BuildKit's sharing mode: "locked", or "" for the default (shared)
	System  bool   // a system package manager: absolute cache paths, runs as root

	NoCache    []string                   // flags that switch the cache off
	NoCacheEnv []string                   // variables that switch it off: "NAME" (any value) or "NAME=VALUE"
	Clean      func(inv *Invocation) bool // a command that only empties the cache
	// Empties says which Caches a Clean command empties, and which of
	// them it removes with the directory itself; nil: every cache but
	// apt's lists, keeping the directories.
	Empties func(inv *Invocation) (empties, removes []int)
	DirCmds []DirCmd // the commands that print a cache directory
	Runtime []string // the programs that read the caches when the image runs (runtimeuse.go)

	// Applies picks between rows that share programs (yarn classic and
	// berry); nil means always.
	Applies func(c *ManagerCtx) bool
	// Veto returns why the cache must not be mounted for this invocation.
	Veto func(c *ManagerCtx, inv *Invocation) string
}

// CacheSpec is one cache directory of a manager (tools.CacheDir).
type CacheSpec struct {
	Dirs     []string
	Flags    []string
	FlagSub  string
	EnvFlags []string
	Unless   []string
	Store    bool
	When     func(s tools.Stage) bool // nil: always
	// Path computes a system manager's path from the stage and the program
	// name, or says why it is unknown (nil: Dirs).
	Path  func(st *stage.State, prog string) (dir, why string)
	Lists bool
}

// Wrappers a command can be run through.
var plainWrappers = map[string]bool{"command": true, "exec": true, "nohup": true, "time": true, "eatmydata": true, "chronic": true}

// Managers is derived from the tools registry, in its order.
var Managers = deriveManagers()

func deriveManagers() []*Manager {
	var out []*Manager
	for _, t := range tools.All() {
		if t.Cache != nil {
			out = append(out, managerOf(t))
		}
	}
	return out
}

func managerOf(t *tools.Tool) *Manager {
	c := t.Cache
	m := &Manager{Name: t.Name, Family: t.Family, Progs: t.Progs, Module: t.Module,
		Subs: t.Command.Uses, Skip: t.Command.Skip, Subs2: t.Command.Uses2, spec: &t.Command,
		Sharing: c.Sharing, System: c.System, NoCache: c.NoCache, NoCacheEnv: c.NoCacheEnv,
		DirCmds: c.DirCmds, Runtime: c.Runtime}
	for _, d := range c.Dirs {
		cs := CacheSpec{Dirs: d.Dirs, Flags: d.Flags, FlagSub: d.FlagSub, EnvFlags: d.EnvFlags, Unless: d.Unless, Store: d.Store, Lists: d.Lists, When: d.When}
		if d.FromBase {
			cs.Path = rpmCacheDir
		}
		m.Caches = append(m.Caches, cs)
	}
	if c.Clean != nil {
		m.Clean = func(inv *Invocation) bool { return c.Clean(toolInv{inv: inv}) }
	}
	if c.Empties != nil {
		m.Empties = func(inv *Invocation) ([]int, []int) { return c.Empties(toolInv{inv: inv}) }
	}
	if c.Applies != nil {
		m.Applies = func(mc *ManagerCtx) bool { return c.Applies(mc) }
	}
	if c.Veto != nil || c.StaleIndex {
		m.Veto = func(mc *ManagerCtx, inv *Invocation) string {
			if c.Veto != nil {
				if why := c.Veto(mc, toolInv{inv: inv, c: mc}); why != "" {
					return why
				}
			}
			if c.StaleIndex {
				return vetoStaleIndex(mc, inv)
			}
			return ""
		}
	}
	return m
}

// toolInv is an invocation as the tools see it (tools.Inv).
type toolInv struct {
	inv *Invocation
	c   *ManagerCtx // nil: the stage is not looked at
}

func (t toolInv) Sub() []string { return t.inv.Sub }

func (t toolInv) Args() []string {
	out := make([]string, len(t.inv.Args))
	for i, a := range t.inv.Args {
		out[i] = a.Value
	}
	return out
}

func (t toolInv) Env(name string) (string, bool) {
	if t.c == nil {
		v, ok := t.inv.assign[name]
		return v, ok
	}
	return t.inv.envValue(t.c, name)
}

// ManagerCtx is what a Veto or Applies sees.
type ManagerCtx struct {
	Pass   *transform.Pass
	Stages *stage.Env
	Ins    *ast.Instruction
	Env    *stage.State
	Script *ast.Script
	// Mentioned, when set, is shared by the RUNs of a document: each
	// stage's lineage is scanned once per list of words, not once per RUN.
	Mentioned *Mentioned
}

// LineageMentions reports whether an instruction of the RUN's stage or the
// stages it is built on, up to the RUN, holds one of the words.
func (c *ManagerCtx) LineageMentions(words ...string) bool {
	if c.Mentioned != nil {
		return c.Mentioned.first(c, words) <= c.Ins.Index
	}
	return c.firstMention(words) <= c.Ins.Index
}

// firstMention is the index of the first instruction of the RUN's lineage
// that holds one of the words (math.MaxInt when none does).
func (c *ManagerCtx) firstMention(words []string) int {
	first := math.MaxInt
	d := c.Stages.Doc()
	for _, st := range c.Stages.Lineage(d.Stages[c.Ins.Stage]) {
		for _, in := range st.Instructions {
			// The instruction's text (ast.Instruction.Text) read in
			// place, not copied.
			if in.Index < first && mentionsAny(d.Src[in.Span.Start:in.Span.End], words) {
				first = in.Index
				break
			}
		}
	}
	return first
}

func mentionsAny(t []byte, words []string) bool {
	for _, w := range words {
		if bytes.Contains(t, []byte(w)) {
			return true
		}
	}
	return false
}

// Mentioned keeps firstMention per list of words and stage.
type Mentioned struct {
	byWords map[string]map[int]int
}

func (m *Mentioned) first(c *ManagerCtx, words []string) int {
	key := strings.Join(words, "\x00")
	if m.byWords == nil {
		m.byWords = map[string]map[int]int{}
	}
	byStage := m.byWords[key]
	if byStage == nil {
		byStage = map[int]int{}
		m.byWords[key] = byStage
	}
	at, ok := byStage[c.Ins.Stage]
	if !ok {
		at = c.firstMention(words)
		byStage[c.Ins.Stage] = at
	}
	return at
}

// Mentions is lineageMentions (tools.Stage).
func (c *ManagerCtx) Mentions(words ...string) bool { return c.LineageMentions(words...) }

// HasContext reports a build context (tools.Stage).
func (c *ManagerCtx) HasContext() bool { return c.Pass != nil && c.Pass.Context != nil }

// ContextFile reads a file of the build context (tools.Stage).
func (c *ManagerCtx) ContextFile(rel string) ([]byte, bool) {
	if !c.HasContext() {
		return nil, false
	}
	data, err := c.Pass.Context.ReadFile(rel)
	return data, err == nil
}

// Invocation is one command that runs a manager.
type Invocation struct {
	Manager *Manager
	Cmd     *ast.Command
	call    int        // index of cmd in the script's commands
	Prog    ast.Word   // the program word
	progIdx int        // its index in cmd.Args
	Args    []ast.Word // the words after the program (after `-m pip`)
	Sub     []string   // positional words after global options (up to 2)
	SubIdx  []int      // their indices in args
	assign  map[string]string
	User    string // a wrapper runs it as another user (sudo -u, gosu …)
	Sudo    bool
	clean   int8 // IsClean's answer: 0 not asked yet, 1 no, 2 yes
}

// envValue looks a variable up for the invocation: its own assignments,
// then the RUN's exports before it, then the stage.
func (inv *Invocation) envValue(c *ManagerCtx, name string) (string, bool) {
	if v, ok := inv.assign[name]; ok {
		return v, true
	}
	if v, ok := c.Env.Lookup(name); ok && v.Set {
		return v.Value, true
	}
	return "", false
}

// progMatches reports whether a program word names one of progs: exact,
// or with a version suffix (pip3.12, python3.11).
func progMatches(name string, progs []string) bool {
	for _, p := range progs {
		if name == p {
			return true
		}
		if strings.HasPrefix(name, p) && versionSuffix(name[len(p):]) {
			return true
		}
	}
	return false
}

func versionSuffix(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !(s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
			return false
		}
	}
	return true
}

func isPython(name string) bool {
	return name == "python" || name == "py" || strings.HasPrefix(name, "python") && versionSuffix(name[len("python"):])
}

// ProgBase is the basename of a command word (`$VENV/bin/pip` → pip,
// `./mvnw` → mvnw).
func ProgBase(w ast.Word) string {
	v := w.Value
	// Most words are a plain name: without quotes or a slash, Trim and
	// path.Base give the word back as it is.
	if plainName(v) {
		return v
	}
	v = strings.Trim(v, `"'`)
	return path.Base(v)
}

// withValue reports an option word `name=value`: v is name followed by
// "=" (written without building name+"=").
func withValue(v, name string) bool {
	return len(v) > len(name) && v[len(name)] == '=' && v[:len(name)] == name
}

// plainName reports a non-empty word without quotes or slashes.
func plainName(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '"' || c == '\'' || c == '/' {
			return false
		}
	}
	return v != ""
}

// FindInvocations lists the package-manager commands of a script. Words
// are the simple commands' words; a wrapper (sudo, env, xargs, …) in front
// is looked through.
func FindInvocations(c *ManagerCtx, cmds []ast.Command) []*Invocation {
	var out []*Invocation
	for ci := range cmds {
		cmd := &cmds[ci]
		// Most commands run no manager: the match stays on the stack
		// until candidates names one (forManager copies what it keeps).
		var raw rawInvocation
		if !raw.match(cmd.Args) {
			continue
		}
		inv := &raw
		cands := candidates(inv.progNameOrModule(), inv.module)
		if len(cands) == 0 {
			continue
		}
		inv.Cmd, inv.call = cmd, ci
		for _, a := range cmd.Assigns {
			if k, v, ok := strings.Cut(a, "="); ok {
				if inv.assign == nil {
					inv.assign = map[string]string{}
				}
				inv.assign[k] = strings.Trim(v, `"'`)
			}
		}
		var chosen *Invocation
		for _, m := range cands {
			if c != nil && m.Applies != nil && !m.Applies(c) {
				continue
			}
			if mi := inv.forManager(m); mi != nil {
				chosen = mi
				break
			}
		}
		if chosen != nil {
			out = append(out, chosen)
		}
	}
	return out
}

// rawInvocation is a command with its wrappers looked through.
type rawInvocation struct {
	Invocation
	module string // `python -m MODULE`
}

func (r *rawInvocation) progNameOrModule() string {
	if r.module != "" {
		return r.module
	}
	return ProgBase(r.Prog)
}

// matchCommand strips wrappers and finds the program word.
func matchCommand(words []ast.Word) *rawInvocation {
	r := &rawInvocation{}
	if !r.match(words) {
		return nil
	}
	return r
}

// match is matchCommand into r: false when the words run no program
// that a manager could be.
func (r *rawInvocation) match(words []ast.Word) bool {
	i := 0
	for i < len(words) {
		name := ProgBase(words[i])
		switch {
		case name == "env":
			i = r.skipEnv(words, i+1)
			continue
		case name == "sudo":
			i = r.skipSudo(words, i+1)
			continue
		case name == "gosu" || name == "su-exec":
			if i+1 < len(words) {
				r.User = words[i+1].Value
			}
			i += 2
			continue
		case name == "runuser" || name == "setpriv" || name == "chroot" || name == "su" || name == "doas":
			return false
		case skippedWrappers[name] != nil:
			i = skipOptions(words, i+1, skippedWrappers[name])
			if name == "timeout" {
				i++ // the duration
			}
			continue
		case plainWrappers[name]:
			i++
			for i < len(words) && strings.HasPrefix(words[i].Value, "-") && name != "exec" {
				i++
			}
			continue
		case (name == "sh" || name == "bash") && i+1 < len(words) && !strings.HasPrefix(words[i+1].Value, "-"):
			// sh mvnw …, bash ./gradlew …
			if n := ProgBase(words[i+1]); n == "mvnw" || n == "gradlew" {
				i++
				continue
			}
			return false
		case name == "php" && i+1 < len(words) && (strings.HasSuffix(words[i+1].Value, "composer.phar") || ProgBase(words[i+1]) == "composer"):
			i++
			continue
		case isPython(name):
			j := i + 1
			for j < len(words) && strings.HasPrefix(words[j].Value, "-") && words[j].Value != "-m" {
				j++
			}
			if j+1 < len(words) && words[j].Value == "-m" {
				r.Prog, r.progIdx = words[j+1], j+1
				r.module = words[j+1].Value
				r.Args = words[j+2:]
				return true
			}
			return false
		}
		break
	}
	if i >= len(words) {
		return false
	}
	r.Prog, r.progIdx, r.Args = words[i], i, words[i+1:]
	return true
}

// skippedWrappers are the options that take a value of the wrappers
// whose options are skipped (xargs, timeout, nice, ionice, stdbuf).
var skippedWrappers = map[string]map[string]bool{
	"xargs":   transform.NameSet("-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args", "--max-procs", "--max-lines"),
	"timeout": transform.NameSet("-s", "-k", "--signal", "--kill-after"),
	"nice":    transform.NameSet("-n", "-c", "-i", "-o", "-e"),
	"ionice":  transform.NameSet("-n", "-c", "-i", "-o", "-e"),
	"stdbuf":  transform.NameSet("-n", "-c", "-i", "-o", "-e"),
}

// skipOptions skips the options (and the values of valued ones) from
// words[i].
func skipOptions(words []ast.Word, i int, valued map[string]bool) int {
	for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
		v := words[i].Value
		i++
		if valued[v] {
			i++
		}
	}
	return i
}

// skipEnv skips env's options and assignments, recording these.
func (r *rawInvocation) skipEnv(words []ast.Word, i int) int {
	i = skipOptions(words, i, transform.NameSet("-u", "-C", "-S", "--unset", "--chdir"))
	for i < len(words) && r.assignWord(words[i].Value) {
		i++
	}
	return i
}

// skipSudo skips sudo's options and assignments, recording the user it
// runs the command as.
func (r *rawInvocation) skipSudo(words []ast.Word, i int) int {
	r.Sudo = true
	for i < len(words) && strings.HasPrefix(words[i].Value, "-") {
		v := words[i].Value
		i++
		switch v {
		case "-u", "--user":
			if i < len(words) {
				if u := words[i].Value; u != "root" && u != "0" && u != "#0" {
					r.User = u
				}
			}
			i++
		case "-g", "--group", "-C", "-h", "--host", "-p", "--prompt", "-U", "--other-user", "-D", "--chdir", "-R", "--chroot", "-T", "--command-timeout":
			i++
		case "-E", "--preserve-env", "-H", "--set-home", "-i", "--login", "-s", "--shell":
			r.User = "sudo " + v
		}
	}
	for i < len(words) && r.assignWord(words[i].Value) {
		i++
	}
	return i
}

// assignWord records a NAME=value word (after `env` or `sudo`).
func (r *rawInvocation) assignWord(w string) bool {
	k, v, ok := strings.Cut(w, "=")
	if !ok || k == "" {
		return false
	}
	for j := 0; j < len(k); j++ {
		if !stage.VarNameByte(k[j]) || j == 0 && k[j] >= '0' && k[j] <= '9' {
			return false
		}
	}
	if r.assign == nil {
		r.assign = map[string]string{}
	}
	r.assign[k] = strings.Trim(v, `"'`)
	return true
}

// IsClean reports whether the invocation only empties the cache.
//
// The answer is kept: Clean reads the invocation's manager, Sub, Args and
// own assignments (a tools.Inv without the stage), all set before the
// first call (forManager) and never changed after.
func (inv *Invocation) IsClean() bool {
	if inv.clean == 0 {
		inv.clean = 1
		if inv.Manager.Clean != nil && inv.Manager.Clean(inv) {
			inv.clean = 2
		}
	}
	return inv.clean == 2
}
