package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Usage errors: one line on stderr, exit 2, nothing on stdout (a
// redirected SARIF file stays clean); `dfopt` alone prints the help on
// stderr and exits 2; an unknown command is named.
func TestUsageErrorsOneLineNoStdout(t *testing.T) {
	for _, args := range [][]string{
		{"--bogus"},
		{"check", "--bogus", "-"},
		{"check", "--format", "sarif", "--jobs"},
		{"fix", "-j"},
		{"bogus"},
		{"check", "--context", filepath.Join(t.TempDir(), "missing"), "-"},
	} {
		out, errs, code := dfopt(t, needsFix, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Empty(t, out, "%v: nothing on stdout", args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "%v: one line: %q", args, errs)
		assert.True(t, strings.HasPrefix(errs, "dfopt: "), errs)
	}
	_, errs, _ := dfopt(t, "", "bogus")
	assert.Equal(t, "dfopt: unknown command \"bogus\" (see dfopt --help)\n", errs)
	_, errs, _ = dfopt(t, "", "check", "--context", "/no/such/dir", "-")
	assert.Equal(t, "dfopt: --context /no/such/dir: not a folder\n", errs)

	out, errs, code := dfopt(t, "")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Contains(t, errs, "USAGE:")
	out, _, code = dfopt(t, "", "--help")
	assert.Equal(t, 0, code, "help asked for goes to stdout")
	assert.Contains(t, out, "USAGE:")
}

// Placeholders name what a flag takes, and --jobs says its default once.
func TestHelpPlaceholders(t *testing.T) {
	out, _, code := dfopt(t, "", "check", "--help")
	require.Equal(t, 0, code)
	for _, want := range []string{"--select RULES", "--ignore RULES", "--syntax MODE", "--jobs N, -j N", "--context DIR", "--format FORMAT", "--stdin-filename PATH"} {
		assert.Contains(t, out, want)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "--jobs") {
			assert.Equal(t, 1, strings.Count(line, "default"), line)
			assert.Contains(t, line, "(default: the number of CPUs)")
		}
	}
}

func TestVersionAndFlagAgree(t *testing.T) {
	a, _, code := dfopt(t, "", "version")
	require.Equal(t, 0, code)
	b, _, code := dfopt(t, "", "--version")
	require.Equal(t, 0, code)
	assert.Equal(t, a, b)
	assert.True(t, strings.HasPrefix(a, "dfopt "), a)
	assert.Equal(t, versionLine()+"\n", a)
}

// --select and --ignore given several times add up.
func TestSelectIgnoreRepeated(t *testing.T) {
	in := "FROM alpine:3.19\nRUN apk add curl\nRUN echo a\nRUN echo b\n"
	rules := func(args ...string) []string {
		out, errs, _ := dfopt(t, in, append(append([]string{"check", "--format", "json"}, args...), "-")...)
		var fs []report.JSONFinding
		require.NoError(t, json.Unmarshal([]byte(out), &fs), out+errs)
		var names []string
		for _, f := range fs {
			names = append(names, f.Rule)
		}
		return names
	}
	assert.ElementsMatch(t, []string{"merge-runs", "cache-mounts"}, dedup(rules("--select", "merge-runs", "--select", "cache-mounts")))
	assert.ElementsMatch(t, []string{"merge-runs", "cache-mounts"}, dedup(rules("--select", "merge-runs,DL3059", "--select=cache-mounts")))
	all := dedup(rules())
	got := dedup(rules("--ignore", "merge-runs", "--ignore", "cache-mounts"))
	assert.NotContains(t, got, "merge-runs")
	assert.NotContains(t, got, "cache-mounts")
	assert.Len(t, got, len(all)-2, "%v vs %v", got, all)
}

func dedup(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// A `# dfopt:` comment that does nothing is warned about on stderr,
// naming file and line; the run goes on.
func TestPragmaWarnings(t *testing.T) {
	in := "FROM alpine:3.19\n# dfopt:ignore=merge-run,DL3059\n# dfopt: ignore merge-runs\n# dfopt:ignore-file=all\nRUN echo a\n"
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), in)
	out, errs, code := dfopt(t, "", "check", f)
	assert.Equal(t, 0, code, errs)
	assert.Empty(t, out)
	assert.Equal(t, f+":2: warning: pragma: unknown rule \"merge-run\" (see `dfopt rules`)\n"+
		f+":3: warning: malformed pragma \"# dfopt: ignore merge-runs\": want `# dfopt:ignore=RULE[,RULE]` or `# dfopt:ignore-file[=RULE,...]`\n", errs)
}

