package explain

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

func names(t *testing.T, src string, opt Options) []string {
	t.Helper()
	doc, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	m, err := Build(doc, nil, opt)
	require.NoError(t, err)
	var out []string
	for _, s := range m.Stages {
		for _, st := range s.Steps {
			out = append(out, st.Name)
			if st.LinkName != "" {
				out = append(out, st.LinkName)
			}
		}
	}
	return out
}

// TestVertexNames checks the names against dockerfile2llb's rules.
func TestVertexNames(t *testing.T) {
	cases := []struct {
		name, src string
		opt       Options
		want      []string
	}{
		{"single stage: no prefix", "FROM alpine\nRUN echo hi\nCOPY a b\n", Options{},
			[]string{"[1/3] FROM docker.io/library/alpine:latest", "[2/3] RUN echo hi", "[3/3] COPY a b"}},
		{"a RUN --mount adds a state: the prefix stays", "FROM alpine\nRUN --mount=type=cache,target=/c echo hi\n", Options{},
			[]string{"[stage-0 1/2] FROM docker.io/library/alpine:latest", "[stage-0 2/2] RUN --mount=type=cache,target=/c echo hi"}},
		{"COPY --from an image adds a state", "FROM alpine AS a\nCOPY --from=busybox:1 /bin/sh /sh\n", Options{},
			[]string{"[a 1/2] FROM docker.io/library/alpine:latest", "[a 2/2] COPY --from=busybox:1 /bin/sh /sh"}},
		{"unnamed stages", "FROM alpine\nRUN a\nFROM alpine\nCOPY --from=0 /x /x\n", Options{},
			[]string{"[stage-0 1/2] FROM docker.io/library/alpine:latest", "[stage-0 2/2] RUN a", "[stage-1 1/2] FROM docker.io/library/alpine:latest", "[stage-1 2/2] COPY --from=0 /x /x"}},
		{"scratch and stage bases have no FROM vertex", "FROM scratch AS s\nCOPY a /a\nFROM s\nRUN x\n", Options{},
			[]string{"[s 1/1] COPY a /a", "[stage-1 1/1] RUN x"}},
		{"WORKDIR / counts but makes no vertex", "FROM alpine\nWORKDIR /\nRUN x\n", Options{},
			[]string{"[1/3] FROM docker.io/library/alpine:latest", "[2/3] RUN x"}},
		{"padding from 10 steps", "FROM alpine\n" + strings.Repeat("RUN x\n", 9), Options{},
			[]string{"[ 1/10] FROM docker.io/library/alpine:latest", "[ 2/10] RUN x", "[ 3/10] RUN x", "[ 4/10] RUN x", "[ 5/10] RUN x", "[ 6/10] RUN x", "[ 7/10] RUN x", "[ 8/10] RUN x", "[ 9/10] RUN x", "[10/10] RUN x"}},
		{"variables expand; RUN keeps unset ones; keyword upper-cased", "FROM alpine\nENV D=/app\nARG V=1\ncopy x $D/\nrun echo $D $V $NOPE\n", Options{},
			[]string{"[1/3] FROM docker.io/library/alpine:latest", "[2/3] COPY x /app/", "[3/3] RUN echo /app 1 $NOPE"}},
		{"build args", "ARG BASE=alpine\nFROM $BASE\nARG V=1\nRUN echo $V\n", Options{BuildArgs: map[string]string{"V": "2", "BASE": "debian:12"}},
			[]string{"[1/2] FROM docker.io/library/debian:12", "[2/2] RUN echo 2"}},
		{"COPY --link has a LINK vertex, not with --chmod", "FROM alpine\nCOPY --link a /a\nCOPY --link --chmod=644 b /b\n", Options{},
			[]string{"[1/3] FROM docker.io/library/alpine:latest", "[2/3] COPY --link a /a", "[2/3] LINK COPY --link a /a", "[3/3] COPY --link --chmod=644 b /b"}},
		{"heredoc summary", "FROM alpine\nRUN <<EOF\napk add curl\necho done\nEOF\n", Options{},
			[]string{"[1/2] FROM docker.io/library/alpine:latest", "[2/2] RUN <<EOF (apk add curl...)"}},
		{"named context base: numbering starts at 1", "FROM node:20\nWORKDIR /app\nRUN x\n", Options{NamedContexts: []string{"docker.io/library/node:20"}},
			[]string{"[1/3] WORKDIR /app", "[2/3] RUN x"}},
		{"registry and digest", "FROM ghcr.io/o/img@sha256:abc\nRUN x\n", Options{},
			[]string{"[1/2] FROM ghcr.io/o/img@sha256:abc", "[2/2] RUN x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, names(t, c.src, c.opt))
		})
	}
}

