package buildsecrets

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// run classifies the commands of a later RUN: installs of a tool that
// reads the file, `rm` of it, and any other reader.
func (u *uses) run(d *ast.Document, env *ast.StageEnv, x *ast.Instruction, cf *credFile) {
	sc := d.Shell(x)
	if sc == nil {
		if strings.Contains(x.Logical(), cf.file.Name) {
			u.why = fmt.Sprintf("the RUN on line %d names it", u.p.InputLine(x.StartLine))
		}
		return
	}
	if w := writesTo(u.p, sc, x, cf); w != "" {
		u.why = w
		return
	}
	installs := false
	for i := range sc.Commands {
		c := &sc.Commands[i]
		name, args, ok := transform.CallName(c.Call)
		switch {
		case ok && reads(name, args, cf) && transform.CallKind(c.Call) == transform.KindDeps:
			installs = true
		case ok && name == "rm" && removesOnly(d, env, args, cf):
			e, why := commandRemoval(d, x, sc, c.Call, "")
			if why != "" {
				u.why = why
				return
			}
			u.rms = append(u.rms, e)
			u.rmLines = append(u.rmLines, fmt.Sprint(u.p.InputLine(x.StartLine)))
		default:
			if r := readerIn(d, x, c, cf); r != "" {
				u.why = fmt.Sprintf("%s on line %d reads it too", r, u.p.InputLine(x.StartLine))
				return
			}
		}
	}
	if installs {
		u.installs = append(u.installs, x)
	}
}

// reads reports whether a command runs a tool (or a program) that reads
// the credentials file.
func reads(name string, args []*syntax.Word, cf *credFile) bool {
	readers, also := tools.SecretReaders(cf.file.Name)
	base := tools.Base(name)
	for _, t := range readers {
		for _, p := range t.Progs {
			if p == base {
				return true
			}
		}
		if t.Module != "" && strings.HasPrefix(base, "python") {
			for i, a := range args {
				if v, _ := transform.LitWord(a); v == "-m" && i+1 < len(args) {
					m, _ := transform.LitWord(args[i+1])
					return m == t.Module
				}
			}
		}
	}
	for _, a := range also {
		if a == base {
			return true
		}
	}
	return false
}

// readerIn names a command (c, or the instruction's whole command when
// c is nil) that reads the file: a tool that reads it, or any command
// that names it.
func readerIn(d *ast.Document, x *ast.Instruction, c *ast.Command, cf *credFile) string {
	if c == nil {
		text := x.Logical()
		if strings.Contains(text, cf.file.Name) {
			return lineText(text)
		}
		if sc := d.Shell(x); sc != nil {
			for i := range sc.Commands {
				if r := readerIn(d, x, &sc.Commands[i], cf); r != "" {
					return r
				}
			}
			return ""
		}
		if len(x.Args) > 0 && reads(path.Base(x.Args[0]), nil, cf) { // exec form
			return lineText(strings.Join(x.Args, " "))
		}
		return ""
	}
	name, args, ok := transform.CallName(c.Call)
	if ok && reads(name, args, cf) {
		return lineText(transform.CommandText(d, c))
	}
	for _, w := range c.Args {
		if strings.Contains(w.Value, cf.file.Name) {
			return lineText(transform.CommandText(d, c))
		}
	}
	return ""
}

// removesOnly reports an `rm` whose operands are the file alone.
func removesOnly(d *ast.Document, env *ast.StageEnv, args []*syntax.Word, cf *credFile) bool {
	n := 0
	for _, a := range args[1:] {
		v, ok := transform.LitWord(a)
		switch {
		case !ok:
			return false
		case strings.HasPrefix(v, "-"):
			continue
		case env.Resolve(v, d.Escape) != cf.path && path.Clean(v) != cf.path:
			return false
		}
		n++
	}
	return n == 1
}

// writesTo names a redirection of a later RUN that writes the file (the
// install would read what it wrote, and the mount is read-only).
func writesTo(p *transform.Pass, sc *ast.Script, x *ast.Instruction, cf *credFile) string {
	why := ""
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		r, ok := n.(*syntax.Redirect)
		if !ok || why != "" || r.Word == nil {
			return why == ""
		}
		v := transform.RawWord(sc, r.Word)
		if strings.Contains(v, cf.file.Name) && (r.Op == syntax.RdrOut || r.Op == syntax.AppOut || r.Op == syntax.RdrClob || r.Op == syntax.RdrAll || r.Op == syntax.AppAll) {
			why = fmt.Sprintf("the RUN on line %d writes it (`> %s`)", p.InputLine(x.StartLine), v)
		}
		return why == ""
	})
	return why
}
