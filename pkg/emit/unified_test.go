package emit

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gitRepo is a throw-away git repository used to check that our diffs are
// accepted by the real `git apply`.
type gitRepo struct {
	t   testing.TB
	dir string
}

func newGitRepo(t testing.TB) *gitRepo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git not found: %v", err)
	}
	r := &gitRepo{t: t, dir: t.TempDir()}
	r.run("git", "init", "-q")
	r.run("git", "config", "user.email", "emit-test@example.invalid")
	r.run("git", "config", "user.name", "emit test")
	// Byte-exact content: no line-ending conversion in either direction.
	r.run("git", "config", "core.autocrlf", "false")
	r.run("git", "config", "core.safecrlf", "false")
	return r
}

// run runs a command in the repository root and fails the test on error.
func (r *gitRepo) run(name string, args ...string) string {
	r.t.Helper()
	out, err := r.try(name, args...)
	require.NoError(r.t, err, "%s %s:\n%s", name, strings.Join(args, " "), out)
	return out
}

// try runs a command in the repository root, isolated from the user's and
// the system's git configuration.
func (r *gitRepo) try(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = r.dir
	cmd.Env = append(os.Environ(),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"HOME="+r.dir,
		"LC_ALL=C",
	)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (r *gitRepo) write(rel string, content []byte) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(rel))
	require.NoError(r.t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(r.t, os.WriteFile(p, content, 0o644))
}

func (r *gitRepo) read(rel string) []byte {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(rel)))
	require.NoError(r.t, err)
	return b
}

func (r *gitRepo) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(r.dir, filepath.FromSlash(rel)))
	return err == nil
}

// gitApply writes patch outside the work tree and runs `git apply --check`
// then `git apply` on it from the repository root.
func (r *gitRepo) gitApply(patch []byte) {
	r.t.Helper()
	pf := filepath.Join(r.t.TempDir(), "change.patch")
	require.NoError(r.t, os.WriteFile(pf, patch, 0o644))
	r.run("git", "apply", "--check", "--whitespace=nowarn", pf)
	r.run("git", "apply", "--whitespace=nowarn", pf)
}

// hunkCount counts "@@ " hunk headers; body lines always start with ' ',
// '+', '-' or '\', so a header is the only line that can start with "@@".
func hunkCount(diff []byte) int {
	n := 0
	for _, line := range strings.SplitAfter(string(diff), "\n") {
		if strings.HasPrefix(line, "@@ ") {
			n++
		}
	}
	return n
}

// countDiffLines counts '+' and '-' body lines of a diff (file headers excluded).
func countDiffLines(diff []byte) (added, removed int) {
	for _, line := range strings.SplitAfter(string(diff), "\n") {
		switch {
		case strings.HasPrefix(line, "+++ "), strings.HasPrefix(line, "--- "):
		case strings.HasPrefix(line, "+"):
			added++
		case strings.HasPrefix(line, "-"):
			removed++
		}
	}
	return added, removed
}

// numbered returns n lines "line 1\n" ... "line n\n" with the given ending.
func numbered(n int, eol string) []string {
	lines := make([]string, n)
	for i := range lines {
		lines[i] = fmt.Sprintf("RUN echo line %d%s", i+1, eol)
	}
	return lines
}

// replaced returns a copy of lines with lines[i] (0-based) replaced.
func replaced(lines []string, repl map[int]string) []string {
	out := append([]string(nil), lines...)
	for i, s := range repl {
		out[i] = s
	}
	return out
}

func join(lines []string) string { return strings.Join(lines, "") }

type unifiedCase struct {
	name    string
	oldPath string // defaults to "dir/Dockerfile"
	newPath string // defaults to "dir/Dockerfile"
	a, b    string
	want    string // exact expected diff, if non-empty
	hunks   int    // expected number of hunks, if non-zero
	patch   bool   // also check with GNU patch when available
}