func TestParseVertexAndMatches(t *testing.T) {
	v, ok := ParseVertex("[build  3/12] COPY . .")
	require.True(t, ok)
	require.Equal(t, Vertex{Stage: "build", Index: 3, Total: 12, Command: "COPY . ."}, v)
	v, ok = ParseVertex("[ 2/10] RUN x")
	require.True(t, ok)
	require.Equal(t, Vertex{Index: 2, Total: 10, Command: "RUN x"}, v)
	for _, bad := range []string{"[internal] load build context", "[context node:20] OCI load from client", "exporting to image"} {
		_, ok := ParseVertex(bad)
		require.False(t, ok, bad)
	}

	doc, err := ast.Parse("Dockerfile", []byte("FROM node:20 AS b\nCOPY --link a /a\nFROM alpine\nCOPY --from=b /a /a\n"))
	require.NoError(t, err)
	preds, err := Predict(doc, nil, []string{"a"})
	require.NoError(t, err)
	require.Len(t, preds, 4)
	require.True(t, preds[0].Matches("[b 1/2] FROM docker.io/library/node:20@sha256:0123"))
	require.True(t, preds[1].Matches("[b 2/2] COPY --link a /a"))
	require.True(t, preds[1].Matches("[b 2/2] LINK COPY --link a /a"))
	require.False(t, preds[1].Matches("[stage-1 2/2] COPY --link a /a"))
	require.True(t, preds[3].Matches("[stage-1 2/2] COPY --from=b /a /a"))
	// named-context numbering shift does not matter
	require.True(t, preds[3].Matches("[stage-1 1/2] COPY --from=b /a /a"))

	require.True(t, preds[0].Cached)
	require.False(t, preds[1].Cached)
	require.True(t, preds[1].First)
	require.False(t, preds[3].Cached)
	require.True(t, preds[3].Uncertain, "COPY --from compares content")
}

func TestNormalizeRef(t *testing.T) {
	for in, want := range map[string][2]string{
		"alpine":                       {"docker.io/library/alpine:latest", "alpine"},
		"node:20":                      {"docker.io/library/node:20", "node:20"},
		"library/node:20":              {"docker.io/library/node:20", "node:20"},
		"docker.io/node:20":            {"docker.io/library/node:20", "node:20"},
		"bitnami/redis:7":              {"docker.io/bitnami/redis:7", "bitnami/redis:7"},
		"localhost:5000/x":             {"localhost:5000/x:latest", "localhost:5000/x"},
		"ghcr.io/o/x:1@sha256:ab":      {"ghcr.io/o/x:1@sha256:ab", "ghcr.io/o/x:1@sha256:ab"},
		"mcr.microsoft.com/dotnet/sdk": {"mcr.microsoft.com/dotnet/sdk:latest", "mcr.microsoft.com/dotnet/sdk"},
	} {
		require.Equal(t, want[0], normalizeRef(in), in)
		require.Equal(t, want[1], familiar(in), in)
	}
}

func TestSelects(t *testing.T) {
	cases := []struct {
		src     string
		exclude []string
		yes, no []string
	}{
		{".", nil, []string{"a", "x/y/z", "x"}, nil},
		{"src/", nil, []string{"src/a.py", "src/x/y", "src"}, []string{"srcx", "a/src/b"}},
		{"./requirements.txt", nil, []string{"requirements.txt"}, []string{"requirements.txt.bak", "x/requirements.txt"}},
		{"package*.json", nil, []string{"package.json", "package-lock.json"}, []string{"x/package.json", "pkg.json"}},
		{"*/go.mod", nil, []string{"a/go.mod", "a/go.mod/x"}, []string{"a/b/go.mod", "go.mod", "b"}},
		{"src", []string{"*.test.js"}, []string{"src/a.js", "src/x/a.test.js"}, []string{"src/a.test.js"}},
	}
	for _, c := range cases {
		r := newRead("copy", c.src, c.exclude, false)
		for _, p := range c.yes {
			require.True(t, r.Selects(p), "%s selects %s", c.src, p)
		}
		for _, p := range c.no {
			require.False(t, r.Selects(p), "%s does not select %s", c.src, p)
		}
	}
	// A changed folder: what the copy reads lies inside it.
	require.True(t, newRead("copy", "*/go.mod", nil, false).selects("b", true))
	require.True(t, newRead("copy", "src/app.py", nil, false).selects("src", true))
	require.False(t, newRead("copy", "src/app.py", nil, false).Selects("src"))
}

