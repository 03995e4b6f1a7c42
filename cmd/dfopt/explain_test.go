package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const explainDockerfile = `FROM python:3.12-slim
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN python -m compileall src
`

func explainProject(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Dockerfile"), explainDockerfile)
	writeFile(t, filepath.Join(dir, "requirements.txt"), "flask\n")
	writeFile(t, filepath.Join(dir, "src", "app.py"), "print(1)\n")
	writeFile(t, filepath.Join(dir, "notes,draft.md"), "x\n")
	return dir
}

func TestExplainChanged(t *testing.T) {
	dir := explainProject(t)
	out, errs, code := dfopt(t, "", "explain", filepath.Join(dir, "Dockerfile"), "--changed", filepath.Join(dir, "src", "app.py"))
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "CACHED [4/6] RUN pip install -r requirements.txt\n")
	require.Contains(t, out, "       [5/6] COPY . .\n           re-runs: src/app.py changed\n")

	// Paths relative to the context; a comma stays part of the name.
	out, errs, code = dfopt(t, "", "explain", "--context", dir, "--changed", "notes,draft.md", "--format", "json", filepath.Join(dir, "Dockerfile"))
	require.Equal(t, 0, code, errs)
	var rep struct {
		Prediction struct {
			Change struct{ Files []string }
			Rerun  int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	require.Equal(t, []string{"notes,draft.md"}, rep.Prediction.Change.Files)
	require.Equal(t, 2, rep.Prediction.Rerun)
}

func TestExplainCostView(t *testing.T) {
	dir := explainProject(t)
	out, errs, code := dfopt(t, "", "explain", filepath.Join(dir, "Dockerfile"))
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "re-runs on any change to 4 files (after the whole-context [5/6] COPY . .)")
}

func TestExplainSince(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := explainProject(t)
	gitRun := func(args ...string) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_SYSTEM=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	gitRun("init", "-q")
	gitRun("add", ".")
	gitRun("commit", "-q", "-m", "one")
	writeFile(t, filepath.Join(dir, "requirements.txt"), "flask\nrequests\n")
	out, errs, code := dfopt(t, "", "explain", "--since", "HEAD", filepath.Join(dir, "Dockerfile"))
	require.Equal(t, 0, code, errs)
	require.Contains(t, out, "Change: requirements.txt (from git: since HEAD")
	require.Contains(t, out, "       [3/6] COPY requirements.txt .\n")

	_, errs, code = dfopt(t, "", "explain", "--since", "nope", filepath.Join(dir, "Dockerfile"))
	require.Equal(t, 2, code)
	require.Equal(t, 1, strings.Count(errs, "\n"), errs)
}

func TestExplainErrors(t *testing.T) {
	dir := explainProject(t)
	df := filepath.Join(dir, "Dockerfile")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"explain", "--format", "yaml", df}, "--format must be text or json"},
		{[]string{"explain"}, "explain needs one DOCKERFILE"},
		{[]string{"explain", filepath.Join(dir, "missing")}, "no such file or directory"},
		{[]string{"explain", "--target", "nope", df}, `target stage "nope" not found`},
		{[]string{"explain", "--changed", "x", "-"}, "need a build context"},
		{[]string{"explain", "--build-arg", "novalue", df}, "want NAME=VALUE"},
	} {
		_, errs, code := dfopt(t, "FROM alpine\n", c.args...)
		require.Equal(t, 2, code, c.args)
		require.Contains(t, errs, c.msg, c.args)
		require.Equal(t, 1, strings.Count(errs, "\n"), errs)
	}
}
