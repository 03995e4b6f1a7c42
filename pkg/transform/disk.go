package transform

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"unicode/utf8"
)

// Disk reads the file system for build contexts and remembers what it
// read: file modes, folder listings, small files, the working directory.
// One Disk serves a whole run, so that a context is listed once however
// many Dockerfiles share it and however many passes the chain makes over
// each (the dockerignore rule alone read the same folder and the same
// ignore files in every pass). Safe for concurrent use.
//
// Why the answers stay true: dfopt itself changes nothing on disk while
// the chain runs; the writes of `fix --write` come after a file's chain,
// and the writer calls Forget for each path it wrote (the path, the file
// it resolves to, and their folders' listings), so the next Dockerfile
// reads them again. A read that began before a Forget is not kept
// (generations). The working directory is read once: dfopt never changes
// it.
//
// A folder listing it holds also answers, without a system call, that a
// name it lacks does not exist (see absent): the run's walk lists every
// folder it searches, so the rules' and the driver's questions about
// files that are not there (.dockerignore, .git, a manifest) cost nothing.
//
// Memory is bounded: when what is held passes diskBudget (about 1 MB)
// everything is dropped and read again as needed, which costs reads, never
// answers. A nil *Disk reads straight from the file system.
type Disk struct {
	wd    string
	wdErr error

	mu    sync.Mutex
	gen   uint64 // bumped by Forget
	held  int    // approximate bytes held
	stats map[statKey]statResult
	dirs  map[string]dirResult
	files map[string]fileResult
	// derived are values computed from what was read (see Derived).
	derived map[string]any
}

type statKey struct {
	path   string
	follow bool // Stat (follows a final symbolic link) or Lstat
}

type statResult struct {
	info fs.FileInfo
	err  error
}

type dirResult struct {
	entries []fs.DirEntry
	err     error
}

type fileResult struct {
	data []byte
	err  error
}

// The approximate heap bytes each kept answer costs (beside its path),
// and the bound on their sum: small, as the heap grows to a multiple of
// what is live (GOGC), and a file's answers are needed only while the
// files of its folder are in flight, a few per worker.
const (
	diskBudget  = 1 << 20
	diskMaxFile = 64 << 10 // larger files are read every time
	diskStat    = 400      // a mode (os.fileStat) or an error
	diskDirent  = 128      // a folder entry
	diskFile    = 200      // a file's content or error, besides its bytes
)

// NewDisk starts an empty Disk, reading the working directory now.
func NewDisk() *Disk {
	d := &Disk{}
	d.wd, d.wdErr = os.Getwd()
	d.reset()
	return d
}

func (d *Disk) reset() {
	d.held = 0
	d.stats = map[statKey]statResult{}
	d.dirs = map[string]dirResult{}
	d.files = map[string]fileResult{}
	d.derived = map[string]any{}
}

// Abs is filepath.Abs with the working directory read once.
func (d *Disk) Abs(p string) (string, error) {
	if d == nil || filepath.IsAbs(p) {
		return filepath.Abs(p)
	}
	if d.wdErr != nil {
		return "", d.wdErr
	}
	return filepath.Join(d.wd, p), nil
}

// Getwd is os.Getwd, read once.
func (d *Disk) Getwd() (string, error) {
	if d == nil {
		return os.Getwd()
	}
	return d.wd, d.wdErr
}

// key is the cache key of a path: absolute and clean ("" when the
// working directory is unknown; such paths are not cached).
func (d *Disk) key(p string) string {
	k, err := d.Abs(p)
	if err != nil {
		return ""
	}
	return k
}

// Stat is os.Stat, remembered.
func (d *Disk) Stat(p string) (fs.FileInfo, error) { return d.stat(p, true) }

// Lstat is os.Lstat, remembered.
func (d *Disk) Lstat(p string) (fs.FileInfo, error) { return d.stat(p, false) }

