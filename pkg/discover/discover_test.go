package discover

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWildmatch(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"Dockerfile", "Dockerfile", true},
		{"Docker*", "Dockerfile.dev", true},
		{"*", "a/b", false},
		{"a/*", "a/b", true},
		{"a/*", "a/b/c", false},
		{"a/?", "a/b", true},
		{"a?b", "a/b", false},
		{"**/Dockerfile", "Dockerfile", true},
		{"**/Dockerfile", "a/b/Dockerfile", true},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b/c", "a/b/x/b/c", true},
		{"a/**", "a/x/y", true},
		{"a/**", "a", false},
		{"a**b", "axxb", true},
		{"a**b", "ax/xb", false},
		{"[Dd]ockerfile", "dockerfile", true},
		{"[!D]ockerfile", "Dockerfile", false},
		{"[^D]ockerfile", "xockerfile", true},
		{"[a-c]x", "bx", true},
		{"[a-c]x", "dx", false},
		{"[]]", "]", true},
		{"[[:digit:]]x", "7x", true},
		{"\\*x", "*x", true},
		{"\\*x", "ax", false},
		{"*.Dockerfile", "api.Dockerfile", true},
		{"", "", true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, wildmatch(tt.glob, tt.path), "%q ~ %q", tt.glob, tt.path)
	}
}

func TestParsePattern(t *testing.T) {
	for _, line := range []string{"", "   ", "# comment", "/", "!"} {
		_, ok := ParsePattern(line)
		assert.False(t, ok, "%q", line)
	}
	p, ok := ParsePattern("!/build/  ")
	require.True(t, ok)
	assert.Equal(t, Pattern{glob: "build", negate: true, dirOnly: true, anchored: true}, p)
	p, _ = ParsePattern(`\#not-a-comment`)
	assert.Equal(t, "#not-a-comment", p.glob)
	p, _ = ParsePattern(`\!bang`)
	assert.False(t, p.negate)
	p, _ = ParsePattern(`trailing\ `)
	assert.Equal(t, `trailing\ `, p.glob)
	assert.True(t, p.Match("trailing ", false))

	p, _ = ParsePattern("legacy/")
	assert.True(t, p.Match("svc/legacy", true), "no slash before the end: any depth")
	assert.False(t, p.Match("svc/legacy", false), "folders only")
	assert.True(t, p.MatchPathOrParent("svc/legacy/Dockerfile"))
	assert.False(t, p.MatchPathOrParent("svc/legacy-not/Dockerfile"))

	_, err := CompileGlobs([]string{"ok/**", "[abc"})
	assert.ErrorContains(t, err, `bad pattern "[abc"`)
	_, err = CompileGlobs([]string{""})
	assert.Error(t, err)
}

