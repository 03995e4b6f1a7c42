package cacheplan

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// A cache is mounted only where the image does not read it when it runs.
// The rule is one for every ecosystem, keyed on the image's start command
// (ENTRYPOINT and CMD of a stage that can be built as an image, through
// `sh -c` and wrappers such as exec, tini or dumb-init). For each program
// it starts:
//
//   - a program of the manager's Runtime column (`go run`, `air`, `cargo
//     run`, `dotnet watch`, `mvn spring-boot:run`, `npx`) reads the
//     manager's caches at run time: none of them is mounted;
//   - a program this Dockerfile built (`go build -o /app/server`, then
//     `CMD ["/app/server"]`), or a runner of a file it built (`dotnet
//     out/app.dll` after `dotnet publish -o out`, `java -jar
//     target/app.jar`), or a plain interpreter (`node server.js`,
//     `python app.py`) reads none;
//   - anything else is unknown: a pure download cache is mounted (no
//     program reads a manager's download cache but the manager), a Store
//     directory is not when the start command runs a shell, a script or
//     an entrypoint dfopt cannot read, names the directory, or is missing.

// runtimeNeeds returns why no RUN of the group may mount key: an image built on
// their stages reads it when it runs.
func (c *Plan) runtimeNeeds(key string, g *group) string {
	m := g.uses[0].Manager
	store := g.uses[0].Spec.Store
	for _, st := range c.Doc.Stages {
		if !c.isTargetOnce(st) || !c.builtOnAny(st.Index, g) {
			continue
		}
		label := "the final image"
		if st.Index != len(c.Doc.Stages)-1 {
			label = "the image of stage " + stageLabel(st)
		}
		start := c.startOfOnce(st)
		if start.ins == nil {
			if store {
				return fmt.Sprintf("%s keeps %s and has no CMD or ENTRYPOINT that shows it does not need them", label, key)
			}
			continue
		}
		built := c.builtInOnce(st)
		for _, words := range start.progs {
			switch use, what := c.startUse(st, built, words, m, key, g.uses[0].run); {
			case use == startReads:
				return fmt.Sprintf("%s keeps %s, and its start command `%s` (%s) reads it at run time", label, key, what, start.where)
			case use == startUnknown && store:
				return fmt.Sprintf("%s keeps %s, and its start command (%s) may read it", label, key, start.where)
			}
		}
	}
	return ""
}

// What a started program does with a cache.
const (
	startFine    = iota // reads no package cache: built here, a plain interpreter, or known not to
	startReads          // a program of the manager's Runtime column, or it names the directory
	startUnknown        // a shell, a script, an entrypoint dfopt cannot read
)

// fileRunners run the file one of their arguments names: such a start
// command runs a program this Dockerfile built when the file is.
var fileRunners = map[string]func(args []string) string{
	"dotnet": func(args []string) string {
		if len(args) > 0 && strings.HasSuffix(args[0], ".dll") {
			return args[0]
		}
		return ""
	},
	"java": func(args []string) string {
		for i, a := range args {
			if a == "-jar" && i+1 < len(args) {
				return args[i+1]
			}
		}
		return ""
	},
}

// plainInterpreters run a source file and read no package manager cache.
var plainInterpreters = map[string]bool{"node": true, "nodejs": true, "ruby": true, "php": true, "perl": true}

// startUse classifies one started program for a manager's cache key.
func (c *Plan) startUse(st *ast.Stage, b builtSet, words []string, m *Manager, key string, r *Run) (int, string) {
	for _, w := range words {
		if mentionsPath(w, key, r) {
			return startReads, strings.Join(words, " ")
		}
	}
	name := path.Base(words[0])
	if run := fileRunners[name]; run != nil {
		if f := run(words[1:]); f != "" && b.has(c.filePath(st, f)) {
			return startFine, ""
		}
	}
	if what := runtimeReader(m, words); what != "" {
		return startReads, what
	}
	switch {
	case b.has(c.startPath(st, words[0])), plainInterpreters[name], isPython(name):
		return startFine, ""
	case strings.HasSuffix(name, ".sh"), strings.Contains(name, "entrypoint"), isShell(name):
		return startUnknown, ""
	}
	return startFine, ""
}

// programAndSub is the base name of a command's program and its first
// positional word ("" when none): `go run .` → go, run.
func programAndSub(words []string) (name, sub string) {
	name = path.Base(words[0])
	for _, w := range words[1:] {
		if !strings.HasPrefix(w, "-") {
			return name, w
		}
	}
	return name, ""
}

// runtimeReader matches a started program against the manager's Runtime
// column: "prog" (any use) or "prog sub" (its first positional word).
func runtimeReader(m *Manager, words []string) string {
	name, sub := programAndSub(words)
	for _, e := range m.Runtime {
		prog, want, hasSub := strings.Cut(e, " ")
		if progMatches(name, []string{prog}) && (!hasSub || sub == want) {
			shown := append([]string{name}, words[1:]...)
			if len(shown) > 3 {
				shown = append(shown[:3], "…")
			}
			return strings.Join(shown, " ")
		}
	}
	return ""
}

func isShell(name string) bool { return transform.Shells[name] || name == "busybox" }

func stageLabel(st *ast.Stage) string {
	if st.Name != "" {
		return st.Name
	}
	return fmt.Sprint(st.Index)
}

