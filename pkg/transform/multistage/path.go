package multistage

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// PATH in the split: a program the original image found by name along the
// builder image's PATH (/go/bin, /usr/local/cargo/bin) must be found in
// the runtime stage too. The split keeps the builder's PATH for every
// folder an artifact lands in that the runtime image's PATH lacks.

// lookupPath is the PATH the original image searches at the end of the
// stage: the builder image's, as the stage's ENV sets it; ok is false
// when dfopt cannot tell (a build argument, an image it does not know).
func (s *msSplit) lookupPath() (dirs []string, ok bool) {
	v, ok := s.end.env["PATH"]
	if !ok {
		return baseimage.StdPath, false
	}
	for _, d := range strings.Split(v, ":") {
		if path.IsAbs(d) {
			dirs = append(dirs, path.Clean(d))
		}
	}
	return dirs, true
}

// builderOnlyPath lists the folders on the builder image's PATH that the
// runtime image's PATH lacks (the standard PATH when the runtime image is
// not chosen yet or unknown).
func (s *msSplit) builderOnlyPath() []string {
	if s.row != nil && s.row.SameImage {
		return nil
	}
	rt := baseimage.StdPath
	if d, ok := baseimage.DefaultsOf(s.rt.image); ok && d.Path != nil {
		rt = d.Path
	}
	var out []string
	for _, dir := range s.builder.image.Path {
		if !msHas(rt, dir) {
			out = append(out, dir)
		}
	}
	return out
}

// pathFor lists the builder-only PATH folders an artifact lands in (or
// is), unless a kept ENV already puts them on the runtime PATH.
func (s *msSplit) pathFor(a msArtifact) []string {
	var out []string
	for _, dir := range s.builderOnlyPath() {
		if (a.Path == dir || path.Dir(a.Path) == dir || strings.TrimSuffix(a.dest(), "/") == dir) && !s.keptPath(dir) {
			out = append(out, dir)
		}
	}
	return out
}

// keptPath reports whether an ENV the runtime stage keeps sets PATH with dir.
func (s *msSplit) keptPath(dir string) bool {
	for i, pl := range s.pl {
		c, ok := pl.ins.Command.(*instructions.EnvCommand)
		if !ok || !(pl.keep || i > s.builder.last) {
			continue
		}
		for _, kv := range c.Env {
			if kv.Key != "PATH" {
				continue
			}
			for _, part := range strings.Split(strings.Trim(kv.Value, `"'`), ":") {
				if strings.Contains(part, "$PATH") || strings.Contains(part, "${PATH}") {
					continue // the runtime image's PATH, not the builder's
				}
				if e, ok := msExpand(part, pl.env); ok && path.Clean(e) == dir {
					return true
				}
			}
		}
	}
	return false
}
