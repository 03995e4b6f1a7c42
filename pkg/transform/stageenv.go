package transform

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// This file answers "what does the stage look like at this instruction?":
// the ENV and ARG values in scope, the USER and its uid, gid and home, and
// the WORKDIR. It walks the stage and, through `FROM <earlier stage>`, the
// stages it is built on; users and groups come from `useradd`, `adduser`,
// `groupadd`, `addgroup` and `usermod` in earlier RUNs, from a numeric
// USER, and from a short table of well-known base images.
//
// Build one StageEnv per document and ask it At(ins). It caches the shell
// analysis of every RUN and the state at every instruction it was asked
// about: the states it returns are shared and must not be changed. A
// StageEnv is not safe for concurrent use (one per transform pass).
//
//	se := NewStageEnv(doc)
//	env := se.At(run)
//	id := env.Identity()     // root? uid, gid, home — or why unknown
//	v, ok := env.Lookup("GOPATH")
//
// A value that comes from a build argument can differ at build time from
// the default written in the file. Such values are marked Arg, and their
// Expr is text BuildKit expands to the right value at that instruction
// (`${UID}`), so that a fix can write the variable instead of its default.

// EnvValue is a resolved string: Val with ARG defaults applied; Expr, when
// the value depends on a build argument, is Dockerfile text (with
// `${NAME}` references to variables in scope) that BuildKit expands to the
// real value; otherwise Expr == Val.
type EnvValue struct {
	Val  string
	Expr string
	Arg  bool
}

func litValue(s string) EnvValue { return EnvValue{Val: s, Expr: s} }

// Join appends a path suffix to a value.
func (v EnvValue) Join(suffix string) EnvValue {
	return EnvValue{Val: path.Join(v.Val, suffix), Expr: joinExpr(v.Expr, suffix), Arg: v.Arg}
}

func joinExpr(expr, suffix string) string {
	if suffix == "" {
		return expr
	}
	return strings.TrimSuffix(expr, "/") + "/" + strings.TrimPrefix(suffix, "/")
}

// EnvVar is one ENV or ARG variable in scope.
type EnvVar struct {
	Name  string
	Value string // expanded, ARG defaults applied
	Arg   bool   // an ARG, or an ENV whose value uses one
	Set   bool   // has a value (an ARG without default has none)
	Line  int    // where it was set; 0 for a base image's documented default
	IsArg bool   // declared by ARG (not ENV)
}

// UserAccount is a user dfopt knows of in a stage's /etc/passwd.
type UserAccount struct {
	Name      string
	UID, GID  EnvValue // Val "" when unknown
	Home      EnvValue // Val "" when unknown
	HomeWhy   string
	CreatedAt int // line of the RUN that made it (0: base image)
}

// RunUser is the user a RUN executes as.
type RunUser struct {
	Name     string // USER as written (expanded); "" when the stage never sets USER
	Root     bool
	UID, GID EnvValue // "0" for root; Val "" when unknown
	Home     EnvValue // Val "" when unknown
	Why      string   // why the identity is not fully known
}

// Known reports whether a cache under the user's home can be mounted: the
// home is known and, for a non-root user, the uid too.
func (id RunUser) Known() bool {
	return id.Home.Val != "" && (id.Root || id.UID.Val != "")
}

// StageState is the state of a stage at one instruction.
type StageState struct {
	Stage    *ast.Stage
	Base     string // the external image the stage is built on (through FROM <stage>)
	Vars     map[string]EnvVar
	User     string // USER value, expanded ("" when never set)
	UserRaw  string // USER as written
	UserLine int
	Workdir  string // the base image's WORKDIR (imagedefaults.go, "/" when unknown) until a WORKDIR sets it
	Accounts map[string]*UserAccount
	Groups   map[string]EnvValue // group name → gid
	BaseUser string              // "?" when the base image runs as a non-root user dfopt does not know, "" for root
	se       *StageEnv
}

