package dockerignore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// diTree writes files (path → content; a path ending in / is a folder).
func diTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, s := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if strings.HasSuffix(p, "/") {
			require.NoError(t, os.MkdirAll(full, 0o755))
			continue
		}
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(s), 0o644))
	}
	return dir
}

// runIgnoreRule runs the dockerignore rule alone through a chain (which
// also checks that a second run, seeing the file written, changes
// nothing) and returns the finding's message and the file written.
func diRun(t *testing.T, dir, dockerfile string) (string, *transform.FileChange) {
	t.Helper()
	return diRunOpts(t, dir, dockerfile, false)
}

func diRunOpts(t *testing.T, dir, dockerfile string, unsafe bool) (string, *transform.FileChange) {
	t.Helper()
	df := filepath.Join(dir, dockerfile)
	src, err := os.ReadFile(df)
	require.NoError(t, err)
	bctx, err := transform.NewBuildContext(dir, df)
	require.NoError(t, err)
	chain := &transform.Chain{Transforms: []*transform.Transform{Rule}, Options: transform.Options{Syntax: "auto", Unsafe: unsafe}}
	res, err := chain.Run(df, src, bctx)
	require.NoError(t, err)
	require.Equal(t, string(src), string(res.Out), "the Dockerfile is not edited")
	if len(res.Findings) == 0 {
		require.Empty(t, res.Files)
		return "", nil
	}
	require.Len(t, res.Findings, 1)
	if !res.Findings[0].Applied {
		require.Empty(t, res.Files)
		return res.Findings[0].Message, nil
	}
	require.Len(t, res.Files, 1)
	return res.Findings[0].Message, &res.Files[0]
}

func diLines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n")), "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func TestDockerignoreCreates(t *testing.T) {
	dir := diTree(t, map[string]string{
		"Dockerfile":       "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
		"package.json":     "{}",
		".git/":            "",
		"src/.DS_Store":    "x",
		"src/index.js":     "x",
		".vscode/settings": "{}",
	})
	msg, f := diRun(t, dir, "Dockerfile")
	require.Contains(t, msg, "create .dockerignore")
	require.Equal(t, filepath.Join(dir, ".dockerignore"), f.Path)
	require.Nil(t, f.Old)
	// Not the Dockerfile (`COPY . .` puts it in the image); the new ignore
	// file leaves itself out, so the image does not gain it.
	require.Equal(t, []string{".git", ".vscode", "**/.DS_Store", "**/node_modules", ".dockerignore"}, diLines(f.New))
}

func TestDockerignoreNothingToDo(t *testing.T) {
	// No whole-context copy.
	dir := diTree(t, map[string]string{"Dockerfile": "FROM node:20\nCOPY package.json ./\nRUN npm ci\n", ".git/": ""})
	msg, _ := diRun(t, dir, "Dockerfile")
	require.Empty(t, msg)
	// Everything already there (negated entries count as the user's choice).
	dir = diTree(t, map[string]string{
		"Dockerfile":    "FROM node:20\nCOPY . .\nRUN npm ci\n",
		".git/":         "",
		".dockerignore": ".git\nnode_modules\n!Dockerfile\n.dockerignore\n",
	})
	msg, _ = diRun(t, dir, "Dockerfile")
	require.Empty(t, msg)
	// No context on disk.
	doc, err := ast.Parse("Dockerfile", []byte("FROM node:20\nCOPY . .\nRUN npm ci\n"))
	require.NoError(t, err)
	require.Empty(t, runDockerignore(&transform.Pass{Doc: doc, Options: &transform.Options{}}))
}