// isTarget reports a stage that can plausibly be built as an image: the
// last one, or one with its own CMD or ENTRYPOINT.
func (c *Plan) isTarget(st *ast.Stage) bool {
	if st.Index == len(c.Doc.Stages)-1 {
		return true
	}
	for _, ins := range st.Instructions {
		if ins.Cmd == "cmd" || ins.Cmd == "entrypoint" {
			return true
		}
	}
	return false
}

// startCommand is what an image starts: the programs with their
// arguments, wrappers removed.
type startCommand struct {
	ins   *ast.Instruction // the ENTRYPOINT or CMD it comes from; nil when none
	where string           // "line 7", or "lines 6 and 7" for an ENTRYPOINT and its CMD
	progs [][]string
}

// startOf reads a stage's start command. ENTRYPOINT and CMD are inherited
// through the stages it is built on; an ENTRYPOINT resets the CMD of the
// stages before its own.
func (c *Plan) startOf(st *ast.Stage) startCommand {
	var entry, cmd *ast.Instruction
	cmdDone := false
	lineage := c.se.Lineage(st)
	for i := len(lineage) - 1; i >= 0; i-- {
		var e, m *ast.Instruction
		for _, ins := range lineage[i].Instructions {
			switch ins.Cmd {
			case "entrypoint":
				e = ins
			case "cmd":
				m = ins
			}
		}
		if entry == nil {
			entry = e
		}
		if !cmdDone && (m != nil || e != nil) {
			cmd, cmdDone = m, true
		}
	}
	var argv []string
	use := entry
	switch {
	case entry != nil && !entry.JSON:
		argv = []string{"/bin/sh", "-c", strings.Join(entry.Args, " ")}
	case entry != nil:
		argv = append(argv, entry.Args...)
		if cmd != nil && cmd.JSON {
			argv = append(argv, cmd.Args...)
		} else if cmd != nil {
			argv = append(argv, "/bin/sh", "-c", strings.Join(cmd.Args, " "))
		}
	case cmd != nil && cmd.JSON:
		argv, use = cmd.Args, cmd
	case cmd != nil:
		argv, use = []string{"/bin/sh", "-c", strings.Join(cmd.Args, " ")}, cmd
	}
	if use == nil || len(argv) == 0 {
		return startCommand{}
	}
	where := fmt.Sprintf("line %d", c.Pass.InputLine(use.StartLine))
	if use == entry && entry.JSON && cmd != nil {
		where = fmt.Sprintf("lines %d and %d", c.Pass.InputLine(entry.StartLine), c.Pass.InputLine(cmd.StartLine))
	}
	return startCommand{ins: use, where: where, progs: startPrograms(argv, 0)}
}

// startPrograms splits an argv into the programs it runs: wrappers are
// looked through, and a shell's -c string is parsed.
func startPrograms(argv []string, depth int) [][]string {
	argv = stripStartWrappers(argv)
	if len(argv) == 0 {
		return nil
	}
	if isShell(path.Base(argv[0])) && depth < 3 {
		i := 1
		for i < len(argv) && strings.HasPrefix(argv[i], "-") && argv[i] != "-c" {
			i++
		}
		if i+1 < len(argv) && argv[i] == "-c" {
			return shellPrograms(argv[i+1], depth)
		}
	}
	// An entrypoint script conventionally ends with `exec "$@"`: its
	// arguments are a program too.
	if name := path.Base(argv[0]); (strings.HasSuffix(name, ".sh") || strings.Contains(name, "entrypoint")) && len(argv) > 1 && depth < 3 {
		return append([][]string{argv}, startPrograms(argv[1:], depth+1)...)
	}
	return [][]string{argv}
}

// shellPrograms parses a `sh -c` string into its simple commands; a word
// with expansions is kept as written.
func shellPrograms(text string, depth int) [][]string {
	f, err := syntax.NewParser().Parse(strings.NewReader(text), "")
	if err != nil {
		return [][]string{{"sh", "-c", text}}
	}
	var out [][]string
	syntax.Walk(f, func(n syntax.Node) bool {
		call, ok := n.(*syntax.CallExpr)
		if !ok || len(call.Args) == 0 {
			return true
		}
		var words []string
		for _, w := range call.Args {
			v, lit := ast.LitValue(w)
			if !lit {
				v = text[w.Pos().Offset():w.End().Offset()]
			}
			words = append(words, v)
		}
		out = append(out, startPrograms(words, depth+1)...)
		return true
	})
	return out
}

// stripStartWrappers removes the programs that only start another one
// (msWrappers, and the shell's exec and command).
func stripStartWrappers(argv []string) []string {
	for len(argv) > 0 {
		name := path.Base(argv[0])
		if name == "exec" || name == "command" || name == "--" {
			argv = argv[1:]
			continue
		}
		rest, ok := transform.Wrapped(argv)
		if !ok {
			return argv
		}
		argv = rest
	}
	return argv
}

// filePath resolves a file a runner is given: absolute, or relative to
// the stage's final WORKDIR.
func (c *Plan) filePath(st *ast.Stage, p string) string {
	if path.IsAbs(p) {
		return path.Clean(p)
	}
	return path.Join(c.se.End(st).Workdir, p)
}

// startPath resolves a program or file of a start command: absolute, or
// relative to the stage's final WORKDIR; a bare name stays bare.
func (c *Plan) startPath(st *ast.Stage, p string) string {
	switch {
	case path.IsAbs(p):
		return path.Clean(p)
	case strings.Contains(p, "/"):
		return path.Join(c.se.End(st).Workdir, p)
	}
	return p
}