// Lookup returns a variable in scope.
func (e *StageState) Lookup(name string) (EnvVar, bool) {
	v, ok := e.Vars[name]
	return v, ok
}

// Get implements shell.EnvGetter for BuildKit's lexer.
func (e *StageState) Get(name string) (string, bool) {
	v, ok := e.Vars[name]
	if !ok || !v.Set {
		return "", false
	}
	return v.Value, true
}

// Keys implements shell.EnvGetter.
func (e *StageState) Keys() []string {
	out := make([]string, 0, len(e.Vars))
	for k, v := range e.Vars {
		if v.Set {
			out = append(out, k)
		}
	}
	return out
}

// Expand expands a Dockerfile word (ENV value, USER, flag value) the way
// BuildKit does, and reports whether a build argument took part.
func (e *StageState) Expand(word string) (EnvValue, error) {
	res, err := e.se.lex.ProcessWordWithMatches(word, e)
	if err != nil {
		return EnvValue{}, err
	}
	v := EnvValue{Val: res.Result, Expr: res.Result}
	for name := range res.Matched {
		if e.Vars[name].Arg {
			v.Arg = true
			v.Expr = word
		}
	}
	return v, nil
}

// Expander returns a function for ast.Document.Mounts.
func (e *StageState) Expander() func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := e.Expand(s)
		return v.Val, err
	}
}

// VarValue returns a variable as a EnvValue whose Expr refers to it by name
// when it depends on a build argument.
func (e *StageState) VarValue(name string) (EnvValue, bool) {
	v, ok := e.Vars[name]
	if !ok || !v.Set || v.Value == "" {
		return EnvValue{}, false
	}
	out := litValue(v.Value)
	if v.Arg {
		out.Arg = true
		out.Expr = "${" + name + "}"
	}
	return out, true
}

// InScope reports whether every `${NAME}` an Expr refers to is in scope
// here with the value it had where the Expr was made.
func (e *StageState) InScope(v EnvValue, at *StageState) bool {
	if !v.Arg {
		return true
	}
	for _, name := range exprRefs(v.Expr) {
		a, ok := e.Vars[name]
		b, ok2 := at.Vars[name]
		if !ok || !ok2 || !a.Set || a.Value != b.Value {
			return false
		}
	}
	return true
}

// exprRefs lists the variable names an expression refers to.
func exprRefs(expr string) []string {
	var out []string
	for i := 0; i < len(expr); i++ {
		if expr[i] != '$' {
			continue
		}
		j := i + 1
		brace := j < len(expr) && expr[j] == '{'
		if brace {
			j++
		}
		k := j
		for k < len(expr) && (varNameByte(expr[k]) || k > j && expr[k] >= '0' && expr[k] <= '9') {
			k++
		}
		if k > j {
			out = append(out, expr[j:k])
		}
		i = k - 1
	}
	return out
}

func varNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Home is the HOME a RUN sees: ENV HOME, else the user's passwd entry.
func (e *StageState) Home() (EnvValue, string) {
	id := e.Identity()
	return id.Home, id.Why
}