func write(t *testing.T, root string, files ...string) {
	t.Helper()
	for _, f := range files {
		path, content, _ := strings.Cut(f, "=")
		p := filepath.Join(root, filepath.FromSlash(path))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

func walk(t *testing.T, opts Options, paths ...string) []string {
	t.Helper()
	var out []string
	Walk(paths, opts, func(f File) bool {
		s := filepath.ToSlash(f.Path)
		if f.Err != nil {
			s += ": " + f.Err.Error()
		}
		out = append(out, s)
		return true
	})
	return out
}

// isolateGit keeps the user's git configuration and global excludes out.
func isolateGit(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", filepath.Join(home, "gitconfig"))
}

func TestWalkOrderAndDefaultSkips(t *testing.T) {
	isolateGit(t)
	dir := t.TempDir()
	write(t, dir,
		"a/Dockerfile", "a.b/Dockerfile", "a-x.Dockerfile", "Containerfile", "z/Dockerfile.dev",
		"node_modules/p/Dockerfile", "vendor/v/Dockerfile", "b/README.md", "b/Dockerfile.dockerignore",
		"b/x.containerfile",
	)
	t.Chdir(dir)
	got := walk(t, Options{}, ".")
	assert.Equal(t, []string{"Containerfile", "a-x.Dockerfile", "a.b/Dockerfile", "a/Dockerfile", "b/x.containerfile", "z/Dockerfile.dev"}, got)
	assert.True(t, sort.StringsAreSorted(got), "whole paths in byte order")
}

func TestWalkExplicitPaths(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "notes.txt", "svc/Dockerfile")
	got := walk(t, Options{}, "-", filepath.Join(dir, "notes.txt"), filepath.Join(dir, "missing"))
	assert.Equal(t, []string{"-", filepath.ToSlash(filepath.Join(dir, "notes.txt")), filepath.ToSlash(filepath.Join(dir, "missing")) + ": no such file or directory"}, got)
}

func TestWalkExclude(t *testing.T) {
	isolateGit(t)
	dir := t.TempDir()
	write(t, dir, "svc/a/Dockerfile", "svc/legacy/Dockerfile", "svc/legacy/deep/Dockerfile",
		"svc/b/Dockerfile.test", "svc/b/Dockerfile", "testdata/Dockerfile", "svc/testdata/x/Dockerfile")
	t.Chdir(dir)
	globs, err := CompileGlobs([]string{"svc/legacy", "**/Dockerfile.test", "testdata/"})
	require.NoError(t, err)
	assert.Equal(t, []string{"svc/a/Dockerfile", "svc/b/Dockerfile"}, walk(t, Options{Exclude: globs}, "."))
	// Relative to the folder argument as well as to the working directory.
	globs, _ = CompileGlobs([]string{"legacy/**", "b/*.test"})
	assert.Equal(t, []string{"svc/a/Dockerfile", "svc/b/Dockerfile", "svc/testdata/x/Dockerfile"},
		walk(t, Options{Exclude: globs}, "svc"))
	// A later `!` pattern takes a file back (its folder too, as in git).
	globs, _ = CompileGlobs([]string{"svc/**", "!svc/b/", "!svc/b/**"})
	assert.Equal(t, []string{"svc/b/Dockerfile", "svc/b/Dockerfile.test", "testdata/Dockerfile"}, walk(t, Options{Exclude: globs}, "."))
}

func TestWalkSymlinksNotFollowed(t *testing.T) {
	outside := t.TempDir()
	write(t, outside, "elsewhere/Dockerfile")
	dir := t.TempDir()
	write(t, dir, "svc/Dockerfile")
	require.NoError(t, os.Symlink(filepath.Join(outside, "elsewhere"), filepath.Join(dir, "linked")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "elsewhere", "Dockerfile"), filepath.Join(dir, "svc", "Dockerfile.link")))
	require.NoError(t, os.Symlink(dir, filepath.Join(dir, "svc", "loop")))
	assert.Equal(t, []string{filepath.ToSlash(filepath.Join(dir, "svc", "Dockerfile"))}, walk(t, Options{}, dir))
	// A symbolic link named on the command line is followed.
	assert.Equal(t, []string{filepath.ToSlash(filepath.Join(dir, "linked", "Dockerfile"))}, walk(t, Options{}, filepath.Join(dir, "linked")))
}

func TestWalkUnreadableFolder(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every folder")
	}
	dir := t.TempDir()
	write(t, dir, "a/Dockerfile", "b/Dockerfile")
	require.NoError(t, os.Chmod(filepath.Join(dir, "a"), 0))
	defer os.Chmod(filepath.Join(dir, "a"), 0o755)
	got := walk(t, Options{}, dir)
	assert.Equal(t, []string{filepath.ToSlash(filepath.Join(dir, "a")) + ": permission denied", filepath.ToSlash(filepath.Join(dir, "b", "Dockerfile"))}, got)
}

