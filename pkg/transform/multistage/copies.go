package multistage

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Multi-stage, step 3: which COPY/ADD instructions the runtime stage
// needs, from the paths the program reads.

// neededPaths lists the paths the runtime stage reads, as far as the file
// says: the working folder of the program, paths in its command, ENV,
// VOLUME and the RUNs after the split. It over-approximates on purpose.
func (s *msSplit) neededPaths() []string {
	var out []string
	add := func(cwd, w string) {
		w = strings.Trim(w, `"'`)
		if _, v, ok := strings.Cut(w, "="); ok && strings.HasPrefix(w, "-") {
			w = v
		}
		if w == "" || strings.HasPrefix(w, "-") || strings.Contains(w, "$") {
			return
		}
		for _, part := range strings.Split(w, ":") {
			if p := msResolve(cwd, part); p != "" && (path.IsAbs(part) || cwd != "" && cwd != "/") {
				out = append(out, p)
			}
			if part != "" && !strings.Contains(part, "/") {
				// A program started by name is looked up on PATH.
				dirs, _ := s.lookupPath()
				for _, dir := range dirs {
					out = append(out, path.Join(dir, part))
				}
			}
		}
	}
	for i, pl := range s.pl {
		switch c := pl.ins.Command.(type) {
		case *instructions.CmdCommand:
			for _, a := range c.CmdLine {
				for _, w := range strings.Fields(a) {
					add(s.end.cwd, w)
				}
			}
		case *instructions.EntrypointCommand:
			for _, a := range c.CmdLine {
				for _, w := range strings.Fields(a) {
					add(s.end.cwd, w)
				}
			}
		case *instructions.HealthCheckCommand:
			if c.Health != nil {
				for _, a := range c.Health.Test {
					for _, w := range strings.Fields(a) {
						add(s.end.cwd, w)
					}
				}
			}
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if !s.row.Compiled || !msEnvKeyMatches(s.row.BuildEnv, kv.Key) {
					add("", kv.Value)
				}
			}
		case *instructions.VolumeCommand:
			for _, v := range c.Volumes {
				add(pl.cwd, v)
			}
		case *instructions.RunCommand:
			if i > s.builder.last {
				for _, sc := range pl.cmds {
					for _, w := range sc.from(1) {
						add(sc.cwd, w.Value)
					}
				}
			}
		}
	}
	return out
}

// decideCopies keeps in the runtime stage every COPY/ADD before the split
// whose files the program may read.
func (s *msSplit) decideCopies() {
	var needed []string
	for _, n := range s.neededPaths() {
		// What the artifacts provide needs no COPY.
		provided := false
		for _, pl := range s.pl {
			for _, a := range pl.arts {
				if msUnder(n, strings.TrimSuffix(a.dest(), "/")) && !strings.HasSuffix(a.dest(), "/") || msGlobMatch(a.Path, n) {
					provided = true
				}
			}
		}
		if !provided {
			needed = append(needed, n)
		}
	}
	for i := 0; i < s.builder.last; i++ {
		pl := s.pl[i]
		if pl.ins.Cmd != "copy" && pl.ins.Cmd != "add" {
			continue
		}
		pl.foot = s.footprint(pl)
		switch {
		case s.row.Key == "python":
			pl.keep = !s.onlyPipInputs(pl)
		case s.row.Key == "node" && s.nodeManifest(pl):
			pl.keep = true
		default:
			pl.keep = s.footNeeded(pl.foot, needed)
		}
		if pl.keep && len(pl.foot) == 0 {
			s.fail("cannot tell where %s writes", s.at(pl.ins))
		}
	}
	s.dropRedundantCopies()
	if !s.row.Compiled {
		return
	}
	var kept []string
	w := msOr(s.end.cwd, s.builder.workdir)
	for i := 0; i < s.builder.last; i++ {
		pl := s.pl[i]
		if pl.keep && msCopyFrom(pl.ins) == "" && (pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") && s.footNeeded(pl.foot, nil) {
			kept = append(kept, "`"+msShort(pl.ins.Text(s.d))+"`")
		}
	}
	if len(kept) > 0 {
		s.notes = append(s.notes, fmt.Sprintf("keeps %s: the program runs in %s and may read files there", strings.Join(kept, ", "), w))
	}
}

// dropRedundantCopies: a kept `COPY src dest` of context files that a later
// kept `COPY . DIR` copies to the same place again is not repeated in the
// runtime stage, unless a runtime command runs in between.
func (s *msSplit) dropRedundantCopies() {
	for j := 0; j < s.builder.last; j++ {
		full := s.pl[j]
		dir, ok := s.wholeContextCopy(full)
		if !ok || !full.keep {
			continue
		}
		for i := j - 1; i >= 0; i-- {
			pl := s.pl[i]
			if pl.ins.Cmd == "run" && (pl.keep || pl.replay || pl.venv || len(pl.before)+len(pl.after) > 0 || pl.hasClass(msDeps) && s.row.Key == "node") {
				break
			}
			if pl.ins.Cmd == "copy" && pl.keep && s.coveredBy(pl, dir) {
				pl.keep = false
			}
		}
	}
}