// RunUser resolves the USER in effect.
func (e *StageState) Identity() RunUser {
	id := RunUser{Name: e.User}
	home, hasHome := e.VarValue("HOME")
	user, group, _ := strings.Cut(e.User, ":")
	rawUser, rawGroup, _ := strings.Cut(e.UserRaw, ":")
	switch {
	case e.User == "" && e.BaseUser == "":
		id.Root = true
	case e.User == "":
		id.Why = "the base image " + e.Base + " runs as a non-root user that dfopt does not know"
		if hasHome {
			id.Home = home
		}
		return id
	case user == "root" || user == "0":
		id.Root = true
	case allDigits(user):
		id.UID = e.userPart(rawUser, user)
		for _, a := range e.Accounts {
			if a.UID.Val == user {
				id.Home = a.Home
				id.GID = a.GID
			}
		}
		if group != "" {
			id.GID = e.groupPart(rawGroup, group)
		}
		if hasHome {
			id.Home = home
		}
		if id.UID.Val == "0" {
			id.Root = true
			break
		}
		if id.Home.Val == "" {
			id.Why = "USER " + e.User + ": its home is unknown (no `useradd -u " + user + "` earlier in the stage, and no ENV HOME)"
		}
		return id
	default:
		a := e.Accounts[user]
		if a == nil {
			id.Why = "USER " + user + ": dfopt does not know its uid (no `useradd`/`adduser` earlier in the stage)"
			if hasHome {
				id.Home = home
			}
			return id
		}
		id.UID, id.GID = a.UID, a.GID
		if group != "" {
			id.GID = e.groupPart(rawGroup, group)
		}
		id.Home = a.Home
		if hasHome {
			id.Home = home
		}
		if id.UID.Val == "0" {
			id.Root = true
			return id
		}
		switch {
		case id.UID.Val == "":
			id.Why = "USER " + user + ": its uid is unknown (create it with `useradd -u UID`, or use a numeric USER)"
		case id.Home.Val == "":
			id.Why = "USER " + user + ": its home is unknown"
			if a.HomeWhy != "" {
				id.Why += " (" + a.HomeWhy + ")"
			}
		}
		return id
	}
	id.Root = true
	id.UID, id.GID = litValue("0"), litValue("0")
	if hasHome {
		id.Home = home
	} else {
		id.Home = litValue("/root")
	}
	return id
}

// userPart is a numeric USER part: written with one build argument
// (`USER ${UID}`), its Expr names the variable.
func (e *StageState) userPart(raw, val string) EnvValue {
	if name, ok := singleRef(raw); ok {
		if v, ok := e.Vars[name]; ok && v.Arg && v.Value == val {
			return EnvValue{Val: val, Expr: "${" + name + "}", Arg: true}
		}
	}
	return litValue(val)
}

func (e *StageState) groupPart(raw, val string) EnvValue {
	if allDigits(val) {
		return e.userPart(raw, val)
	}
	return e.groupID(val)
}

// singleRef reports whether text is exactly one variable reference.
func singleRef(text string) (string, bool) {
	var name string
	switch {
	case strings.HasPrefix(text, "${") && strings.HasSuffix(text, "}"):
		name = text[2 : len(text)-1]
	case strings.HasPrefix(text, "$"):
		name = text[1:]
	default:
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if !varNameByte(name[i]) {
			return "", false
		}
	}
	return name, name != ""
}

