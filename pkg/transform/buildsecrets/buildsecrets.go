// Package buildsecrets is the rule build-secrets: credentials files
// (.npmrc, pip.conf, .netrc, …) that a COPY or a RUN puts into the image
// only for an install become BuildKit secret mounts on that install.
package buildsecrets

import (
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Name is the rule's name.
const Name = "build-secrets"

// Rule finds credentials files an image keeps: a `COPY .npmrc ./`, or a
// token from a build argument written to one (`echo "…${NPM_TOKEN}" >
// .npmrc`). When every later reader of the file in its stage is an
// install of a tool that reads it (pkg/knowledge/tools, Secrets), the
// COPY (or the command that writes it) goes and each install gets
// `--mount=type=secret,id=…,target=<the same path>`: the install reads
// the same file at the same place, and the image no longer holds it.
//
// The fix is unsafe: the file is no longer in the image, and the build
// must now be given the secret (`docker build --secret id=npmrc,src=.npmrc`),
// which the finding says. A file any other command reads (a build script,
// `npx`, the CMD at run time, another stage copying it) is only reported.
var Rule = &transform.Transform{
	Name:   Name,
	Doc:    "move credentials files (.npmrc, pip.conf, .netrc, …) that only installs read into `RUN --mount=type=secret` on those installs",
	Unsafe: true,
	Run:    run,
	// The stage model is shared with the other rules of the pass.
	Requires: []*transform.Analysis{transform.Stages},
}

// secretNames are the credentials files' names (tools.SecretFileNames)
// without those that contain another: a text names one of the files only
// if it contains one of these, so run's quick test reads each once.
var secretNames = shortest(tools.SecretFileNames())

func shortest(names []string) []string {
	var out []string
	for i, n := range names {
		redundant := false
		for j, m := range names {
			// A longer name holding m, or the same name again.
			if j != i && strings.Contains(n, m) && (len(m) < len(n) || j < i) {
				redundant = true
				break
			}
		}
		if !redundant {
			out = append(out, n)
		}
	}
	return out
}

func run(p *transform.Pass) []transform.Finding {
	d := p.Doc
	if !slices.ContainsFunc(secretNames, d.Contains) {
		return nil // no credentials file named
	}
	envs := d.Envs()
	se := transform.StagesOf(p)
	claimed := map[*ast.Instruction]bool{} // RUNs one fix of this pass edits
	var out []transform.Finding
	for _, ins := range d.Instructions {
		if ins.Stage < 0 || transform.IgnoredAt(d, ins.StartLine, ins.EndLine, Name) {
			continue
		}
		var files []*credFile
		switch ins.Cmd {
		case "copy":
			files = copiedFiles(p, &envs[ins.Index], ins)
		case "run":
			files = writtenFiles(d, &envs[ins.Index], ins)
		}
		for _, cf := range files {
			if f, ok := finding(p, envs, se, cf, claimed); ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// finding is the fix (or the report) for one credentials file.
func finding(p *transform.Pass, envs []ast.StageEnv, se *stage.Env, cf *credFile, claimed map[*ast.Instruction]bool) (transform.Finding, bool) {
	d := p.Doc
	leak := cf.how
	if !cf.installs {
		return p.Finding(Name, cf.at, leak+": no install dfopt knows reads it; pass it as a build secret (`RUN --mount=type=secret`) where it is needed"), true
	}
	u := scanUses(p, envs, cf)
	why := cf.why
	if why == "" {
		why = u.why
	}
	if why == "" && len(u.installs) == 0 {
		why = "no install reads it after"
	}
	for _, r := range u.installs {
		if claimed[r] {
			return transform.Finding{}, false // another file's fix edits that RUN in this pass
		}
	}
	if why != "" {
		return p.Finding(Name, cf.at, leak+"; not moved to a secret mount: "+why), true
	}
	edits := []emit.Edit{cf.removal}
	var lines []string
	for _, r := range u.installs {
		claimed[r] = true
		flag := "--mount=type=secret,id=" + cf.file.SecretID() + ",target=" + cf.path
		if id := se.At(r).Identity(); !id.Root {
			flag += ",mode=0444" // the install's user must read it, as it read the copied file
		}
		edits = append(edits, transform.MountEdit(d, r, []string{flag}))
		lines = append(lines, fmt.Sprint(p.InputLine(r.StartLine)))
	}
	edits = append(edits, u.rms...)
	sort.Slice(edits, func(i, j int) bool { return edits[i].Start < edits[j].Start })
	msg := fmt.Sprintf("%s; it goes, and the install%s on line %s read%s it from a secret mount at %s instead", leak, plural(lines), transform.AndList(lines), verbS(lines), cf.path)
	if len(u.rmLines) > 0 {
		msg += fmt.Sprintf(" (the `rm` of it on line %s goes too: it would fail on the mount)", transform.AndList(u.rmLines))
	}
	if cf.content != "" {
		msg += fmt.Sprintf(": build with `docker build --secret id=%s,src=FILE …`, FILE holding `%s` with the values in place", cf.file.SecretID(), cf.content)
	} else {
		msg += fmt.Sprintf(": build with `docker build --secret id=%s,src=%s …`", cf.file.SecretID(), cf.src)
	}
	msg += u.note
	f := p.Finding(Name, cf.at, msg, edits...)
	f.Unsafe = true
	return f, true
}

func plural(l []string) string {
	if len(l) > 1 {
		return "s"
	}
	return ""
}

func verbS(l []string) string {
	if len(l) > 1 {
		return ""
	}
	return "s"
}

// uses are the later readers of a credentials file.
type uses struct {
	installs []*ast.Instruction // RUNs that install with it
	rms      []emit.Edit        // `rm` of the file, which would fail on the mount
	rmLines  []string
	why      string // another reader: no fix
	note     string // what the finding adds
	p        *transform.Pass
}

// scanUses walks the instructions after the file is written, in its
// stage, and the stages that build on it or copy from it.
func scanUses(p *transform.Pass, envs []ast.StageEnv, cf *credFile) uses {
	d := p.Doc
	u := uses{p: p}
	st := d.Stages[cf.at.Stage]
	for _, x := range st.Instructions {
		if x.Index <= cf.at.Index || u.why != "" {
			continue
		}
		switch x.Cmd {
		case "run":
			u.run(d, &envs[x.Index], x, cf)
		case "copy", "add":
			again, certain := copiedAgain(p, &envs[x.Index], x, cf)
			if again && u.note == "" {
				u.note = fmt.Sprintf("; the COPY on line %d may copy %s into the image again (keep it out with .dockerignore if no later step needs it)", p.InputLine(x.StartLine), cf.file.Name)
			}
			if certain {
				return u // later steps read the copy it makes, as before
			}
		case "cmd", "entrypoint":
			if r := readerIn(d, x, nil, cf); r != "" {
				u.why = fmt.Sprintf("%s reads it at run time (line %d)", r, p.InputLine(x.StartLine))
			}
		}
	}
	if u.why == "" {
		u.why = laterStages(p, st, cf)
	}
	return u
}

// copiedAgain reports whether a later COPY may write the file again (the
// build context copied whole into its folder), and whether it does for
// certain (the context on disk holds the file and keeps it).
func copiedAgain(p *transform.Pass, env *ast.StageEnv, x *ast.Instruction, cf *credFile) (again, certain bool) {
	if len(x.Args) < 2 || x.Flag("from") != nil {
		return false, false
	}
	dest := env.Resolve(x.Args[len(x.Args)-1], p.Doc.Escape)
	for _, s := range x.Args[:len(x.Args)-1] {
		rel := transform.Clean(s)
		if rel == "" && dest == path.Dir(cf.path) {
			if p.Context == nil {
				return true, false
			}
			return p.Context.Exists(cf.file.Name), p.Context.Exists(cf.file.Name)
		}
		if path.Join(dest, path.Base(rel)) == cf.path {
			return true, p.Context != nil && p.Context.Exists(rel)
		}
	}
	return false, false
}

// laterStages says why a stage built on this one, or a COPY --from of
// it, may read the file ("" when none does).
func laterStages(p *transform.Pass, st *ast.Stage, cf *credFile) string {
	d := p.Doc
	for _, o := range d.Stages[st.Index+1:] {
		if o.Base != "" && d.StageByName(o.Base) == st {
			return fmt.Sprintf("the stage on line %d builds on this one", p.InputLine(o.From.StartLine))
		}
		for _, x := range o.Instructions {
			f := x.Flag("from")
			if f == nil || d.StageByName(f.Value) != st && f.Value != fmt.Sprint(st.Index) {
				continue
			}
			for _, s := range x.Args[:len(x.Args)-1] {
				if _, in := ast.RelPath(path.Clean(s), cf.path); in || !ast.IsAbsPath(s) {
					return fmt.Sprintf("the COPY --from on line %d may copy it into another stage", p.InputLine(x.StartLine))
				}
			}
		}
	}
	return ""
}

// lineText quotes a command for a message.
func lineText(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 50 {
		s = s[:47] + "…"
	}
	return "`" + s + "`"
}
