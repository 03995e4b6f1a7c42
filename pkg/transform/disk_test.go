package transform

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func entryNames(entries []fs.DirEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// The Disk answers what the file system answers, and keeps the answer
// until told the path was written.
func TestDiskRemembersUntilForget(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, ".dockerignore")
	d := NewDisk()

	_, err := d.ReadFile(f)
	assert.ErrorIs(t, err, fs.ErrNotExist)
	entries, err := d.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries)

	require.NoError(t, os.WriteFile(f, []byte("node_modules\n"), 0o644))
	_, err = d.ReadFile(f)
	assert.ErrorIs(t, err, fs.ErrNotExist, "remembered: the write did not go through Forget")
	_, err = d.Lstat(f)
	assert.ErrorIs(t, err, fs.ErrNotExist, "the folder's listing answers for the names it lacks")
	_, err = d.Lstat(filepath.Join(dir, "sub"))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	d.Forget(f)
	data, err := d.ReadFile(f)
	require.NoError(t, err)
	assert.Equal(t, "node_modules\n", string(data))
	entries, err = d.ReadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, []string{".dockerignore"}, entryNames(entries), "the folder's listing is read again")

	data[0] = 'X'
	again, _ := d.ReadFile(f)
	assert.Equal(t, "node_modules\n", string(again), "the bytes are the caller's")
}

// A write through a symbolic link forgets the file it resolves to.
func TestDiskForgetsLinkTarget(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "shared.dockerignore")
	link := filepath.Join(dir, "app", ".dockerignore")
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(t, os.WriteFile(real, []byte("a\n"), 0o644))
	require.NoError(t, os.Symlink(real, link))
	d := NewDisk()
	data, _ := d.ReadFile(real)
	assert.Equal(t, "a\n", string(data))
	require.NoError(t, os.WriteFile(real, []byte("b\n"), 0o644))
	d.Forget(link)
	data, _ = d.ReadFile(real)
	assert.Equal(t, "b\n", string(data))
}

// Past its budget the Disk drops what it holds and reads again: the
// answers stay right.
func TestDiskBudget(t *testing.T) {
	dir := t.TempDir()
	d := NewDisk()
	n := 2 * diskBudget / diskStat
	for i := range n {
		_, err := d.Lstat(filepath.Join(dir, fmt.Sprint(i)))
		require.ErrorIs(t, err, fs.ErrNotExist)
	}
	assert.LessOrEqual(t, d.held, diskBudget)
	assert.Less(t, len(d.stats), n)
	f := filepath.Join(dir, "1")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	d.Forget(f)
	st, err := d.Lstat(f)
	require.NoError(t, err)
	assert.True(t, st.Mode().IsRegular())
}

// Derived values are computed once, and again after any Forget.
func TestDiskDerived(t *testing.T) {
	d := NewDisk()
	calls := 0
	get := func() int { return d.Derived("k", func() any { calls++; return calls }).(int) }
	assert.Equal(t, 1, get())
	assert.Equal(t, 1, get())
	d.Forget(filepath.Join(t.TempDir(), "x"))
	assert.Equal(t, 2, get())
}

// A nil Disk reads the file system itself; the working directory is the
// process's.
func TestDiskNil(t *testing.T) {
	var d *Disk
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644))
	data, err := d.ReadFile(filepath.Join(dir, "f"))
	require.NoError(t, err)
	assert.Equal(t, "x", string(data))
	d.Forget(dir)
	wd, _ := os.Getwd()
	got, _ := d.Getwd()
	assert.Equal(t, wd, got)
	abs, _ := NewDisk().Abs("a/../b")
	assert.Equal(t, filepath.Join(wd, "b"), abs)
}

// A listing the Disk holds answers that the names it lacks do not exist,
// as the file system would (same error), for paths below them too; a name
// it holds, or holds in another case, is asked of the file system.
func TestDiskAbsentFromListing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), nil, 0o644))
	d := NewDisk()
	_, err := d.ReadDir(dir)
	require.NoError(t, err)
	// Written behind the Disk's back: only a system call would see them.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dockerignore"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "é"), nil, 0o644))

	for _, p := range []string{".dockerignore", ".git", "sub/dir/file"} {
		full := filepath.Join(dir, p)
		_, err := d.Lstat(full)
		_, osErr := os.Lstat(filepath.Join(t.TempDir(), p))
		assert.Equal(t, osErr.(*fs.PathError).Err, err.(*fs.PathError).Err, p)
		assert.Equal(t, "lstat "+full+": no such file or directory", err.Error())
		_, err = d.Stat(full)
		assert.Equal(t, "stat "+full+": no such file or directory", err.Error())
		_, err = d.ReadFile(full)
		assert.Equal(t, "open "+full+": no such file or directory", err.Error())
		_, err = d.ReadDir(full)
		assert.ErrorIs(t, err, fs.ErrNotExist)
	}
	_, err = d.Lstat(filepath.Join(dir, "Dockerfile"))
	assert.NoError(t, err)
	_, err = d.Lstat(filepath.Join(dir, "DOCKERFILE"))
	assert.Error(t, err, "another case: asked of the file system (this one is case-sensitive)")
	_, err = d.Lstat(filepath.Join(dir, "é"))
	assert.NoError(t, err, "not ASCII: asked of the file system")
	assert.False(t, d.absent(filepath.Join(t.TempDir(), "x")), "no listing held: nothing known")
}

// LstatType gives Lstat's type bits, from a held listing of the folder
// (no system call: a change made after the listing is not seen) or from
// Lstat when the folder is not held.
func TestDiskLstatType(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	require.NoError(t, os.Symlink("sub", filepath.Join(dir, "link")))
	names := []string{"sub", "file", "link"}
	for _, held := range []bool{false, true} {
		d := NewDisk()
		if held {
			_, err := d.ReadDir(dir)
			require.NoError(t, err)
		}
		for _, n := range names {
			p := filepath.Join(dir, n)
			st, err := os.Lstat(p)
			require.NoError(t, err)
			got, err := d.LstatType(p)
			require.NoError(t, err)
			assert.Equal(t, st.Mode().Type(), got, "%s, listing held: %v", n, held)
		}
		_, err := d.LstatType(filepath.Join(dir, "missing"))
		assert.ErrorIs(t, err, fs.ErrNotExist)
	}
	d := NewDisk()
	_, err := d.ReadDir(dir)
	require.NoError(t, err)
	require.NoError(t, os.Remove(filepath.Join(dir, "sub")))
	got, err := d.LstatType(filepath.Join(dir, "sub"))
	require.NoError(t, err)
	assert.Equal(t, fs.ModeDir, got, "answered from the listing")
}