func (e *StageState) groupID(group string) EnvValue {
	if allDigits(group) {
		return litValue(group)
	}
	if g, ok := e.Groups[group]; ok {
		return g
	}
	return EnvValue{}
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// StageEnv resolves stage state for one document.
type StageEnv struct {
	d      *ast.Document
	lex    *shell.Lex
	shells map[*ast.Instruction]*ast.Script
	parsed map[*ast.Instruction]bool
	final  map[int]*StageState // state at the end of each stage
	at     map[*ast.Instruction]*StageState
	global *StageState
}

// NewStageEnv prepares the analysis of a document.
func NewStageEnv(d *ast.Document) *StageEnv {
	return &StageEnv{
		d:      d,
		lex:    shell.NewLex(d.Escape),
		shells: map[*ast.Instruction]*ast.Script{},
		parsed: map[*ast.Instruction]bool{},
		final:  map[int]*StageState{},
		at:     map[*ast.Instruction]*StageState{},
	}
}

// Shell is d.Shell(ins), parsed once.
func (se *StageEnv) Shell(ins *ast.Instruction) *ast.Script {
	if !se.parsed[ins] {
		se.parsed[ins] = true
		se.shells[ins] = se.d.Shell(ins)
	}
	return se.shells[ins]
}

// Parent returns the earlier stage a stage is built on (FROM <stage>), or nil.
func (se *StageEnv) Parent(st *ast.Stage) *ast.Stage {
	if p := se.d.StageByName(st.Base); p != nil && p.Index < st.Index {
		return p
	}
	return nil
}

// Lineage returns the stages a stage is built on, the outermost first,
// ending with the stage itself.
func (se *StageEnv) Lineage(st *ast.Stage) []*ast.Stage {
	var out []*ast.Stage
	for s := st; s != nil && len(out) < 64; s = se.Parent(s) {
		out = append(out, s)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// At returns the state of the instruction's stage just before it runs.
// The result is shared: callers must not change it.
func (se *StageEnv) At(ins *ast.Instruction) *StageState {
	if ins.Stage < 0 {
		return se.globalEnv()
	}
	if e, ok := se.at[ins]; ok {
		return e
	}
	e := se.walk(se.d.Stages[ins.Stage], ins.Index)
	se.at[ins] = e
	return e
}

// End returns the state at the end of a stage.
func (se *StageEnv) End(st *ast.Stage) *StageState {
	if e, ok := se.final[st.Index]; ok {
		return e
	}
	e := se.walk(st, 1<<30)
	se.final[st.Index] = e
	return e
}

func (se *StageEnv) globalEnv() *StageState {
	if se.global != nil {
		return se.global
	}
	e := &StageState{Vars: map[string]EnvVar{}, Workdir: "/", Accounts: map[string]*UserAccount{}, Groups: map[string]EnvValue{}, se: se}
	for _, ins := range se.d.Instructions {
		if ins.Stage >= 0 {
			break
		}
		if a, ok := ins.Command.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				v := EnvVar{Name: kv.Key, Arg: true, IsArg: true, Line: ins.StartLine}
				if kv.Value != nil {
					if val, err := e.Expand(*kv.Value); err == nil {
						v.Value, v.Set = val.Val, true
					}
				}
				e.Vars[kv.Key] = v
			}
		}
	}
	se.global = e
	return e
}

// walk computes the state of st just before the instruction with index before.
func (se *StageEnv) walk(st *ast.Stage, before int) *StageState {
	var e *StageState
	if p := se.Parent(st); p != nil {
		pe := se.End(p)
		e = &StageState{
			Stage: st, Base: pe.Base, Vars: map[string]EnvVar{}, User: pe.User, UserRaw: pe.UserRaw, UserLine: pe.UserLine,
			Workdir: pe.Workdir, Accounts: map[string]*UserAccount{}, Groups: map[string]EnvValue{}, BaseUser: pe.BaseUser, se: se,
		}
		for k, v := range pe.Vars {
			if !v.IsArg { // ARGs do not cross FROM; ENV does
				e.Vars[k] = v
			}
		}
		for k, v := range pe.Accounts {
			c := *v
			e.Accounts[k] = &c
		}
		for k, v := range pe.Groups {
			e.Groups[k] = v
		}
	} else {
		e = &StageState{Stage: st, Vars: map[string]EnvVar{}, Workdir: "/", Accounts: map[string]*UserAccount{}, Groups: map[string]EnvValue{}, se: se}
		g := se.globalEnv()
		base := st.Base
		if v, err := g.Expand(base); err == nil {
			base = v.Val
		}
		e.Base = base
		applyBaseImage(e, base)
	}
	global := se.globalEnv()
	for _, ins := range st.Instructions {
		if ins.Index >= before {
			break
		}
		se.apply(e, ins, global)
	}
	return e
}

func (se *StageEnv) apply(e *StageState, ins *ast.Instruction, global *StageState) {
	switch c := ins.Command.(type) {
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			v := EnvVar{Name: kv.Key, Arg: true, IsArg: true, Line: ins.StartLine}
			if kv.Value != nil {
				if val, err := e.Expand(*kv.Value); err == nil {
					v.Value, v.Set = val.Val, true
				}
			} else if g, ok := global.Vars[kv.Key]; ok {
				v.Value, v.Set = g.Value, g.Set
			}
			if old, ok := e.Vars[kv.Key]; ok && !old.IsArg {
				// An ENV of the same name wins over the ARG.
				continue
			}
			e.Vars[kv.Key] = v
		}
	case *instructions.EnvCommand:
		vals := make([]EnvVar, 0, len(c.Env))
		for _, kv := range c.Env {
			val, err := e.Expand(kv.Value)
			v := EnvVar{Name: kv.Key, Line: ins.StartLine, Set: err == nil, Value: val.Val, Arg: val.Arg}
			vals = append(vals, v)
		}
		// One ENV sets all its pairs with the values from before it.
		for _, v := range vals {
			e.Vars[v.Name] = v
		}
	case *instructions.UserCommand:
		val, err := e.Expand(c.User)
		e.User, e.UserRaw, e.UserLine = val.Val, c.User, ins.StartLine
		if err != nil {
			e.User = c.User
		}
	case *instructions.WorkdirCommand:
		val, err := e.Expand(c.Path)
		if err == nil {
			p := val.Val
			if !path.IsAbs(p) {
				p = path.Join(e.Workdir, p)
			}
			e.Workdir = path.Clean(p)
		}
	case *instructions.RunCommand:
		if s := se.Shell(ins); s != nil {
			se.accounts(e, s, ins)
		}
	}
}