func TestDockerignoreNeverExcludesCopiedPaths(t *testing.T) {
	dir := diTree(t, map[string]string{
		"Dockerfile": "FROM python:3.12\nCOPY . /app\nCOPY .idea/run.xml /etc/run.xml\n" +
			"RUN pip install -r /app/requirements.txt\nCOPY --from=busybox /bin/sh /sh\nCOPY ./*/__pycache__/tool.pyc /usr/lib/\n",
		".idea/run.xml":            "x",
		"lib/__pycache__/tool.pyc": "x",
		"requirements.txt":         "x",
		".git/":                    "",
		"pyproject.toml":           "[tool.setuptools_scm]\n",
		"nested/Dockerfile.test":   "FROM x",
	})
	msg, f := diRun(t, dir, "Dockerfile")
	got := diLines(f.New)
	require.NotContains(t, got, ".idea", msg)
	require.NotContains(t, got, "**/__pycache__", "lib/__pycache__/tool.pyc is copied by the wildcard")
	require.NotContains(t, got, "**/*.pyc", "lib/__pycache__/tool.pyc is copied by the wildcard")
	require.NotContains(t, got, ".git", "setuptools_scm reads the repository")
	require.Contains(t, got, ".venv")
	require.Contains(t, msg, "not .idea (the Dockerfile copies .idea/run.xml)")
}

func TestDockerignoreRunsThatReadFiles(t *testing.T) {
	dir := diTree(t, map[string]string{
		"Dockerfile": "FROM golang:1.22\nRUN --mount=type=bind,target=/src cd /src && git describe --tags > /version && cat Dockerfile\n",
		".git/":      "",
	})
	// Neither .git (git reads it) nor the Dockerfile (cat reads it): only
	// the new file itself would be left out, which is not worth a file.
	_, f := diRun(t, dir, "Dockerfile")
	require.Nil(t, f)

	require.NoError(t, os.Mkdir(filepath.Join(dir, ".idea"), 0o755))
	_, f = diRun(t, dir, "Dockerfile")
	require.Equal(t, []string{".idea", ".dockerignore"}, diLines(f.New))
}

func TestDockerignoreExtendsAndKeepsStyle(t *testing.T) {
	dir := diTree(t, map[string]string{
		"Dockerfile":    "FROM rust:1\nCOPY . .\nRUN cargo build --release\n",
		".dockerignore": "# mine\r\n*.md\r\n!README.md",
	})
	// The existing ignore file is copied into the image by `COPY . .`:
	// extending it changes the image, so the fix is unsafe.
	_, f := diRun(t, dir, "Dockerfile")
	require.Nil(t, f, "not applied without --unsafe")
	msg, f := diRunOpts(t, dir, "Dockerfile", true)
	require.Contains(t, msg, "unsafe: .dockerignore is itself copied into the image")
	require.Contains(t, msg, "extend .dockerignore with target")
	require.NotContains(t, msg, "Dockerfile,")
	require.Equal(t, "# mine\r\n*.md\r\n!README.md", string(f.Old))
	require.Equal(t, "# mine\r\n*.md\r\n!README.md\r\n\r\n"+diMarker+"Dockerfile\r\ntarget\r\n", string(f.New))
}

func TestDockerignorePerDockerfile(t *testing.T) {
	// Another Dockerfile shares the context: write api.Dockerfile.dockerignore,
	// starting from the shared .dockerignore.
	dir := diTree(t, map[string]string{
		"api.Dockerfile":    "FROM node:20\nRUN --mount=type=bind,target=/src,rw cd /src && npm ci\n",
		"worker.Dockerfile": "FROM node:20\nCOPY . .\n",
		".dockerignore":     "tmp\n",
	})
	msg, f := diRun(t, dir, "api.Dockerfile")
	require.Contains(t, msg, "create api.Dockerfile.dockerignore")
	require.Equal(t, filepath.Join(dir, "api.Dockerfile.dockerignore"), f.Path)
	require.Nil(t, f.Old)
	require.Equal(t, []string{"tmp", "**/node_modules", "api.Dockerfile", "worker.Dockerfile", "api.Dockerfile.dockerignore"}, diLines(f.New))

	// An existing per-Dockerfile file is the one in force: extend it.
	require.NoError(t, os.WriteFile(f.Path, []byte("tmp\n"), 0o644))
	msg, f = diRun(t, dir, "api.Dockerfile")
	require.Contains(t, msg, "extend api.Dockerfile.dockerignore")
	require.Equal(t, "tmp\n", string(f.Old))
}