// LstatType is the type bits of Lstat(p) (fs.ModeDir, fs.ModeSymlink,
// none for a regular file, …): read from a listing of p's folder that
// the Disk holds, without a system call, when the listing has p's name;
// from Lstat otherwise. A listing's entries carry the type Lstat gives
// (os.ReadDir reads it from the folder, or lstats the entry where the
// file system does not say), and it holds for the reason every answer of
// the Disk does (see Disk).
func (d *Disk) LstatType(p string) (fs.FileMode, error) {
	if k := d.key(p); d != nil && k != "" {
		d.mu.Lock()
		r, ok := d.dirs[filepath.Dir(k)]
		d.mu.Unlock()
		if ok && r.err == nil {
			name := filepath.Base(k)
			if i, found := slices.BinarySearchFunc(r.entries, name, func(e fs.DirEntry, n string) int { return strings.Compare(e.Name(), n) }); found {
				return r.entries[i].Type(), nil
			}
		}
	}
	st, err := d.Lstat(p)
	if err != nil {
		return 0, err
	}
	return st.Mode().Type(), nil
}

func (d *Disk) stat(p string, follow bool) (fs.FileInfo, error) {
	read, op := os.Lstat, "lstat"
	if follow {
		read, op = os.Stat, "stat"
	}
	if d.absent(p) {
		return nil, notExist(op, p)
	}
	r := rememberedAt(d, p, func() map[statKey]statResult { return d.stats }, func(k string) statKey { return statKey{k, follow} },
		func() (r statResult) {
			r.info, r.err = read(p)
			return r
		}, func(k string, _ statResult) int { return len(k) + diskStat })
	return r.info, r.err
}

// notExist is the error the os package gives for a path that does not
// exist (op: "stat", "lstat", "open").
func notExist(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: syscall.ENOENT}
}

// absent reports whether a listing the Disk holds shows that p does not
// exist: the nearest listed folder above p lacks the next name on the way
// down (a path under a missing folder is missing too). A listing that
// holds the name, or one of another case (a case-insensitive file system
// finds it), or a name that is not plain ASCII (a file system may
// normalize it), answers nothing: the system call decides. Sound for the
// reason every answer of the Disk is (see Disk): the listing is what the
// folder holds until dfopt writes into it, and the writer's Forget drops
// the listing of each folder it wrote into.
func (d *Disk) absent(p string) bool {
	if d == nil {
		return false
	}
	k := d.key(p)
	if k == "" {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for child := k; ; {
		dir := filepath.Dir(child)
		if dir == child {
			return false
		}
		if r, ok := d.dirs[dir]; ok {
			return r.err == nil && !listed(r.entries, filepath.Base(child))
		}
		child = dir
	}
}

// listed reports whether entries (sorted by name) may hold name: it does,
// or holds a name equal to it under case folding, or name is not ASCII.
func listed(entries []fs.DirEntry, name string) bool {
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			return true
		}
	}
	if _, ok := slices.BinarySearchFunc(entries, name, func(e fs.DirEntry, n string) int { return strings.Compare(e.Name(), n) }); ok {
		return true
	}
	for _, e := range entries {
		if strings.EqualFold(e.Name(), name) {
			return true
		}
	}
	return false
}

// rememberedAt is remembered for what is read at path p, keyed by p's
// cache key: read straight through without a cache, or when p has no key.
func rememberedAt[K comparable, R any](d *Disk, p string, table func() map[K]R, key func(k string) K, read func() R, size func(k string, r R) int) R {
	if d == nil {
		return read()
	}
	k := d.key(p)
	if k == "" {
		return read()
	}
	return remembered(d, table, key(k), read, func(r R) int { return size(k, r) })
}

// pathKey is a cache key as it is: folders and files are keyed by path.
func pathKey(k string) string { return k }

// remembered is table()[key] or, the first time, what read gives, kept
// when size says it may be (-1: not kept). table is a function: a full
// cache is replaced by empty maps.
func remembered[K comparable, R any](d *Disk, table func() map[K]R, key K, read func() R, size func(R) int) R {
	d.mu.Lock()
	r, ok := table()[key]
	gen := d.gen
	d.mu.Unlock()
	if !ok {
		r = read()
		if n := size(r); n >= 0 {
			d.keep(gen, n, func() { table()[key] = r })
		}
	}
	return r
}