// Well-known base images: the variables their documentation promises and
// the default user.
type knownBase struct {
	env  map[string]string
	user *UserAccount // a non-root user the image creates
}

var knownBases = map[string]knownBase{
	"golang":   {env: map[string]string{"GOPATH": "/go"}},
	"rust":     {env: map[string]string{"CARGO_HOME": "/usr/local/cargo", "RUSTUP_HOME": "/usr/local/rustup"}},
	"composer": {env: map[string]string{"COMPOSER_HOME": "/tmp"}},
	"ruby":     {env: map[string]string{"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle"}},
	"node":     {user: &UserAccount{Name: "node", UID: litValue("1000"), GID: litValue("1000"), Home: litValue("/home/node")}},
}

// nonRootImages run as a non-root user by default: a RUN there is not root
// unless the Dockerfile says USER root.
var nonRootImages = []string{
	"jupyter/", "quay.io/jupyter/", "bitnami/", "docker.io/bitnami/", "cgr.dev/", "chainguard/",
	"cimg/", "circleci/", "mambaorg/micromamba", "jenkins/", "selenium/", "gitpod/",
	"nginxinc/nginx-unprivileged", "registry.access.redhat.com/ubi8/", "registry.access.redhat.com/ubi9/",
	"registry.access.redhat.com/ubi10/", "quay.io/centos7/", "quay.io/sclorg/",
}

// rootUBI are the Red Hat UBI images that do run as root.
var rootUBI = map[string]bool{"ubi": true, "ubi-minimal": true, "ubi-micro": true, "ubi-init": true, "toolbox": true}

// imageRepo returns the repository of an image reference without registry
// defaults, tag or digest: "docker.io/library/golang:1.22" → "golang".
func imageRepo(ref string) string {
	r := baseimage.Split(strings.ToLower(ref))
	repo := r.Repository()
	if r.Hub() {
		repo = strings.TrimPrefix(r.Path, "library/")
	}
	return repo
}

// imageTag returns the tag of an image reference ("" when none).
func imageTag(ref string) string {
	return baseimage.Split(strings.ToLower(ref)).Tag
}

func applyBaseImage(e *StageState, ref string) {
	repo := imageRepo(ref)
	tag := imageTag(ref)
	if d, ok := baseimage.DefaultsOf(ref); ok {
		e.Workdir = d.Workdir
	}
	if b, ok := knownBases[repo]; ok {
		for k, v := range b.env {
			e.Vars[k] = EnvVar{Name: k, Value: v, Set: true}
		}
		if b.user != nil {
			a := *b.user
			e.Accounts[a.Name] = &a
		}
	}
	if strings.Contains(tag, "nonroot") || strings.Contains(tag, "rootless") || strings.Contains(tag, "chiseled") {
		e.BaseUser = "?"
		return
	}
	for _, p := range nonRootImages {
		if strings.HasPrefix(repo, p) {
			if strings.HasPrefix(p, "registry.access.redhat.com/ubi") {
				name := repo[strings.LastIndexByte(repo, '/')+1:]
				if rootUBI[name] {
					return
				}
			}
			e.BaseUser = "?"
			return
		}
	}
}

