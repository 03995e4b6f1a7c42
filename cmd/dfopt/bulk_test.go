package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/report"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func init() { transform.Register(testOnly) } // after the chain's rules

// testOnly is a rule linked into the test binary only. It acts on files
// that ask for it with a marker comment, so it leaves every other test
// alone:
//
//	# test:dockerignore   → a finding whose fix creates .dockerignore beside the Dockerfile
//	# test:echo-options   → a finding that reports the options it got
var testOnly = &transform.Transform{
	Name: "test-only", Doc: "test rule",
	Options: []transform.Option{{Name: "k"}, {Name: "x"}},
	Run: func(p *transform.Pass) []transform.Finding {
		var out []transform.Finding
		ins := p.Doc.Instructions[0]
		if bytes.Contains(p.Doc.Src, []byte("# test:dockerignore")) && p.Context != nil {
			path := filepath.Join(p.Context.Dir, ".dockerignore")
			old, err := p.Context.ReadAbs(path)
			if err != nil {
				old = nil
			}
			if !bytes.Contains(old, []byte(".git\n")) {
				f := p.Finding("test-only", ins, "exclude .git from the context")
				f.Files = []transform.FileChange{{Path: path, Old: old, New: append(append([]byte(nil), old...), ".git\n"...)}}
				out = append(out, f)
			}
		}
		if bytes.Contains(p.Doc.Src, []byte("# test:echo-options")) {
			var kv []string
			for rule, opts := range p.Options.RuleOptions {
				for k, v := range opts {
					kv = append(kv, rule+"."+k+"="+v)
				}
			}
			sort.Strings(kv)
			out = append(out, p.Finding("test-only", ins, fmt.Sprintf("unsafe=%v syntax=%s options=%s", p.Options.Unsafe, p.Options.Syntax, strings.Join(kv, ","))))
		}
		return out
	},
}

// tree writes files (path=content; content defaults to needsFix).
func tree(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		p, content, ok := strings.Cut(f, "=")
		if !ok {
			content = needsFix
		}
		writeFile(t, filepath.Join(root, filepath.FromSlash(p)), content)
	}
}

func gitInit(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, ".git"), 0o755))
		return
	}
	cmd := exec.Command("git", "init", "-q", dir)
	require.NoError(t, cmd.Run())
}

func TestGitignoreAndExclude(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	dir := t.TempDir()
	gitInit(t, dir)
	tree(t, dir, ".gitignore=build/\n*.gen.Dockerfile\n", "build/Dockerfile", "x.gen.Dockerfile",
		"svc/a/Dockerfile", "svc/legacy/Dockerfile", "svc/b/Dockerfile.test", "svc/b/Dockerfile")
	t.Chdir(dir)
	out, _, code := dfopt(t, "", "fix", "-l", ".")
	assert.Equal(t, 1, code)
	assert.Equal(t, "svc/a/Dockerfile\nsvc/b/Dockerfile\nsvc/b/Dockerfile.test\nsvc/legacy/Dockerfile\n", out)
	out, _, _ = dfopt(t, "", "fix", "-l", ".", "--exclude", "svc/legacy", "--exclude=**/*.test")
	assert.Equal(t, "svc/a/Dockerfile\nsvc/b/Dockerfile\n", out)
	out, _, _ = dfopt(t, "", "fix", "-l", "--no-gitignore", ".", "--exclude", "svc/")
	assert.Equal(t, "build/Dockerfile\nx.gen.Dockerfile\n", out)
	// A file named on the command line is processed whatever the rules say.
	out, _, _ = dfopt(t, "", "fix", "-l", "build/Dockerfile", "--exclude", "build")
	assert.Equal(t, "build/Dockerfile\n", out)
	_, errs, code := dfopt(t, "", "diff", ".", "--exclude", "[oops")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, `--exclude: bad pattern "[oops"`)
}