// Paths outside the working directory give headers `git apply` takes:
// relative to the git work tree, or the clean absolute path without its
// slash; never a//srv or a/../x.
func TestDiffHeadersOutsideWorkingDir(t *testing.T) {
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, ".git"), 0o755))
	f := writeFile(t, filepath.Join(repo, "svc", "Dockerfile"), needsFix)
	t.Chdir(t.TempDir())
	out, _, code := dfopt(t, "", "diff", f)
	require.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(out, "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n"), out)

	plain := writeFile(t, filepath.Join(t.TempDir(), "app", "Dockerfile"), needsFix)
	out, _, _ = dfopt(t, "", "diff", plain)
	want := strings.TrimPrefix(filepath.ToSlash(plain), "/")
	assert.True(t, strings.HasPrefix(out, "--- a/"+want+"\n+++ b/"+want+"\n"), out)

	// A relative path with ..: from the repository, as git apply wants.
	t.Chdir(filepath.Join(repo, "svc"))
	writeFile(t, filepath.Join(repo, "api", "Dockerfile"), needsFix)
	out, _, _ = dfopt(t, "", "diff", "../api/Dockerfile")
	assert.True(t, strings.HasPrefix(out, "--- a/api/Dockerfile\n"), out)
	if _, err := exec.LookPath("git"); err == nil {
		require.NoError(t, os.RemoveAll(filepath.Join(repo, ".git")))
		cmd := exec.Command("git", "init", "-q", repo)
		require.NoError(t, cmd.Run())
		patch := filepath.Join(t.TempDir(), "p.diff")
		require.NoError(t, os.WriteFile(patch, []byte(out), 0o644))
		apply := exec.Command("git", "apply", "--check", patch)
		apply.Dir = repo
		b, err := apply.CombinedOutput()
		assert.NoError(t, err, string(b))
	}
}

func TestStdinFilename(t *testing.T) {
	out, _, code := dfopt(t, needsFix, "diff", "--stdin-filename", "svc/api/Dockerfile", "-")
	assert.Equal(t, 1, code)
	assert.True(t, strings.HasPrefix(out, "--- a/svc/api/Dockerfile\n+++ b/svc/api/Dockerfile\n"), out)
	out, _, _ = dfopt(t, needsFix, "check", "--select", "merge-runs", "--stdin-filename", "svc/api/Dockerfile", "-")
	assert.True(t, strings.HasPrefix(out, "svc/api/Dockerfile:2: merge-runs: "), out)
	out, _, _ = dfopt(t, needsFix, "check", "--format", "rdjson", "--stdin-filename", "svc/api/Dockerfile", "-")
	assert.Contains(t, out, `"path":"svc/api/Dockerfile"`)
}

// Printing one fixed Dockerfile says on stderr when the fix also writes
// an ignore file, which the printed text does not show.
func TestPrintModeNamesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "requirements.txt"), "flask\n")
	writeFile(t, filepath.Join(dir, ".venv", "x"), "")
	f := writeFile(t, filepath.Join(dir, "Dockerfile"), "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n")
	out, errs, code := dfopt(t, "", "fix", "--select", "dockerignore", f)
	assert.Equal(t, 0, code, errs)
	assert.Contains(t, out, "COPY . .")
	assert.Contains(t, errs, f+": the fix also writes ")
	assert.Contains(t, errs, ".dockerignore (not printed")
}

// --format sarif records a file that could not be processed.
func TestSARIFRecordsFailures(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a", "Dockerfile"), needsFix)
	writeFile(t, filepath.Join(dir, "b", "Dockerfile"), "FORM alpine\n")
	out, errs, code := dfopt(t, "", "check", "--format", "sarif", dir)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "b/Dockerfile")
	var doc report.SARIFLog
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	inv := doc.Runs[0].Invocations
	require.Len(t, inv, 1)
	assert.False(t, inv[0].ExecutionSuccessful)
	require.Len(t, inv[0].ToolExecutionNotifications, 1)
	assert.Contains(t, inv[0].ToolExecutionNotifications[0].Message.Text, "b/Dockerfile")
}
