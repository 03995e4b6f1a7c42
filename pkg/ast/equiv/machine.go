package equiv

import (
	"context"
	"io"
	"io/fs"
	"os"
	"strconv"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// workdir is where each RUN starts.
const workdir = "/"

// machine is one program's interpreter, made once per Check and reset
// for every path; st is the side of the path it runs for.
type machine struct {
	p    Program
	file *syntax.File // what runs: p.File, its pipelines rewritten (pipes.go)
	r    *interp.Runner
	st   *state
}

func newMachine(p Program) (*machine, error) {
	m := &machine{p: p, file: p.File}
	if rewritePipes && pipeSafe(p.File, p.Flags) {
		f := *p.File
		f.Stmts = withoutPipes(p.File.Stmts)
		m.file = &f
	}
	call := func(ctx context.Context, args []string) ([]string, error) {
		return m.st.call(ctx, &m.p, args)
	}
	open := func(ctx context.Context, path string, flag int, perm fs.FileMode) (io.ReadWriteCloser, error) {
		return m.st.open(ctx, path, flag, perm)
	}
	r, err := interp.New(
		interp.Params(append(quiet(p.Flags), "--")...),
		interp.Env(startEnv{}),
		startDir,
		interp.StdIO(nil, io.Discard, io.Discard),
		interp.CallHandler(call),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc {
			return func(context.Context, []string) error { return nil }
		}),
		interp.OpenHandler(open),
		interp.StatHandler(stat),
		interp.ReadDirHandler2(func(context.Context, string) ([]fs.DirEntry, error) { return nil, nil }),
		interp.AccessHandler(func(context.Context, string, interp.AccessMode) error { return nil }),
	)
	m.r = r
	return m, err
}

// rewritePipes is false only in tests that compare with real pipes.
var rewritePipes = true

// startDir sets the runner's directory as interp.Dir(workdir) does,
// without asking the file system: interp.Dir makes the path absolute and
// stats it (a system call per machine), and workdir is absolute and a
// directory on every system.
func startDir(r *interp.Runner) error {
	r.Dir = workdir
	return nil
}

// quiet drops the options that only print (-x, -v): tracing costs time
// and changes nothing the check compares.
func quiet(flags []string) []string {
	var out []string
	for _, f := range flags {
		if f != "-x" && f != "-v" {
			out = append(out, f)
		}
	}
	return out
}

// baseEnv is the environment every RUN starts with here.
var baseEnv = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"}

// initialEnv maps the name of each variable of baseEnv to its value.
var initialEnv = func() map[string]string {
	m := map[string]string{}
	for _, v := range startVars[:len(baseEnv)] {
		m[v.name] = v.vr.String()
	}
	return m
}()

// startEnv is the environment the runner starts from: baseEnv, and the
// ids UID, EUID and GID. Runner.Reset sets those three itself when the
// environment lacks them, with a system call each, on every reset (once
// per program per path); startEnv gives them the same values (this
// process's, read once) and the same attributes (read-only, not
// exported), so the runner finds them set and behaves as before. A
// fixed list, as expand.ListEnviron(baseEnv...) yields it followed by the
// ids: Get and Each allocate nothing.
type startEnv struct{}

type namedVar struct {
	name string
	vr   expand.Variable
}

var startVars = func() []namedVar {
	var out []namedVar
	expand.ListEnviron(baseEnv...).Each(func(name string, vr expand.Variable) bool {
		out = append(out, namedVar{name, vr})
		return true
	})
	id := func(name string, n int) namedVar {
		return namedVar{name, expand.Variable{Set: true, Kind: expand.String, ReadOnly: true, Str: strconv.Itoa(n)}}
	}
	return append(out, id("UID", os.Getuid()), id("EUID", os.Geteuid()), id("GID", os.Getgid()))
}()

func (startEnv) Get(name string) expand.Variable {
	for _, v := range startVars {
		if v.name == name {
			return v.vr
		}
	}
	return expand.Variable{}
}

func (startEnv) Each(f func(name string, vr expand.Variable) bool) {
	for _, v := range startVars {
		if !f(v.name, v.vr) {
			return
		}
	}
}
