package moves

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// The read-set model: what a command may read and write, by argument.
//
// A step moves above a COPY only when every file it may touch is proven
// to be outside what the COPY writes. The table in readset_table.go says,
// for each command dfopt knows (and each of its sub-commands or action
// options), which arguments and option values name files, whether the
// command works on its working directory, and whether it changes users.
// A command, sub-command or action that is not in the table reads
// everything: a step running it never moves.
//
// readSetOf turns a command line into touches; freeEnv (reorder.go)
// resolves each touch against the working directory and the stage's
// variables and compares it with the paths the passed-over instructions
// write.

// role is what an argument names.
type role uint8

const (
	rNone   role = iota
	rText        // a name or a text, no file (a word that looks like a path is still checked)
	rRead        // a file or folder it reads
	rWrite       // a file or folder it writes
	rPkg         // a package: a name, or a file when the command's fileRule says so
	rURL         // a location: a remote URL, or a local file it reads
	rChdir       // a folder the command works in (make -C, git -C)
	rScript      // a script or pattern given inline (sed, grep, awk): no file
	rMode        // chmod's MODE, chown's OWNER: no file
	rCmd         // a command it runs: it may read anything
)

// fileRule says when a package argument names a file rather than a
// package in a repository.
type fileRule struct {
	prefixes []string // a file when it starts with one of these
	suffixes []string // or ends with one of these
	slash    bool     // or holds a '/' (except scoped names and URLs)
}

// cmdSpec is one command of the table.
type cmdSpec struct {
	args  role                // what its operands name
	first role                // the first operand, when different (chmod MODE, sed SCRIPT)
	drop  []string            // options that take the first operand's place (sed -e, chmod --reference)
	opts  map[string]role     // options that take a value; an option not listed takes none
	subs  map[string]*cmdSpec // sub-commands by the first operand; another one reads everything
	acts  map[string]*cmdSpec // action options (dpkg -i, rpm -U, pacman -S) that say how operands read
	file  *fileRule           // for rPkg operands
	// cwd is what the command does to its working directory itself
	// (make reads it, wget writes the download there); glob narrows it
	// to some of its files.
	cwd   role
	glob  string
	fewer int      // the cwd access holds only with fewer operands than this (ls: 1, git clone: 2)
	with  []string // options that add the cwd access (curl -O, grep -r)
	lift  []string // options that lift it (wget -O, npm -g, gem --remote)
	// home: it reads or writes its own files in the home folder
	// (~/.npmrc, ~/.gnupg).
	home  bool
	users bool                // it changes users or groups
	parse func(*argReader)    // it reads its arguments itself (tar, curl)
	why   string              // non-empty: it reads everything, and why
	sub   func(string) string // normalises a sub-command name (aliases)
}

// touch is one file a command may read or write.
type touch struct {
	w     *syntax.Word // the argument that names it (nil: val, or the working directory)
	val   string       // its text when w is nil
	cwd   bool         // the working directory itself (val: the files it reads there, "" = all)
	home  bool         // the home folder
	write bool
	role  role      // how to read w or val
	file  *fileRule // for rPkg
	by    string    // the command, quoted for messages: "`dpkg -i`"
	note  string    // why it reads the working directory, when not plain
}

// readSet is what one simple command may touch.
type readSet struct {
	touches []touch
	all     string // non-empty: it may read anything, and why
	users   bool   // it changes users or groups
	chdir   string // the folder it works in (make -C): relative touches resolve there
}

// argReader walks a command line against its spec.
type argReader struct {
	sc    *ast.Script
	name  string
	by    string
	args  []*syntax.Word // the arguments after the command name
	cur   *cmdSpec       // the spec in force: the command, its sub-command or action
	chain []*cmdSpec     // cur, then the specs it was chosen from (their options stay valid)
	seen  map[string]bool
	set   readSet
}