func TestDockerignoreWholeContextBindMount(t *testing.T) {
	dir := diTree(t, map[string]string{
		"Dockerfile": "FROM golang:1.22\nRUN --mount=type=bind,target=/src go build ./...\n",
		".hg/":       "",
	})
	msg, f := diRun(t, dir, "Dockerfile")
	require.Contains(t, msg, "create .dockerignore")
	require.Equal(t, []string{".hg", "Dockerfile", ".dockerignore"}, diLines(f.New))
}

// TestWithFilesReloadsIgnore: the second run of the chain sees the ignore
// file a fix wrote, patterns included.
func TestWithFilesReloadsIgnore(t *testing.T) {
	dir := diTree(t, map[string]string{"Dockerfile": "FROM x", "a.log": "x"})
	bctx, err := transform.NewBuildContext(dir, filepath.Join(dir, "Dockerfile"))
	require.NoError(t, err)
	require.False(t, bctx.Excluded("a.log"))
	next := bctx.WithFiles([]transform.FileChange{{Path: filepath.Join(dir, "Dockerfile.dockerignore"), New: []byte("*.log\n")}})
	require.True(t, next.Excluded("a.log"))
	require.Equal(t, filepath.Join(dir, "Dockerfile.dockerignore"), next.IgnoreFile)
	require.False(t, bctx.Excluded("a.log"), "the original is untouched")
	other := bctx.WithFiles([]transform.FileChange{{Path: filepath.Join(dir, "notes.txt"), New: []byte("*.log\n")}})
	require.False(t, other.Excluded("a.log"))
}

// TestDockerignoreCorpus gives every corpus Dockerfile a context with
// version-control, editor and OS clutter, runs the rule and hoist-deps
// (the chain checks that a second run, seeing the ignore file, changes
// nothing), and
// checks that the ignore file written never excludes a path an instruction
// of the rewritten Dockerfile names.
func TestDockerignoreCorpus(t *testing.T) {
	files := corpustest.Files(t)
	// The rule, and hoist-deps whose manifest COPYs it must not exclude.
	rules := []*transform.Transform{Rule}
	if h := transform.Lookup("hoist-deps"); h != nil {
		rules = append(rules, h)
	}
	chain := &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "auto"}}
	// One context for all: the chain writes nothing to disk.
	ctx := diTree(t, map[string]string{
		".git/": "", ".idea/": "", "src/.DS_Store": "x",
		"package.json": "{}", "requirements.txt": "x", "go.mod": "module x\n",
	})
	written := 0
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		if doc, err := ast.Parse("Dockerfile", src); err != nil || diWholeContext(doc) == nil {
			continue // the rule has nothing to say
		}
		df := filepath.Join(ctx, "Dockerfile")
		require.NoError(t, os.WriteFile(df, src, 0o644))
		bctx, err := transform.NewBuildContext(ctx, df)
		require.NoError(t, err)
		res, err := chain.Run(df, src, bctx)
		var ce *transform.ChainError
		if errors.As(err, &ce) && ce.Rule != Rule.Name {
			continue // another rule's trouble: TestCorpus reports it
		}
		require.NoError(t, err, file)
		for _, f := range res.Files {
			require.Equal(t, filepath.Join(ctx, ".dockerignore"), f.Path, file)
			written++
			after := bctx.WithFiles(res.Files)
			out, err := ast.Parse("Dockerfile", res.Out)
			require.NoError(t, err)
			for _, s := range diNamedSources(out, after) {
				require.False(t, after.Excluded(s), "%s: the new ignore file excludes %s, which the Dockerfile copies", file, s)
			}
		}
	}
	t.Logf("%d ignore files written", written)
}
