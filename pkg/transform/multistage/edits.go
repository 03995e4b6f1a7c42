package multistage

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Multi-stage, last step: the edits that write the plan out (the builder's
// name, the runtime stage, moved instructions).

func (s *msSplit) kw(k string) string {
	if s.st.From.Keyword == strings.ToLower(s.st.From.Keyword) {
		return strings.ToLower(k)
	}
	return k
}

// edits renders the split.
func (s *msSplit) edits() []emit.Edit {
	d := s.d
	eol := d.EOL()
	edits := s.nameBuilder()
	var lines []string
	add := func(t string) { lines = append(lines, t) }
	add(s.runtimeFrom())
	pkgLine, pkgAt := s.packageLine()
	if pkgAt < 0 && pkgLine != "" {
		add(pkgLine)
	}
	if s.needsImageWorkdir() {
		add(s.kw("WORKDIR") + " " + s.builder.workdir)
	}
	pathDone := map[string]bool{}
	var dels []emit.Edit
	var carried []*ast.Instruction
	for i := 0; i < s.builder.last; i++ {
		pl := s.pl[i]
		if i == pkgAt {
			add(pkgLine)
		}
		if pl.move || pl.keep || pl.replay {
			carried = append(carried, pl.ins)
		}
		switch {
		case pl.move:
			start := s.commentStart(pl.ins)
			dels = append(dels, emit.Edit{Start: start, End: pl.ins.Next})
			add(strings.TrimRight(string(d.Src[start:pl.ins.Span.End]), "\r\n"))
		case pl.keep || pl.replay:
			add(pl.ins.Text(d))
		}
		if pl.ins.Cmd == "run" && !pl.replay {
			s.addRun(pl, add, pathDone)
		}
	}
	if k := s.pl[s.builder.last]; k.ins.Cmd == "run" && !k.replay {
		if s.builder.last == pkgAt {
			add(pkgLine)
		}
		s.addRun(k, add, pathDone)
	}
	edits = append(edits, s.mergeDeletions(dels)...)
	if s.lang.newVenv {
		first := s.firstPip()
		start := s.commentStart(first.ins)
		edits = append(edits, emit.Edit{Start: start, End: start, New: s.kw("RUN") + " python -m venv " + s.lang.venv + eol + s.kw("ENV") + " PATH=\"" + s.lang.venv + "/bin:$PATH\"" + eol})
	}
	last := s.pl[s.builder.last].ins
	text := eol + strings.Join(lines, eol) + eol
	at := last.Next
	if last.Next == last.Span.End {
		// No line terminator at the end of the file.
		text = eol + eol + strings.Join(lines, eol)
	}
	edits = append(edits, transform.Carry(d, emit.Edit{Start: at, End: at, New: text}, carried...))
	return edits
}

// nameBuilder names the builder stage when its FROM has no name.
func (s *msSplit) nameBuilder() []emit.Edit {
	d, from := s.d, s.st.From
	if s.st.Name != "" {
		return nil
	}
	end := from.Span.End
	for end > from.Span.Start && (d.Src[end-1] == ' ' || d.Src[end-1] == '\t') {
		end--
	}
	return []emit.Edit{{Start: end, End: end, New: " " + s.asWord() + " " + s.builder.name}}
}

// runtimeFrom is the runtime stage's FROM line, with the builder's
// --platform.
func (s *msSplit) runtimeFrom() string {
	fromLine := s.kw("FROM") + " "
	if f := s.st.From.Flag("platform"); f != nil {
		fromLine += string(s.d.Src[f.Span.Start:f.Span.End]) + " "
	}
	return fromLine + s.rt.image
}

// packageLine is the runtime stage's package install ("" when none) and
// the index of the instruction it goes with: where the stage installed
// its own packages (after the ENV it set for apt), or -1 for first.
func (s *msSplit) packageLine() (string, int) {
	var pkgs []string
	if s.row.Key == "python" || s.row.Compiled {
		pkgs = append(pkgs, s.runtimeLibs()...)
		for _, p := range s.pkgs.runtime {
			if !msHas(pkgs, p) {
				pkgs = append(pkgs, p)
			}
		}
	}
	fam := s.rt.info.Family
	if s.row.SameImage {
		fam = s.pkgs.family
	}
	if s.row.CAcerts && (fam == "debian" || fam == "ubuntu") && !msHas(pkgs, "ca-certificates") {
		pkgs = append([]string{"ca-certificates"}, pkgs...)
	}
	pkgLine := ""
	if len(pkgs) > 0 || s.pkgs.upgrade && (s.row.Key == "python" || msFamKey(s.pkgs.family) == msFamKey(fam)) {
		pkgLine = s.kw("RUN") + " " + msInstallLine(fam, pkgs, s.pkgs.upgrade)
	}
	pkgAt := -1
	if s.row.Key != "node" {
		for i := 0; i <= s.builder.last && pkgLine != ""; i++ {
			if s.pl[i].hasClass(msPkg) {
				pkgAt = i
				break
			}
		}
	}
	return pkgLine, pkgAt
}

// mergeDeletions joins adjacent deletions and, when a deleted block sat
// between two blank lines, deletes one of them too.
func (s *msSplit) mergeDeletions(dels []emit.Edit) []emit.Edit {
	var out []emit.Edit
	for _, e := range dels {
		if n := len(out); n > 0 && out[n-1].End == e.Start {
			out[n-1].End = e.End
			continue
		}
		out = append(out, e)
	}
	blank := func(off int) (int, bool) { // the line at off: its end, and whether it is blank
		for _, l := range s.d.Lines {
			if l.Start == off {
				return l.Next, strings.TrimSpace(string(s.d.Src[l.Start:l.End])) == ""
			}
		}
		return 0, false
	}
	for i := range out {
		e := &out[i]
		prevBlank := false
		for _, l := range s.d.Lines {
			if l.Next == e.Start {
				prevBlank = strings.TrimSpace(string(s.d.Src[l.Start:l.End])) == ""
			}
		}
		if next, ok := blank(e.End); ok && prevBlank && next > e.End {
			e.End = next
		}
	}
	return out
}

// addRun renders the runtime side of a RUN before the split.
func (s *msSplit) addRun(pl *msPlan, add func(string), pathDone map[string]bool) {
	for _, l := range pl.before {
		add(s.kw("RUN") + " " + l)
	}
	for _, a := range pl.arts {
		src, dst := a.Path, a.dest()
		flags := "--from=" + s.builder.name
		if a.chown != "" {
			flags += " --chown=" + a.chown
		}
		if strings.ContainsAny(src+dst, " \t\"") {
			add(fmt.Sprintf("%s %s [%q, %q]", s.kw("COPY"), flags, src, dst))
		} else {
			add(fmt.Sprintf("%s %s %s %s", s.kw("COPY"), flags, src, dst))
		}
		for _, dir := range s.pathFor(a) {
			if !pathDone[dir] {
				add(s.kw("ENV") + " PATH=\"" + dir + ":$PATH\"")
				pathDone[dir] = true
			}
		}
	}
	if pl.venv {
		add(fmt.Sprintf("%s --from=%s %s %s", s.kw("COPY"), s.builder.name, s.lang.venv, s.lang.venv))
		if s.lang.newVenv {
			add(s.kw("ENV") + " PATH=\"" + s.lang.venv + "/bin:$PATH\"")
		}
	}
	for _, l := range pl.after {
		add(s.kw("RUN") + " " + l)
	}
}

// needsImageWorkdir: the program runs in the builder image's WORKDIR
// (golang: /go, gradle: /home/gradle), or kept text is relative to it, and
// the runtime image's WORKDIR differs or is unknown.
func (s *msSplit) needsImageWorkdir() bool {
	if s.row.SameImage || s.builder.workdir == "" {
		return false
	}
	if rt, ok := baseimage.DefaultsOf(s.rt.image); ok && rt.Workdir == s.builder.workdir {
		return false
	}
	for i, pl := range s.pl {
		if !pl.cwdImage {
			return false
		}
		relWorkdir := false
		if w, ok := pl.ins.Command.(*instructions.WorkdirCommand); ok {
			relWorkdir = !path.IsAbs(w.Path)
		}
		if pl.keep && (pl.ins.Cmd == "copy" || pl.ins.Cmd == "add") && s.relativeDest(pl) || pl.keep && relWorkdir || pl.replay && pl.opaque || i > s.builder.last && pl.ins.Cmd == "run" {
			return true
		}
		for _, c := range pl.cmds {
			if (c.keep || pl.replay) && s.relativeArgs(c) {
				return true
			}
		}
	}
	return s.end.cwdImage
}

// relativeDest reports whether a COPY/ADD writes relative to the folder.
func (s *msSplit) relativeDest(pl *msPlan) bool {
	switch c := pl.ins.Command.(type) {
	case *instructions.CopyCommand:
		return !path.IsAbs(c.DestPath)
	case *instructions.AddCommand:
		return !path.IsAbs(c.DestPath)
	}
	return false
}

func (s *msSplit) asWord() string {
	for _, st := range s.d.Stages {
		if len(st.From.Args) == 3 {
			return st.From.Args[1]
		}
	}
	return s.kw("AS")
}

// commentStart is where the comment lines directly above an instruction begin.
func (s *msSplit) commentStart(in *ast.Instruction) int {
	start := s.d.Lines[in.StartLine-1].Start
	for n := in.StartLine - 1; n >= 1; n-- {
		t := strings.TrimSpace(s.d.LineText(n))
		if !strings.HasPrefix(t, "#") {
			break
		}
		if prev := s.d.Stages[s.st.Index].From; n <= prev.EndLine {
			break
		}
		start = s.d.Lines[n-1].Start
	}
	return start
}

func msUnique(list []string) []string {
	var out []string
	for _, x := range list {
		if !msHas(out, x) {
			out = append(out, x)
		}
	}
	return out
}
