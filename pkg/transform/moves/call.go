package moves

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// The commands of a RUN that may move: what the read-set model says each
// one touches, resolved against the working directory, the stage's
// variables and the home folder.

// call checks a simple command: the words around it (substitutions,
// mentions of a protected path), then what the read-set model says it
// touches.
func (e FreeEnv) call(c *syntax.CallExpr, cwd *string) string {
	if why := e.assigns(c.Assigns, *cwd); why != "" {
		return why
	}
	if len(c.Args) == 0 {
		return ""
	}
	name, args, ok := transform.CallName(c)
	if !ok {
		return "a command whose name is not literal"
	}
	for _, w := range c.Args[:len(c.Args)-len(args)] { // env, sudo, nice …
		if v, _ := transform.LitWord(w); v == "-C" || v == "-D" || strings.HasPrefix(v, "--chdir") {
			return "`" + v + "` changes the working directory of the command"
		}
	}
	for _, w := range args {
		if why := e.substs(*cwd, w); why != "" {
			return why
		}
	}
	if prog, _ := transform.LitWord(args[0]); strings.Contains(prog, "/") && !strings.HasPrefix(prog, "/") {
		// ./configure, bin/tool: a program of the working directory
		if why := e.describe(prog, e.resolve(prog, *cwd)); why != "" {
			return "it runs " + why
		}
	}
	if why, done := e.lookups(name, args, cwd); done {
		return why
	}
	if why := e.globs(name, args[1:], *cwd); why != "" {
		return why
	}
	rs := readSetOf(e.sc, name, args)
	if rs.all != "" {
		return rs.all
	}
	if rs.users && e.noUsers {
		return "`" + name + "` changes users that a moved-over `COPY --chown` uses"
	}
	dir := *cwd
	switch {
	case rs.chdir == "\x00":
		dir = ""
	case rs.chdir != "":
		dir = e.resolve(rs.chdir, *cwd)
	}
	for _, t := range rs.touches {
		at := dir
		if t.role == rChdir {
			at = *cwd
		}
		if why := e.touched(t, at); why != "" {
			return why
		}
	}
	// A protected path anywhere in the text (a sed script, a KEY=/app
	// value) is a use of it.
	for _, w := range args[1:] {
		if why := e.mentions(w); why != "" {
			e.mark()
			return "`" + name + "` " + why
		}
	}
	return ""
}

// lookups checks the commands that only look a name or a folder up:
// `command -v` (a path is stat'ed) and `cd` (the folder must exist where
// the step moves); done is false for any other command.
func (e FreeEnv) lookups(name string, args []*syntax.Word, cwd *string) (why string, done bool) {
	switch name {
	case "command":
		for _, w := range args[min(2, len(args)):] {
			if v, ok := transform.LitWord(w); !ok || strings.Contains(v, "/") {
				return e.touched(touch{w: w, role: rRead, by: "`command -v`"}, *cwd), true
			}
		}
		return "", true
	case "cd":
		if len(args) != 2 {
			return "`cd` without one folder", true
		}
		// What the step does there speaks first (movable).
		ce := e
		ce.named = nil
		if why := ce.touched(touch{w: args[1], role: rRead, by: "`cd`"}, *cwd); why != "" && e.later != nil && *e.later == "" {
			*e.later = why
		}
		e.cd(args, cwd)
		return "", true
	}
	return "", false
}

// globs checks the folders that unquoted glob patterns list: a pattern
// is expanded against the files there, whatever the command does.
func (e FreeEnv) globs(name string, args []*syntax.Word, cwd string) string {
	for _, w := range args {
		if !transform.HasGlob(w) {
			continue
		}
		dir := e.wordPath(w, cwd)
		what := "the shell expands `" + transform.RawWord(e.sc, w) + "` (given to `" + name + "`) against the files of "
		if dir == "" {
			e.mark()
			return what + "a folder that depends on the working directory or on a variable"
		}
		e.record(dir)
		if c := e.clash(dir); c != "" {
			e.mark()
			return what + show(dir) + ", " + c
		}
	}
	return ""
}

// cd follows a `cd`: a literal folder is known, anything else is not.
func (e FreeEnv) cd(args []*syntax.Word, cwd *string) {
	if len(args) != 2 {
		*cwd = ""
		return
	}
	v, ok := transform.LitWord(args[1])
	switch {
	case !ok || strings.HasPrefix(v, "~") || v == "-":
		*cwd = ""
	case strings.HasPrefix(v, "/"):
		*cwd = path.Clean(v)
	case *cwd != "":
		*cwd = path.Join(*cwd, v)
	}
}

