package stage

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// accounts applies the RUN's user and group commands to e; changed
// reports that it ran one (and so may have changed e).
func (se *Env) accounts(e *State, s *ast.Script, ins *ast.Instruction) (changed bool) {
	for i := range s.Commands {
		c := &s.Commands[i]
		args := ast.StripWrappers(c.Args)
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
		default:
			continue
		}
		changed = true
	}
	return changed
}

// WordValue expands a shell word of a RUN with the stage's variables. It

func (se *Env) useradd(e *State, args []ast.Word, ins *ast.Instruction, modify bool) {
	e.own(sharedAccounts | sharedGroups)
	p := e.getopt(args, "ugdbscGefkKpRPZl", useraddLong, useraddFlags)
	if modify {
		p = e.getopt(args, "ugdscGefpRPZl", useraddLong, useraddFlags)
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
	a = &Account{Name: name, CreatedAt: ins.StartLine}
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
		a.Home = Lit("/home/" + name)
		if pv, ok := e.WordValue(args[len(args)-1]); ok && pv.Arg {
			a.Home = Value{Val: "/home/" + name, Expr: "/home/" + pv.Expr, Arg: true}
		}
	}
	if a.Home.Val != "" && !path.IsAbs(a.Home.Val) {
		a.Home = Value{}
		a.HomeWhy = "relative home"
	}
	e.Accounts[name] = a
}

func (e *State) groupOf(g Value) Value {
	if AllDigits(g.Val) {
		return g
	}
	if v, ok := e.Groups[g.Val]; ok {
		return v
	}
	return Value{}
}

func (se *Env) adduser(e *State, args []ast.Word, ins *ast.Instruction) {
	e.own(sharedAccounts | sharedGroups)
	p := e.getopt(args, "hgsGuk", adduserLong, adduserFlags)
	if len(p.pos) != 1 || p.pos[0].Val == "" {
		return // `adduser user group` adds an existing user to a group
	}
	name := p.pos[0].Val
	a := &Account{Name: name, CreatedAt: ins.StartLine}
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
		a.Home = Lit("/home/" + name)
		if pv, ok := e.WordValue(args[len(args)-1]); ok && pv.Arg {
			a.Home = Value{Val: "/home/" + name, Expr: "/home/" + pv.Expr, Arg: true}
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

func (se *Env) groupadd(e *State, args []ast.Word) {
	e.own(sharedAccounts | sharedGroups)
	p := e.getopt(args, "gKpRPU", groupaddLong, groupaddFlags)
	if !p.ok || len(p.pos) == 0 {
		return
	}
	if len(p.pos) == 2 {
		return // addgroup user group: membership
	}
	name := p.pos[0].Val
	if g, ok := p.opts["g"]; ok && AllDigits(g.Val) {
		e.Groups[name] = g
	} else if _, ok := e.Groups[name]; !ok {
		e.Groups[name] = Value{}
	}
}

// The options of the account commands, long name to short, and those
// that take no value: tables read by getopt.
var (
	useraddLong = map[string]string{
		"uid": "u", "gid": "g", "home-dir": "d", "home": "d", "base-dir": "b", "shell": "s", "comment": "c",
		"groups": "G", "expiredate": "e", "inactive": "f", "skel": "k", "key": "K", "password": "p",
		"root": "R", "prefix": "P", "selinux-user": "Z", "login": "l", "append": "a",
	}
	useraddFlags = map[string]string{"create-home": "m", "no-create-home": "M", "no-user-group": "N", "user-group": "U", "system": "r", "non-unique": "o", "no-log-init": "l", "move-home": "m"}
	adduserLong  = map[string]string{
		"uid": "u", "gid": "gid", "ingroup": "G", "home": "h", "shell": "s", "gecos": "gecos", "comment": "gecos",
		"firstuid": "x", "lastuid": "x", "firstgid": "x", "lastgid": "x", "conf": "x", "add-extra-groups": "x",
		"add_extra_groups": "x", "extrausers": "x", "key": "x",
	}
	adduserFlags  = map[string]string{"system": "S", "disabled-password": "D", "disabled-login": "D", "no-create-home": "H", "group": "group", "quiet": "q", "force-badname": "f", "allow-badname": "f", "allow-bad-names": "f"}
	groupaddLong  = map[string]string{"gid": "g", "key": "K", "password": "p", "root": "R", "prefix": "P", "users": "U", "conf": "x", "firstgid": "x", "lastgid": "x"}
	groupaddFlags = map[string]string{"system": "r", "force": "f", "non-unique": "o", "quiet": "q"}
)
