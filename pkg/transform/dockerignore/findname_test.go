package dockerignore

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFindName(t *testing.T) {
	cases := []struct {
		files map[string]string
		found bool
	}{
		{map[string]string{"a/b/.DS_Store": "", "x": ""}, true},
		{map[string]string{"node_modules/.DS_Store": "", "vendor/.DS_Store": "", ".git/.DS_Store": ""}, false},
		{map[string]string{"out/.DS_Store": "", ".dockerignore": "out\n"}, false},
		{map[string]string{".DS_Store/": "", "a/.DS_Store/": ""}, false},
		{map[string]string{"a/": "", "b/c/d/e.txt": ""}, false},
	}
	for _, c := range cases {
		dir := diTree(t, c.files)
		ctx, err := transform.NewBuildContext(dir, "")
		require.NoError(t, err)
		assert.Equal(t, c.found, diFindName(ctx, ".DS_Store"), "%v", c.files)
	}
	// A context that is a link to a folder is not followed.
	dir := diTree(t, map[string]string{"real/.DS_Store": ""})
	require.NoError(t, os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")))
	ctx, err := transform.NewBuildContext(filepath.Join(dir, "link"), "")
	require.NoError(t, err)
	assert.False(t, diFindName(ctx, ".DS_Store"))
}

// The walk looks at no more entries than its budget: the root, the folder
// d, its 30 files, then z.DS_Store is the 33rd.
func TestFindNameBudget(t *testing.T) {
	dir := t.TempDir()
	for i := range 30 {
		f := filepath.Join(dir, "d", string(rune('a'+i%26))+string(rune('a'+i/26)))
		require.NoError(t, os.MkdirAll(filepath.Dir(f), 0o755))
		require.NoError(t, os.WriteFile(f, nil, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "z.DS_Store"), nil, 0o644))
	ctx, err := transform.NewBuildContext(dir, "")
	require.NoError(t, err)
	for budget := 1; budget < 40; budget++ {
		assert.Equal(t, budget >= 33, diWalk(ctx, "z.DS_Store", budget), "budget %d", budget)
	}
}

// diWalkFrom visits what fs.WalkDir visits, in its order, with the same
// skips: checked on a tree, with visits that skip folders and stop.
func TestWalkFromIsWalkDir(t *testing.T) {
	dir := diTree(t, map[string]string{"a/b/c.txt": "", "a/d/": "", "b/x": "", "c/y/z": "", "d": "", "e/f": ""})
	disk := transform.NewDisk()
	for _, stop := range []string{"", "a/b", "c", "e/f", "b/x"} {
		trace := func(out *[]string) func(string, fs.DirEntry, error) error {
			return func(p string, e fs.DirEntry, err error) error {
				*out = append(*out, fmt.Sprintf("%s %v %v", p, e.IsDir(), err != nil))
				switch {
				case p == stop && e.IsDir():
					return filepath.SkipDir
				case p == stop:
					return filepath.SkipAll
				}
				return nil
			}
		}
		var want, got []string
		wv := trace(&want)
		_ = fs.WalkDir(os.DirFS(dir), ".", func(p string, e fs.DirEntry, err error) error {
			if p == "." {
				p = ""
			}
			return wv(p, e, err)
		})
		_ = diWalkFrom(disk, dir, "", trace(&got))
		require.Equal(t, want, got, "stop at %q", stop)
	}
}

// diDockerfile, with its folder listed (the listing answers) or not,
// says what a stat says: a regular file, a link to one, a link to a
// folder, a folder, nothing.
func TestDockerfileFromListing(t *testing.T) {
	dir := diTree(t, map[string]string{"Dockerfile": "FROM a\n", "sub/": ""})
	require.NoError(t, os.Symlink("Dockerfile", filepath.Join(dir, "link")))
	require.NoError(t, os.Symlink("sub", filepath.Join(dir, "dirlink")))
	for _, listed := range []bool{false, true} {
		disk := transform.NewDisk()
		if listed {
			_, err := disk.ReadDir(dir)
			require.NoError(t, err)
		}
		for _, name := range []string{"Dockerfile", "link", "dirlink", "sub", "missing"} {
			p := filepath.Join(dir, name)
			want := ""
			if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
				want = p
			}
			d, err := ast.Parse(p, []byte("FROM a\n"))
			require.NoError(t, err)
			assert.Equal(t, want, diDockerfile(disk, d), "%s (listed %v)", name, listed)
		}
	}
}
