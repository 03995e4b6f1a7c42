package verify

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeBuild is what the fake daemon does with one Dockerfile.
type fakeBuild struct {
	failLine int    // the line of the instruction that fails; 0: none
	message  string // its error (BuildKit's wording)
	files    fsSpec // the final filesystem
}

// fakeBuilder runs builds without BuildKit: it names the steps as the
// Dockerfile frontend does (pkg/explain's model), runs them in order and
// fails at the chosen line.
type fakeBuilder struct {
	t      *testing.T
	builds map[string]fakeBuild // by Dockerfile text
	labels []string             // the builds asked for, in order
	dirs   []string             // their contexts
}

func (f *fakeBuilder) Address() string { return "fake://buildkitd" }

func (f *fakeBuilder) Build(_ context.Context, r *BuildRequest) (*BuildResult, error) {
	f.labels = append(f.labels, r.Label)
	f.dirs = append(f.dirs, r.ContextDir)
	fb, ok := f.builds[string(r.Dockerfile)]
	require.True(f.t, ok, "no fake build for:\n%s", r.Dockerfile)
	p := newPlan("Dockerfile", r.Dockerfile, nil, r.Contexts)
	require.NotNil(f.t, p)
	res := &BuildResult{}
	for _, s := range p.m.Stages {
		for _, st := range s.Steps {
			if st.Keyword == "FROM" {
				continue
			}
			step := Step{Name: st.Name, Instruction: st.Command, DepInstall: IsDependencyInstall(st.Command)}
			if st.Line == fb.failLine {
				step.Error = fb.message
				res.Steps = append(res.Steps, step)
				res.Failure = &BuildError{Step: st.Name, Message: fb.message, LogTail: []string{"the end of its output"}}
				return res, nil
			}
			step.Executed = true
			res.Steps = append(res.Steps, step)
		}
	}
	if fb.failLine < 0 {
		res.Failure = &BuildError{Message: fb.message}
		return res, nil
	}
	if r.Export {
		tree, err := Scan(makeTree(f.t, fb.files, nil))
		require.NoError(f.t, err)
		res.FS = tree
	}
	return res, nil
}

func runFake(t *testing.T, ctxSpec fsSpec, orig, rewr string, ob, rb fakeBuild, noMeasure bool) (*Report, *fakeBuilder) {
	t.Helper()
	if ctxSpec == nil {
		ctxSpec = fsSpec{}
	}
	ctxSpec["Dockerfile"] = orig
	dir := makeTree(t, ctxSpec, nil)
	fb := &fakeBuilder{t: t, builds: map[string]fakeBuild{orig: ob, rewr: rb}}
	rep, err := Run(context.Background(), fb, Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"), ContextDir: dir,
		Original: []byte(orig), Rewritten: []byte(rewr), NoMeasure: noMeasure,
	})
	require.NoError(t, err)
	return rep, fb
}

func textOf(t *testing.T, rep *Report) string {
	var b bytes.Buffer
	require.NoError(t, rep.WriteText(&b))
	return b.String()
}

const runFailed = `process "/bin/sh -c %s" did not complete successfully: exit code: %s`

func runError(cmd, code string) string {
	return strings.Replace(strings.Replace(runFailed, "%s", cmd, 1), "%s", code, 1)
}

// The class-1 example of issue 11: the merge swallows the failing step.
const (
	failsFirst = "FROM debian:bookworm-slim\nRUN test -e /nonexistent\nRUN [ \"$(uname -m)\" = nosuch ] && echo x || true\n"
	swallowed  = "FROM debian:bookworm-slim\nRUN test -e /nonexistent && \\\n    [ \"$(uname -m)\" = nosuch ] && echo x || true\n"
	grouped    = "FROM debian:bookworm-slim\nRUN test -e /nonexistent && \\\n    { [ \"$(uname -m)\" = nosuch ] && echo x || true; }\n"
)

