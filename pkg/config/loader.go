package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/pkg/transform"
)

// Loader finds the configuration of each Dockerfile and builds its chain.
// It caches what it found per folder, so a tree of thousands of
// Dockerfiles reads each configuration file once. Safe for concurrent use.
type Loader struct {
	explicit *File     // --config FILE
	disabled bool      // --no-config
	cli      *Settings // the command line: the last layer
	// wd is the working directory, read once (dfopt never changes it):
	// relative paths are made absolute without a getcwd per Dockerfile.
	wd    string
	wdErr error

	// disk reads the file system (nil: directly); see ReadThrough.
	disk *transform.Disk

	mu     sync.Mutex
	dirs   map[string]found
	chains map[chainKey]*transform.Chain
}

// ReadThrough has the loader look for configuration files through disk,
// the run's reader of the file system: the folders the run's search
// listed answer that they hold no .dfopt.yaml and no .git without a
// system call. Call it before the first Find.
func (l *Loader) ReadThrough(disk *transform.Disk) { l.disk = disk }

type found struct {
	file *File
	err  error
}

type chainKey struct {
	file      *File
	overrides string
}

// NewLoader makes a loader. explicit names a configuration file to use
// for every Dockerfile ("" to search for one); disabled reads none; cli is
// the command line's layer (may be nil).
func NewLoader(explicit string, disabled bool, cli *Settings) (*Loader, error) {
	l := &Loader{disabled: disabled, cli: cli, dirs: map[string]found{}, chains: map[chainKey]*transform.Chain{}}
	l.wd, l.wdErr = os.Getwd()
	if l.cli == nil {
		l.cli = &Settings{}
	}
	if explicit != "" && !disabled {
		f, err := Load(explicit)
		if err != nil {
			return nil, err
		}
		l.explicit = f
	}
	return l, nil
}

// Find returns the configuration file in force for the Dockerfile at path
// (nil when there is none): the nearest .dfopt.yaml from the Dockerfile's
// folder up to the repository root. Standard input ("-") starts from the
// working directory.
func (l *Loader) Find(path string) (*File, error) {
	if l.disabled {
		return nil, nil
	}
	if l.explicit != nil {
		return l.explicit, nil
	}
	dir := "."
	if path != "-" {
		dir = filepath.Dir(path)
	}
	abs, err := l.abs(dir)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.lookup(abs)
	return r.file, r.err
}

// abs is filepath.Abs with the working directory read at NewLoader.
func (l *Loader) abs(p string) (string, error) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), nil
	}
	if l.wdErr != nil {
		return "", l.wdErr
	}
	return filepath.Join(l.wd, p), nil
}

// lookup walks up from dir; l.mu is held.
func (l *Loader) lookup(dir string) found {
	if r, ok := l.dirs[dir]; ok {
		return r
	}
	var r found
	cfg := filepath.Join(dir, FileName)
	if st, err := l.disk.Stat(cfg); err == nil && !st.IsDir() {
		r.file, r.err = Load(cfg)
	} else if _, err := l.disk.Lstat(filepath.Join(dir, ".git")); err != nil {
		if parent := filepath.Dir(dir); parent != dir {
			r = l.lookup(parent)
		}
	}
	l.dirs[dir] = r
	return r
}

// Chain returns the chain for the Dockerfile at path and the
// configuration file it used (nil when none).
func (l *Loader) Chain(path string) (*transform.Chain, *File, error) {
	f, err := l.Find(path)
	if err != nil {
		return nil, nil, err
	}
	var idx []int
	if f != nil {
		idx = f.Matching(path)
	}
	key := chainKey{file: f, overrides: strings.Trim(fmt.Sprint(idx), "[]")}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c, ok := l.chains[key]; ok {
		return c, f, nil
	}
	var layers []*Settings
	if f != nil {
		layers = append(layers, &f.Settings)
		for _, i := range idx {
			layers = append(layers, &f.Overrides[i].Settings)
		}
	}
	layers = append(layers, l.cli)
	rules, opts := Resolve(layers)
	c := &transform.Chain{Transforms: rules, Options: opts}
	l.chains[key] = c
	return c, f, nil
}
