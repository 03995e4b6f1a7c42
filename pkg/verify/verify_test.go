package verify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAddr(t *testing.T) {
	t.Setenv("BUILDKIT_HOST", "")
	assert.Equal(t, DefaultAddr, Addr(""))
	t.Setenv("BUILDKIT_HOST", "tcp://buildkit:1234")
	assert.Equal(t, "tcp://buildkit:1234", Addr(""))
	assert.Equal(t, "unix:///x.sock", Addr("unix:///x.sock"))
}

func TestConnectUnreachable(t *testing.T) {
	addr := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	start := time.Now()
	_, err := Connect(context.Background(), addr, TLS{}, 5*time.Second)
	require.Error(t, err)
	var ue *UnreachableError
	require.True(t, errors.As(err, &ue), "%T %v", err, err)
	assert.Equal(t, addr, ue.Addr)
	assert.Contains(t, err.Error(), addr)
	assert.NotContains(t, err.Error(), "\n")
	assert.Contains(t, err.Error(), "no such file or directory")
	assert.NotContains(t, err.Error(), `"`)
	assert.Less(t, time.Since(start), 5*time.Second, "a missing socket fails at once")

	_, err = Connect(context.Background(), "nosuchscheme://x", TLS{}, time.Second)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nosuchscheme://x")
}

func TestParseNamedContext(t *testing.T) {
	nc, err := ParseNamedContext("node:20=oci-layout:///srv/layouts/node@sha256:abc")
	require.NoError(t, err)
	assert.Equal(t, NamedContext{Name: "node:20", Value: "oci-layout:///srv/layouts/node@sha256:abc"}, nc)
	for _, bad := range []string{"node", "=dir", "node="} {
		_, err := ParseNamedContext(bad)
		assert.Error(t, err, bad)
	}
}