func unifiedCases() []unifiedCase {
	long := numbered(40, "\n")
	crlf := numbered(12, "\r\n")
	return []unifiedCase{
		{
			name:    "new file from /dev/null",
			oldPath: "/dev/null",
			a:       "",
			b:       "FROM alpine\nRUN apk add curl\nCMD [\"sh\"]\n",
			want: "--- /dev/null\n+++ b/dir/Dockerfile\n" +
				"@@ -0,0 +1,3 @@\n+FROM alpine\n+RUN apk add curl\n+CMD [\"sh\"]\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "existing empty file gets content",
			a:     "",
			b:     "FROM alpine\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -0,0 +1 @@\n+FROM alpine\n",
			hunks: 1,
		},
		{
			name: "file emptied",
			a:    "FROM alpine\nRUN true\n",
			b:    "",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n" +
				"@@ -1,2 +0,0 @@\n-FROM alpine\n-RUN true\n",
			hunks: 1,
		},
		{
			name:  "single line changed",
			a:     "FROM alpine:3.18\n",
			b:     "FROM alpine:3.20\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1 +1 @@\n-FROM alpine:3.18\n+FROM alpine:3.20\n",
			hunks: 1,
			patch: true,
		},
		{
			name: "change in the middle of a short file",
			a:    "FROM a\nRUN 1\nRUN 2\nRUN 3\nRUN 4\nRUN 5\nRUN 6\nRUN 7\nCMD x\n",
			b:    "FROM a\nRUN 1\nRUN 2\nRUN 3\nRUN four\nRUN 5\nRUN 6\nRUN 7\nCMD x\n",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n" +
				"@@ -2,7 +2,7 @@\n RUN 1\n RUN 2\n RUN 3\n-RUN 4\n+RUN four\n RUN 5\n RUN 6\n RUN 7\n",
			hunks: 1,
		},
		{
			name: "pure insertion and pure deletion in one hunk",
			a:    "FROM a\nRUN 1\nRUN 2\nRUN 3\n",
			b:    "FROM a\nRUN 0\nRUN 1\nRUN 3\n",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n" +
				"@@ -1,4 +1,4 @@\n FROM a\n+RUN 0\n RUN 1\n-RUN 2\n RUN 3\n",
			hunks: 1,
		},
		{
			name:  "two separate hunks in a long file",
			a:     join(long),
			b:     join(replaced(long, map[int]string{4: "RUN changed 5\n", 30: "RUN changed 31\n"})),
			hunks: 2,
			patch: true,
		},
		{
			name: "two separate hunks exact text",
			a:    join(numbered(20, "\n")),
			b:    join(replaced(numbered(20, "\n"), map[int]string{1: "X\n", 18: "Y\n"})),
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n" +
				"@@ -1,5 +1,5 @@\n RUN echo line 1\n-RUN echo line 2\n+X\n RUN echo line 3\n RUN echo line 4\n RUN echo line 5\n" +
				"@@ -16,5 +16,5 @@\n RUN echo line 16\n RUN echo line 17\n RUN echo line 18\n-RUN echo line 19\n+Y\n RUN echo line 20\n",
			hunks: 2,
		},
		{
			name:  "hunks merge when 6 unchanged lines separate them",
			a:     join(long),
			b:     join(replaced(long, map[int]string{10: "RUN x\n", 17: "RUN y\n"})),
			hunks: 1,
		},
		{
			name:  "hunks merge when 1 unchanged line separates them",
			a:     join(long),
			b:     join(replaced(long, map[int]string{10: "RUN x\n", 12: "RUN y\n"})),
			hunks: 1,
		},
		{
			name:  "hunks stay apart when 7 unchanged lines separate them",
			a:     join(long),
			b:     join(replaced(long, map[int]string{10: "RUN x\n", 18: "RUN y\n"})),
			hunks: 2,
			patch: true,
		},
		{
			name:  "three hunks, two of them merged",
			a:     join(long),
			b:     join(replaced(long, map[int]string{2: "A\n", 9: "B\n", 30: "C\n"})),
			hunks: 2,
		},
		{
			name:  "CRLF file",
			a:     join(crlf),
			b:     join(replaced(crlf, map[int]string{5: "RUN apk add --no-cache curl\r\n"})),
			hunks: 1,
		},
		{
			name: "CRLF exact bytes",
			a:    "FROM a\r\nRUN b\r\n",
			b:    "FROM a\r\nRUN c\r\n",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n" +
				"@@ -1,2 +1,2 @@\n FROM a\r\n-RUN b\r\n+RUN c\r\n",
			hunks: 1,
		},
		{
			name:  "CRLF to LF on one line only",
			a:     join(crlf),
			b:     join(replaced(crlf, map[int]string{3: "RUN echo line 4\n"})),
			hunks: 1,
		},
		{
			name:  "LF file converted to CRLF",
			a:     join(numbered(5, "\n")),
			b:     join(numbered(5, "\r\n")),
			hunks: 1,
		},
		{
			name:  "file with a BOM, change elsewhere",
			a:     "\ufeffFROM alpine\nRUN a\nRUN b\n",
			b:     "\ufeffFROM alpine\nRUN a\nRUN c\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "BOM removed",
			a:     "\ufeffFROM alpine\nRUN a\n",
			b:     "FROM alpine\nRUN a\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,2 +1,2 @@\n-\ufeffFROM alpine\n+FROM alpine\n RUN a\n",
			hunks: 1,
		},
		{
			name:  "only the final newline added",
			a:     "FROM a\nRUN b",
			b:     "FROM a\nRUN b\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,2 +1,2 @@\n FROM a\n-RUN b\n\\ No newline at end of file\n+RUN b\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "only the final newline removed",
			a:     "FROM a\nRUN b\n",
			b:     "FROM a\nRUN b",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,2 +1,2 @@\n FROM a\n-RUN b\n+RUN b\n\\ No newline at end of file\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "only the final newline added, single line",
			a:     "x",
			b:     "x\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1 +1 @@\n-x\n\\ No newline at end of file\n+x\n",
			hunks: 1,
		},
		{
			name:  "no final newline on old side only, other change",
			a:     join(numbered(10, "\n")) + "CMD old",
			b:     join(replaced(numbered(10, "\n"), map[int]string{1: "RUN new\n"})) + "CMD old\n",
			hunks: 2,
		},
		{
			name:  "no final newline on new side only",
			a:     join(numbered(8, "\n")),
			b:     join(numbered(8, "\n")) + "CMD [\"x\"]",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -6,3 +6,4 @@\n RUN echo line 6\n RUN echo line 7\n RUN echo line 8\n+CMD [\"x\"]\n\\ No newline at end of file\n",
			hunks: 1,
			patch: true,
		},
		{
			name: "no final newline on both sides, last line changed",
			a:    "FROM a\nRUN b\nCMD old",
			b:    "FROM a\nRUN b\nCMD new",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,3 +1,3 @@\n FROM a\n RUN b\n" +
				"-CMD old\n\\ No newline at end of file\n+CMD new\n\\ No newline at end of file\n",
			hunks: 1,
			patch: true,
		},
		{
			name: "no final newline on both sides, unchanged last line as context",
			a:    "FROM a\nRUN b\nCMD x",
			b:    "FROM b\nRUN b\nCMD x",
			want: "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,3 +1,3 @@\n-FROM a\n+FROM b\n RUN b\n" +
				" CMD x\n\\ No newline at end of file\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "no final newline, CRLF lines",
			a:     "FROM a\r\nRUN b\r\nCMD x",
			b:     "FROM a\r\nRUN c\r\nCMD x\r\n",
			hunks: 1,
		},
		{
			name:  "tabs and trailing spaces",
			a:     "FROM alpine\t\nRUN\tapk add \\\n\t\tcurl   \n   \n\t\nCMD sh \n",
			b:     "FROM alpine\t\nRUN\tapk add \\\n\t\tcurl  wget \n    \n\t\nCMD sh\t\n",
			hunks: 1,
			patch: true,
		},
		{
			name:  "only the last line changes",
			a:     join(long),
			b:     join(replaced(long, map[int]string{39: "CMD [\"done\"]\n"})),
			hunks: 1,
			patch: true,
		},
		{
			name:  "only the first line changes",
			a:     join(long),
			b:     join(replaced(long, map[int]string{0: "FROM scratch\n"})),
			hunks: 1,
		},
		{
			name:  "blank lines and duplicates",
			a:     "\n\nRUN a\n\nRUN a\n\n",
			b:     "\nRUN a\n\n\nRUN a\nRUN a\n\n",
			hunks: 1,
		},
		{
			name:  "everything replaced",
			a:     "a\nb\nc\n",
			b:     "x\ny\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,3 +1,2 @@\n-a\n-b\n-c\n+x\n+y\n",
			hunks: 1,
		},
		{
			name:  "lone CR is not a line break",
			a:     "FROM a\rRUN b\nCMD c\n",
			b:     "FROM a\rRUN c\nCMD c\n",
			want:  "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n@@ -1,2 +1,2 @@\n-FROM a\rRUN b\n+FROM a\rRUN c\n CMD c\n",
			hunks: 1,
		},
		{
			name:  "invalid UTF-8 bytes",
			a:     "FROM a\nRUN \xff\xfe\nCMD c\n",
			b:     "FROM a\nRUN \xfe\xff\nCMD c\n",
			hunks: 1,
		},
	}
}

func TestUnifiedAppliesWithGit(t *testing.T) {
	_, patchErr := exec.LookPath("patch")
	for _, tc := range unifiedCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const path = "dir/Dockerfile"
			oldPath, newPath := tc.oldPath, tc.newPath
			if oldPath == "" {
				oldPath = path
			}
			if newPath == "" {
				newPath = path
			}
			a, b := []byte(tc.a), []byte(tc.b)
			diff := Unified(oldPath, newPath, a, b)
			require.NotNil(t, diff)
			if tc.want != "" {
				require.Equal(t, tc.want, string(diff))
			}
			if tc.hunks != 0 {
				assert.Equal(t, tc.hunks, hunkCount(diff), "hunks in:\n%s", diff)
			}
			added, removed := DiffStat(a, b)
			wantAdded, wantRemoved := countDiffLines(diff)
			assert.Equal(t, wantAdded, added, "DiffStat added")
			assert.Equal(t, wantRemoved, removed, "DiffStat removed")

			// The same diff again, byte for byte: the output is deterministic.
			assert.Equal(t, diff, Unified(oldPath, newPath, a, b))

			repo := newGitRepo(t)
			if oldPath != "/dev/null" {
				repo.write(path, a)
			}
			repo.gitApply(diff)
			require.True(t, repo.exists(path))
			assert.Equal(t, tc.b, string(repo.read(path)), "git apply result, diff:\n%s", diff)

			if tc.patch && patchErr == nil {
				pr := newGitRepo(t)
				if oldPath != "/dev/null" {
					pr.write(path, a)
				}
				pf := filepath.Join(t.TempDir(), "change.patch")
				require.NoError(t, os.WriteFile(pf, diff, 0o644))
				pr.run("patch", "-p1", "--dry-run", "-s", "-i", pf)
				assert.Equal(t, oldPath != "/dev/null", pr.exists(path), "--dry-run must not touch files")
				pr.run("patch", "-p1", "-s", "-i", pf)
				assert.Equal(t, tc.b, string(pr.read(path)), "patch result, diff:\n%s", diff)
			}
		})
	}
}