// accounts records the users and groups a RUN creates.
func (se *StageEnv) accounts(e *StageState, s *ast.Script, ins *ast.Instruction) {
	for i := range s.Commands {
		c := &s.Commands[i]
		args := stripWrappers(c.Args)
		if len(args) == 0 {
			continue
		}
		switch path.Base(args[0].Value) {
		case "useradd":
			se.useradd(e, args[1:], ins, false)
		case "adduser":
			se.adduser(e, args[1:], ins)
		case "groupadd", "addgroup":
			se.groupadd(e, args[1:])
		case "usermod":
			se.useradd(e, args[1:], ins, true)
		}
	}
}

// stripWrappers drops `sudo` and similar wrappers in front of a command.
func stripWrappers(args []ast.Word) []ast.Word {
	for len(args) > 0 {
		switch path.Base(args[0].Value) {
		case "sudo":
			args = args[1:]
			for len(args) > 0 && strings.HasPrefix(args[0].Value, "-") {
				v := args[0].Value
				args = args[1:]
				if (v == "-u" || v == "-g" || v == "-C" || v == "-h" || v == "-p" || v == "-U") && len(args) > 0 {
					args = args[1:]
				}
			}
		case "command", "exec", "nohup", "time", "eatmydata":
			args = args[1:]
		default:
			return args
		}
	}
	return args
}

// wordValue expands a shell word of a RUN with the stage's variables. It
// understands quotes, `$NAME` and `${NAME}`; anything else is unknown.
func (e *StageState) wordValue(w ast.Word) (EnvValue, bool) {
	if w.Lit {
		return litValue(w.Value), true
	}
	return e.shellValue(w.Value)
}

func (e *StageState) shellValue(text string) (EnvValue, bool) {
	var val, expr strings.Builder
	arg := false
	quote := byte(0)
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
				continue
			}
		case c == '\'' && quote == 0:
			quote = '\''
			continue
		case c == '"':
			if quote == '"' {
				quote = 0
			} else {
				quote = '"'
			}
			continue
		case c == '\\' && i+1 < len(text):
			i++
			c = text[i]
		case c == '$':
			j := i + 1
			brace := j < len(text) && text[j] == '{'
			if brace {
				j++
			}
			k := j
			for k < len(text) && varNameByte(text[k]) {
				k++
			}
			if k == j || brace && (k >= len(text) || text[k] != '}') {
				return EnvValue{}, false
			}
			name := text[j:k]
			if brace {
				k++
			}
			v, ok := e.Vars[name]
			if !ok || !v.Set {
				return EnvValue{}, false
			}
			val.WriteString(v.Value)
			if v.Arg {
				arg = true
				expr.WriteString("${" + name + "}")
			} else {
				expr.WriteString(v.Value)
			}
			i = k - 1
			continue
		case c == '`' || c == '*' || c == '?' || c == '[' || c == '~' && i == 0:
			return EnvValue{}, false
		}
		val.WriteByte(c)
		expr.WriteByte(c)
	}
	if quote != 0 {
		return EnvValue{}, false
	}
	if !arg {
		return litValue(val.String()), true
	}
	return EnvValue{Val: val.String(), Expr: expr.String(), Arg: true}, true
}

// getopt splits arguments into options and positionals. short lists the
// short options that take a value, long the long ones.
type optParse struct {
	opts map[string]EnvValue
	set  map[string]bool
	pos  []EnvValue
	ok   bool
}