func TestConfigDiscoveryAndOverrides(t *testing.T) {
	dir := t.TempDir()
	gitInit(t, dir)
	tree(t, dir,
		".dfopt.yaml=ignore: [merge-runs]\noverrides:\n  - files: [services/new/**]\n    select: [merge-runs]\n",
		"services/old/Dockerfile", "services/new/Dockerfile",
		"services/own/.dfopt.yaml=ignore: [merge-runs]\n", "services/own/Dockerfile",
	)
	t.Chdir(dir)
	out, errs, code := dfopt(t, "", "fix", "-l", ".")
	assert.Equal(t, 1, code, errs)
	assert.Equal(t, "services/new/Dockerfile\n", out, "root config ignores the rule; an override brings it back; the nearest file ignores it too")
	out, _, _ = dfopt(t, "", "fix", "-l", ".", "--no-config")
	assert.Equal(t, "services/new/Dockerfile\nservices/old/Dockerfile\nservices/own/Dockerfile\n", out)
	// The command line beats the config.
	out, _, _ = dfopt(t, "", "fix", "-l", ".", "--select", "merge-runs")
	assert.Equal(t, "services/new/Dockerfile\nservices/old/Dockerfile\nservices/own/Dockerfile\n", out)

	// --config and $DFOPT_CONFIG name one file for every Dockerfile.
	cfg := filepath.Join(t.TempDir(), "ci.yaml")
	writeFile(t, cfg, "select: [merge-runs]\n")
	out, _, _ = dfopt(t, "", "fix", "-l", ".", "--config", cfg)
	assert.Equal(t, "services/new/Dockerfile\nservices/old/Dockerfile\nservices/own/Dockerfile\n", out)
	t.Setenv("DFOPT_CONFIG", cfg)
	out, _, _ = dfopt(t, "", "fix", "-l", ".")
	assert.Equal(t, "services/new/Dockerfile\nservices/old/Dockerfile\nservices/own/Dockerfile\n", out)
	out, _, _ = dfopt(t, "", "fix", "-l", ".", "--no-config")
	assert.Equal(t, "services/new/Dockerfile\nservices/old/Dockerfile\nservices/own/Dockerfile\n", out)
	t.Setenv("DFOPT_CONFIG", filepath.Join(dir, "missing.yaml"))
	_, errs, code = dfopt(t, "", "diff", ".")
	assert.Equal(t, 2, code)
	assert.Equal(t, "dfopt: "+filepath.Join(dir, "missing.yaml")+": no such file or directory\n", errs)
}

// An unknown key is an error naming the key and the file, reported once;
// the Dockerfiles under it are not touched; the others are processed.
func TestConfigUnknownKey(t *testing.T) {
	dir := t.TempDir()
	gitInit(t, dir)
	tree(t, dir, "bad/.dfopt.yaml=selct: [syntax-header]\n", "bad/a/Dockerfile", "bad/b/Dockerfile", "good/Dockerfile")
	t.Chdir(dir)
	out, errs, code := dfopt(t, "", "fix", "--write", ".")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "dfopt: "+filepath.Join(dir, "bad", ".dfopt.yaml")+`:1: unknown key "selct" (known keys: select, ignore, unsafe, syntax, rules, overrides)`+"\n", errs)
	for _, p := range []string{"bad/a/Dockerfile", "bad/b/Dockerfile"} {
		data, _ := os.ReadFile(p)
		assert.Equal(t, needsFix, string(data), p)
	}
	data, _ := os.ReadFile("good/Dockerfile")
	assert.Equal(t, clean, string(data))

	_, errs, code = dfopt(t, "", "diff", "--config", "bad/.dfopt.yaml", "good")
	assert.Equal(t, 2, code)
	assert.Equal(t, "dfopt: bad/.dfopt.yaml:1: unknown key \"selct\" (known keys: select, ignore, unsafe, syntax, rules, overrides)\n", errs)
}

func TestRuleOptionsFromFlagsAndConfig(t *testing.T) {
	dir := t.TempDir()
	gitInit(t, dir)
	tree(t, dir, "Dockerfile=# test:echo-options\nFROM alpine\n",
		".dfopt.yaml=unsafe: true\nsyntax: always\nrules:\n  test-only:\n    x: 1\n  syntax-header:\n")
	t.Chdir(dir)
	out, errs, code := dfopt(t, "", "check", "--select", "test-only", "Dockerfile",
		"--runtime-image", "go=gcr.io/distroless/static-debian12", "--runtime-image", "node=gcr.io/distroless/nodejs22",
		"--option", "test-only.k=v=w,x", "--option", "test-only.x=2", "--syntax", "never")
	assert.Equal(t, 1, code, errs)
	assert.Equal(t, "Dockerfile:2: test-only: unsafe=true syntax=never options="+
		"multi-stage.runtime-image.go=gcr.io/distroless/static-debian12,multi-stage.runtime-image.node=gcr.io/distroless/nodejs22,"+
		"test-only.k=v=w,x,test-only.x=2 (no fix)\n", out, "flags beat the config, option by option")
	for _, bad := range [][]string{{"--option", "nodot=1"}, {"--option", "no-such-rule.k=v"}, {"--runtime-image", "go"},
		{"--option", "syntax-header.x=2"}, {"--option", "multi-stage.distroless=yes"},
		{"--runtime-image", "golang=gcr.io/distroless/static-debian12"}, {"--runtime-image", "go=Debian:12"}} {
		_, errs, code := dfopt(t, "", append([]string{"check", "Dockerfile"}, bad...)...)
		assert.Equal(t, 2, code, "%v", bad)
		assert.Equal(t, 1, strings.Count(errs, "\n"), errs)
	}
}

