package copychmod

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// written is one file a COPY writes: its path in the image and its mode
// (from an octal --chmod already on the COPY, else from the build context).
type written struct {
	src   string
	dests []string // one path; two when a single source goes to a destination without "/" (a file, or into an existing folder)
	mode  int
}

// copyWrites is what a COPY or ADD writes, when dfopt knows it exactly;
// why says what is not known.
type copyWrites struct {
	ins   *ast.Instruction
	dest  string // the resolved destination
	files []written
	why   string
	// unsure names a folder the COPY writes into that may not exist
	// before it ("" when each one does): BuildKit gives the folders a COPY
	// creates the --chmod mode too (moby/buildkit#5943).
	unsure string
	// intoDir: the destination is a folder the sources go into (not a
	// file name).
	intoDir bool
	// folder: a source is a folder (the build context itself, `dir/`, or
	// a folder of the context on disk).
	folder bool
}

// writesOf reads the files a COPY writes from the instruction and the
// build context.
func writesOf(p *transform.Pass, envs []ast.StageEnv, wds []workdirAt, x *ast.Instruction) copyWrites {
	d, env := p.Doc, &envs[x.Index]
	cw := copyWrites{ins: x}
	if len(x.Args) < 2 || len(x.Heredocs) > 0 {
		cw.why = "it copies a heredoc"
		return cw
	}
	rawDest := x.Args[len(x.Args)-1]
	cw.dest = env.Resolve(rawDest, d.Escape)
	switch {
	case x.Cmd == "add":
		cw.why = fmt.Sprintf("the file comes from ADD (line %d), which may fetch a URL or unpack an archive: only COPY takes --chmod here", p.InputLine(x.StartLine))
	case x.Flag("from") != nil:
		cw.why = "the COPY copies from another stage or image, whose file kinds and modes dfopt does not read"
	case x.Flag("parents") != nil || x.Flag("exclude") != nil:
		cw.why = "the COPY uses --parents or --exclude"
	case !ast.IsAbsPath(cw.dest):
		cw.why = "the COPY's destination is not a known path"
	}
	srcs := x.Args[:len(x.Args)-1]
	cw.intoDir = len(srcs) > 1 || strings.HasSuffix(rawDest, "/") || path.Base(rawDest) == "." || existingDir(wds, x, cw.dest)
	base := 0o644
	if f := x.Flag("chmod"); f != nil {
		m, ok := parseMode(f.Value)
		if !ok || !m.abs {
			cw.why = "the COPY's --chmod=" + f.Value + " is not an octal mode"
		}
		base = m.octal
	}
	for _, s := range srcs {
		v, ok := env.Expand(s, d.Escape)
		if !ok || strings.ContainsAny(v, "*?[") {
			cw.why = "the source " + s + " is not a known file name"
			return cw
		}
		w := written{src: transform.Clean(v)}
		if w.src == "" || strings.HasSuffix(v, "/") || p.Context != nil && isDir(p.Context, w.src) {
			cw.folder = true
		}
		target := path.Join(cw.dest, path.Base(w.src))
		w.dests = []string{target}
		if !cw.intoDir {
			w.dests = []string{cw.dest, target}
		}
		mode, why := contextMode(p.Context, w.src)
		if x.Flag("chmod") == nil {
			base = mode
		}
		if why != "" && cw.why == "" {
			cw.why = why
		}
		w.mode = base
		cw.files = append(cw.files, w)
		if dir := path.Dir(w.dests[0]); cw.unsure == "" && !existingDir(wds, x, dir) {
			cw.unsure = dir
		}
	}
	return cw
}

// existingDir reports whether a folder exists before the COPY for
// certain: the root, or a WORKDIR of the stage before it (WORKDIR makes
// its folder and every folder above it). wds are the stage's WORKDIRs.
func existingDir(wds []workdirAt, x *ast.Instruction, dir string) bool {
	if dir == "/" {
		return true
	}
	for _, w := range wds {
		if w.index >= x.Index {
			break
		}
		if _, in := ast.RelPath(dir, w.dir); in {
			return true
		}
	}
	return false
}

// workdirAt is a WORKDIR of a stage with an absolute folder.
type workdirAt struct {
	index int // the instruction's
	dir   string
}