func TestRunOriginalFailsRewriteBuilds(t *testing.T) {
	rep, fb := runFake(t, nil, failsFirst, swallowed,
		fakeBuild{failLine: 2, message: runError("test -e /nonexistent", "1")},
		fakeBuild{files: fsSpec{"etc/x": "x"}}, false)
	assert.Equal(t, VerdictRewriteBuilds, rep.Verdict)
	assert.Equal(t, "the original fails at line 2 (RUN test -e /nonexistent: exit code 1); the rewrite builds", rep.Outcome)
	assert.Equal(t, []string{"original", "rewritten"}, fb.labels, "both are built, nothing measured")
	require.NotNil(t, rep.Original.Failure)
	assert.Nil(t, rep.Rewritten.Failure)
	assert.Equal(t, 2, rep.Failure.Line)
	assert.Equal(t, 1, rep.Failure.ExitCode)
	assert.Nil(t, rep.Filesystem)
	out := textOf(t, rep)
	assert.Contains(t, out, "\nFAIL: the original fails at line 2 (RUN test -e /nonexistent: exit code 1); the rewrite builds\n")
	assert.Contains(t, out, "the original's failure:\n  step:  [2/3] RUN test -e /nonexistent\n")
	assert.Contains(t, out, "| the end of its output")
}

func TestRunBothFailTheSameWay(t *testing.T) {
	rep, fb := runFake(t, nil, failsFirst, grouped,
		fakeBuild{failLine: 2, message: runError("test -e /nonexistent", "1")},
		fakeBuild{failLine: 2, message: runError("test -e /nonexistent && { … }", "1")}, false)
	assert.Equal(t, VerdictBothFail, rep.Verdict)
	assert.Equal(t, "both fail at the same step: the original at line 2 (RUN test -e /nonexistent: exit code 1), "+
		"the rewrite at line 2 (RUN test -e /nonexistent && { [ \"$(uname -m)\" = nosuch ] && echo x || true; }: exit code 1)", rep.Outcome)
	assert.Len(t, fb.labels, 2)
	assert.Contains(t, rep.MeasureNote, "both builds fail")
	out := textOf(t, rep)
	assert.Contains(t, out, "\nok: both fail at the same step")
	assert.Contains(t, out, "the rewrite's failure:")
}

func TestRunBothFailDifferently(t *testing.T) {
	// The rewrite fails with another status, then in another command.
	for _, rb := range []fakeBuild{
		{failLine: 2, message: runError("…", "2")},
		{failLine: 3, message: runError("…", "1")},
	} {
		rewr := "FROM debian:bookworm-slim\nRUN test -e /etc/os-release\nRUN test -e /nonexistent/b\n"
		rep, _ := runFake(t, nil, failsFirst, rewr, fakeBuild{failLine: 2, message: runError("test -e /nonexistent", "1")}, rb, false)
		assert.Equal(t, VerdictFailsDifferently, rep.Verdict, rb)
		assert.Contains(t, rep.Outcome, "the original fails at line 2 (RUN test -e /nonexistent: exit code 1); the rewrite fails elsewhere, at line ", rb)
		assert.Contains(t, textOf(t, rep), "\nFAIL: the original fails at line 2")
	}
}

func TestRunRewriteFails(t *testing.T) {
	orig := "FROM debian\nRUN apt-get update && apt-get install -y jq; for f in a b; do test -e /x/$f; done; rm -rf /var/lib/apt/lists/*\n"
	rewr := "FROM debian\nRUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y jq; for f in a b; do test -e /x/$f; done\n"
	rep, fb := runFake(t, nil, orig, rewr, fakeBuild{files: fsSpec{"usr/bin/jq": "jq"}},
		fakeBuild{failLine: 2, message: runError("…", "1")}, false)
	assert.Equal(t, VerdictRewriteFails, rep.Verdict)
	assert.Equal(t, []string{"original", "rewritten"}, fb.labels)
	assert.Equal(t, "the original builds; the rewrite fails at line 2 (RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y jq; for f in …: exit code 1)", rep.Outcome)
	assert.Contains(t, textOf(t, rep), "\nFAIL: the original builds; the rewrite fails at line 2")
}

func TestRunSameFailureOfOtherSteps(t *testing.T) {
	// A COPY of a file that is not there, in both files; and a base image
	// that cannot be resolved (no step failed), in both.
	orig := "FROM debian\nRUN true\nRUN true\nCOPY missing.txt /srv/\n"
	rewr := "FROM debian\nRUN true && true\nCOPY missing.txt /srv/\n"
	copyErr := `failed to calculate checksum of ref 6ybo4p0wb2xgb5y2wmurw3kx4::q1sgtm2wmn1dvvpw5rywsaqmy: "/missing.txt": not found`
	rep, _ := runFake(t, nil, orig, rewr, fakeBuild{failLine: 4, message: copyErr},
		fakeBuild{failLine: 3, message: strings.ReplaceAll(copyErr, "6ybo4p0wb2xgb5y2wmurw3kx4", "zzbo4p0wb2xgb5y2wmurw3kx4")}, false)
	assert.Equal(t, VerdictBothFail, rep.Verdict, rep.Outcome)

	noBase := "docker.io/library/debian:latest: failed to resolve source metadata: not found"
	rep, _ = runFake(t, nil, orig, rewr, fakeBuild{failLine: -1, message: noBase}, fakeBuild{failLine: -1, message: noBase}, false)
	assert.Equal(t, VerdictBothFail, rep.Verdict, rep.Outcome)
	assert.Contains(t, rep.Outcome, "before any step")
	rep, _ = runFake(t, nil, orig, rewr, fakeBuild{failLine: -1, message: noBase}, fakeBuild{failLine: 3, message: copyErr}, false)
	assert.Equal(t, VerdictFailsDifferently, rep.Verdict, rep.Outcome)
}

