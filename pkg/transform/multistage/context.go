package multistage

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Multi-stage: reading files of the build context as the builder stage
// sees them.

// contextPath maps an absolute path of the builder, as the COPY/ADD
// instructions before instruction at made it, to a path of the build
// context on disk.
func (s *msSplit) contextPath(abs string, at int) (string, bool) {
	if s.p.Context == nil || abs == "" {
		return "", false
	}
	for i := at - 1; i >= 0; i-- {
		pl := s.pl[i]
		c, ok := pl.ins.Command.(*instructions.CopyCommand)
		if !ok || c.From != "" {
			continue
		}
		d, ok := msExpand(c.DestPath, pl.env)
		if !ok {
			continue
		}
		cwd := pl.cwd
		if cwd == "" && pl.cwdImage {
			cwd = s.builder.workdir
		}
		dest := msResolve(cwd, d)
		if dest == "" {
			continue
		}
		dirDest := strings.HasSuffix(d, "/") || d == "." || len(c.SourcePaths) > 1 || dest == cwd
		for _, src := range c.SourcePaths {
			var matches []string
			if strings.ContainsAny(src, "*?[") {
				m, _ := filepath.Glob(filepath.Join(s.p.Context.Dir, filepath.FromSlash(transform.Clean(src))))
				for _, f := range m {
					if rel, err := filepath.Rel(s.p.Context.Dir, f); err == nil {
						matches = append(matches, filepath.ToSlash(rel))
					}
				}
			} else {
				matches = []string{transform.Clean(src)}
			}
			for _, m := range matches {
				full := filepath.Join(s.p.Context.Dir, filepath.FromSlash(m))
				st, err := s.p.Context.Disk().Stat(full)
				if err != nil {
					continue
				}
				if st.IsDir() {
					if rel, ok := msRel(dest, abs); ok {
						cand := path.Join(m, rel)
						if s.p.Context.Exists(cand) {
							return cand, true
						}
					}
					continue
				}
				target := dest
				if dirDest || len(matches) > 1 {
					target = path.Join(dest, path.Base(m))
				}
				if target == abs && s.p.Context.Exists(m) {
					return m, true
				}
			}
		}
	}
	return "", false
}

// msRel returns p relative to dir when p is inside it.
func msRel(dir, p string) (string, bool) {
	switch {
	case p == dir:
		return ".", true
	case dir == "/":
		return strings.TrimPrefix(p, "/"), true
	case strings.HasPrefix(p, dir+"/"):
		return p[len(dir)+1:], true
	}
	return "", false
}

// readContext reads the context file that is at abs in the builder.
func (s *msSplit) readContext(abs string, at int) ([]byte, string, bool) {
	rel, ok := s.contextPath(abs, at)
	if !ok {
		return nil, "", false
	}
	data, err := s.p.Context.ReadFile(rel)
	if err != nil {
		return nil, "", false
	}
	return data, rel, true
}