// gitignoreTree is a work tree with ignore rules at several levels.
var gitignoreTree = []string{
	".gitignore=# root rules\n/build/\n*.tmp.Dockerfile\nignored-anywhere/\n!keep.tmp.Dockerfile\ndocs/**/Dockerfile\n[Oo]ld/\nsvc/*/gen/\n",
	".git/info/exclude=local/\n",
	"Dockerfile", "build/Dockerfile", "a/build/Dockerfile",
	"x.tmp.Dockerfile", "sub/keep.tmp.Dockerfile", "sub/y.tmp.Dockerfile",
	"ignored-anywhere/Dockerfile", "deep/ignored-anywhere/Dockerfile",
	"docs/Dockerfile", "docs/a/b/Dockerfile", "Old/Dockerfile", "old/Dockerfile", "cold/Dockerfile",
	"svc/api/gen/Dockerfile", "svc/api/Dockerfile", "svc/api/x/gen/Dockerfile",
	"local/Dockerfile",
	"svc/.gitignore=Dockerfile.*\n!Dockerfile.prod\n/api/Dockerfile\n",
	"svc/Dockerfile.dev", "svc/Dockerfile.prod", "svc/web/Dockerfile.dev", "svc/web/Dockerfile",
	"svc/web/.gitignore=!Dockerfile.dev\n",
	"nested/.git/HEAD=ref: refs/heads/main\n", "nested/.gitignore=*\n!.gitignore\n", "nested/Dockerfile",
	"with space/Dockerfile", "trail/.gitignore=Dockerfile  \n", "trail/Dockerfile",
}

func TestGitignore(t *testing.T) {
	isolateGit(t)
	dir := t.TempDir()
	write(t, dir, gitignoreTree...)
	want := []string{
		"Dockerfile", "a/build/Dockerfile", "cold/Dockerfile",
		"sub/keep.tmp.Dockerfile", "svc/Dockerfile.prod", "svc/api/x/gen/Dockerfile",
		"svc/web/Dockerfile", "svc/web/Dockerfile.dev", "with space/Dockerfile",
	}
	t.Chdir(dir)
	assert.Equal(t, want, walk(t, Options{}, "."))
	// Starting below the root still applies the rules above.
	assert.Equal(t, []string{"svc/Dockerfile.prod", "svc/api/x/gen/Dockerfile", "svc/web/Dockerfile", "svc/web/Dockerfile.dev"}, walk(t, Options{}, "svc"))
	assert.Equal(t, []string{"svc/api/x/gen/Dockerfile"}, walk(t, Options{}, "svc/api"))
	// --no-gitignore
	all := walk(t, Options{NoGitignore: true}, ".")
	assert.Contains(t, all, "build/Dockerfile")
	assert.Contains(t, all, "nested/Dockerfile")
}

// trickyTree exercises the corners of gitignore syntax.
var trickyTree = []string{
	".gitignore=" + strings.Join([]string{
		"**/gen", "out/**", "a/**/z", "\\#hash.Dockerfile", "[a-c]?.Dockerfile", "[!x]x.Dockerfile",
		"*.[Dd]ockerfile", "!keep*.dockerfile", "deep/*/Dockerfile", "/anchored/", "dir-only/",
		"Dockerfile.*", "!Dockerfile.prod", "sp\\ ace.Dockerfile", "nested/**/x/", "  # not a comment?",
		"q/Dockerfile.prod",
	}, "\n") + "\n",
	"gen/Dockerfile", "x/gen/Dockerfile", "out/Dockerfile", "out/y/Dockerfile", "a/z/Dockerfile", "a/b/c/z/Dockerfile",
	"a/zz/Dockerfile", "#hash.Dockerfile", "b1.Dockerfile", "bx1.Dockerfile", "ax.Dockerfile", "xx.Dockerfile",
	"one.dockerfile", "keep1.dockerfile", "deep/1/Dockerfile", "deep/1/2/Dockerfile", "anchored/Dockerfile",
	"sub/anchored/Dockerfile", "dir-only/Dockerfile", "sub/dir-only/Dockerfile", "Dockerfile.dev", "Dockerfile.prod",
	"q/Dockerfile.prod", "sp ace.Dockerfile", "nested/x/Dockerfile", "nested/m/x/Dockerfile", "nested/m/Dockerfile",
	"Containerfile", "  # not a comment?",
}

// The walk agrees with `git ls-files --others --exclude-standard` on the
// same tree (nothing committed, so --cached adds nothing).
func TestGitignoreAgreesWithGit(t *testing.T) {
	t.Run("levels", func(t *testing.T) { agreeWithGit(t, gitignoreTree) })
	t.Run("tricky", func(t *testing.T) { agreeWithGit(t, trickyTree) })
}