// A rule option the rule does not read is an error: one line naming the
// option (and the config file when it is there), exit 2, nothing written.
func TestUnknownRuleOption(t *testing.T) {
	dir := t.TempDir()
	gitInit(t, dir)
	tree(t, dir, "Dockerfile")
	t.Chdir(dir)
	out, errs, code := dfopt(t, "", "fix", "--write", "--option", "multi-stage.distroles=true", "Dockerfile")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, `dfopt: --option "multi-stage.distroles=true": unknown option multi-stage.distroles (did you mean distroless?)`+"\n", errs)
	data, _ := os.ReadFile("Dockerfile")
	assert.Equal(t, needsFix, string(data))

	tree(t, dir, ".dfopt.yaml=rules:\n  multi-stage:\n    distroles: true\n")
	out, errs, code = dfopt(t, "", "fix", "--write", "Dockerfile")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "dfopt: "+filepath.Join(dir, ".dfopt.yaml")+`:3: rules: unknown option multi-stage.distroles (did you mean distroless?)`+"\n", errs)
	data, _ = os.ReadFile("Dockerfile")
	assert.Equal(t, needsFix, string(data))
}

func TestJobsFromEnvironment(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	t.Setenv("DFOPT_JOBS", "3")
	_, _, code := dfopt(t, "", "diff", f)
	assert.Equal(t, 1, code)
	t.Setenv("DFOPT_JOBS", "many")
	_, errs, code := dfopt(t, "", "diff", f)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "DFOPT_JOBS")
}

// Output is in sorted path order whatever the scheduling.
func TestBulkOrderIsStable(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 120 {
		files = append(files, fmt.Sprintf("svc-%d/app.%d/Dockerfile", i%7, i))
	}
	tree(t, dir, files...)
	t.Chdir(dir)
	out, _, code := dfopt(t, "", "diff", "-j", "4", ".")
	assert.Equal(t, 1, code)
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if p, ok := strings.CutPrefix(l, "--- a/"); ok {
			got = append(got, p)
		}
	}
	want := append([]string(nil), files...)
	sort.Strings(want)
	assert.Equal(t, want, got)
}

// Standard output is buffered when it is not a terminal; a line on
// standard error still comes after the output of the files before it and
// before that of the files after it, when both go to one file.
func TestBufferedOutputKeepsOrderWithErrors(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, "a/Dockerfile", "b/Dockerfile=FROM alpine\nRUN --bad x\n", "c/Dockerfile")
	t.Chdir(dir)
	var both bytes.Buffer
	code := run([]string{"dfopt", "diff", "-j", "2", "."}, strings.NewReader(""), &both, &both)
	assert.Equal(t, 2, code)
	out := both.String()
	a, b, c := strings.Index(out, "--- a/a/Dockerfile"), strings.Index(out, "b/Dockerfile: "), strings.Index(out, "--- a/c/Dockerfile")
	require.True(t, a >= 0 && b >= 0 && c >= 0, out)
	assert.True(t, a < b && b < c, "out of order:\n%s", out)
}

// A broken file among good ones under --write: the good ones are written,
// the broken one is untouched, one line for it, exit 2.
func TestBulkWriteWithBrokenFile(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 60 {
		files = append(files, fmt.Sprintf("svc/%02d/Dockerfile", i))
	}
	tree(t, dir, files...)
	broken := "svc/30/Dockerfile"
	tree(t, dir, broken+"=FROM alpine\x00\n")
	t.Chdir(dir)
	out, errs, code := dfopt(t, "", "fix", "--write", "svc", "--summary")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.True(t, strings.HasPrefix(errs, broken+": binary data, not a text file\n"), errs)
	assert.Contains(t, errs, "dfopt: 60 files scanned, 59 changed, 1 error\n")
	assert.Contains(t, errs, "    merge-runs                     59\n")
	assert.Contains(t, errs, "  errors:\n    "+broken+": binary data")
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if f == broken {
			assert.Equal(t, "FROM alpine\x00\n", string(data))
		} else {
			assert.Equal(t, clean, string(data), f)
		}
	}
}