// readSetOf returns what the command named name with arguments args
// (args[0] is the name) may touch.
func readSetOf(sc *ast.Script, name string, args []*syntax.Word) readSet {
	spec := commands[name]
	if spec == nil {
		spec = commands[transform.ToolBase(name)]
	}
	if spec == nil {
		return readSet{all: "dfopt does not know what `" + name + "` reads"}
	}
	r := &argReader{sc: sc, name: name, by: "`" + name + "`", args: args[1:], seen: map[string]bool{}}
	r.run(spec)
	return r.set
}

func (r *argReader) fail(why string) {
	if r.set.all == "" {
		r.set.all = why
	}
}

func (r *argReader) add(t touch) {
	if t.by == "" {
		t.by = r.by
	}
	r.set.touches = append(r.set.touches, t)
}

// word records an argument that names a file (or may) in role ro.
func (r *argReader) word(w *syntax.Word, ro role, file *fileRule) {
	chdir, ok := transform.LitWord(w)
	if !ok {
		chdir = "\x00" // not certain
	}
	r.record(touch{w: w, role: ro, file: file}, chdir)
}

// Value records an option value attached to its option (`--file=x`).
func (r *argReader) Value(v string, ro role) {
	r.record(touch{val: v, role: ro}, v)
}

// record adds what an argument in t.role touches; chdir is the folder it
// names when the role changes the working directory.
func (r *argReader) record(t touch, chdir string) {
	switch t.role {
	case rNone, rScript, rMode:
		return
	case rCmd:
		r.fail(r.by + " runs a command given as an argument")
		return
	case rPkg:
		if t.file == nil {
			t.file = r.fileRule()
		}
	case rChdir:
		r.set.chdir = chdir
	}
	t.write = t.role == rWrite
	r.add(t)
}

// fileRule is the package-file rule in force.
func (r *argReader) fileRule() *fileRule {
	for _, s := range r.chain {
		if s.file != nil {
			return s.file
		}
	}
	return nil
}

func (r *argReader) cwd(ro role, glob string) {
	if ro != rNone {
		r.add(touch{cwd: true, val: glob, write: ro == rWrite, role: ro})
	}
}

// enter makes s the spec in force (a sub-command or an action).
func (r *argReader) enter(s *cmdSpec, label string) bool {
	r.by = "`" + strings.TrimSpace(r.name+" "+label) + "`"
	if s.why != "" {
		r.fail(s.why)
		return false
	}
	r.set.users = r.set.users || s.users
	if s.home {
		r.add(touch{home: true})
	}
	r.cur = s
	r.chain = append([]*cmdSpec{s}, r.chain...)
	return true
}

// run reads the arguments with spec: options (long, short clusters,
// values attached or separate), sub-commands and actions, then operands.
func (r *argReader) run(spec *cmdSpec) {
	r.cur, r.chain = spec, nil
	if !r.enter(spec, "") {
		return
	}
	var ops []*syntax.Word
	for i := 0; i < len(r.args); i++ {
		if r.cur.parse != nil {
			r.args = r.args[i:]
			r.cur.parse(r)
			return
		}
		w := r.args[i]
		v, lit := transform.LitWord(w)
		if !lit {
			if strings.HasPrefix(transform.RawWord(r.sc, w), "-") {
				r.fail("an option of " + r.by + " that is not literal")
				return
			}
			ops = append(ops, w)
			continue
		}
		if v == "--" {
			ops = append(ops, r.args[i+1:]...)
			break
		}
		operand := !strings.HasPrefix(v, "-") || v == "-" || r.cur.first == rMode && len(ops) == 0 && isModeWord(v)
		if !operand {
			if i = r.option(i, v); r.set.all != "" {
				return
			}
			continue
		}
		if r.cur.subs != nil && len(ops) == 0 {
			name := v
			if r.cur.sub != nil {
				name = r.cur.sub(v)
			}
			next := r.cur.subs[name]
			if next == nil {
				r.fail("dfopt does not know what `" + r.name + " " + v + "` reads")
				return
			}
			if !r.enter(next, v) {
				return
			}
			continue
		}
		ops = append(ops, w)
	}
	if r.cur.parse != nil {
		r.args = nil
		r.cur.parse(r)
		return
	}
	r.operands(r.cur, ops, r.any(r.cur.drop))
	c := r.cur
	if c.cwd != rNone && !r.any(c.lift) && (c.fewer == 0 || len(ops) < c.fewer) && (len(c.with) == 0 || r.any(c.with)) {
		r.cwd(c.cwd, c.glob)
	}
}

