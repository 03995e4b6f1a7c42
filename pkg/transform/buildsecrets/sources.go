package buildsecrets

import (
	"fmt"
	"path"
	"strings"
	"unicode"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// credFile is a credentials file an instruction puts into the image.
type credFile struct {
	file     tools.SecretFile
	installs bool   // some tool dfopt knows installs with it
	path     string // where it is in the image
	at       *ast.Instruction
	how      string // what the finding says of what writes it
	// removal takes the file out: the COPY (or its source word), or the
	// command that writes it.
	removal emit.Edit
	why     string // why it cannot be taken out ("" when it can)
	// src is the --secret source the build command needs; content what
	// a RUN wrote into the file (its source is then a file the user
	// makes).
	src, content string
}

// copiedFiles are the credentials files a COPY from the build context
// writes.
func copiedFiles(p *transform.Pass, env *ast.StageEnv, ins *ast.Instruction) []*credFile {
	d := p.Doc
	if ins.Cmd != "copy" || len(ins.Args) < 2 || len(ins.Heredocs) > 0 || ins.Flag("from") != nil || ins.JSON {
		return nil
	}
	srcs, rawDest := ins.Args[:len(ins.Args)-1], ins.Args[len(ins.Args)-1]
	dest := env.Resolve(rawDest, d.Escape)
	var out []*credFile
	for _, s := range srcs {
		rel := transform.Clean(s)
		f, installs, ok := tools.SecretFileNamed(path.Base(rel))
		if !ok || strings.ContainsAny(s, "*?[$") {
			continue
		}
		if p.Context != nil && p.Context.Exists(rel) {
			if b, err := p.Context.ReadFile(rel); err == nil && !f.Holds(string(b)) {
				continue // configuration without credentials
			}
		}
		cf := &credFile{file: f, installs: installs, at: ins, src: rel,
			how: fmt.Sprintf("the COPY of %s puts credentials into the image", s)}
		switch {
		case strings.HasSuffix(rawDest, "/") || len(srcs) > 1:
			cf.path = path.Join(dest, path.Base(rel))
		case path.Base(dest) == path.Base(rel):
			cf.path = dest
		default:
			cf.why = "the COPY's destination " + rawDest + " may be a folder or a file"
		}
		if !ast.IsAbsPath(cf.path) && cf.why == "" {
			cf.why = "its path in the image depends on a WORKDIR dfopt does not know"
		}
		if len(srcs) == 1 {
			cf.removal, _ = transform.MoveOut(d, ins)
		} else if e, ok := removeSource(d, ins, s); ok {
			cf.removal = e
		} else if cf.why == "" {
			cf.why = "its name cannot be taken out of the COPY cleanly"
		}
		out = append(out, cf)
	}
	return out
}

// removeSource is the edit that takes one source word out of a COPY.
func removeSource(d *ast.Document, ins *ast.Instruction, src string) (emit.Edit, bool) {
	text := string(d.Src[ins.ArgsStart:ins.Span.End])
	var found []ast.Span
	for i := 0; i < len(text); {
		for i < len(text) && unicode.IsSpace(rune(text[i])) {
			i++
		}
		j := i
		for j < len(text) && !unicode.IsSpace(rune(text[j])) {
			j++
		}
		if text[i:j] == src {
			found = append(found, ast.Span{Start: ins.ArgsStart + i, End: ins.ArgsStart + j})
		}
		i = j
	}
	if len(found) != 1 {
		return emit.Edit{}, false
	}
	return transform.RemoveWord(d, ins, found[0])
}

// writtenFiles are the credentials files a RUN writes with `echo … > FILE`
// or `printf … > FILE` from a build argument or variable (the token).
func writtenFiles(d *ast.Document, env *ast.StageEnv, ins *ast.Instruction) []*credFile {
	sc := d.Shell(ins)
	if sc == nil || len(ins.Heredocs) > 0 {
		return nil
	}
	var out []*credFile
	for _, st := range transform.TopSteps(sc.File) {
		call, ok := st.Stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(st.Stmt.Redirs) != 1 || len(call.Args) < 2 {
			continue
		}
		name, _ := transform.LitWord(call.Args[0])
		r := st.Stmt.Redirs[0]
		target, lit := transform.LitWord(r.Word)
		if name != "echo" && name != "printf" || !lit || r.Op != syntax.RdrOut && r.Op != syntax.RdrClob {
			continue
		}
		f, installs, ok := tools.SecretFileNamed(path.Base(target))
		content := transform.RawWord(sc, call)
		if !ok || !strings.Contains(content, "$") {
			continue
		}
		cf := &credFile{file: f, installs: installs, at: ins,
			how: "`" + content + " > " + target + "` writes credentials from a build argument (which `docker history` and provenance attestations show)"}
		cf.path = path.Clean(target)
		if !ast.IsAbsPath(target) {
			cf.path = env.Resolve(target, d.Escape)
			if strings.Contains(sc.Text, "cd ") || !ast.IsAbsPath(cf.path) {
				cf.why = "its path in the image is not known"
			}
		}
		cf.content = strings.Trim(transform.RawWord(sc, call.Args[len(call.Args)-1]), `"'`)
		if len(sc.Commands) == 1 {
			cf.removal, _ = transform.MoveOut(d, ins)
		} else if cf.why == "" {
			// The shell-equivalence check proves no RUN that loses a
			// command writing a file: the write stays, and the finding
			// says what to write instead.
			cf.why = "it is written in the RUN that installs; drop the write (and its `rm`) and give that RUN `--mount=type=secret,id=" + f.SecretID() + ",target=" + cf.path + "` by hand"
		}
		out = append(out, cf)
	}
	return out
}

// commandRemoval takes a command out of a RUN, or the RUN when it is the
// only command.
func commandRemoval(d *ast.Document, ins *ast.Instruction, sc *ast.Script, call *syntax.CallExpr, why string) (emit.Edit, string) {
	if len(sc.Commands) == 1 {
		del, _ := transform.MoveOut(d, ins)
		return del, why
	}
	e, ok := transform.RemoveCommand(d, ins, sc, call)
	if !ok && why == "" {
		why = "`" + transform.RawWord(sc, call) + "` cannot be taken out of the RUN without changing what it runs"
	}
	return e, why
}
