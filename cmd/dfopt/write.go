package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/dfopt/dfopt/pkg/transform"
)

// writeResult writes what a fix changed: the other files first (the new
// Dockerfile may rely on them, as on a new .dockerignore), then the
// Dockerfile. Nothing is written when the Dockerfile changed on disk
// since it was read.
func writeResult(r *transform.Result, force bool) error {
	if now, err := os.ReadFile(r.Path); err != nil {
		return cleanPathErr(err)
	} else if !bytes.Equal(now, r.Src) {
		return errChanged
	}
	for _, f := range r.Files {
		if err := writeFileChange(f); err != nil {
			return fmt.Errorf("%s: %v", displayPath(diffPath(f.Path)), err)
		}
	}
	if bytes.Equal(r.Src, r.Out) {
		return nil
	}
	return writeDockerfile(r.Path, r.Src, r.Out, force)
}

var (
	errReadOnly  = errors.New("read-only file; not overwritten (--force writes it)")
	errHardLinks = errors.New("the file has other hard links, which a rewrite would break; not overwritten (--force writes it in place, keeping them)")
)

// writeDockerfile writes a Dockerfile's fix. A read-only file is left
// alone unless forced; so is a file with other hard links, which the
// atomic rename would split from them: forced, it is rewritten in place
// and stays one file under every name.
func writeDockerfile(path string, orig, data []byte, force bool) error {
	st, err := os.Stat(path)
	if err != nil {
		return cleanPathErr(err)
	}
	if st.Mode().Perm()&0o222 == 0 && !force {
		return errReadOnly
	}
	if links(st) > 1 {
		if !force {
			return errHardLinks
		}
		return writeInPlace(path, orig, data)
	}
	return writeAtomic(path, orig, data)
}

// writeInPlace rewrites a file's content without replacing the file.
func writeInPlace(path string, orig, data []byte) error {
	now, err := os.ReadFile(path)
	if err != nil {
		return cleanPathErr(err)
	}
	if !bytes.Equal(now, orig) {
		return errChanged
	}
	st, err := os.Stat(path)
	if err != nil {
		return cleanPathErr(err)
	}
	if st.Mode().Perm()&0o200 == 0 { // forced over read-only: for the write only
		if err := os.Chmod(path, st.Mode().Perm()|0o200); err != nil {
			return cleanPathErr(err)
		}
		defer os.Chmod(path, st.Mode().Perm())
	}
	return cleanPathErr(os.WriteFile(path, data, st.Mode().Perm()))
}

var errChanged = errors.New("file changed on disk since it was read; not overwritten")

// fileLocks serialise writes to the same other file: two Dockerfiles in
// one folder may both want the same .dockerignore.
var fileLocks sync.Map // path → *sync.Mutex

// writeFileChange creates or replaces a file beside a Dockerfile. When the
// file already holds the new content (another Dockerfile's fix wrote it)
// there is nothing to do; when it holds anything else than what the fix
// was made against, it is left alone.
func writeFileChange(f transform.FileChange) error {
	mu, _ := fileLocks.LoadOrStore(f.Path, new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	defer mu.(*sync.Mutex).Unlock()
	now, err := os.ReadFile(f.Path)
	switch {
	case err == nil && bytes.Equal(now, f.New):
		return nil
	case err == nil && f.Old == nil:
		return errors.New("file appeared on disk since dfopt looked; not overwritten")
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return cleanPathErr(err)
	case err != nil && f.Old != nil:
		return errors.New("file disappeared since it was read; not written")
	case f.Old == nil:
		return replaceAtomic(f.Path, f.New, nil)
	}
	return writeAtomic(f.Path, f.Old, f.New)
}

// writeAtomic replaces path with data: a temporary file in the same folder,
// fsync, the original mode, rename. It refuses when the file on disk no
// longer holds orig (it changed after dfopt read it).
func writeAtomic(path string, orig, data []byte) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(real)
	if err != nil {
		return err
	}
	now, err := os.ReadFile(real)
	if err != nil {
		return err
	}
	if !bytes.Equal(now, orig) {
		return errChanged
	}
	return replaceAtomic(real, data, st)
}

// replaceAtomic writes data to path through a temporary file in the same
// folder: written, given the mode (and, as root, the owner and group) of
// the file it replaces (old; nil for a new file: 0644), synced, renamed
// over path. The temporary file is removed if dfopt is interrupted.
func replaceAtomic(path string, data []byte, old os.FileInfo) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".dfopt-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return fmt.Errorf("folder %s is not writable", dir)
		}
		return cleanPathErr(err)
	}
	temps.add(tmp.Name())
	defer temps.remove(tmp.Name())
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	mode := os.FileMode(0o644)
	if old != nil {
		mode = old.Mode().Perm()
		if err := keepOwner(tmp, old); err != nil {
			return err
		}
	}
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