func agreeWithGit(t *testing.T, tree []string) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	isolateGit(t)
	dir := t.TempDir()
	var files []string
	for _, f := range tree {
		if !strings.HasPrefix(f, ".git/") && !strings.HasPrefix(f, "nested/") {
			files = append(files, f)
		}
	}
	write(t, dir, files...)
	t.Chdir(dir)
	cmd := exec.Command("git", "init", "-q")
	require.NoError(t, cmd.Run())
	write(t, dir, ".git/info/exclude=local/\n")
	out, err := exec.Command("git", "ls-files", "-z", "--others", "--exclude-standard").Output()
	require.NoError(t, err)
	var fromGit []string
	for _, p := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		if IsDockerfileName(filepath.Base(p)) {
			fromGit = append(fromGit, p)
		}
	}
	sort.Strings(fromGit)
	assert.Equal(t, fromGit, walk(t, Options{}, "."))
	assert.NotEmpty(t, fromGit)
}

func TestDockerfileNames(t *testing.T) {
	for name, want := range map[string]bool{
		"Dockerfile": true, "Containerfile": true, "Dockerfile.dev": true, "api.Dockerfile": true,
		"x.dockerfile": true, "x.containerfile": true, "Dockerfile.dockerignore": false,
		"README.md": false, "dockerfile.go": false, "Containerfile.containerignore": false,
		// The names docker build users give: any case, - and _ suffixes.
		"dockerfile": true, "DOCKERFILE": true, "dockerfile.dev": true, "prod.Dockerfile": true,
		"Dockerfile-prod": true, "Dockerfile_test": true, "Dockerfile_test_add_404": true,
		"containerfile": true, "Containerfile-ubi": true, "x.DockerFile": true,
		// Not Dockerfiles: templates, code and data named after one.
		"Dockerfile.template": false, "Dockerfile-dind.template": false, "Dockerfile.in": false,
		"Dockerfile.j2": false, "Dockerfile.prod.jinja": false, "Dockerfile.tpl": false,
		"dockerfile.rego": false, "Dockerfile-gen.py": false, "dockerfile_parser.go": false,
		"dockerfile-lint.yaml": false, "Dockerfiles": false, "MyDockerfile": false, "notDockerfile": false,
	} {
		assert.Equal(t, want, IsDockerfileName(name), name)
	}
	for ext := range NotDockerfile {
		assert.False(t, IsDockerfileName("Dockerfile"+ext), ext)
		assert.False(t, IsDockerfileName("Dockerfile.prod"+strings.ToUpper(ext)), ext)
	}
}

// Folder search finds the new names and skips templates; a template named
// on the command line is used as asked.
func TestWalkNamesAndTemplates(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "dockerfile", "Dockerfile-prod", "svc/Dockerfile_test", "svc/prod.Dockerfile",
		"svc/Dockerfile.template", "svc/Dockerfile.in", "tpl/Dockerfile.j2", "tpl/Dockerfile-dind.template", "tools/dockerfile_gen.go")
	t.Chdir(dir)
	assert.Equal(t, []string{"Dockerfile-prod", "dockerfile", "svc/Dockerfile_test", "svc/prod.Dockerfile"}, walk(t, Options{}, "."))
	assert.Equal(t, []string{"svc/Dockerfile.in"}, walk(t, Options{}, "svc/Dockerfile.in"))
}