func TestContextName(t *testing.T) {
	for in, want := range map[string]string{
		"node:20":                           "node:20",
		"docker.io/library/node:20":         "node:20",
		"golang":                            "golang",
		"golang:latest":                     "golang",
		"build":                             "build",
		"ghcr.io/acme/base:1":               "ghcr.io/acme/base:1",
		"docker.io/acme/tool:2-bookworm":    "acme/tool:2-bookworm",
		"registry.example.com:5000/x/y:3.1": "registry.example.com:5000/x/y:3.1",
	} {
		got, err := contextName(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := contextName("Not A Name")
	assert.Error(t, err)
}

func writeLayout(t *testing.T, index string) string {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.json"), []byte(index), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	return dir
}

func TestParseOCILayout(t *testing.T) {
	one := writeLayout(t, `{"schemaVersion":2,"manifests":[{"digest":"sha256:aaa"}]}`)
	dir, dg, err := parseOCILayout(one)
	require.NoError(t, err)
	assert.Equal(t, one, dir)
	assert.Equal(t, "sha256:aaa", dg)

	dir, dg, err = parseOCILayout(one + "@sha256:bbb")
	require.NoError(t, err)
	assert.Equal(t, one, dir)
	assert.Equal(t, "sha256:bbb", dg)

	two := writeLayout(t, `{"schemaVersion":2,"manifests":[
		{"digest":"sha256:aaa","annotations":{"org.opencontainers.image.ref.name":"20"}},
		{"digest":"sha256:bbb","annotations":{"org.opencontainers.image.ref.name":"22"}}]}`)
	_, _, err = parseOCILayout(two)
	assert.ErrorContains(t, err, "holds 2 images")
	_, dg, err = parseOCILayout(two + ":22")
	require.NoError(t, err)
	assert.Equal(t, "sha256:bbb", dg)
	_, _, err = parseOCILayout(two + ":18")
	assert.ErrorContains(t, err, `no image tagged "18"`)

	_, _, err = parseOCILayout(t.TempDir())
	assert.ErrorContains(t, err, "not an OCI image layout")
	_, _, err = parseOCILayout(one + "@md5:x")
	assert.Error(t, err)
}

func TestIsDependencyInstall(t *testing.T) {
	yes := []string{
		"RUN npm install",
		"RUN npm ci --omit=dev",
		"RUN --mount=type=cache,target=/root/.npm npm ci",
		"RUN yarn install --frozen-lockfile",
		"RUN yarn",
		"RUN pnpm install",
		"RUN pip install -r requirements.txt",
		"RUN pip3 install --no-cache-dir -r requirements.txt",
		"RUN python -m pip install .",
		"RUN pip install --no-index --find-links /wheels -r requirements.txt",
		"RUN go mod download",
		"RUN apt-get update && apt-get install -y jq",
		"RUN apt-get install -y --no-install-recommends curl",
		"RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get -o Dir::Cache::Archives=/var/cache/apt/keep/ install -y jq",
		"RUN apk add --no-cache git",
		"RUN bundle install",
		"RUN poetry install --no-root",
		"RUN composer install",
		"RUN cargo fetch",
		"RUN apt-get update",
		// Read alone, a build that downloads what it lacks is one (Run
		// knows better when an earlier step fetched the modules).
		"RUN go build -o /app .",
		"RUN cargo build --release",
		"RUN mvn -B package",
		"RUN ./gradlew build",
		"RUN dotnet publish -c Release -o /out",
		`RUN ["go", "build", "."]`,
	}
	no := []string{
		"RUN npm run build",
		"RUN go build -mod=vendor -o /app .",
		"RUN dotnet build --no-restore",
		"RUN make install",
		"COPY package.json ./",
		"RUN echo yarnball",
		"RUN echo install",
		"RUN apt-get clean",
	}
	for _, s := range yes {
		assert.True(t, IsDependencyInstall(s), s)
	}
	for _, s := range no {
		assert.False(t, IsDependencyInstall(s), s)
	}
}

func TestRecorder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) *time.Time { x := t0.Add(time.Duration(s * float64(time.Second))); return &x }
	d := func(s string) digest.Digest { return digest.FromString(s) }
	var lines []string
	r := newRecorder(func(s string) { lines = append(lines, s) })
	r.add(&client.SolveStatus{Vertexes: []*client.Vertex{
		{Digest: d("ctx"), Name: "[internal] load build context", Started: at(0), Completed: at(0.1)},
		{Digest: d("from"), Name: "[1/4] FROM docker.io/library/node:20@sha256:abc", Started: at(0), Completed: at(0.2)},
		{Digest: d("wd"), Name: "[2/4] WORKDIR /app", Cached: true, Started: at(0.2), Completed: at(0.2)},
		{Digest: d("copy"), Name: "[3/4] COPY . .", Started: at(0.3)},
	}})
	r.add(&client.SolveStatus{Vertexes: []*client.Vertex{
		{Digest: d("copy"), Name: "[3/4] COPY . .", Started: at(0.3), Completed: at(0.5)},
		{Digest: d("npm"), Name: "[4/4] RUN npm install", Started: at(0.5)},
	}, Logs: []*client.VertexLog{
		{Vertex: d("npm"), Data: []byte("npm WARN one\nprogress 10%\rprogress 100%\n")},
		{Vertex: d("npm"), Data: []byte("npm ERR! code E404\n")},
	}})
	r.add(&client.SolveStatus{Vertexes: []*client.Vertex{
		{Digest: d("npm"), Name: "[4/4] RUN npm install", Started: at(0.5), Completed: at(2.5), Error: "process \"/bin/sh -c npm install\" did not complete successfully: exit code: 1"},
		{Digest: d("other"), Name: "[stage-1 2/2] RUN sleep 9", Started: at(0.6), Completed: at(2.6), Error: "context canceled"},
	}})
	res := r.result(3 * time.Second)
	require.Len(t, res.Steps, 4)
	assert.Equal(t, "[2/4] WORKDIR /app", res.Steps[0].Name)
	assert.True(t, res.Steps[0].Cached)
	assert.False(t, res.Steps[0].Executed)
	assert.Equal(t, "COPY . .", res.Steps[1].Instruction)
	assert.True(t, res.Steps[1].Executed)
	assert.InDelta(t, 0.2, res.Steps[1].Seconds, 1e-9)
	assert.True(t, res.Steps[2].DepInstall)
	assert.False(t, res.Steps[2].Executed, "a failed step did not complete")
	assert.Equal(t, 1, res.Executed())
	assert.Equal(t, 1, res.Cached())

	require.NotNil(t, res.Failure)
	assert.Equal(t, "[4/4] RUN npm install", res.Failure.Step, "the cancelled step is not the cause")
	assert.Equal(t, []string{"npm WARN one", "progress 100%", "npm ERR! code E404"}, res.Failure.LogTail)
	assert.Contains(t, lines, "CACHED [2/4] WORKDIR /app")
	assert.Contains(t, lines, "done [3/4] COPY . .")
	assert.Contains(t, lines, "ERROR [4/4] RUN npm install")
}