// The progress bar: only on a terminal, for runs over 50 files, never
// with --quiet; the summary likewise only on a terminal or with --summary.
func TestProgressBar(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 60 {
		files = append(files, fmt.Sprintf("s/%02d/Dockerfile", i))
	}
	tree(t, dir, files...)
	t.Chdir(dir)

	_, errs, _ := dfopt(t, "", "diff", ".")
	assert.Empty(t, errs, "stderr is not a terminal: no bar, no summary")

	_, errs, _ = dfoptOnTerminal(t, "diff", ".")
	assert.Regexp(t, `dfopt +\d+% \|.*\| \(\d+/\d+\)`, errs, "a terminal: the bar")
	assert.Contains(t, errs, "60 files scanned, 60 would change", "and the summary")
	_, errs, _ = dfoptOnTerminal(t, "diff", "-q", ".")
	assert.Empty(t, errs, "--quiet")
	_, errs, _ = dfoptOnTerminal(t, "diff", "s/00", "s/01")
	assert.Equal(t, "dfopt: 2 files scanned, 2 would change, 0 errors\n  fixes per rule:\n    merge-runs                      2\n", errs,
		"few files: no bar, but the summary")
}

// dfoptOnTerminal runs the command with a standard error that passes for
// a terminal.
func dfoptOnTerminal(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	real := isTerminal
	defer func() { isTerminal = real }()
	isTerminal = func(w io.Writer) bool { return w == io.Writer(&errb) }
	code = run(append([]string{"dfopt"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func TestColorAndStat(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, "a/Dockerfile", "b/Dockerfile")
	t.Chdir(dir)
	out, _, code := dfopt(t, "", "diff", "--color", "always", "a")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "\x1b[32m+    echo b\x1b[0m\n")
	t.Setenv("NO_COLOR", "1")
	out, _, _ = dfopt(t, "", "diff", "--color=always", "a")
	assert.Contains(t, out, "\x1b[", "--color=always beats NO_COLOR")
	out, _, _ = dfopt(t, "", "diff", "a")
	assert.NotContains(t, out, "\x1b[", "not a terminal")
	_, errs, code := dfopt(t, "", "diff", "--color", "sometimes", "a")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--color must be auto, always or never")

	out, _, code = dfopt(t, "", "diff", "--stat", ".")
	assert.Equal(t, 1, code)
	assert.Equal(t, " a/Dockerfile | 4 ++--\n b/Dockerfile | 4 ++--\n 2 files changed, 4 insertions(+), 4 deletions(-)\n", out)
}

func TestCheckFormats(t *testing.T) {
	dir := t.TempDir()
	tree(t, dir, "svc/Dockerfile", "ok/Dockerfile="+clean)
	t.Chdir(dir)

	out, _, code := dfopt(t, "", "check", "--format", "json", ".")
	assert.Equal(t, 1, code)
	var findings []report.JSONFinding
	require.NoError(t, json.Unmarshal([]byte(out), &findings), out)
	require.Len(t, findings, 1)
	f := findings[0]
	assert.Equal(t, "svc/Dockerfile", f.Path)
	assert.Equal(t, 2, f.Line)
	assert.Equal(t, "merge-runs", f.Rule)
	assert.True(t, f.Safe)
	require.NotNil(t, f.Fix)
	assert.Equal(t, "--- a/svc/Dockerfile\n+++ b/svc/Dockerfile\n@@ -1,3 +1,3 @@\n FROM alpine:3.19\n-RUN echo a\n-RUN echo b\n+RUN echo a && \\\n+    echo b\n", *f.Fix)

	out, _, code = dfopt(t, "", "check", "--format", "github", ".")
	assert.Equal(t, 1, code)
	assert.Equal(t, "::warning file=svc/Dockerfile,line=2,endLine=3,title=dfopt/merge-runs::merged with the next RUN into one layer: the same kind of work (other), the same flags, no shell state carried over (safe fix)\n", out)

	out, errs, code := dfopt(t, "", "check", "--format", "sarif", "--statistics", ".")
	assert.Equal(t, 1, code)
	var log report.SARIFLog
	require.NoError(t, json.Unmarshal([]byte(out), &log), out)
	require.Len(t, log.Runs[0].Results, 1)
	assert.Equal(t, "svc/Dockerfile", log.Runs[0].Results[0].Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Contains(t, errs, "merge-runs                      1        1", "statistics go to stderr beside a machine format")

	out, _, code = dfopt(t, "", "check", "--format", "json", "ok")
	assert.Equal(t, 0, code)
	assert.Equal(t, "[]\n", out)
	out, _, code = dfopt(t, "", "check", "--format", "sarif")
	assert.Equal(t, 2, code)
	assert.Empty(t, out, "a usage error prints no half document")
	_, errs, code = dfopt(t, "", "check", "--format", "xml", ".")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "--format must be one of text, json, sarif, github")
}

// Files other than the Dockerfile that a fix creates: shown by diff (from
// /dev/null, paths like the Dockerfile's), written by fix --write, left
// out of fix's standard output.
func TestOtherFiles(t *testing.T) {
	dir := t.TempDir()
	src := "# test:dockerignore\nFROM alpine\n"
	tree(t, dir, "svc/Dockerfile="+src, "svc/Dockerfile.dev="+src, "old/Dockerfile="+src, "old/.dockerignore=node_modules\n")
	t.Chdir(dir)

	out, _, code := dfopt(t, "", "diff", "--select", "test-only", "svc/Dockerfile")
	assert.Equal(t, 1, code)
	assert.Equal(t, "--- /dev/null\n+++ b/svc/.dockerignore\n@@ -0,0 +1 @@\n+.git\n", out)
	out, _, _ = dfopt(t, "", "diff", "--select", "test-only", filepath.Join(dir, "old"))
	assert.Equal(t, "--- a/old/.dockerignore\n+++ b/old/.dockerignore\n@@ -1 +1,2 @@\n node_modules\n+.git\n", out)
	out, _, _ = dfopt(t, "", "diff", "--select", "test-only", "--stat", ".")
	assert.Equal(t, " old/.dockerignore | 1 +\n svc/.dockerignore | 1 +\n svc/.dockerignore | 1 +\n 3 files changed, 3 insertions(+)\n", out)

	out, _, code = dfopt(t, "", "fix", "--select", "test-only", "svc/Dockerfile")
	assert.Equal(t, 0, code)
	assert.Equal(t, src, out, "fix to stdout prints the Dockerfile only")
	_, err := os.Stat("svc/.dockerignore")
	assert.True(t, os.IsNotExist(err), "and writes nothing")

	if _, err := exec.LookPath("git"); err == nil {
		diff, _, _ := dfopt(t, "", "diff", "--select", "test-only", "old")
		gitInit(t, dir)
		cmd := exec.Command("git", "apply", "-")
		cmd.Stdin = strings.NewReader(diff)
		msg, err := cmd.CombinedOutput()
		require.NoError(t, err, string(msg))
		data, _ := os.ReadFile("old/.dockerignore")
		assert.Equal(t, "node_modules\n.git\n", string(data))
		require.NoError(t, os.WriteFile("old/.dockerignore", []byte("node_modules\n"), 0o644))
	}

	// Two Dockerfiles of one folder want the same new file: both succeed.
	_, errs, code := dfopt(t, "", "fix", "--select", "test-only", "--write", ".")
	assert.Equal(t, 0, code, errs)
	for p, want := range map[string]string{"svc/.dockerignore": ".git\n", "old/.dockerignore": "node_modules\n.git\n"} {
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Equal(t, want, string(data), p)
	}
	st, _ := os.Stat("svc/.dockerignore")
	assert.Equal(t, os.FileMode(0o644), st.Mode().Perm())
	_, _, code = dfopt(t, "", "diff", "--select", "test-only", ".")
	assert.Equal(t, 0, code, "idempotent")
	entries, _ := os.ReadDir("svc")
	assert.Len(t, entries, 3, "no temporary files left")

	// A new file that appeared meanwhile with other content is not overwritten.
	err = writeFileChange(transform.FileChange{Path: filepath.Join(dir, "svc", ".dockerignore"), New: []byte("x\n")})
	assert.ErrorContains(t, err, "not overwritten")
}