// wholeContextCopy: `COPY . DIR` without flags; returns DIR.
func (s *msSplit) wholeContextCopy(pl *msPlan) (string, bool) {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || len(pl.ins.Flags) > 0 || len(c.SourcePaths) != 1 || transform.Clean(c.SourcePaths[0]) != "" || len(c.SourceContents) > 0 {
		return "", false
	}
	d, ok := msExpand(c.DestPath, pl.env)
	if !ok || pl.cwd == "" {
		return "", false
	}
	dest := msResolve(pl.cwd, d)
	return dest, dest != ""
}

// coveredBy: every file the COPY writes is the same context file at the
// same place under dir.
func (s *msSplit) coveredBy(pl *msPlan, dir string) bool {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || len(pl.ins.Flags) > 0 || len(c.SourceContents) > 0 || pl.cwd == "" {
		return false
	}
	d, ok := msExpand(c.DestPath, pl.env)
	if !ok {
		return false
	}
	dest := msResolve(pl.cwd, d)
	dirDest := strings.HasSuffix(d, "/") || d == "." || len(c.SourcePaths) > 1
	for _, src := range c.SourcePaths {
		rel := transform.Clean(src)
		if rel == "" || strings.Contains(src, "$") {
			return false
		}
		switch {
		case dirDest && !strings.Contains(rel, "/") && dest == dir:
		case !dirDest && !strings.ContainsAny(rel, "*?[") && dest == path.Join(dir, rel):
		default:
			return false
		}
	}
	return true
}

// footNeeded: a copy is needed when the program's working folder is in it
// or holds it, or a needed path is in it or holds it.
func (s *msSplit) footNeeded(foot, needed []string) bool {
	for _, f := range foot {
		if f == "" {
			return true
		}
		w := s.end.cwd
		if w == "" {
			w = s.builder.workdir
		}
		if w != "/" && (msUnder(w, f) || msUnder(f, w)) || w == "/" && f == "/" {
			return true
		}
		for _, n := range needed {
			if msUnder(n, f) || msUnder(f, n) && n != "/" {
				return true
			}
		}
	}
	return false
}

// footprint lists the paths a COPY/ADD writes: the destination folder, or
// the files themselves when the context shows they are files.
func (s *msSplit) footprint(pl *msPlan) []string {
	var srcs []string
	var dest string
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		srcs, dest = c.SourcePaths, c.DestPath
		for _, sc := range c.SourceContents {
			srcs = append(srcs, sc.Path)
		}
	case *instructions.AddCommand:
		srcs, dest = c.SourcePaths, c.DestPath
		for _, sc := range c.SourceContents {
			srcs = append(srcs, sc.Path)
		}
	default:
		return nil
	}
	d, ok := msExpand(dest, pl.env)
	if !ok {
		return []string{""}
	}
	cwd := pl.cwd
	if cwd == "" && pl.cwdImage {
		cwd = s.builder.workdir
	}
	abs := msResolve(cwd, d)
	if abs == "" {
		return []string{""}
	}
	dirDest := strings.HasSuffix(d, "/") || d == "." || len(srcs) > 1 || abs == cwd || s.knownDir(abs)
	var out []string
	for _, src := range srcs {
		if dirDest && s.contextFile(pl, src) {
			out = append(out, path.Join(abs, path.Base(src)))
		} else {
			out = append(out, abs)
		}
	}
	return out
}

// contextFile reports whether a COPY source is a regular file of the
// build context on disk.
func (s *msSplit) contextFile(pl *msPlan, src string) bool {
	if s.p.Context == nil || strings.ContainsAny(src, "*?[$") || msCopyFrom(pl.ins) != "" {
		return false
	}
	st, err := s.p.Context.Disk().Stat(filepath.Join(s.p.Context.Dir, filepath.FromSlash(transform.Clean(src))))
	return err == nil && st.Mode().IsRegular()
}

func msCopyFrom(in *ast.Instruction) string {
	if f := in.Flag("from"); f != nil {
		return f.Value
	}
	return ""
}

// onlyPipInputs: a Python COPY/ADD of the requirement files pip reads only.
func (s *msSplit) onlyPipInputs(pl *msPlan) bool {
	var srcs []string
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		if c.From != "" || len(c.SourceContents) > 0 {
			return false
		}
		srcs = c.SourcePaths
	case *instructions.AddCommand:
		if len(c.SourceContents) > 0 {
			return false
		}
		srcs = c.SourcePaths
	default:
		return false
	}
	read := s.pipReads()
	for i, src := range srcs {
		b := path.Base(src)
		if strings.HasPrefix(b, "requirements") && strings.HasSuffix(b, ".txt") || b == "constraints.txt" {
			continue
		}
		if i < len(pl.foot) && read[pl.foot[i]] {
			continue
		}
		return false
	}
	return true
}

// pipReads lists the files pip reads with -r and -c.
func (s *msSplit) pipReads() map[string]bool {
	out := map[string]bool{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if c.class != msBuild {
				continue
			}
			for i, w := range c.words {
				v := w.Value
				var f string
				switch {
				case v == "-r" || v == "--requirement" || v == "-c" || v == "--constraint":
					f = c.arg(i + 1)
				case strings.HasPrefix(v, "--requirement=") || strings.HasPrefix(v, "--constraint="):
					_, f, _ = strings.Cut(v, "=")
				case strings.HasPrefix(v, "-r") && len(v) > 2 && w.Lit:
					f = v[2:]
				}
				if p := msResolve(c.cwd, f); p != "" {
					out[p] = true
				}
			}
		}
	}
	return out
}