func TestInspect(t *testing.T) {
	gen := func(line int, comment, template string) Content {
		return Content{Generated: &Generated{Line: line, Comment: comment, Template: template}}
	}
	for _, tc := range []struct {
		src  string
		want Content
	}{
		{"", Content{Empty: true}},
		{"\n  \n", Content{Empty: true}},
		{"# only a comment\n# syntax=docker/dockerfile:1\n", Content{Empty: true}},
		{"\xef\xbb\xbf# c\r\n", Content{Empty: true}},
		{"FROM alpine\n", Content{}},
		{"# base image\nFROM alpine\n", Content{}},
		// Marked as generated, with or without a template.
		{"# Generated by hack/gen.sh from Dockerfile.tmpl — DO NOT EDIT\nFROM alpine\n",
			gen(1, "Generated by hack/gen.sh from Dockerfile.tmpl — DO NOT EDIT", "Dockerfile.tmpl")},
		{"# syntax=docker/dockerfile:1\n\n# DO NOT EDIT: this file is auto-generated.\n# Edit `templates/Dockerfile.j2` instead.\nFROM alpine\n",
			gen(3, "DO NOT EDIT: this file is auto-generated.", "templates/Dockerfile.j2")},
		{"\xef\xbb\xbf## AUTOGENERATED FILE\r\nFROM alpine\r\n", gen(1, "AUTOGENERATED FILE", "")},
		{"# Code generated by dockergen. DO NOT EDIT.\nFROM alpine\n", gen(1, "Code generated by dockergen. DO NOT EDIT.", "")},
		{"# generated from the base image list\nFROM alpine\n", gen(1, "generated from the base image list", "")},
		{"# This file is generated from Dockerfile.in by configure.\nFROM alpine\n",
			gen(1, "This file is generated from Dockerfile.in by configure.", "Dockerfile.in")},
		// Only the comments before the first instruction count.
		{"FROM alpine\n# DO NOT EDIT below this line\nRUN echo \"generated by dfopt\" > /x\n", Content{}},
		{"FROM alpine\nRUN echo \"auto-generated\"\n", Content{}},
		{"# Build the API image\nFROM alpine\n", Content{}},
		{"# Stage 1: the binaries generated by go build are copied below\nFROM alpine\n", Content{}},
		{"# This Dockerfile was generated by kubebuilder\nFROM alpine\n", gen(1, "This Dockerfile was generated by kubebuilder", "")},
		{"#\n# Note: this Dockerfile is generated via \"render.sh\"\n#\n# Please do not edit it by hand.\n\nFROM alpine\n",
			gen(2, "Note: this Dockerfile is generated via \"render.sh\"", "")},
		{"# DO NOT EDIT: make your changes in /tpl/Dockerfile.*.in)\nFROM alpine\n",
			gen(1, "DO NOT EDIT: make your changes in /tpl/Dockerfile.*.in)", "/tpl/Dockerfile.*.in")},
	} {
		assert.Equal(t, tc.want, Inspect([]byte(tc.src)), "%q", tc.src)
	}
}

func TestGeneratedMessage(t *testing.T) {
	g := &Generated{Line: 2, Comment: "DO NOT EDIT", Template: "Dockerfile.tmpl"}
	assert.Equal(t, `generated file (line 2: "DO NOT EDIT"): left unchanged; edit its template Dockerfile.tmpl instead, or pass --include-generated`, g.Message())
	g.Template = ""
	assert.Equal(t, `generated file (line 2: "DO NOT EDIT"): left unchanged; edit what generates it instead, or pass --include-generated`, g.Message())
}

// Walk streams: it stops when told to.
func TestWalkStops(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a/Dockerfile", "b/Dockerfile", "c/Dockerfile")
	n := 0
	Walk([]string{dir, dir}, Options{}, func(File) bool { n++; return n < 2 })
	assert.Equal(t, 2, n)
}

// isGeneratedMarker's look for "generated " before the regexp answers as
// the regexp alone does.
func TestGeneratedMarkerShortcut(t *testing.T) {
	for _, c := range []string{
		"Generated by hand", "GENERATED BY make", "NOTE: this Dockerfile is generated via tmpl", "generated  by x",
		"the binaries generated by go build", "regenerated by x", "Generated\tby x", "nothing here", "generated",
		"Ｇenerated by x", "build: generated from Dockerfile.in",
	} {
		want := generatedBy.MatchString(c)
		lower := strings.ToLower(c)
		for _, m := range generatedMarkers {
			want = want || strings.Contains(lower, m)
		}
		if got := isGeneratedMarker(c); got != want {
			t.Errorf("%q: %v, want %v", c, got, want)
		}
	}
}
