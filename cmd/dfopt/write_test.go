package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteReadOnlyNeedsForce(t *testing.T) {
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	require.NoError(t, os.Chmod(f, 0o444))
	_, errs, code := dfopt(t, "", "fix", "-w", f)
	assert.Equal(t, 2, code)
	assert.Equal(t, f+": read-only file; not overwritten (--force writes it)\n", errs)
	data, _ := os.ReadFile(f)
	assert.Equal(t, needsFix, string(data))

	_, errs, code = dfopt(t, "", "fix", "-w", "--force", f)
	require.Equal(t, 0, code, errs)
	data, _ = os.ReadFile(f)
	assert.Equal(t, clean, string(data))
	st, _ := os.Stat(f)
	assert.Equal(t, os.FileMode(0o444), st.Mode().Perm(), "still read-only")
}

func TestWriteHardLinks(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, filepath.Join(dir, "Dockerfile"), needsFix)
	other := filepath.Join(dir, "Dockerfile.copy")
	require.NoError(t, os.Link(f, other))
	_, errs, code := dfopt(t, "", "fix", "-w", f)
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, f+": the file has other hard links")

	_, errs, code = dfopt(t, "", "fix", "-w", "--force", f)
	require.Equal(t, 0, code, errs)
	for _, p := range []string{f, other} {
		data, _ := os.ReadFile(p)
		assert.Equal(t, clean, string(data), "%s: one file under both names", p)
	}
	a, _ := os.Stat(f)
	b, _ := os.Stat(other)
	assert.True(t, os.SameFile(a, b))
}

func TestWriteFolderNotWritable(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root writes in any folder, but not in /sys.
		err := replaceAtomic("/sys/Dockerfile", []byte("x"), nil)
		require.Error(t, err)
		assert.Equal(t, "folder /sys is not writable", err.Error())
		return
	}
	dir := filepath.Join(t.TempDir(), "app")
	f := writeFile(t, filepath.Join(dir, "Dockerfile"), needsFix)
	require.NoError(t, os.Chmod(dir, 0o555))
	defer os.Chmod(dir, 0o755)
	_, errs, code := dfopt(t, "", "fix", "-w", f)
	assert.Equal(t, 2, code)
	assert.Equal(t, f+": folder "+dir+" is not writable\n", errs)
}

func TestWriteKeepsOwnerAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only root can give a file away")
	}
	f := writeFile(t, filepath.Join(t.TempDir(), "Dockerfile"), needsFix)
	require.NoError(t, os.Chown(f, 4321, 8765))
	_, errs, code := dfopt(t, "", "fix", "-w", f)
	require.Equal(t, 0, code, errs)
	st, err := os.Stat(f)
	require.NoError(t, err)
	sys := st.Sys().(*syscall.Stat_t)
	assert.Equal(t, []uint32{4321, 8765}, []uint32{sys.Uid, sys.Gid})
}

// An interrupted run removes its temporary files and exits as the signal
// would. The test runs itself as a child that registers a temporary file
// and waits for the signal.
func TestSignalRemovesTempFiles(t *testing.T) {
	if tmp := os.Getenv("DFOPT_SIGNAL_CHILD"); tmp != "" {
		require.NoError(t, os.WriteFile(tmp, nil, 0o644))
		temps.add(tmp)
		cleanupOnSignal()
		os.Stdout.WriteString("ready\n")
		time.Sleep(time.Minute)
		return
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		tmp := filepath.Join(t.TempDir(), ".Dockerfile.dfopt-123")
		cmd := exec.Command(os.Args[0], "-test.run=^TestSignalRemovesTempFiles$")
		cmd.Env = append(os.Environ(), "DFOPT_SIGNAL_CHILD="+tmp)
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		line, _ := bufio.NewReader(out).ReadString('\n')
		require.Equal(t, "ready", strings.TrimSpace(line))
		require.FileExists(t, tmp)
		require.NoError(t, cmd.Process.Signal(sig))
		err = cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit)
		assert.Equal(t, 128+int(sig), exit.ExitCode())
		assert.NoFileExists(t, tmp, "removed on %v", sig)
	}
}

// TestWriteSharedContextSeesEarlierWrites: the run reads each context
// once (transform.Disk), yet a Dockerfile processed after another one's
// fix was written sees the file that fix wrote, as a run of its own would.
func TestWriteSharedContextSeesEarlierWrites(t *testing.T) {
	layout := func() string {
		dir := t.TempDir()
		tree(t, dir, "a/Dockerfile=FROM alpine\nCOPY . /app\n",
			"b/Dockerfile=FROM node\nCOPY . /app\nRUN npm install\n", "ctx/.git/HEAD=x\n", "ctx/app.js=x\n")
		return dir
	}
	args := func(dir string, files ...string) []string {
		out := []string{"fix", "--write", "-j", "1", "--no-config", "--select", "dockerignore", "--context", filepath.Join(dir, "ctx")}
		for _, f := range files {
			out = append(out, filepath.Join(dir, f, "Dockerfile"))
		}
		return out
	}
	// One process per Dockerfile: nothing is shared.
	apart := layout()
	for _, f := range []string{"a", "b"} {
		_, errs, code := dfopt(t, "", args(apart, f)...)
		require.Equal(t, 0, code, errs)
	}
	want, err := os.ReadFile(filepath.Join(apart, "ctx", ".dockerignore"))
	require.NoError(t, err)
	require.Contains(t, string(want), "node_modules", "b's run extended what a's wrote")

	together := layout()
	_, errs, code := dfopt(t, "", args(together, "a", "b")...)
	require.Equal(t, 0, code, errs)
	got, err := os.ReadFile(filepath.Join(together, "ctx", ".dockerignore"))
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got))
}