func (e *StageState) getopt(args []ast.Word, short string, long map[string]string, flags map[string]string) optParse {
	p := optParse{opts: map[string]EnvValue{}, set: map[string]bool{}, ok: true}
	for i := 0; i < len(args); i++ {
		w := args[i].Value
		switch {
		case w == "--":
			for _, a := range args[i+1:] {
				v, ok := e.wordValue(a)
				if !ok {
					p.ok = false
				}
				p.pos = append(p.pos, v)
			}
			return p
		case strings.HasPrefix(w, "--"):
			name, val, hasVal := strings.Cut(w[2:], "=")
			if key, ok := long[name]; ok {
				if !hasVal {
					if i+1 >= len(args) {
						p.ok = false
						return p
					}
					i++
					v, ok := e.wordValue(args[i])
					if !ok {
						p.opts[key] = EnvValue{}
						continue
					}
					p.opts[key] = v
					continue
				}
				v, ok := e.shellValue(val)
				if !ok {
					v = EnvValue{}
				}
				p.opts[key] = v
			} else if key, ok := flags[name]; ok {
				p.set[key] = true
			}
		case strings.HasPrefix(w, "-") && len(w) > 1:
			for j := 1; j < len(w); j++ {
				ch := w[j]
				if strings.IndexByte(short, ch) >= 0 {
					key := string(ch)
					if j+1 < len(w) {
						v, ok := e.shellValue(w[j+1:])
						if !ok {
							v = EnvValue{}
						}
						p.opts[key] = v
					} else if i+1 < len(args) {
						i++
						v, ok := e.wordValue(args[i])
						if !ok {
							v = EnvValue{}
						}
						p.opts[key] = v
					} else {
						p.ok = false
					}
					break
				}
				p.set[string(ch)] = true
			}
		default:
			v, ok := e.wordValue(args[i])
			if !ok {
				p.ok = false
			}
			p.pos = append(p.pos, v)
		}
	}
	return p
}

func (se *StageEnv) useradd(e *StageState, args []ast.Word, ins *ast.Instruction, modify bool) {
	long := map[string]string{
		"uid": "u", "gid": "g", "home-dir": "d", "home": "d", "base-dir": "b", "shell": "s", "comment": "c",
		"groups": "G", "expiredate": "e", "inactive": "f", "skel": "k", "key": "K", "password": "p",
		"root": "R", "prefix": "P", "selinux-user": "Z", "login": "l", "append": "a",
	}
	flags := map[string]string{"create-home": "m", "no-create-home": "M", "no-user-group": "N", "user-group": "U", "system": "r", "non-unique": "o", "no-log-init": "l", "move-home": "m"}
	p := e.getopt(args, "ugdbscGefkKpRPZl", long, flags)
	if modify {
		p = e.getopt(args, "ugdscGefpRPZl", long, flags)
	}
	if len(p.pos) == 0 || p.pos[len(p.pos)-1].Val == "" || p.opts["R"].Val != "" || p.opts["P"].Val != "" {
		return
	}
	name := p.pos[len(p.pos)-1].Val
	a := e.Accounts[name]
	if modify {
		if a == nil {
			return
		}
		if v, ok := p.opts["u"]; ok {
			a.UID = v
		}
		if v, ok := p.opts["g"]; ok {
			a.GID = e.groupOf(v)
		}
		if v, ok := p.opts["d"]; ok {
			a.Home = v
		}
		if v, ok := p.opts["l"]; ok && v.Val != "" {
			delete(e.Accounts, name)
			a.Name = v.Val
			e.Accounts[v.Val] = a
		}
		return
	}
	a = &UserAccount{Name: name, CreatedAt: ins.StartLine}
	if !p.ok {
		a.HomeWhy = "its `useradd` line is not understood"
		e.Accounts[name] = a
		return
	}
	a.UID = p.opts["u"]
	switch g, ok := p.opts["g"]; {
	case ok:
		a.GID = e.groupOf(g)
	case !p.set["N"] && a.UID.Val != "":
		// useradd gives the user's own group the uid's number when it is free.
		if _, taken := e.Groups[name]; !taken {
			a.GID = a.UID
		}
	}
	if _, taken := e.Groups[name]; !taken && !p.set["N"] && a.GID.Val != "" {
		e.Groups[name] = a.GID
	}
	switch d, ok := p.opts["d"]; {
	case ok:
		a.Home = d
	case p.opts["b"].Val != "":
		a.Home = p.opts["b"].Join(name)
	default:
		a.Home = litValue("/home/" + name)
		if pv, ok := e.wordValue(args[len(args)-1]); ok && pv.Arg {
			a.Home = EnvValue{Val: "/home/" + name, Expr: "/home/" + pv.Expr, Arg: true}
		}
	}
	if a.Home.Val != "" && !path.IsAbs(a.Home.Val) {
		a.Home = EnvValue{}
		a.HomeWhy = "relative home"
	}
	e.Accounts[name] = a
}