// stageWorkdirs are the WORKDIRs of each stage (by index) with an
// absolute folder, in order, read once per pass: existingDir asks for
// them for every file of every COPY.
type stageWorkdirs map[int][]workdirAt

func (m stageWorkdirs) of(d *ast.Document, envs []ast.StageEnv, stage int) []workdirAt {
	if wds, ok := m[stage]; ok {
		return wds
	}
	var wds []workdirAt
	for _, y := range d.Stages[stage].Instructions {
		if w := transform.WorkdirAfter(d, envs, y); w != "" && ast.IsAbsPath(w) {
			wds = append(wds, workdirAt{index: y.Index, dir: w})
		}
	}
	m[stage] = wds
	return wds
}

// contextMode is the permission bits of a regular file of the build
// context; why says why they are not known.
func contextMode(c *transform.BuildContext, rel string) (int, string) {
	if c == nil {
		return 0, "no build context to tell whether " + rel + " is a file and read its mode"
	}
	if strings.HasPrefix(rel, "../") || c.Excluded(rel) {
		return 0, rel + " is not in the build context"
	}
	st, err := c.Disk().Lstat(filepath.Join(c.Dir, filepath.FromSlash(rel)))
	switch {
	case err != nil:
		return 0, rel + " is not in the build context"
	case st.IsDir():
		return 0, rel + " is a folder: --chmod would set the mode of every file in it"
	case !st.Mode().IsRegular():
		return 0, rel + " is not a regular file"
	}
	return int(st.Mode().Perm()), ""
}

func isDir(c *transform.BuildContext, rel string) bool {
	st, err := c.Disk().Stat(filepath.Join(c.Dir, filepath.FromSlash(rel)))
	return err == nil && st.IsDir()
}

// writes reports whether the COPY writes p for certain, and whether it
// may write it.
func (cw copyWrites) writes(p string) (exact *written, may bool) {
	for i := range cw.files {
		for _, t := range cw.files[i].dests {
			if t == p {
				return &cw.files[i], true
			}
		}
	}
	if cw.why != "" {
		_, under := ast.RelPath(cw.dest, p)
		if p == cw.dest && cw.intoDir {
			under = false // the folder itself: the COPY writes into it
		}
		return nil, under || !ast.IsAbsPath(cw.dest)
	}
	return nil, false
}

// writer finds the COPY that last wrote p before the RUN at index i, in
// the RUN's stage. It returns nil when no COPY or ADD wrote p (the chmod
// is of a file dfopt does not see being made); why is set when one did
// but it cannot take the mode. seen keeps each COPY's writes, so that
// the targets of one COPY share them.
func writer(p *transform.Pass, envs []ast.StageEnv, seen map[*ast.Instruction]*copyWrites, wds stageWorkdirs, run *ast.Instruction, target string) (*copyWrites, *written, string) {
	d := p.Doc
	between := ""
	for j := run.Index - 1; j >= 0; j-- {
		x := d.Instructions[j]
		if x.Stage != run.Stage || x.Cmd == "from" {
			return nil, nil, ""
		}
		switch x.Cmd {
		case "run":
			if between == "" {
				between = fmt.Sprintf("the RUN at line %d runs between the COPY and the chmod", p.InputLine(x.StartLine))
			}
		case "copy", "add":
			cw := seen[x]
			if cw == nil {
				w := writesOf(p, envs, wds.of(d, envs, x.Stage), x)
				cw = &w
				seen[x] = cw
			}
			if cw.folder {
				_, under := ast.RelPath(cw.dest, target)
				switch {
				case target == cw.dest:
					return cw, nil, "the COPY copies a folder: --chmod would give every file and folder in it one mode, which dfopt does not prove equal to what chmod gives"
				case under || !ast.IsAbsPath(cw.dest):
					return nil, nil, "" // a file of a copied folder: --chmod would change them all
				}
				continue
			}
			w, may := cw.writes(target)
			switch {
			case w != nil && cw.why == "" && between == "":
				return cw, w, ""
			case w != nil && between != "":
				return cw, w, between
			case w != nil || may:
				return cw, nil, cw.why
			}
		}
	}
	return nil, nil, ""
}
