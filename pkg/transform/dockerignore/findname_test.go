package dockerignore

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// walkDirFindName is diFindName as it was written over filepath.WalkDir:
// the reference the walk over the run's Disk must agree with.
func walkDirFindName(ctx *transform.BuildContext, name string, budget int) bool {
	found := false
	_ = filepath.WalkDir(ctx.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || found {
			return filepath.SkipDir
		}
		budget--
		if budget < 0 {
			return filepath.SkipAll
		}
		if e.Name() == name && !e.IsDir() {
			found = true
			return filepath.SkipAll
		}
		if e.IsDir() && p != ctx.Dir {
			switch e.Name() {
			case ".git", "node_modules", ".venv", "target", "vendor":
				return filepath.SkipDir
			}
			if rel, ok := diInside(ctx.Dir, p); ok && ctx.Excluded(rel) {
				return filepath.SkipDir
			}
		}
		return nil
	})
	return found
}

func TestFindNameAgreesWithWalkDir(t *testing.T) {
	cases := []map[string]string{
		{"a/b/.DS_Store": "", "x": ""},
		{"node_modules/.DS_Store": "", "vendor/.DS_Store": "", ".git/.DS_Store": ""},
		{"out/.DS_Store": "", ".dockerignore": "out\n"},
		{"out/.DS_Store": "", ".dockerignore": "out\n!out/.DS_Store\n"},
		{".DS_Store/": "", "a/.DS_Store/": ""},
		{"a/": "", "b/c/d/e.txt": ""},
	}
	for _, files := range cases {
		dir := diTree(t, files)
		ctx, err := transform.NewBuildContext(dir, "")
		require.NoError(t, err)
		assert.Equal(t, walkDirFindName(ctx, ".DS_Store", 20000), diFindName(ctx, ".DS_Store"), "%v", files)
	}
	// A context that is a link to a folder is not followed by either.
	dir := diTree(t, map[string]string{"real/.DS_Store": ""})
	require.NoError(t, os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "link")))
	ctx, err := transform.NewBuildContext(filepath.Join(dir, "link"), "")
	require.NoError(t, err)
	assert.False(t, walkDirFindName(ctx, ".DS_Store", 20000))
	assert.False(t, diFindName(ctx, ".DS_Store"))
}

// The walk stops after the same number of entries as WalkDir did.
func TestFindNameBudget(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for i := range 30 {
		files = append(files, filepath.Join(dir, "d", string(rune('a'+i%26))+string(rune('a'+i/26))))
	}
	for _, f := range files {
		require.NoError(t, os.MkdirAll(filepath.Dir(f), 0o755))
		require.NoError(t, os.WriteFile(f, nil, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "z.DS_Store"), nil, 0o644))
	ctx, err := transform.NewBuildContext(dir, "")
	require.NoError(t, err)
	for budget := 1; budget < 40; budget++ {
		w := &diWalk{ctx: ctx, disk: ctx.Disk(), name: "z.DS_Store", budget: budget - 1}
		w.dir(ctx.Dir)
		assert.Equal(t, walkDirFindName(ctx, "z.DS_Store", budget), w.found, "budget %d", budget)
	}
}