func TestUnifiedEqual(t *testing.T) {
	for _, s := range []string{"", "FROM a\n", "FROM a", "a\r\nb\r\n"} {
		assert.Nil(t, Unified("dir/Dockerfile", "dir/Dockerfile", []byte(s), []byte(s)), "%q", s)
		added, removed := DiffStat([]byte(s), []byte(s))
		assert.Zero(t, added)
		assert.Zero(t, removed)
	}
	assert.Nil(t, Unified("x", "x", nil, []byte{}), "nil and empty are equal")
}

func TestUnifiedHeaders(t *testing.T) {
	a, b := []byte("a\n"), []byte("b\n")
	tests := []struct {
		oldPath, newPath, want string
	}{
		{"dir/Dockerfile", "dir/Dockerfile", "--- a/dir/Dockerfile\n+++ b/dir/Dockerfile\n"},
		{"old/Dockerfile", "new/Dockerfile.opt", "--- a/old/Dockerfile\n+++ b/new/Dockerfile.opt\n"},
		{"/dev/null", "Dockerfile", "--- /dev/null\n+++ b/Dockerfile\n"},
		{"Dockerfile", "/dev/null", "--- a/Dockerfile\n+++ /dev/null\n"},
	}
	for _, tt := range tests {
		got := string(Unified(tt.oldPath, tt.newPath, a, b))
		assert.True(t, strings.HasPrefix(got, tt.want), "got %q, want prefix %q", got, tt.want)
		assert.Equal(t, tt.want+"@@ -1 +1 @@\n-a\n+b\n", got)
	}
}