func TestPickFiles(t *testing.T) {
	files := []string{
		".dockerignore", "Dockerfile", "README.md", "package.json", "package-lock.json",
		"server.js", "src/lib/util.js", "src/index.js", ".eslintrc.js", "deploy/prod.Dockerfile",
	}
	assert.Equal(t, "server.js", pickCodeFile(files))
	assert.Equal(t, "package.json", pickManifest(files))
	assert.Equal(t, "src/index.js", pickCodeFile([]string{"src/lib/util.js", "src/index.js", "go.sum"}))
	assert.Equal(t, "motd.txt", pickCodeFile([]string{"Dockerfile", "motd.txt"}))
	assert.Equal(t, "", pickCodeFile([]string{"Dockerfile", "go.mod", "go.sum", "requirements-dev.txt"}))
	assert.Equal(t, "", pickManifest([]string{"Dockerfile", "main.go"}))
	assert.Equal(t, "go.mod", pickManifest([]string{"go.sum", "go.mod", "main.go"}))
	assert.Equal(t, "requirements.txt", pickManifest([]string{"vendor/x/pyproject.toml", "requirements.txt", "app.py"}))
	assert.Equal(t, "requirements-prod.txt", pickManifest([]string{"requirements-prod.txt", "app.py"}))
}

func TestCopyTreeAndChange(t *testing.T) {
	src := makeTree(t, fsSpec{"a.js": "x", "bin/run": "#!/bin/sh\n", "link": "->a.js", "empty/": ""},
		map[string]os.FileMode{"bin/run": 0o755})
	dst := filepath.Join(t.TempDir(), "copy")
	require.NoError(t, copyTree(src, dst))
	c := compareDirs(t, src, dst)
	assert.True(t, c.Equivalent(), "%v", kinds(c))
	m1, m2 := whitespaceMarker(), whitespaceMarker()
	assert.NotEqual(t, m1, m2)
	assert.Len(t, m1, 34)
	assert.Empty(t, strings.Trim(m1, " \t\n"), "only whitespace")
	require.NoError(t, appendText(filepath.Join(dst, "a.js"), m1))
	data, err := os.ReadFile(filepath.Join(dst, "a.js"))
	require.NoError(t, err)
	assert.Equal(t, "x"+m1, string(data))
	assert.Equal(t, []string{"content a.js"}, kinds(compareDirs(t, src, dst)))
}

