package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dfopt runs the command in-process.
func dfopt(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(append([]string{"dfopt"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

// needsFix has two RUNs that no rule but merge-runs touches, so the tests
// stay exact whatever other rules exist.
const needsFix = "FROM alpine:3.19\nRUN echo a\nRUN echo b\n"
const clean = "FROM alpine:3.19\nRUN echo a && \\\n    echo b\n"

func writeFile(t *testing.T, path, data string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	return path
}

func TestFixPrintsOneFile(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	out, errs, code := dfopt(t, "", "fix", f)
	assert.Equal(t, 0, code, errs)
	assert.Equal(t, clean, out)
	data, _ := os.ReadFile(f)
	assert.Equal(t, needsFix, string(data), "fix without --write leaves the file alone")
}

func TestFixStdin(t *testing.T) {
	out, _, code := dfopt(t, needsFix, "fix", "-")
	assert.Equal(t, 0, code)
	assert.Equal(t, clean, out)
}

func TestIgnoreAllIsIdentity(t *testing.T) {
	in := "\xef\xbb\xbffrom alpine\r\nrun echo \\\r\n  # c\r\n  hi\r\nCOPY <<EOF /x\r\nbody\r\nEOF"
	out, _, code := dfopt(t, in, "fix", "--ignore", "all", "-")
	assert.Equal(t, 0, code)
	assert.Equal(t, in, out)
}

func TestFlagsAfterPaths(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	_, errs, code := dfopt(t, "", "fix", f, "--write")
	require.Equal(t, 0, code, errs)
	data, _ := os.ReadFile(f)
	assert.Equal(t, clean, string(data))
}

func TestWriteKeepsModeAndIsIdempotent(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	require.NoError(t, os.Chmod(f, 0o640))
	_, _, code := dfopt(t, "", "fix", "-w", f)
	require.Equal(t, 0, code)
	st, err := os.Stat(f)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), st.Mode().Perm())
	_, _, code = dfopt(t, "", "diff", f)
	assert.Equal(t, 0, code, "a second run changes nothing")
	entries, _ := os.ReadDir(filepath.Dir(f))
	assert.Len(t, entries, 1, "no temporary files left behind")
}

func TestWriteRefusesChangedFile(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	err := writeAtomic(f, []byte("something else"), []byte(clean))
	require.Error(t, err)
	data, _ := os.ReadFile(f)
	assert.Equal(t, needsFix, string(data))
}

func TestDiffExitCodeAndGitApply(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "svc", "Dockerfile"), needsFix)
	writeFile(t, filepath.Join(dir, "svc", "api.Dockerfile"), "FROM alpine\r\nCOPY --link . /app\r\n")
	writeFile(t, filepath.Join(dir, "ok", "Containerfile"), clean)
	writeFile(t, filepath.Join(dir, "node_modules", "x", "Dockerfile"), needsFix)
	t.Chdir(dir)
	out, _, code := dfopt(t, "", "diff", ".")
	assert.Equal(t, 1, code)
	assert.NotContains(t, out, "node_modules")
	assert.Contains(t, out, "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n")

	fixed, _, code := dfopt(t, "", "fix", "svc/api.Dockerfile")
	require.Equal(t, 0, code)
	for _, c := range [][]string{{"init", "-q"}, {"config", "core.autocrlf", "false"}} {
		require.NoError(t, exec.Command("git", c...).Run())
	}
	cmd := exec.Command("git", "apply", "--whitespace=nowarn", "-")
	cmd.Stdin = strings.NewReader(out)
	msg, err := cmd.CombinedOutput()
	require.NoError(t, err, string(msg))
	data, _ := os.ReadFile("svc/api.Dockerfile")
	assert.Equal(t, fixed, string(data), "git apply of the diff gives what fix prints")
	data, _ = os.ReadFile("svc/Dockerfile")
	assert.Equal(t, clean, string(data))
}

func TestFixListAndSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, filepath.Join(dir, "a", "Dockerfile"), needsFix)
	b := writeFile(t, filepath.Join(dir, "b", "Dockerfile"), clean)
	_, errs, code := dfopt(t, "", "fix", a, b)
	assert.Equal(t, 2, code, "several files need -w, -d or -l")
	assert.Contains(t, errs, "--write")
	out, _, code := dfopt(t, "", "fix", "-l", dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, a+"\n", out)
}