func TestUnifiedDeleteToDevNull(t *testing.T) {
	diff := Unified("dir/Dockerfile", "/dev/null", []byte("FROM a\nRUN b\n"), nil)
	require.Equal(t, "--- a/dir/Dockerfile\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-FROM a\n-RUN b\n", string(diff))
	repo := newGitRepo(t)
	repo.write("dir/Dockerfile", []byte("FROM a\nRUN b\n"))
	repo.gitApply(diff)
	assert.False(t, repo.exists("dir/Dockerfile"), "a diff to /dev/null deletes the file")
}

func TestDiffStat(t *testing.T) {
	tests := []struct {
		name           string
		a, b           string
		added, removed int
	}{
		{"empty to content", "", "a\nb\n", 2, 0},
		{"content to empty", "a\nb\nc\n", "", 0, 3},
		{"one line changed", "a\nb\nc\n", "a\nB\nc\n", 1, 1},
		{"final newline only", "a\nb", "a\nb\n", 1, 1},
		{"CRLF to LF", "a\r\nb\r\n", "a\nb\r\n", 1, 1},
		{"insert in middle", "a\nc\n", "a\nb\nc\n", 1, 0},
		{"no newline on both", "a", "b", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			added, removed := DiffStat([]byte(tt.a), []byte(tt.b))
			assert.Equal(t, tt.added, added, "added")
			assert.Equal(t, tt.removed, removed, "removed")
		})
	}
}