// touched reports why a file the model says a command touches could
// interact with the protected paths ("" when it cannot).
func (e FreeEnv) touched(t touch, cwd string) string {
	verb := "reads"
	if t.write {
		verb = "writes"
	}
	switch {
	case t.home:
		return e.homeClash(t)
	case t.cwd:
		what := "the working directory"
		if t.val != "" {
			what = "`" + t.val + "` in the working directory"
		}
		if why := e.conflict(cwd); why != "" {
			return t.by + " " + verb + " " + what + t.note + ": " + why
		}
		return ""
	}
	raw, v, lit := t.val, t.val, true
	if t.w != nil {
		raw = transform.RawWord(e.sc, t.w)
		v, lit = transform.LitWord(t.w)
		if !lit {
			unquoted := strings.NewReplacer(`"`, "", `'`, "").Replace(raw)
			if x, ok := e.vars.Expand(unquoted, '\\'); ok && !strings.ContainsAny(x, "$`") {
				v, lit = x, true
			}
		}
	}
	switch t.role {
	case rText:
		if lit && !pathLike(v) || !lit && !strings.Contains(raw, "/") {
			return "" // a name
		}
	case rPkg:
		if !lit {
			if t.file.mayBeFile(opaque(t.w)) {
				e.mark()
				return t.by + " may read a file: `" + raw + "` is not known before the build"
			}
			return ""
		}
		if !t.file.isFile(v) {
			return ""
		}
		v = filePart(v)
	case rURL:
		if lit && strings.Contains(v, "://") && !strings.HasPrefix(v, "file:") {
			return ""
		}
		v = filePart(v)
	}
	var why string
	switch {
	case lit && strings.HasPrefix(v, "~"):
		why = e.homeClash(touch{home: true, by: t.by, write: t.write, val: v})
	case lit && cwd == "" && !strings.HasPrefix(v, "/"):
		why = t.by + " " + verb + " `" + raw + "`, a relative path, and the working directory is not certain where the RUN would move"
	case lit:
		why = e.describe(raw, e.resolve(v, cwd))
	default:
		if why = e.substs(cwd, t.w); why != "" {
			return why
		}
		why = e.describe(raw, e.wordPath(t.w, cwd))
	}
	if why == "" {
		return ""
	}
	e.mark()
	if strings.HasPrefix(why, "`") && !strings.HasPrefix(why, t.by) {
		why = t.by + " " + verb + " " + why
	}
	return why
}

// opaque is a word's text with every expansion replaced by \x00.
func opaque(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(p.Value)
		case *syntax.SglQuoted:
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				if l, ok := q.(*syntax.Lit); ok {
					b.WriteString(l.Value)
				} else {
					b.WriteByte(0)
				}
			}
		default:
			b.WriteByte(0)
		}
	}
	return b.String()
}

// homeDir is the home folder of the RUN's user: HOME when the file sets
// it, /root for root ("" when unknown).
func (e FreeEnv) homeDir() string {
	if h, ok := e.vars.Vars["HOME"]; ok && ast.IsAbsPath(h) {
		return path.Clean(h)
	}
	switch strings.SplitN(e.vars.User, ":", 2)[0] {
	case "root", "0":
		return "/root"
	}
	return ""
}

// homeClash reports a touch of the home folder that could meet the
// protected paths. An unknown home folder is under /root or /home.
func (e FreeEnv) homeClash(t touch) string {
	if t.val == "\x00" {
		return t.by + " writes a user's home folder, which dfopt cannot place"
	}
	rest := strings.TrimPrefix(strings.TrimPrefix(t.val, "~"), "/")
	if strings.HasPrefix(t.val, "~") && !strings.HasPrefix(t.val, "~/") && t.val != "~" {
		return t.by + " names `" + t.val + "`, another user's home folder"
	}
	what := "its files in the home folder"
	if t.val != "" {
		what = "`" + t.val + "`"
	}
	home := e.homeDir()
	if e.seen != nil {
		if home == "" {
			return t.by + " reads or writes " + what + ", and dfopt cannot place the home folder"
		}
		e.record(path.Join(home, rest))
	}
	for i, q := range e.Protected {
		if home != "" {
			p := path.Join(home, rest)
			_, in := ast.RelPath(q, p)
			_, holds := ast.RelPath(p, q)
			if in || t.val != "" && holds || !ast.IsAbsPath(q) {
				return t.by + " reads or writes " + what + " (`" + p + "`), " + e.where(i, "where")
			}
			continue
		}
		_, inRoot := ast.RelPath("/root", q)
		_, inHome := ast.RelPath("/home", q)
		if q == "/" || !ast.IsAbsPath(q) || inRoot || inHome {
			return t.by + " reads or writes " + what + ", and the home folder may be " + e.where(i, "where")
		}
	}
	return ""
}

// mark records that the reason is a file the RUN names.
func (e FreeEnv) mark() {
	if e.named != nil {
		*e.named = true
	}
}