func TestCheckFormat(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	out, _, code := dfopt(t, "", "check", f, "--select", "merge-runs")
	assert.Equal(t, 1, code)
	assert.Equal(t, f+":2: merge-runs: merged with the next RUN into one layer: the same kind of work (other), the same flags, no shell state carried over (safe fix)\n", out)
	out, _, code = dfopt(t, "", "check", "--statistics", "--select=merge-runs", f)
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "merge-runs                      1        1")
}

func TestRulesAndVersion(t *testing.T) {
	out, _, code := dfopt(t, "", "rules")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "syntax-header")
	assert.Contains(t, out, "safe")
	out, _, code = dfopt(t, "", "version")
	assert.Equal(t, 0, code)
	assert.True(t, strings.HasPrefix(out, "dfopt "))
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"fix"},
		{"fix", "--select", "no-such-rule", "-"},
		{"fix", "--syntax", "sometimes", "-"},
		{"diff", "--no-such-flag", "-"},
	} {
		_, errs, code := dfopt(t, needsFix, args...)
		assert.Equal(t, 2, code, "%v", args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "%v: one line: %q", args, errs)
	}
}

// Bad input: one clear line per bad file, exit 2, the other files still
// processed, nothing written.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := map[string]string{
		"binary/Dockerfile":   "FROM alpine\x00\x01\x02",
		"longline/Dockerfile": "FROM alpine\nRUN echo " + strings.Repeat("x", 70*1024) + "\n",
		"latin1/Dockerfile":   "FROM alpine\nLABEL a=\xe9\n",
		"nofrom/Dockerfile":   "RUN echo hi\n",
	}
	for p, data := range bad {
		writeFile(t, filepath.Join(dir, p), data)
	}
	good := writeFile(t, filepath.Join(dir, "good", "Dockerfile"), needsFix)
	out, errs, code := dfopt(t, "", "fix", "--write", dir)
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	assert.Len(t, lines, len(bad), errs)
	for p, data := range bad {
		path := filepath.Join(dir, p)
		assert.Contains(t, errs, path+": ")
		got, _ := os.ReadFile(path)
		assert.Equal(t, data, string(got), "bad file untouched")
	}
	for _, want := range []string{"binary data", "line greater than max", "not valid UTF-8", "no build stage"} {
		assert.Contains(t, errs, want)
	}
	data, _ := os.ReadFile(good)
	assert.Equal(t, clean, string(data), "the good file is still fixed")

	_, errs, code = dfopt(t, "", "diff", filepath.Join(dir, "missing", "Dockerfile"), good)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "missing/Dockerfile: no such file or directory")
}

func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		// root reads any file; a FIFO is unreadable as a Dockerfile for everyone
		fifo := filepath.Join(t.TempDir(), "Dockerfile")
		require.NoError(t, syscall.Mkfifo(fifo, 0o644))
		_, errs, code := dfopt(t, "", "fix", "-d", fifo)
		assert.Equal(t, 2, code)
		assert.Equal(t, fifo+": not a regular file\n", errs)
		return
	}
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	require.NoError(t, os.Chmod(f, 0))
	_, errs, code := dfopt(t, "", "diff", f)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "permission denied")
}

func TestPermuteArgs(t *testing.T) {
	app := newApp(nil, nil, nil)
	got := permuteArgs(app, []string{"dfopt", "fix", "Dockerfile", "-j", "3", "--write", "--select=a", "x"})
	assert.Equal(t, []string{"dfopt", "fix", "-j", "3", "--write", "--select=a", "--", "Dockerfile", "x"}, got)
	got = permuteArgs(app, []string{"dfopt", "fix", "-", "--", "--weird-name"})
	assert.Equal(t, []string{"dfopt", "fix", "--", "-", "--weird-name"}, got)
}

func TestDiscoveryNames(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "Containerfile": true, "Dockerfile.dev": true, "api.Dockerfile": true,
		"x.dockerfile": true, "x.containerfile": true, "Dockerfile.dockerignore": false,
		"README.md": false, "dockerfile.go": false,
	} {
		assert.Equal(t, want, discover.IsDockerfileName(name), name)
	}
}
