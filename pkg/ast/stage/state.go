package stage

import (
	"maps"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// State is the state of a stage at one instruction.
type State struct {
	Stage    *ast.Stage
	Base     string // the external image the stage is built on (through FROM <stage>)
	Vars     map[string]Var
	User     string // USER value, expanded ("" when never set)
	UserRaw  string // USER as written
	UserLine int
	Workdir  string // the base image's WORKDIR (pkg/knowledge/baseimage, "/" when unknown) until a WORKDIR sets it
	Accounts map[string]*Account
	Groups   map[string]Value // group name → gid
	BaseUser string           // "?" when the base image runs as a non-root user dfopt does not know, "" for root
	se       *Env
	// shared says which of the maps (and, for Accounts, the accounts)
	// another state holds too: a state copies one before it first
	// writes it (own), so that a copy costs nothing until then.
	shared shares
}

// shares is a set of a state's maps.
type shares uint8

const (
	sharedVars shares = 1 << iota
	sharedAccounts
	sharedGroups
	sharedAll = sharedVars | sharedAccounts | sharedGroups
)

// clone copies a state so that applying instructions to it leaves e as
// it is: the two share their maps until either writes one.
func (e *State) clone() *State {
	e.shared = sharedAll
	c := *e
	return &c
}

// own makes the maps in which e is about to write its own (the
// accounts too: they are written in place), and makes those it has not
// yet: a state starts without maps, which read as empty.
func (e *State) own(which shares) {
	if which&sharedVars != 0 && (e.shared&sharedVars != 0 || e.Vars == nil) {
		e.Vars = owned(e.Vars)
	}
	if which&sharedGroups != 0 && (e.shared&sharedGroups != 0 || e.Groups == nil) {
		e.Groups = owned(e.Groups)
	}
	if which&sharedAccounts != 0 && (e.shared&sharedAccounts != 0 || e.Accounts == nil) {
		accounts := make(map[string]*Account, len(e.Accounts))
		copies := make([]Account, len(e.Accounts))
		i := 0
		for k, v := range e.Accounts {
			copies[i] = *v
			accounts[k] = &copies[i]
			i++
		}
		e.Accounts = accounts
	}
	e.shared &^= which
}

// owned is a copy of m, an empty map for nil.
func owned[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return map[K]V{}
	}
	return maps.Clone(m)
}

// Lookup returns a variable in scope.
func (e *State) Lookup(name string) (Var, bool) {
	v, ok := e.Vars[name]
	return v, ok
}

// Get implements shell.EnvGetter for BuildKit's lexer.
func (e *State) Get(name string) (string, bool) {
	v, ok := e.Vars[name]
	if !ok || !v.Set {
		return "", false
	}
	return v.Value, true
}

// Keys implements shell.EnvGetter.
func (e *State) Keys() []string {
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
func (e *State) Expand(word string) (Value, error) {
	if plainWord(word, e.se.d.Escape) {
		return Value{Val: word, Expr: word}, nil
	}
	res, err := e.se.lexer().ProcessWordWithMatches(word, e)
	if err != nil {
		return Value{}, err
	}
	v := Value{Val: res.Result, Expr: res.Result}
	for name := range res.Matched {
		if e.Vars[name].Arg {
			v.Arg = true
			v.Expr = word
		}
	}
	return v, nil
}

// Expander returns a function for ast.Document.Mounts.
func (e *State) Expander() func(string) (string, error) {
	return func(s string) (string, error) {
		v, err := e.Expand(s)
		return v.Val, err
	}
}

// VarValue returns a variable as a Value whose Expr refers to it by name
// when it depends on a build argument.
func (e *State) VarValue(name string) (Value, bool) {
	v, ok := e.Vars[name]
	if !ok || !v.Set || v.Value == "" {
		return Value{}, false
	}
	out := Lit(v.Value)
	if v.Arg {
		out.Arg = true
		out.Expr = "${" + name + "}"
	}
	return out, true
}

// InScope reports whether every `${NAME}` an Expr refers to is in scope
// here with the value it had where the Expr was made.
func (e *State) InScope(v Value, at *State) bool {
	if !v.Arg {
		return true
	}
	for _, name := range ExprRefs(v.Expr) {
		a, ok := e.Vars[name]
		b, ok2 := at.Vars[name]
		if !ok || !ok2 || !a.Set || a.Value != b.Value {
			return false
		}
	}
	return true
}

// Home is the HOME a RUN sees: ENV HOME, else the user's passwd entry.
func (e *State) Home() (Value, string) {
	id := e.Identity()
	return id.Home, id.Why
}

// Identity resolves the USER in effect: its name, uid, gid and home.
func (e *State) Identity() RunUser {
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
	case AllDigits(user):
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
	id.UID, id.GID = Lit("0"), Lit("0")
	if hasHome {
		id.Home = home
	} else {
		id.Home = Lit("/root")
	}
	return id
}

// userPart is a numeric USER part: written with one build argument
// (`USER ${UID}`), its Expr names the variable.
func (e *State) userPart(raw, val string) Value {
	if name, ok := singleRef(raw); ok {
		if v, ok := e.Vars[name]; ok && v.Arg && v.Value == val {
			return Value{Val: val, Expr: "${" + name + "}", Arg: true}
		}
	}
	return Lit(val)
}

func (e *State) groupPart(raw, val string) Value {
	if AllDigits(val) {
		return e.userPart(raw, val)
	}
	return e.groupID(val)
}

func (e *State) groupID(group string) Value {
	if AllDigits(group) {
		return Lit(group)
	}
	if g, ok := e.Groups[group]; ok {
		return g
	}
	return Value{}
}

// plainWord reports a word BuildKit's lexer gives back unchanged, with no
// variable: printable ASCII without the characters its word processing
// treats specially (`$`, `<`, quotes, the escape character). Every other
// character it copies to the result one by one (shell.Lex's
// processStopOn), so Expand need not run it.
func plainWord(word string, escape rune) bool {
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case c < 0x20 || c >= 0x7f, c == '$', c == '<', c == '\'', c == '"', rune(c) == escape:
			return false
		}
	}
	return true
}