func TestContextPaths(t *testing.T) {
	dir := t.TempDir()
	ctx := filepath.Join(dir, "svc")
	require.NoError(t, os.MkdirAll(filepath.Join(ctx, "src"), 0o755))
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.Chdir(wd) })

	require.NoError(t, os.Chdir(dir))
	require.Equal(t, []string{"main.go", "src/a.go"}, ContextPaths("svc", []string{"svc/src/a.go", "main.go", "../outside", filepath.Join(dir, "other")}))
	require.NoError(t, os.Chdir(filepath.Join(ctx, "src")))
	require.Equal(t, []string{"Dockerfile", "src/a.go"}, ContextPaths(ctx, []string{"a.go", "../Dockerfile", "a.go"}))
}

func TestGitChanged(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	repo := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	write := func(p, s string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(repo, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(repo, p), []byte(s), 0o644))
	}
	write("svc/a.go", "a")
	write("svc/b.go", "b")
	write("svc/old.go", "o")
	write("other/x", "x")
	write(".gitignore", "*.log\n")
	git("init", "-q")
	git("add", ".")
	git("commit", "-q", "-m", "one")
	git("tag", "base")
	write("svc/a.go", "a2")
	git("commit", "-q", "-am", "two")
	write("svc/b.go", "b2")                                          // uncommitted
	write("svc/new file.go", "n")                                    // untracked
	write("svc/debug.log", "l")                                      // ignored by git
	write("other/x", "x2")                                           // outside the context
	require.NoError(t, os.Remove(filepath.Join(repo, "svc/old.go"))) // deleted

	got, err := GitChanged(filepath.Join(repo, "svc"), "base")
	require.NoError(t, err)
	require.Equal(t, []string{"a.go", "b.go", "new file.go", "old.go"}, got)

	_, err = GitChanged(filepath.Join(repo, "svc"), "no-such-rev")
	require.Error(t, err)
	require.NotContains(t, err.Error(), "\n")
	_, err = GitChanged(filepath.Join(repo, "svc"), "--output=/tmp/x")
	require.Error(t, err)
}

// TestPredictRules checks the cache rules on small builds.
func TestPredictRules(t *testing.T) {
	dir := t.TempDir()
	for p, s := range map[string]string{
		"go.mod": "m", "main.go": "p", "docs/a.md": "d", "tools/gen.sh": "g",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte(s), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("docs\n"), 0o644))
	bctx, err := transform.NewBuildContext(dir, "")
	require.NoError(t, err)
	src := `FROM golang:1.22 AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
RUN --mount=type=bind,source=tools,target=/tools /tools/gen.sh
COPY . .
RUN go build -o /app .

FROM alpine:3.19
ARG REV
RUN echo $REV
COPY --from=build /app /app
`
	doc, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	m, err := Build(doc, bctx, Options{})
	require.NoError(t, err)

	status := func(ch Change) string {
		var b strings.Builder
		for _, sp := range m.Predict(ch).Steps {
			switch {
			case sp.Cached:
				b.WriteByte('C')
			case sp.Uncertain:
				b.WriteByte('?')
			default:
				b.WriteByte('R')
			}
		}
		return b.String()
	}
	// build: FROM WORKDIR COPY RUN RUN(bind) COPY RUN; final: FROM RUN COPY
	require.Equal(t, "CCCCCCC"+"CCC", status(Change{}), "nothing changed")
	require.Equal(t, "CCCCCRR"+"CC?", status(Change{Files: []string{"main.go"}}))
	require.Equal(t, "CCCCCCC"+"CCC", status(Change{Files: []string{"docs/a.md"}}), "ignored file")
	require.Equal(t, "CCCCRRR"+"CC?", status(Change{Files: []string{"tools/gen.sh"}}), "bind mount")
	require.Equal(t, "CCRRRRR"+"CC?", status(Change{Files: []string{"go.mod"}}))
	require.Equal(t, "CCCCCCC"+"CRR", status(Change{Args: []string{"REV"}}), "ARG in RUN's environment")
	require.Equal(t, "CCCCRRR"+"CC?", status(Change{Files: []string{"tools"}}), "a changed folder")
}