func sampleReport() *Report {
	step := func(name string, cached, dep bool) Step {
		i := strings.Index(name, "] ")
		return Step{Name: name, Instruction: name[i+2:], Cached: cached, Executed: !cached, DepInstall: dep}
	}
	return &Report{
		Dockerfile: "app/Dockerfile", Addr: "unix:///run/buildkit/buildkitd.sock", Verdict: VerdictOK,
		Rules:     []string{"hoist-deps"},
		Files:     []string{"app/.dockerignore"},
		Original:  &Build{Seconds: 12.5, Executed: 3, Size: 330_500_000},
		Rewritten: &Build{Seconds: 11.0, Executed: 4, Size: 330_500_000},
		Filesystem: &Comparison{Compared: 10298, Ignored: 57, Differences: []Difference{},
			IgnoredDiffering: map[string]int{"root/.npm/**": 14, "root/.npm": 1}},
		CodeChange: &Scenario{Path: "server.js",
			Original: &Build{Seconds: 3.06, Executed: 2, Cached: 1, Steps: []Step{
				step("[1/3] WORKDIR /app", true, false), step("[2/3] COPY . .", false, false), step("[3/3] RUN npm install", false, true)}},
			Rewritten: &Build{Seconds: 0.07, Executed: 1, Cached: 3, Steps: []Step{
				step("[1/4] WORKDIR /app", true, false), step("[2/4] COPY package.json ./", true, false),
				step("[3/4] RUN npm install", true, true), step("[4/4] COPY . .", false, false)}}},
		MeasureNote: "no dependency manifest in the context",
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteText(&b))
	out := strings.Join(strings.Fields(strings.ReplaceAll(b.String(), "\n", " ¶ ")), " ")
	for _, want := range []string{
		"dfopt verify app/Dockerfile (safe fixes; rules: hoist-deps)",
		"the rewrite also writes app/.dockerignore (the rewritten build uses it)",
		"filesystem: equivalent (10298 paths compared; 57 ignored, 15 of them differ)",
		"differences the ignore list allows: root/.npm/** 14, root/.npm 1",
		"code-only change (server.js)",
		"dependency install re-run cached",
		"wall time 3.06 s 0.07 s",
		"final size 330.5 MB 330.5 MB",
		"(no dependency manifest in the context)",
		"verdict: ok",
	} {
		assert.Contains(t, out, want)
	}

	rep := sampleReport()
	rep.Verdict = VerdictDiffers
	for i := 0; i < MaxListed+3; i++ {
		rep.Filesystem.Differences = append(rep.Filesystem.Differences, Difference{Path: "etc/x" + string(rune('a'+i)), Kind: DiffOnlyRewritten, Rewritten: "file"})
	}
	b.Reset()
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "filesystem: 23 differences")
	assert.Contains(t, b.String(), "+ /etc/xa (only in the rewritten image)")
	assert.Contains(t, b.String(), "… and 3 more")
	assert.Contains(t, b.String(), "verdict: FAIL")

	f := &BuildError{Step: "[3/4] RUN npm ci", Line: 5, ExitCode: 1, Message: `process "/bin/sh -c npm ci" did not complete successfully: exit code: 1`,
		LogTail: []string{"npm ERR! missing lockfile"}}
	rep = &Report{Dockerfile: "Dockerfile", Verdict: VerdictRewriteFails, Failure: f, Original: &Build{}, Rewritten: &Build{Failure: f},
		Outcome: "the original builds; the rewrite fails at " + where(f)}
	b.Reset()
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "\nFAIL: the original builds; the rewrite fails at line 5 (RUN npm ci: exit code 1)\n")
	assert.Contains(t, b.String(), "the rewrite's failure:\n  step:  [3/4] RUN npm ci\n")
	assert.Contains(t, b.String(), "| npm ERR! missing lockfile")
	assert.NotContains(t, b.String(), "the original's failure")

	// A rebuild for the measurements that fails.
	rep = &Report{Dockerfile: "Dockerfile", Verdict: VerdictOriginalFails, Failure: f, Original: &Build{}, Rewritten: &Build{},
		Outcome: "the original fails when rebuilt for the measurements, at " + where(f)}
	b.Reset()
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "\ncannot verify: the original fails when rebuilt for the measurements, at line 5 (RUN npm ci: exit code 1)\nthe rebuild's failure:\n")
}

func TestWriteJSONRoundTrip(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, sampleReport().WriteJSON(&b))
	var back Report
	require.NoError(t, json.Unmarshal(b.Bytes(), &back))
	assert.Equal(t, []string{"[3/3] RUN npm install"}, back.CodeChange.Original.DepStepsExecuted())
	assert.Empty(t, back.CodeChange.Rewritten.DepStepsExecuted())
	assert.Equal(t, int64(330_500_000), back.Original.Size)
	assert.Contains(t, b.String(), `"codeChange"`)
	assert.Contains(t, b.String(), `"depInstall": true`)
}

func TestRecorderOrder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s float64) *time.Time { x := t0.Add(time.Duration(s * float64(time.Second))); return &x }
	r := newRecorder(nil)
	// The stream may announce later steps first.
	r.add(&client.SolveStatus{Vertexes: []*client.Vertex{
		{Digest: digest.FromString("c"), Name: "[3/3] COPY b .", Started: at(2), Completed: at(3)},
		{Digest: digest.FromString("b"), Name: "[2/3] COPY a .", Cached: true, Started: at(1), Completed: at(1)},
		{Digest: digest.FromString("x"), Name: "[build 2/2] RUN x"},
		{Digest: digest.FromString("a"), Name: "[1/3] WORKDIR /", Cached: true, Started: at(1), Completed: at(1)},
	}})
	var names []string
	for _, s := range r.result(time.Second).Steps {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"[1/3] WORKDIR /", "[2/3] COPY a .", "[3/3] COPY b .", "[build 2/2] RUN x"}, names)
	assert.Equal(t, 2, stepNumber("[build 2/2] RUN x"))
	assert.Equal(t, 0, stepNumber("[internal] load"))
}