// ReadDir is os.ReadDir (sorted by name), remembered unless the folder
// is large. The slice is the caller's; the entries are shared.
func (d *Disk) ReadDir(p string) ([]fs.DirEntry, error) {
	if d.absent(p) {
		return nil, notExist("open", p)
	}
	r := rememberedAt(d, p, func() map[string]dirResult { return d.dirs }, pathKey, func() (r dirResult) {
		r.entries, r.err = os.ReadDir(p)
		return r
	}, func(k string, r dirResult) int {
		if size := len(k) + diskStat + diskDirent*len(r.entries); size <= diskBudget/16 {
			return size
		}
		return -1
	})
	return slices.Clone(r.entries), r.err
}

// ReadDirHeld is ReadDir that keeps nothing new: a listing the Disk holds
// is used, any other is read from disk and not kept (a walk of a large
// context would fill the budget many times over and drop what the run's
// other Dockerfiles need). The slice is the caller's.
func (d *Disk) ReadDirHeld(p string) ([]fs.DirEntry, error) {
	if k := d.key(p); d != nil && k != "" {
		d.mu.Lock()
		r, ok := d.dirs[k]
		d.mu.Unlock()
		if ok {
			return slices.Clone(r.entries), r.err
		}
	}
	return os.ReadDir(p)
}

// DirFS is the tree at root (absolute) as an fs.FS for fs.WalkDir: folders
// are listed by ReadDirHeld, Stat is the Disk's.
func (d *Disk) DirFS(root string) fs.FS { return diskFS{d, root} }

type diskFS struct {
	d    *Disk
	root string
}

func (f diskFS) path(name string) (string, error) {
	if !fs.ValidPath(name) {
		return "", &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	return filepath.Join(f.root, filepath.FromSlash(name)), nil
}

func (f diskFS) Open(name string) (fs.File, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, err
	}
	return os.Open(p)
}

func (f diskFS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, err
	}
	return f.d.ReadDirHeld(p)
}

func (f diskFS) Stat(name string) (fs.FileInfo, error) {
	p, err := f.path(name)
	if err != nil {
		return nil, err
	}
	return f.d.Stat(p)
}

// ReadFile is os.ReadFile, remembered for files up to diskMaxFile. The
// bytes are the caller's.
func (d *Disk) ReadFile(p string) ([]byte, error) {
	if d.absent(p) {
		return nil, notExist("open", p)
	}
	r := rememberedAt(d, p, func() map[string]fileResult { return d.files }, pathKey, func() (r fileResult) {
		r.data, r.err = os.ReadFile(p)
		return r
	}, func(k string, r fileResult) int {
		if len(r.data) <= diskMaxFile {
			return len(k) + diskFile + len(r.data)
		}
		return -1
	})
	if r.data == nil {
		return nil, r.err
	}
	return bytes.Clone(r.data), r.err
}

// Derived returns compute's value for key, computed once: a value that
// depends only on what compute reads through d and on what key says (a
// rule's walk of a context, keyed by the folder and the ignore patterns).
// Every Forget drops every derived value, whatever it read.
func (d *Disk) Derived(key string, compute func() any) any {
	if d == nil {
		return compute()
	}
	return remembered(d, func() map[string]any { return d.derived }, key, compute, func(any) int { return len(key) + diskStat })
}

// keep stores a result read while the generation was gen, unless a
// Forget came in between.
func (d *Disk) keep(gen uint64, size int, store func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen != gen {
		return
	}
	if d.held+size > diskBudget {
		d.reset()
	}
	d.held += size
	store()
}

// Forget drops what is known of a path that dfopt wrote or replaced: the
// path and the file it resolves to, their modes and contents, and the
// listings of their folders. Reads under way are not kept.
func (d *Disk) Forget(p string) {
	if d == nil {
		return
	}
	paths := []string{d.key(p)}
	if real, err := filepath.EvalSymlinks(p); err == nil {
		paths = append(paths, d.key(real))
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	clear(d.derived)
	for _, k := range paths {
		if k == "" {
			continue
		}
		for _, follow := range []bool{false, true} {
			delete(d.stats, statKey{k, follow})
		}
		delete(d.files, k)
		delete(d.dirs, filepath.Dir(k))
	}
}