func (r *argReader) any(names []string) bool {
	for _, n := range names {
		if r.seen[n] {
			return true
		}
	}
	return false
}

func (r *argReader) lookup(name string) (role, bool) {
	for _, s := range r.chain {
		if ro, ok := s.opts[name]; ok {
			return ro, true
		}
	}
	return rNone, false
}

// option reads the option v at r.args[i] and returns the index of its
// last argument. An action option makes its action the spec in force.
func (r *argReader) option(i int, v string) int {
	if strings.HasPrefix(v, "--") {
		name, val, has := strings.Cut(v, "=")
		r.seen[name], r.seen[v] = true, true
		if a := r.cur.acts[name]; a != nil {
			r.enter(a, name)
			return i
		}
		ro, valued := r.lookup(name)
		switch {
		case has && valued:
			r.Value(val, ro)
		case has:
			r.Value(val, rText) // not listed: checked if it looks like a path
		case valued && i+1 < len(r.args):
			i++
			r.word(r.args[i], ro, nil)
		}
		return i
	}
	for k := 1; k < len(v); k++ {
		name := "-" + string(v[k])
		r.seen[name] = true
		if a := r.cur.acts[name]; a != nil {
			if !r.enter(a, name) {
				return i
			}
			continue
		}
		ro, valued := r.lookup(name)
		if !valued {
			continue
		}
		if rest := v[k+1:]; rest != "" {
			r.Value(strings.TrimPrefix(rest, "="), ro)
		} else if i+1 < len(r.args) {
			i++
			r.word(r.args[i], ro, nil)
		}
		break
	}
	return i
}

func (r *argReader) operands(spec *cmdSpec, ops []*syntax.Word, firstDropped bool) {
	for n, w := range ops {
		ro := spec.args
		if n == 0 && spec.first != rNone && !firstDropped {
			ro = spec.first
		}
		if v, ok := transform.LitWord(w); ok && v == "-" {
			continue // standard input or output
		}
		r.word(w, ro, spec.file)
	}
}

// isModeWord reports a chmod mode that starts with a dash (`-x`).
func isModeWord(v string) bool {
	return len(v) > 1 && strings.Trim(v[1:], "rwxXstugo") == ""
}

// mayBeFile reports whether a package argument may name a file. text is
// the word with every expansion replaced by \x00 (it may expand to
// anything).
func (f *fileRule) mayBeFile(text string) bool {
	if f == nil {
		return false
	}
	open := strings.IndexByte(text, 0)
	if open < 0 {
		return f.isFile(text)
	}
	head, tail := text[:open], text[strings.LastIndexByte(text, 0)+1:]
	if strings.Contains(head, "://") && !strings.HasPrefix(head, "file:") {
		return false
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(head, p) || strings.HasPrefix(p, head) {
			return true
		}
	}
	for _, s := range f.suffixes {
		if strings.HasSuffix(tail, s) || strings.HasSuffix(s, tail) {
			return true
		}
	}
	return f.slash && !strings.HasPrefix(head, "@") && !strings.Contains(head, ":")
}

// isFile reports whether a literal package argument names a file.
func (f *fileRule) isFile(v string) bool {
	if f == nil {
		return false
	}
	if strings.HasPrefix(v, "file:") {
		return true
	}
	if strings.Contains(v, "://") {
		return false
	}
	for _, p := range f.prefixes {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	for _, s := range f.suffixes {
		if strings.HasSuffix(v, s) {
			return true
		}
	}
	return f.slash && strings.Contains(v, "/") && !strings.HasPrefix(v, "@") && !strings.Contains(v, ":")
}

// filePart is the path a file argument names: `file:` URLs lose their
// scheme.
func filePart(v string) string {
	if rest, ok := strings.CutPrefix(v, "file://"); ok {
		return rest
	}
	return strings.TrimPrefix(v, "file:")
}
