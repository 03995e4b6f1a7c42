package cacheplan

import (
	"path"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// builtSet is what the RUNs of a stage (and of the stages it is built on)
// build: programs at known paths, folders whose programs they are, and
// build trees (everything under them is output).
type builtSet struct {
	files []string
	dirs  []string
	trees []string
}

// has reports a path (or a bare program name) the Dockerfile built.
func (b builtSet) has(p string) bool {
	if !path.IsAbs(p) {
		for _, f := range b.files {
			if path.Base(f) == p {
				return true
			}
		}
		return false
	}
	if slices.Contains(b.files, p) || slices.Contains(b.dirs, path.Dir(p)) {
		return true
	}
	for _, t := range b.trees {
		if strictlyUnder(p, t) {
			return true
		}
	}
	return false
}

// buildOutputs knows, per program, where its build commands leave what
// they build. args are the words after the program; env the stage at the
// RUN.
var buildOutputs = map[string]func(env *stage.State, args []ast.Word, b *builtSet){
	"go":      goOutputs,
	"cargo":   cargoOutputs,
	"dotnet":  dotnetOutputs,
	"mvn":     treeOutput("target", "package", "install", "verify", "deploy"),
	"mvnw":    treeOutput("target", "package", "install", "verify", "deploy"),
	"gradle":  treeOutput("build", "build", "assemble", "jar", "bootJar", "shadowJar", "installDist", "distTar", "distZip"),
	"gradlew": treeOutput("build", "build", "assemble", "jar", "bootJar", "shadowJar", "installDist", "distTar", "distZip"),
	"gcc":     ccOutputs, "cc": ccOutputs, "g++": ccOutputs, "c++": ccOutputs, "clang": ccOutputs, "clang++": ccOutputs, "rustc": ccOutputs,
}

// builtIn collects what the stage's lineage builds, and what its COPY
// --from instructions bring from what other stages built.
func (c *Plan) builtIn(st *ast.Stage) builtSet {
	var b builtSet
	for _, s := range c.se.Lineage(st) {
		for _, ins := range s.Instructions {
			switch cmd := ins.Command.(type) {
			case *instructions.RunCommand:
				c.runOutputs(ins, &b)
			case *instructions.CopyCommand:
				if cmd.From != "" {
					c.copiedOutputs(ins, cmd, &b)
				}
			}
		}
	}
	return b
}

func (c *Plan) runOutputs(ins *ast.Instruction, b *builtSet) {
	s := c.se.Shell(ins)
	if s == nil {
		return
	}
	var env *stage.State // read only for a RUN that builds something
	for _, cmd := range s.Commands {
		args := ast.StripWrappers(cmd.Args)
		if len(args) == 0 {
			continue
		}
		if out := buildOutputs[ProgBase(args[0])]; out != nil {
			if env == nil {
				env = c.se.At(ins)
			}
			out(env, args[1:], b)
		}
	}
}

// copiedOutputs: a COPY --from of something the other stage built.
func (c *Plan) copiedOutputs(ins *ast.Instruction, cmd *instructions.CopyCommand, b *builtSet) {
	src := c.stageRef(cmd.From, ins)
	if src == nil {
		return
	}
	from := c.builtInOnce(src)
	env := c.se.At(ins)
	dv, err := env.Expand(cmd.DestPath)
	if err != nil {
		return
	}
	dest := dv.Val
	if !path.IsAbs(dest) {
		dest = path.Join(env.Workdir, dest)
	}
	for _, s := range cmd.SourcePaths {
		sv, err := c.se.End(src).Expand(s)
		if err != nil || !from.has(path.Clean("/"+sv.Val)) {
			continue
		}
		if len(cmd.SourcePaths) > 1 || strings.HasSuffix(cmd.DestPath, "/") {
			b.files = append(b.files, path.Join(dest, path.Base(sv.Val)))
		} else {
			b.files = append(b.files, path.Clean(dest))
		}
	}
}

// outPath resolves an output option's value against the WORKDIR.
func outPath(env *stage.State, w ast.Word) (string, bool) {
	v, ok := env.WordValue(w)
	if !ok || v.Val == "" {
		return "", false
	}
	p := v.Val
	if !path.IsAbs(p) {
		p = path.Join(env.Workdir, p)
	}
	if strings.HasSuffix(v.Val, "/") {
		return path.Clean(p) + "/", true
	}
	return path.Clean(p), true
}

// optValue finds `-o X`, `-o=X` or `--output X` among args.
func optValue(env *stage.State, args []ast.Word, names ...string) (string, bool) {
	for i, a := range args {
		for _, n := range names {
			switch {
			case a.Value == n && i+1 < len(args):
				return outPath(env, args[i+1])
			case withValue(a.Value, n):
				return outPath(env, ast.Word{Value: a.Value[len(n)+1:], Lit: a.Lit})
			}
		}
	}
	return "", false
}

func (b *builtSet) addOut(p string) {
	if strings.HasSuffix(p, "/") {
		b.dirs = append(b.dirs, strings.TrimSuffix(p, "/"))
		return
	}
	b.files = append(b.files, p)
}

// goOutputs: `go build -o X` (a file, or a folder when X ends in /),
// `go build` (a program in the WORKDIR), `go install` (GOBIN or GOPATH/bin).
func goOutputs(env *stage.State, args []ast.Word, b *builtSet) {
	if len(args) == 0 {
		return
	}
	switch args[0].Value {
	case "build":
		if p, ok := optValue(env, args[1:], "-o"); ok {
			b.addOut(p)
			return
		}
		b.dirs = append(b.dirs, env.Workdir)
	case "install":
		bin := ""
		if v, ok := env.VarValue("GOBIN"); ok && v.Val != "" {
			bin = v.Val
		} else if v, ok := env.VarValue("GOPATH"); ok && v.Val != "" {
			bin = path.Join(strings.Split(v.Val, ":")[0], "bin")
		} else if home := env.Identity().Home.Val; home != "" {
			bin = path.Join(home, "go/bin")
		}
		if bin == "" {
			return
		}
		for _, a := range args[1:] {
			if strings.HasPrefix(a.Value, "-") {
				continue
			}
			if name := goInstallName(a.Value); name != "" {
				b.files = append(b.files, path.Join(bin, name))
			} else {
				b.dirs = append(b.dirs, bin)
			}
		}
	}
}

// goInstallName is the program `go install PKG` writes: the last element
// of the package path without its version or major-version suffix; ""
// when it depends on the module (`.`, patterns).
func goInstallName(pkg string) string {
	pkg, _, _ = strings.Cut(pkg, "@")
	if pkg == "." || strings.Contains(pkg, "...") {
		return ""
	}
	elems := strings.Split(strings.Trim(pkg, "/"), "/")
	name := elems[len(elems)-1]
	if len(elems) > 1 && len(name) > 1 && name[0] == 'v' && stage.AllDigits(name[1:]) {
		name = elems[len(elems)-2]
	}
	if name == "." || name == ".." {
		return ""
	}
	return name
}

// cargoOutputs: `cargo build` writes under the target folder, `cargo
// install` into the install root's bin.
func cargoOutputs(env *stage.State, args []ast.Word, b *builtSet) {
	var pos []string
	for _, a := range args {
		if !strings.HasPrefix(a.Value, "-") && !strings.HasPrefix(a.Value, "+") {
			pos = append(pos, a.Value)
		}
	}
	if len(pos) == 0 {
		return
	}
	switch pos[0] {
	case "build", "b":
		target := path.Join(env.Workdir, "target")
		if p, ok := optValue(env, args, "--target-dir"); ok {
			target = strings.TrimSuffix(p, "/")
		} else if v, ok := env.VarValue("CARGO_TARGET_DIR"); ok && path.IsAbs(v.Val) {
			target = path.Clean(v.Val)
		} else if ok && v.Val != "" {
			target = path.Join(env.Workdir, v.Val)
		}
		b.trees = append(b.trees, target)
	case "install":
		root := ""
		if p, ok := optValue(env, args, "--root"); ok {
			root = strings.TrimSuffix(p, "/")
		} else if v, ok := env.VarValue("CARGO_INSTALL_ROOT"); ok && v.Val != "" {
			root = v.Val
		} else if v, ok := env.VarValue("CARGO_HOME"); ok && v.Val != "" {
			root = v.Val
		} else if home := env.Identity().Home.Val; home != "" {
			root = path.Join(home, ".cargo")
		}
		if root != "" {
			b.dirs = append(b.dirs, path.Join(root, "bin"))
		}
	}
}

// dotnetOutputs: `dotnet publish -o X` (the published application, with
// every dependency copied beside it).
func dotnetOutputs(env *stage.State, args []ast.Word, b *builtSet) {
	if len(args) == 0 || args[0].Value != "publish" {
		return
	}
	if p, ok := optValue(env, args[1:], "-o", "--output"); ok {
		b.trees = append(b.trees, strings.TrimSuffix(p, "/"))
	}
}

// ccOutputs: a compiler's `-o X`.
func ccOutputs(env *stage.State, args []ast.Word, b *builtSet) {
	if p, ok := optValue(env, args, "-o"); ok && !strings.HasSuffix(p, ".o") {
		b.addOut(p)
	}
}

// treeOutput: a build tool whose listed goals or tasks write under a
// folder of the WORKDIR (Maven's target, Gradle's build).
func treeOutput(dir string, goals ...string) func(*stage.State, []ast.Word, *builtSet) {
	return func(env *stage.State, args []ast.Word, b *builtSet) {
		for _, a := range args {
			if slices.Contains(goals, a.Value) {
				b.trees = append(b.trees, path.Join(env.Workdir, dir))
				return
			}
		}
	}
}