func TestSameFailure(t *testing.T) {
	run := func(status string, cmds ...[]string) failure {
		return failure{keyword: "RUN", status: status, cmds: cmds}
	}
	apt := []string{"apt-get", "install", "jq"}
	aptKeep := []string{"apt-get", "Dir::Cache::Archives=/var/cache/apt/keep/", "install", "jq"}
	assert.True(t, sameFailure(run("exit code: 100", apt), run("exit code: 100", []string{"apt-get", "update"}, aptKeep)), "options added")
	assert.False(t, sameFailure(run("exit code: 100", apt), run("exit code: 1", apt)), "another status")
	assert.False(t, sameFailure(run("exit code: 1", apt), run("exit code: 1", []string{"apt-get", "install", "curl"})), "another package")
	assert.False(t, sameFailure(run("exit code: 1", apt), failure{keyword: "COPY", status: "exit code: 1"}))
	assert.True(t, sameCommand([]string{"test", "/x"}, []string{"test", "/x"}))
	assert.False(t, sameCommand([]string{"test", "/x"}, []string{"[", "/x"}))
}

func TestRunMarksDependencyInstalls(t *testing.T) {
	// A `go build` downloads modules unless `go mod download` ran before it
	// in the stage: the original's build is a dependency install, the
	// rewrite's is not.
	orig := "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\n"
	rewr := "FROM golang:1.26\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN go build -o /bin/app .\n"
	ctx := fsSpec{"go.mod": "module x\n", "go.sum": "", "main.go": "package main\n", "notes/todo.txt": "x"}
	rep, fb := runFake(t, ctx, orig, rewr, fakeBuild{files: fsSpec{"bin/app": "x"}}, fakeBuild{files: fsSpec{"bin/app": "x"}}, false)
	require.Equal(t, VerdictOK, rep.Verdict, rep.Outcome)
	deps := func(b *Build) (out []string) {
		for _, s := range b.Steps {
			if s.DepInstall {
				out = append(out, s.Instruction)
			}
		}
		return out
	}
	assert.Equal(t, []string{"RUN go build -o /bin/app ."}, deps(rep.Original))
	assert.Equal(t, []string{"RUN go mod download"}, deps(rep.Rewritten))
	require.NotNil(t, rep.CodeChange)
	assert.Equal(t, "main.go", rep.CodeChange.Path)
	assert.Equal(t, []string{"[4/4] RUN go build -o /bin/app ."}, rep.CodeChange.Original.DepStepsExecuted())
	require.NotNil(t, rep.DependencyChange)
	assert.Equal(t, "go.mod", rep.DependencyChange.Path)
	assert.Empty(t, rep.MeasureNote)
	assert.Len(t, fb.labels, 8, "2 builds, 2 warm-ups, 2 × 2 rebuilds: %v", fb.labels)
}