// TestUnifiedCoarseFallback lowers the line bound so the fallback used for
// huge inputs runs on small ones, and checks its output applies too.
func TestUnifiedCoarseFallback(t *testing.T) {
	saved := maxDiffLines
	maxDiffLines = 1
	t.Cleanup(func() { maxDiffLines = saved })

	long := numbered(30, "\n")
	a := join(long) + "CMD x"
	b := join(replaced(long, map[int]string{3: "A\n", 20: "B\n"})) + "CMD x"
	diff := Unified("dir/Dockerfile", "dir/Dockerfile", []byte(a), []byte(b))
	require.NotNil(t, diff)
	assert.Equal(t, 1, hunkCount(diff))
	added, removed := DiffStat([]byte(a), []byte(b))
	assert.Equal(t, 18, added)
	assert.Equal(t, 18, removed)

	repo := newGitRepo(t)
	repo.write("dir/Dockerfile", []byte(a))
	repo.gitApply(diff)
	assert.Equal(t, b, string(repo.read("dir/Dockerfile")))
}

// randomText builds a small line-based text from a small alphabet so that
// random pairs share many lines, with random CRLF/LF endings and sometimes
// no final newline.
func randomText(rng *rand.Rand) string {
	alphabet := []string{"FROM alpine", "RUN a", "RUN b", "", "COPY . .", "  \t", "CMD x", "RUN a "}
	var sb strings.Builder
	n := rng.Intn(12)
	for i := 0; i < n; i++ {
		sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		if i == n-1 && rng.Intn(4) == 0 {
			break // no final newline
		}
		if rng.Intn(5) == 0 {
			sb.WriteString("\r\n")
		} else {
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// mutate derives a text from s by a few random line edits, so that pairs
// look like real rewrites rather than unrelated files.
func mutate(rng *rand.Rand, s string) string {
	lines := splitLines(s)
	for k := rng.Intn(4); k >= 0; k-- {
		other := splitLines(randomText(rng))
		switch op := rng.Intn(4); {
		case op == 0 && len(lines) > 0: // delete a line
			i := rng.Intn(len(lines))
			lines = append(lines[:i], lines[i+1:]...)
		case op == 1 && len(other) > 0: // insert a line
			i := rng.Intn(len(lines) + 1)
			l := other[0]
			if !strings.HasSuffix(l, "\n") {
				l += "\n"
			}
			lines = append(lines[:i], append([]string{l}, lines[i:]...)...)
		case op == 2 && len(lines) > 0: // toggle the final newline
			last := lines[len(lines)-1]
			if strings.HasSuffix(last, "\n") {
				lines[len(lines)-1] = strings.TrimSuffix(strings.TrimSuffix(last, "\n"), "\r")
			} else {
				lines[len(lines)-1] = last + "\n"
			}
		case op == 3 && len(lines) > 0: // change a line ending
			i := rng.Intn(len(lines))
			if strings.HasSuffix(lines[i], "\r\n") {
				lines[i] = strings.TrimSuffix(lines[i], "\r\n") + "\n"
			} else if strings.HasSuffix(lines[i], "\n") {
				lines[i] = strings.TrimSuffix(lines[i], "\n") + "\r\n"
			}
		}
	}
	// A line without '\n' may only be last: give earlier ones a newline.
	for i := 0; i < len(lines)-1; i++ {
		if !strings.HasSuffix(lines[i], "\n") {
			lines[i] += "\n"
		}
	}
	return join(lines)
}

// TestUnifiedRandomGitApply checks on ~300 pseudo-random pairs that applying
// Unified's output with git reproduces b exactly. All pairs share one
// repository and one patch file so that git runs only twice.
func TestUnifiedRandomGitApply(t *testing.T) {
	const pairs = 300
	rng := rand.New(rand.NewSource(20240611))
	repo := newGitRepo(t)

	type pair struct {
		path string
		a, b string
		diff []byte
	}
	all := make([]pair, pairs)
	var patch bytes.Buffer
	for i := range all {
		a := randomText(rng)
		var b string
		if rng.Intn(3) == 0 {
			b = randomText(rng) // unrelated text
		} else {
			b = mutate(rng, a)
		}
		p := pair{path: fmt.Sprintf("p%03d/Dockerfile", i), a: a, b: b}
		p.diff = Unified(p.path, p.path, []byte(a), []byte(b))
		if a == b {
			require.Nil(t, p.diff)
		} else {
			require.NotNil(t, p.diff, "a=%q b=%q", a, b)
			added, removed := DiffStat([]byte(a), []byte(b))
			wa, wr := countDiffLines(p.diff)
			require.Equal(t, [2]int{wa, wr}, [2]int{added, removed}, "DiffStat for a=%q b=%q", a, b)
		}
		patch.Write(p.diff)
		repo.write(p.path, []byte(a))
		all[i] = p
	}

	pf := filepath.Join(t.TempDir(), "all.patch")
	require.NoError(t, os.WriteFile(pf, patch.Bytes(), 0o644))
	if out, err := repo.try("git", "apply", "--check", "--whitespace=nowarn", pf); err != nil {
		// Find the culprit(s) to make the failure readable.
		for _, p := range all {
			if p.diff == nil {
				continue
			}
			one := filepath.Join(t.TempDir(), "one.patch")
			require.NoError(t, os.WriteFile(one, p.diff, 0o644))
			if o, err := repo.try("git", "apply", "--check", "--whitespace=nowarn", one); err != nil {
				t.Errorf("git apply --check failed for a=%q b=%q:\n%s\n%s", p.a, p.b, p.diff, o)
			}
		}
		t.Fatalf("git apply --check failed: %v\n%s", err, out)
	}
	repo.run("git", "apply", "--whitespace=nowarn", pf)

	for _, p := range all {
		assert.Equal(t, p.b, string(repo.read(p.path)), "a=%q\ndiff:\n%s", p.a, p.diff)
	}
}

func BenchmarkUnified(b *testing.B) {
	lines := make([]string, 300)
	for i := range lines {
		switch i % 10 {
		case 0:
			lines[i] = fmt.Sprintf("FROM registry.example.com/base/image-%d:1.%d AS stage%d\n", i, i%7, i)
		case 3:
			lines[i] = "\n"
		default:
			lines[i] = fmt.Sprintf("RUN apt-get update && apt-get install -y package-%d \\\n", i)
		}
	}
	a := []byte(join(lines))
	changed := replaced(lines, map[int]string{
		17:  "RUN apk add --no-cache package-17\n",
		120: "RUN --mount=type=cache,target=/var/cache/apt apt-get install -y x\n",
		121: "",
		250: "COPY --link . /src\n",
	})
	changed = append(changed[:200], append([]string{"ENV A=1\n", "ENV B=2\n"}, changed[200:]...)...)
	bb := []byte(join(changed))

	b.ReportAllocs()
	b.SetBytes(int64(len(a) + len(bb)))
	for b.Loop() {
		if Unified("dir/Dockerfile", "dir/Dockerfile", a, bb) == nil {
			b.Fatal("no diff")
		}
	}
}
