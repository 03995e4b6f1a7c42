package multistage

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Multi-stage, step 1: walk the stage, recording for every instruction
// the working folder, the user and the literal environment before it,
// and split RUNs into commands; classify the commands.

// walk records, for every instruction, the working folder, the user and
// the literal environment before it, and splits RUNs into commands.
func (s *msSplit) walk() {
	cwd, cwdImage := s.builder.workdir, true
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
				s.end.args[kv.Key] = true
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
			msWalkRun(pl.cmds, cwd, env)
		}
	}
	s.end.cwd, s.end.cwdImage, s.end.env = cwd, cwdImage, env
}

// msWalkRun records, for every command of a RUN, the folder it runs in and
// the literal environment it sees (`cd`, `export`, assignments).
func msWalkRun(cmds []*msCmd, cwd string, env map[string]string) {
	// Copied before each change (export, assignments): the commands
	// before it keep the map they saw, which they only read.
	run := env
	dir := cwd
	for _, sc := range cmds {
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

// imageEnv is the literal environment the builder image sets that the
// split reads: its PATH.
func (s *msSplit) imageEnv() map[string]string {
	env := map[string]string{}
	if s.builder.image.Path != nil {
		env["PATH"] = strings.Join(s.builder.image.Path, ":")
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
		c := &msCmd{ins: in, span: in.Span, words: execWords(in)}
		return []*msCmd{c}, len(c.words) == 0
	}
	sc := s.d.Shell(in)
	if sc == nil {
		return nil, true
	}
	// The analysis's command of a call: looked for from the one after
	// the last found (the walk below meets the calls in the order the
	// analysis lists them), then from the start.
	next := 0
	commandOf := func(x *syntax.CallExpr) *ast.Command {
		for _, from := range [2]int{next, 0} {
			for k := from; k < len(sc.Commands); k++ {
				if sc.Commands[k].Call == x {
					next = k + 1
					return &sc.Commands[k]
				}
			}
		}
		return nil
	}
	var walk func(st *syntax.Stmt) bool
	walk = func(st *syntax.Stmt) bool {
		if st.Negated || st.Background || st.Coprocess || st.Disown {
			return false
		}
		switch x := st.Cmd.(type) {
		case *syntax.CallExpr:
			c := callCmd(in, sc, st, x, commandOf(x))
			if c == nil {
				return false
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
				cmds = append(cmds, &msCmd{ins: in, words: cc.Args, span: cc.Span, call: cc.Call})
			}
			return cmds, true
		}
	}
	return cmds, false
}

// callCmd is flatten's command of a call: its words and span from the
// analysis's command cc (nil: the call's span), its assignments and the
// files it writes; nil when an assignment has no name.
func callCmd(in *ast.Instruction, sc *ast.Script, st *syntax.Stmt, x *syntax.CallExpr, cc *ast.Command) *msCmd {
	c := &msCmd{ins: in, call: x}
	if cc != nil {
		c.words, c.span = cc.Args, cc.Span
	} else {
		c.span = sc.SpanOf(x)
	}
	for _, a := range x.Assigns {
		if a.Name == nil {
			return nil
		}
		if v, ok := msWordLit(a.Value); ok {
			c.assign(a.Name.Value, v)
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
	return c
}

func msWordLit(w *syntax.Word) (string, bool) {
	if w == nil {
		return "", true
	}
	return ast.LitValue(w)
}

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

var msBuilderClasses = map[msClass]bool{msBuild: true, msDeps: true, msTool: true, msVenv: true}