func TestChooseFiles(t *testing.T) {
	plan := func(df string, spec fsSpec) (*plan, Options) {
		spec["Dockerfile"] = df
		dir := makeTree(t, spec, nil)
		o := Options{Dockerfile: filepath.Join(dir, "Dockerfile"), ContextDir: dir, Original: []byte(df)}
		sides, err := newSides(o, &overlay{ctxDir: dir}, t.TempDir())
		require.NoError(t, err)
		return sides[0].plan, o
	}
	// Only what COPY brings in counts: not the file no instruction reads,
	// not what the ignore file or --exclude leaves out, not what a stage
	// the target does not need copies.
	p, o := plan("FROM node:18\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY --exclude=*.test.js src/ ./src/\n"+
		"FROM node:18 AS unused\nCOPY tools/ /tools/\n"+
		"FROM node:18\nCOPY --from=0 /app /app\n", fsSpec{
		".dockerignore": "src/generated\n", "a.js": "x", "tools/t.js": "x", "src/generated/g.js": "x",
		"src/app.test.js": "x", "src/lib/util.js": "x", "package.json": "{}", "package-lock.json": "{}",
	})
	code, manifest, notes := chooseFiles(o, p)
	assert.Equal(t, "src/lib/util.js", code)
	assert.Equal(t, "package.json", manifest)
	assert.Empty(t, notes)

	// Nothing read from the context: say so.
	p, o = plan("FROM debian\nRUN test -e /etc/os-release\n", fsSpec{"motd.txt": "x", "requirements.txt": "x"})
	code, manifest, notes = chooseFiles(o, p)
	assert.Equal(t, "", code)
	assert.Equal(t, "", manifest)
	assert.Equal(t, []string{
		"no COPY, ADD or bind mount of the built stages reads a source file from the context: no code-only change to measure",
		"no COPY, ADD or bind mount of the built stages reads a dependency manifest: no dependency change to measure",
	}, notes)

	// A bind mount reads too; a given file is used, with a note when no
	// step reads it.
	p, o = plan("FROM golang:1.26\nRUN --mount=type=bind,target=/src cd /src && go build ./...\n", fsSpec{"main.go": "x", "go.mod": "x", "docs/x.md": "x"})
	o.CodeFile = "docs/x.md"
	code, manifest, notes = chooseFiles(o, p)
	assert.Equal(t, "docs/x.md", code)
	assert.Equal(t, "go.mod", manifest)
	assert.Empty(t, notes, "the bind mount reads the whole context")
	p, o = plan("FROM debian\nCOPY main.go /\n", fsSpec{"main.go": "x", "docs/x.md": "x"})
	o.CodeFile = "docs/x.md"
	_, _, notes = chooseFiles(o, p)
	assert.Equal(t, []string{
		"--code-file docs/x.md: no COPY, ADD or bind mount of the built stages reads it, so the rebuild shows nothing",
		"no COPY, ADD or bind mount of the built stages reads a dependency manifest: no dependency change to measure",
	}, notes)
}

func TestPlanStepNames(t *testing.T) {
	// With a base image mapped to a named context, BuildKit makes no FROM
	// vertex and numbers the steps from 1, yet counts the FROM in the
	// total; a padded number; a platform before the stage name.
	src := "FROM node:18 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm test\nRUN a\nRUN b\nRUN c\nRUN d\nRUN e\nRUN f\n"
	named := newPlan("Dockerfile", []byte(src), nil, []NamedContext{{Name: "node:18", Value: "oci-layout:///x"}})
	plain := newPlan("Dockerfile", []byte(src), nil, nil)
	for _, tc := range []struct {
		p    *plan
		name string
		line int
	}{
		{named, "[build  3/11] RUN npm ci", 4},
		{plain, "[build  4/11] RUN npm ci", 4},
		{plain, "[linux/amd64 build  4/11] RUN npm ci", 4},
		{plain, "[build 10/11] RUN e", 10},
		{plain, "[build  4/11] RUN npm ci --something-expanded", 4},
		{plain, "[build  4/11] COPY x y", 0},
		{plain, "[internal] load build context", 0},
	} {
		st := tc.p.step(tc.name)
		line := 0
		if st != nil {
			line = st.Line
		}
		assert.Equal(t, tc.line, line, tc.name)
	}
}

func TestRunRewriteFilesInContext(t *testing.T) {
	// The rewrite's own files are in the rewritten build's context.
	df := "FROM debian\nCOPY . /srv/\n"
	dir := makeTree(t, fsSpec{"Dockerfile": df, "a.txt": "x"}, nil)
	fb := &fakeBuilder{t: t, builds: map[string]fakeBuild{df: {}, df + "# x\n": {}}}
	rep, err := Run(context.Background(), fb, Options{
		Dockerfile: filepath.Join(dir, "Dockerfile"), ContextDir: dir, NoMeasure: true,
		Original: []byte(df), Rewritten: []byte(df + "# x\n"),
		Files: map[string][]byte{filepath.Join(dir, ".dockerignore"): []byte("*.md\n")},
	})
	require.NoError(t, err)
	assert.Equal(t, VerdictOK, rep.Verdict)
	require.Len(t, fb.dirs, 2)
	assert.Equal(t, dir, fb.dirs[0])
	assert.NotEqual(t, dir, fb.dirs[1], "the rewritten file builds on a copy with its .dockerignore")
}