func (e *StageState) groupOf(g EnvValue) EnvValue {
	if allDigits(g.Val) {
		return g
	}
	if v, ok := e.Groups[g.Val]; ok {
		return v
	}
	return EnvValue{}
}

func (se *StageEnv) adduser(e *StageState, args []ast.Word, ins *ast.Instruction) {
	long := map[string]string{
		"uid": "u", "gid": "gid", "ingroup": "G", "home": "h", "shell": "s", "gecos": "gecos", "comment": "gecos",
		"firstuid": "x", "lastuid": "x", "firstgid": "x", "lastgid": "x", "conf": "x", "add-extra-groups": "x",
		"add_extra_groups": "x", "extrausers": "x", "key": "x",
	}
	flags := map[string]string{"system": "S", "disabled-password": "D", "disabled-login": "D", "no-create-home": "H", "group": "group", "quiet": "q", "force-badname": "f", "allow-badname": "f", "allow-bad-names": "f"}
	p := e.getopt(args, "hgsGuk", long, flags)
	if len(p.pos) != 1 || p.pos[0].Val == "" {
		return // `adduser user group` adds an existing user to a group
	}
	name := p.pos[0].Val
	a := &UserAccount{Name: name, CreatedAt: ins.StartLine}
	if !p.ok {
		a.HomeWhy = "its `adduser` line is not understood"
		e.Accounts[name] = a
		return
	}
	a.UID = p.opts["u"]
	if g, ok := p.opts["gid"]; ok {
		a.GID = g
	} else if g, ok := p.opts["G"]; ok {
		a.GID = e.groupOf(g)
	}
	switch h, ok := p.opts["h"]; {
	case ok:
		a.Home = h
	case p.set["S"] && !p.set["h"] && hasLongOpt(args):
		// Debian's adduser --system gives /nonexistent in recent releases.
		a.HomeWhy = "`adduser --system` without --home"
	default:
		a.Home = litValue("/home/" + name)
		if pv, ok := e.wordValue(args[len(args)-1]); ok && pv.Arg {
			a.Home = EnvValue{Val: "/home/" + name, Expr: "/home/" + pv.Expr, Arg: true}
		}
	}
	if _, taken := e.Groups[name]; !taken && a.GID.Val != "" {
		e.Groups[name] = a.GID
	}
	e.Accounts[name] = a
}

func hasLongOpt(args []ast.Word) bool {
	for _, a := range args {
		if strings.HasPrefix(a.Value, "--") {
			return true
		}
	}
	return false
}

func (se *StageEnv) groupadd(e *StageState, args []ast.Word) {
	long := map[string]string{"gid": "g", "key": "K", "password": "p", "root": "R", "prefix": "P", "users": "U", "conf": "x", "firstgid": "x", "lastgid": "x"}
	flags := map[string]string{"system": "r", "force": "f", "non-unique": "o", "quiet": "q"}
	p := e.getopt(args, "gKpRPU", long, flags)
	if !p.ok || len(p.pos) == 0 {
		return
	}
	if len(p.pos) == 2 {
		return // addgroup user group: membership
	}
	name := p.pos[0].Val
	if g, ok := p.opts["g"]; ok && allDigits(g.Val) {
		e.Groups[name] = g
	} else if _, ok := e.Groups[name]; !ok {
		e.Groups[name] = EnvValue{}
	}
}
