//go:build linux || darwin

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRegular gives readFile's bytes and errors; a FIFO that took the
// place of a file found regular is refused without blocking.
func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(f, []byte("FROM x\n"), 0o644))
	got, err := readRegular(f)
	require.NoError(t, err)
	assert.Equal(t, "FROM x\n", string(got))

	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	got, err = readRegular(empty)
	require.NoError(t, err)
	assert.Empty(t, got)

	fifo := filepath.Join(dir, "fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	_, err = readRegular(fifo)
	assert.Equal(t, errNotRegular, err)

	for _, p := range []string{filepath.Join(dir, "missing"), dir} {
		_, want := readFile(p)
		_, err = readRegular(p)
		assert.Equal(t, want, err, p)
	}
}
