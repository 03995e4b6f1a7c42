package transform

import (
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"mvdan.cc/sh/v3/syntax"
)

// Reorder moves steps that provably do not read the copied files above the
// `COPY . <dest>` before them, so that a source change does not re-run
// them.
var Reorder = Register(&Transform{
	Name:  "reorder",
	Doc:   "move steps that do not read the copied source (system packages, users, downloads to fixed paths) above `COPY . <dest>`",
	Order: 200,
	Run:   runReorder,
})

// crossable instructions neither affect a RUN nor depend on one.
var crossable = nameSet("label", "expose", "cmd", "entrypoint", "healthcheck", "stopsignal", "maintainer", "onbuild")

// isWholeCopy reports whether ins copies the whole build context: COPY or
// ADD of `.` from the context.
func isWholeCopy(ins *ast.Instruction) bool {
	if (ins.Cmd != "copy" && ins.Cmd != "add") || len(ins.Heredocs) > 0 || len(ins.Args) != 2 {
		return false
	}
	if ins.Flag("from") != nil || ins.Flag("parents") != nil {
		return false
	}
	src := ins.Args[0]
	return src == "." || src == "./"
}

// copyDest resolves a COPY or ADD destination.
func copyDest(d *ast.Document, env *ast.StageEnv, ins *ast.Instruction) string {
	if len(ins.Args) == 0 {
		return ""
	}
	return env.Resolve(ins.Args[len(ins.Args)-1], d.Escape)
}

// workdirAfter is the working directory a WORKDIR sets.
func workdirAfter(d *ast.Document, envs []ast.StageEnv, x *ast.Instruction) string {
	if w, ok := x.Command.(*instructions.WorkdirCommand); ok {
		return envs[x.Index].Resolve(w.Path, d.Escape)
	}
	return ""
}

// namedChown reports whether a COPY --chown names a user or group (not
// numeric ids): moving user changes above it would change the owner.
func namedChown(ins *ast.Instruction) bool {
	f := ins.Flag("chown")
	if f == nil {
		return false
	}
	return strings.Trim(f.Value, "0123456789:") != ""
}

// attachedStart is where the comment lines directly above an instruction
// begin (the instruction's own start when there are none).
func attachedStart(d *ast.Document, ins *ast.Instruction) int {
	n := ins.StartLine
	for n > 1 {
		t := strings.TrimLeft(d.LineText(n-1), " \t\ufeff")
		if !strings.HasPrefix(t, "#") || isDirectiveLine(d, n-1) {
			break
		}
		n--
	}
	s := d.Lines[n-1].Start
	if n == 1 {
		s = d.ContentStart()
	}
	return s
}

func isDirectiveLine(d *ast.Document, n int) bool {
	for _, dir := range d.Directives {
		if dir.Line == n {
			return true
		}
	}
	return false
}

// moveOut returns the edit that deletes an instruction and the comment
// lines attached to it, and the text to insert elsewhere (ending with the
// file's line terminator).
func moveOut(d *ast.Document, ins *ast.Instruction) (emit.Edit, string) {
	start := attachedStart(d, ins)
	text := string(d.Src[start:ins.Span.End]) + d.EOL()
	del := emit.Edit{Start: start, End: ins.Next}
	first := lineAt(d, start)
	if ins.EndLine < len(d.Lines) && first > 1 && strings.TrimSpace(d.LineText(first-1)) == "" {
		// A step that is a paragraph of its own takes the blank line
		// after it along: the file keeps its spacing.
		if l := d.Lines[ins.EndLine]; strings.TrimSpace(string(d.Src[l.Start:l.End])) == "" && l.Next > l.End {
			text += d.EOL()
			del.End = l.Next
		}
	}
	if ins.Next == ins.Span.End && start > d.ContentStart() {
		// The last line has no terminator: take the one before instead.
		prev := d.Lines[first-2]
		del.Start = prev.End
	}
	return del, text
}

// short is an instruction as a one-line quote for messages.
func insQuote(d *ast.Document, ins *ast.Instruction) string {
	s := strings.Join(strings.Fields(string(d.Src[ins.KeywordPos.Start:ins.Span.End])), " ")
	if len(s) > 60 {
		s = s[:57] + "…"
	}
	return "`" + s + "`"
}

func runReorder(p *Pass) []Finding {
	d := p.Doc
	sh := newScripts(d)
	envs := d.Envs()
	var out []Finding
	for _, st := range d.Stages {
		list := st.Instructions
		for i := 0; i < len(list); i++ {
			c := list[i]
			if !isWholeCopy(c) || ignoredAt(d, c.StartLine, c.EndLine, "reorder") {
				continue
			}
			at := attachedStart(d, c)
			cEnv := &envs[c.Index]
			fe := freeEnv{protected: []string{copyDest(d, cEnv, c)}, noUsers: namedChown(c)}
			j := i + 1
		scan:
			for ; j < len(list); j++ {
				x := list[j]
				switch {
				case crossable[x.Cmd]:
				case x.Cmd == "copy" || x.Cmd == "add":
					fe.protected = append(fe.protected, copyDest(d, &envs[x.Index], x))
					fe.noUsers = fe.noUsers || namedChown(x)
				case x.Cmd == "workdir":
					fe.protected = append(fe.protected, workdirAfter(d, envs, x))
				case x.Cmd == "run":
					if ignoredAt(d, x.StartLine, x.EndLine, "reorder") {
						break scan
					}
					if why := fe.movable(d, sh, x, &envs[x.Index], cEnv); why != "" {
						break scan
					}
					del, text := moveOut(d, x)
					msg := fmt.Sprintf("moved above %s: it does not read the copied files, so source changes no longer re-run it", insQuote(d, c))
					out = append(out, p.Finding("", x, msg, emit.Edit{Start: at, End: at, New: text}, del))
				default:
					break scan
				}
			}
			i = j - 1
		}
	}
	return out
}

// freeEnv decides whether a RUN is free of the paths other instructions
// write: it may move above them.
type freeEnv struct {
	protected []string // resolved paths the step must not touch
	noUsers   bool     // no user or group changes (a crossed COPY --chown names one)
	vars      *ast.StageEnv
	d         *ast.Document
	sc        *ast.Script
}

// movable reports why RUN x cannot move to where env `to` is in force
// ("" when it can).
func (e freeEnv) movable(d *ast.Document, sh *scripts, x *ast.Instruction, at, to *ast.StageEnv) string {
	for _, f := range x.Flags {
		switch f.Name {
		case "mount":
			if why := e.mount(f.Value, at); why != "" {
				return why
			}
		case "network", "security", "device":
		default:
			return "`--" + f.Name + "`"
		}
	}
	sc := sh.of(x)
	if sc == nil {
		return "not a shell-form RUN dfopt can analyse"
	}
	cwd := ""
	if at.Workdir == to.Workdir {
		cwd = at.Workdir
	}
	e.vars, e.d, e.sc = at, d, sc
	return e.stmts(sc.File.Stmts, &cwd)
}

func (e freeEnv) mount(spec string, at *ast.StageEnv) string {
	typ, target, from := "bind", "", ""
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "type":
			typ = v
		case "target", "dst", "destination":
			target = v
		case "from":
			from = v
		}
	}
	switch typ {
	case "bind":
		if from == "" {
			return "a bind mount of the build context"
		}
	case "cache", "tmpfs", "secret", "ssh":
	default:
		return "a `" + typ + "` mount"
	}
	if target != "" {
		if why := e.conflict(at.Resolve(target, '\\')); why != "" {
			return why
		}
	}
	return ""
}

func (e freeEnv) stmts(list []*syntax.Stmt, cwd *string) string {
	for _, s := range list {
		if why := e.stmt(s, cwd); why != "" {
			return why
		}
	}
	return ""
}

func (e freeEnv) stmt(s *syntax.Stmt, cwd *string) string {
	if s.Background || s.Coprocess || s.Disown {
		return "a background job"
	}
	for _, r := range s.Redirs {
		if why := e.redirect(r, *cwd); why != "" {
			return why
		}
	}
	switch c := s.Cmd.(type) {
	case nil:
		return ""
	case *syntax.CallExpr:
		return e.call(c, cwd)
	case *syntax.BinaryCmd:
		if why := e.stmt(c.X, cwd); why != "" {
			return why
		}
		return e.stmt(c.Y, cwd)
	case *syntax.Block:
		return e.stmts(c.Stmts, cwd)
	case *syntax.Subshell:
		inner := *cwd
		return e.stmts(c.Stmts, &inner)
	case *syntax.DeclClause:
		for _, a := range c.Args {
			if a.Value != nil {
				if why := e.substs(*cwd, a.Value); why != "" {
					return why
				}
			}
		}
		return ""
	}
	return "a shell construct (`if`, `for`, …) dfopt does not analyse"
}

func (e freeEnv) redirect(r *syntax.Redirect, cwd string) string {
	switch r.Op {
	case syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc, syntax.DplIn, syntax.DplOut:
		return e.substs(cwd, r.Word)
	}
	if v, ok := litWord(r.Word); ok && (v == "/dev/null" || v == "/dev/stdout" || v == "/dev/stderr") {
		return ""
	}
	return e.path(r.Word, cwd)
}

// substs checks the commands inside command substitutions of words.
func (e freeEnv) substs(cwd string, words ...*syntax.Word) string {
	why := ""
	for _, w := range words {
		if w == nil {
			continue
		}
		syntax.Walk(w, func(n syntax.Node) bool {
			if why != "" {
				return false
			}
			switch n := n.(type) {
			case *syntax.CmdSubst:
				inner := cwd
				why = e.stmts(n.Stmts, &inner)
				return false
			case *syntax.ProcSubst:
				why = "a process substitution"
				return false
			case *syntax.ExtGlob:
				why = "an extended glob"
			}
			return true
		})
	}
	return why
}

// systemPath: package-manager state that no build context holds.
func systemPath(p string) bool {
	for _, s := range []string{"/var/lib/apt/lists", "/var/cache/apt", "/var/cache/apk", "/var/cache/yum",
		"/var/cache/dnf", "/var/cache/debconf", "/var/lib/dpkg", "/var/log/apt", "/var/log/dpkg.log",
		"/etc/apt", "/etc/apk", "/etc/yum.repos.d", "/usr/share/keyrings", "/var/cache/ldconfig", "/dev/null"} {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	return false
}

// conflict reports why touching resolved path p could interact with the
// protected paths.
func (e freeEnv) conflict(p string) string {
	if p == "" {
		return "a path that depends on the working directory or on a variable"
	}
	for _, q := range e.protected {
		if systemPath(p) && (!ast.IsAbsPath(q) || q == "/") {
			continue
		}
		if !ast.IsAbsPath(q) && ast.IsAbsPath(p) || ast.IsAbsPath(q) && !ast.IsAbsPath(p) {
			return "`" + p + "`, which may be where the files are copied"
		}
		if _, in := ast.RelPath(q, p); in {
			return "`" + p + "`, where the files are copied"
		}
		if _, in := ast.RelPath(p, q); in {
			return "`" + p + "`, which holds the copied files"
		}
	}
	return ""
}

// wordPath resolves a word used as a path: "" when it cannot be known. A
// word with a glob or an expansion resolves to the folder before it.
func (e freeEnv) wordPath(w *syntax.Word, cwd string) string {
	v, ok := litWord(w)
	glob := hasGlob(w)
	if !ok {
		raw := strings.NewReplacer(`"`, "", `'`, "").Replace(rawWord(e.sc, w))
		if x, ok2 := e.vars.Expand(raw, '\\'); ok2 && !strings.ContainsAny(x, "$`") {
			v, ok = x, true
		} else {
			v = raw
		}
	}
	if !ok || glob {
		cut := strings.IndexAny(v, "$`*?[{")
		if cut < 0 {
			cut = len(v)
		}
		pre := v[:cut]
		k := strings.LastIndexByte(pre, '/')
		switch {
		case k >= 0:
			v = pre[:k+1]
		case cut == 0 && !ok:
			return "" // the whole path is an expansion
		default:
			v = "." // somewhere in the working directory
		}
	}
	return e.resolve(v, cwd)
}

func (e freeEnv) path(w *syntax.Word, cwd string) string {
	if why := e.substs(cwd, w); why != "" {
		return why
	}
	return e.conflict(e.wordPath(w, cwd))
}

// mentions reports a word that names a protected path in its text.
func (e freeEnv) mentions(w *syntax.Word) string {
	text := rawWord(e.sc, w)
	for _, q := range e.protected {
		if !ast.IsAbsPath(q) || q == "/" {
			continue
		}
		for k := strings.Index(text, q); k >= 0; {
			end := k + len(q)
			before := k == 0 || strings.ContainsRune(" \t=:'\"([,;#@|!", rune(text[k-1]))
			after := end == len(text) || strings.ContainsRune("/ \t'\":;,)]#@|!", rune(text[end]))
			if before && after {
				return "it names `" + q + "`, where the files are copied"
			}
			n := strings.Index(text[end:], q)
			if n < 0 {
				break
			}
			k = end + n
		}
	}
	return ""
}

// pathLike reports whether a word given as a name is really a path.
func pathLike(v string) bool {
	return v == "." || v == ".." || strings.HasPrefix(v, "/") || strings.HasPrefix(v, "./") ||
		strings.HasPrefix(v, "../") || strings.HasPrefix(v, "~")
}

// The commands a movable step may run, by how their arguments read.
var (
	nameCmds = nameSet("apt-get", "apt", "aptitude", "apk", "dnf", "yum", "microdnf", "tdnf", "zypper",
		"pacman", "dpkg", "rpm", "apt-key", "add-apt-repository", "update-ca-certificates", "locale-gen",
		"update-locale", "dpkg-reconfigure", "ldconfig", "debconf-set-selections", "localedef",
		"update-alternatives", "echo", "printf", "true", "false", ":", "set", "sleep", "uname", "nproc",
		"arch", "id", "whoami", "lsb_release", "getent", "date", "which", "basename", "dirname", "tr",
		"cut", "uniq", "wc", "dpkg-architecture", "getconf", "gpg", "gpgconf", "chpasswd", "passwd",
		"chsh", "gpasswd", "groupadd", "addgroup", "groupmod", "groupdel", "userdel", "usermod",
		"useradd", "adduser", "test", "[", "yes", "dpkg-divert", "pwconv", "grpconv", "gpg-agent",
		"dirmngr", "update-mime-database", "fc-cache", "install-packages", "apt-mark", "apt-cache")
	userCmds = nameSet("groupadd", "addgroup", "groupmod", "groupdel", "userdel", "usermod", "useradd", "adduser")
	pathCmds = nameSet("mkdir", "rm", "rmdir", "touch", "ln", "cp", "mv", "cat", "tee", "head", "tail",
		"stat", "ls", "realpath", "readlink", "sha256sum", "sha1sum", "sha512sum", "md5sum", "gzip",
		"gunzip", "xz", "unxz", "bzip2", "bunzip2", "zstd", "chmod", "chown", "chgrp", "install", "sort")
)

func (e freeEnv) call(c *syntax.CallExpr, cwd *string) string {
	for _, a := range c.Assigns {
		if a.Value != nil {
			if why := e.substs(*cwd, a.Value); why != "" {
				return why
			}
		}
	}
	if len(c.Args) == 0 {
		return ""
	}
	name, args, ok := callName(c)
	if !ok {
		return "a command whose name is not literal"
	}
	for _, w := range args {
		if why := e.substs(*cwd, w); why != "" {
			return why
		}
		if why := e.mentions(w); why != "" {
			return why
		}
	}
	if name == "command" {
		return "" // command -v
	}
	if userCmds[name] && e.noUsers {
		return "`" + name + "` changes users that a moved-over `COPY --chown` uses"
	}
	switch {
	case name == "cd":
		if len(args) != 2 {
			return "`cd` without a literal folder"
		}
		if v, ok := litWord(args[1]); ok && !strings.HasPrefix(v, "~") && v != "-" {
			if strings.HasPrefix(v, "/") {
				*cwd = path.Clean(v)
			} else if *cwd != "" {
				*cwd = path.Join(*cwd, v)
			}
			return ""
		}
		*cwd = ""
		return ""
	case name == "git":
		if sub := firstArg(args); sub != "config" {
			return "`git " + sub + "`"
		}
		return e.names(args[1:], *cwd)
	case name == "useradd" || name == "adduser":
		if why := e.names(args[1:], *cwd); why != "" {
			return why
		}
		return e.home(name, args[1:])
	case nameCmds[name]:
		return e.names(args[1:], *cwd)
	case strings.HasSuffix(name, "sum") && pathCmds[name]:
		for _, a := range args[1:] {
			if v, _ := litWord(a); v == "-c" || v == "--check" {
				if why := e.conflict(*cwd); why != "" {
					return "`" + name + " -c` reads files named in its input, relative to " + why
				}
			}
		}
		return e.paths(name, args[1:], *cwd)
	case pathCmds[name]:
		if name == "ls" && !hasOperand(args[1:]) {
			if why := e.conflict(*cwd); why != "" {
				return "`ls` lists the working directory: " + why
			}
		}
		return e.paths(name, args[1:], *cwd)
	case name == "sed" || name == "grep":
		return e.scriptFirst(name, args[1:], *cwd)
	case name == "curl":
		return e.curl(args[1:], *cwd)
	case name == "wget":
		return e.wget(args[1:], *cwd)
	case name == "tar":
		return e.tar(args[1:], *cwd)
	case name == "unzip":
		return e.unzip(args[1:], *cwd)
	}
	return "`" + name + "` may read the copied files"
}

// names checks arguments that are names (packages, users), except those
// that look like paths.
func (e freeEnv) names(args []*syntax.Word, cwd string) string {
	for _, a := range args {
		v, ok := litWord(a)
		if !ok {
			raw := rawWord(e.sc, a)
			if x, ok2 := e.vars.Expand(strings.Trim(raw, `"'`), '\\'); ok2 {
				v, ok = x, true
			} else if strings.Contains(raw, "/") {
				if why := e.path(a, cwd); why != "" {
					return why
				}
				continue
			}
		}
		if strings.HasPrefix(v, "-") {
			if _, val, has := strings.Cut(v, "="); has && pathLike(val) {
				if why := e.conflict(e.resolve(val, cwd)); why != "" {
					return why
				}
			}
			continue
		}
		if ok && pathLike(v) {
			if why := e.conflict(e.resolve(v, cwd)); why != "" {
				return why
			}
		}
	}
	return ""
}

func (e freeEnv) resolve(v, cwd string) string {
	switch {
	case strings.HasPrefix(v, "/"):
		return path.Clean(v)
	case strings.HasPrefix(v, "~"), cwd == "":
		return ""
	}
	return path.Join(cwd, v)
}

// home checks the home folder useradd or adduser creates.
func (e freeEnv) home(name string, args []*syntax.Word) string {
	noHome, sysUser, explicitHome := false, false, false
	home, base, user := "", "/home", ""
	nPos := 0
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			if strings.HasPrefix(rawWord(e.sc, args[i]), "-") {
				return "a `" + name + "` option that is not literal"
			}
			user = "?"
			nPos++
			continue
		}
		next := func() string {
			if i+1 < len(args) {
				i++
				s, _ := litWord(args[i])
				return s
			}
			return ""
		}
		switch {
		case v == "-M" || v == "--no-create-home" || v == "-H":
			noHome = true
		case v == "--system" || v == "-r" && name == "useradd":
			sysUser = true
		case v == "-m" || v == "--create-home":
			explicitHome = true
		case v == "-d" || v == "--home-dir" || v == "--home" || (v == "-h" && name == "adduser"):
			home = next()
			if name == "adduser" {
				explicitHome = true
			}
		case strings.HasPrefix(v, "--home-dir=") || strings.HasPrefix(v, "--home="):
			_, home, _ = strings.Cut(v, "=")
		case v == "-b" || v == "--base-dir":
			base = next()
		case strings.HasPrefix(v, "--") && !strings.Contains(v, "="):
			switch v {
			case "--comment", "--expiredate", "--inactive", "--gid", "--groups", "--skel", "--key", "--password",
				"--shell", "--uid", "--root", "--prefix", "--selinux-user", "--gecos", "--ingroup", "--firstuid",
				"--lastuid", "--extrausers", "--conf", "--add_extra_groups", "--btrfs-subvolume-home":
				next()
			}
		case strings.HasPrefix(v, "-") && !strings.HasPrefix(v, "--"):
			letters := v[1:]
			for k := 0; k < len(letters); k++ {
				l := letters[k]
				if name == "useradd" && strings.IndexByte("cdefgGkKpsubRPZ", l) >= 0 || name == "adduser" && strings.IndexByte("hgsGuk", l) >= 0 {
					val := letters[k+1:]
					if val == "" {
						val = next()
					}
					switch {
					case l == 'd' || (l == 'h' && name == "adduser"):
						home = val
					case l == 'b':
						base = val
					case l == 'R' || l == 'P':
						return "`" + name + " -" + string(l) + "` works in another root"
					}
					break
				}
				switch {
				case l == 'M' || l == 'H':
					noHome = true
				case l == 'm':
					explicitHome = true
				case l == 'r' && name == "useradd":
					sysUser = true
				}
			}
		default:
			user = v
			nPos++
		}
	}
	if name == "adduser" && nPos > 1 {
		return "" // adduser USER GROUP adds a user to a group
	}
	if noHome || sysUser && !explicitHome {
		return ""
	}
	if home == "" {
		if user == "" || user == "?" {
			return "a home folder that depends on a variable"
		}
		home = path.Join(base, user)
	}
	return e.conflict(e.resolve(home, ""))
}

func hasOperand(args []*syntax.Word) bool {
	for _, a := range args {
		if v, ok := litWord(a); !ok || !strings.HasPrefix(v, "-") {
			return true
		}
	}
	return false
}

// pathOpts are the options of the path commands that take a value, and
// whether that value is a path.
var pathOpts = map[string]map[string]bool{
	"mkdir":   {"-m": false, "--mode": false},
	"touch":   {"-d": false, "--date": false, "-t": false, "-r": true, "--reference": true},
	"ln":      {"-t": true, "--target-directory": true, "-S": false, "--suffix": false},
	"cp":      {"-t": true, "--target-directory": true, "-S": false, "--suffix": false},
	"mv":      {"-t": true, "--target-directory": true, "-S": false, "--suffix": false},
	"install": {"-t": true, "--target-directory": true, "-S": false, "--suffix": false, "-m": false, "--mode": false, "-o": false, "--owner": false, "-g": false, "--group": false},
	"head":    {"-n": false, "--lines": false, "-c": false, "--bytes": false},
	"tail":    {"-n": false, "--lines": false, "-c": false, "--bytes": false, "-s": false},
	"sort":    {"-k": false, "--key": false, "-t": false, "--field-separator": false, "-o": true, "--output": true},
	"chmod":   {"--reference": true},
	"chown":   {"--reference": true},
	"chgrp":   {"--reference": true},
}

// paths checks commands whose arguments are all paths (chmod and chown:
// after the mode or owner).
func (e freeEnv) paths(name string, args []*syntax.Word, cwd string) string {
	first := name == "chmod" || name == "chown" || name == "chgrp"
	opts := pathOpts[name]
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if ok && strings.HasPrefix(v, "-") && v != "-" {
			if first && name == "chmod" && strings.Trim(v[1:], "rwxXst") == "" {
				first = false // chmod -x FILE: a mode
				continue
			}
			opt, val, has := strings.Cut(v, "=")
			if opt == "--reference" {
				first = false
			}
			isPath, valued := opts[opt]
			switch {
			case has && isPath:
				if why := e.conflict(e.resolve(val, cwd)); why != "" {
					return why
				}
			case !has && valued && i+1 < len(args):
				i++
				if isPath {
					if why := e.path(args[i], cwd); why != "" {
						return why
					}
				}
			}
			continue
		}
		if first {
			first = false
			continue
		}
		if ok && v == "-" {
			continue
		}
		if why := e.path(args[i], cwd); why != "" {
			return why
		}
	}
	return ""
}

// scriptFirst checks sed and grep: the first argument is the script or
// pattern (unless given with -e or -f), the rest are files.
func (e freeEnv) scriptFirst(name string, args []*syntax.Word, cwd string) string {
	script := true
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if ok && strings.HasPrefix(v, "-") && len(v) > 1 {
			switch {
			case v == "-e" || v == "--expression" || v == "--regexp":
				script = false
				i++
			case v == "-f" || v == "--file":
				script = false
				i++
				if i < len(args) {
					if why := e.path(args[i], cwd); why != "" {
						return why
					}
				}
			case v == "-m" || v == "-A" || v == "-B" || v == "-C" || v == "--max-count":
				i++
			case v == "-r" || v == "-R" || v == "--recursive":
				if name == "grep" {
					return "`grep -r`"
				}
			}
			continue
		}
		if script {
			script = false
			continue
		}
		if why := e.path(args[i], cwd); why != "" {
			return why
		}
	}
	return ""
}

// shortValue scans a short option cluster such as -fsSLo: it returns the
// letters before the first valued one, that letter, and its attached
// value.
func shortValue(v, valued string) (flags string, letter byte, val string) {
	for k := 1; k < len(v); k++ {
		if strings.IndexByte(valued, v[k]) >= 0 {
			return v[1:k], v[k], v[k+1:]
		}
	}
	return v[1:], 0, ""
}

// option is one option of a curl- or wget-style command line.
type option struct {
	name, val string
	has       bool   // it carries a value
	vi        int    // the argument holding the value, -1 when attached
	flags     string // short flags grouped before a valued letter (`-sSLo`)
}

// readOption reads the option v at args[i] (long `--x=y`/`--x y`, short
// `-xy`/`-x y` with the valued letters in short) and returns it with the
// index of its last argument.
func readOption(args []*syntax.Word, i int, v string, valued map[string]bool, short string) (option, int) {
	o := option{name: v, vi: -1}
	if strings.HasPrefix(v, "--") {
		if k := strings.IndexByte(v, '='); k > 0 {
			o.name, o.val, o.has = v[:k], v[k+1:], true
		} else if valued[v] && i+1 < len(args) {
			i++
			o.vi, o.has = i, true
			o.val, _ = litWord(args[i])
		}
		return o, i
	}
	flags, letter, attached := shortValue(v, short)
	o.flags = flags
	if letter != 0 {
		o.name, o.val, o.has = "-"+string(letter), attached, true
		if attached == "" && i+1 < len(args) {
			i++
			o.vi = i
			o.val, _ = litWord(args[i])
		}
	}
	return o, i
}

// pathOption checks the path an option names: the argument itself when
// the value stands alone, else the attached value.
func (e freeEnv) pathOption(args []*syntax.Word, o option, cwd string) string {
	if o.vi >= 0 {
		return e.path(args[o.vi], cwd)
	}
	return e.conflict(e.resolve(o.val, cwd))
}

var (
	curlValued = nameSet("-o", "--output", "--output-dir", "-H", "--header", "-A", "--user-agent", "-u", "--user",
		"-X", "--request", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii",
		"-F", "--form", "-T", "--upload-file", "-K", "--config", "-e", "--referer", "-x", "--proxy", "--retry",
		"--retry-delay", "--retry-max-time", "--connect-timeout", "-m", "--max-time", "-w", "--write-out",
		"-b", "--cookie", "-c", "--cookie-jar", "--cacert", "--cert", "--key", "-r", "--range", "-C",
		"--continue-at", "--limit-rate", "-y", "-Y", "--resolve", "--url", "-z", "--time-cond", "--max-redirs",
		"--proto", "--proto-redir", "--netrc-file", "--dns-servers", "--interface", "--capath", "--ciphers",
		"-E", "--pinnedpubkey", "--trace", "--trace-ascii", "--stderr", "-D", "--dump-header",
		"--oauth2-bearer", "--aws-sigv4", "--json", "--create-file-mode", "--tlsv1.2", "--variable",
		"--connect-to", "--speed-limit", "--speed-time", "--keepalive-time", "--expect100-timeout", "-Q", "--quote")
	curlPaths = nameSet("-o", "--output", "--output-dir", "-T", "--upload-file", "-K", "--config", "-c",
		"--cookie-jar", "--cacert", "--cert", "--key", "--netrc-file", "--capath", "--trace", "--trace-ascii",
		"--stderr", "-D", "--dump-header")
)

func (e freeEnv) curl(args []*syntax.Word, cwd string) string {
	remote, outDir := false, false
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			raw := rawWord(e.sc, args[i])
			if strings.HasPrefix(raw, "-") {
				return "a `curl` option that is not literal"
			}
			continue // a URL
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			if strings.HasPrefix(v, "file:") {
				return "`curl` of a local file"
			}
			continue
		}
		o, next := readOption(args, i, v, curlValued, "oHAuXdFTKexmwbcrCyYzEDQ")
		i = next
		switch {
		case o.name == "--remote-name" || o.name == "--remote-name-all" || o.name == "--remote-header-name":
			remote = true
		case strings.ContainsAny(o.flags, "OJ"):
			remote = true
		}
		if !o.has {
			continue
		}
		if o.name == "--output-dir" {
			outDir = true
		}
		if curlPaths[o.name] {
			if o.val == "-" {
				continue
			}
			if why := e.pathOption(args, o, cwd); why != "" {
				return why
			}
			continue
		}
		if strings.HasPrefix(o.val, "@") || strings.Contains(o.val, "=@") || strings.Contains(o.val, "=<") {
			return "`curl` sends a local file"
		}
	}
	if remote && !outDir {
		if why := e.conflict(cwd); why != "" {
			return "`curl -O` writes into the working directory: " + why
		}
	}
	return ""
}

var (
	wgetValued = nameSet("-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a",
		"--append-output", "-i", "--input-file", "-t", "--tries", "-T", "--timeout", "-U", "--user-agent",
		"--header", "--user", "--password", "-e", "--execute", "-w", "--wait", "-Q", "--quota", "-B", "--base",
		"-l", "--level", "-A", "--accept", "-R", "--reject", "-D", "--domains", "-X", "--exclude-directories",
		"-I", "--include-directories", "--post-file", "--post-data", "--body-file", "--body-data",
		"--load-cookies", "--save-cookies", "--ca-certificate", "--certificate", "--private-key", "--progress",
		"--limit-rate", "--max-redirect", "--method", "--secure-protocol", "--http-user", "--http-password",
		"--ca-directory", "--dns-timeout", "--connect-timeout", "--read-timeout", "--waitretry")
	wgetPaths = nameSet("-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a",
		"--append-output", "-i", "--input-file", "--post-file", "--body-file", "--load-cookies",
		"--save-cookies", "--ca-certificate", "--certificate", "--private-key", "--ca-directory")
)

func (e freeEnv) wget(args []*syntax.Word, cwd string) string {
	out := false
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			if strings.HasPrefix(rawWord(e.sc, args[i]), "-") {
				return "a `wget` option that is not literal"
			}
			continue
		}
		if !strings.HasPrefix(v, "-") || v == "-" {
			continue
		}
		o, next := readOption(args, i, v, wgetValued, "OPoaitTUewQBlARDXI")
		i = next
		if !o.has {
			continue
		}
		if o.name == "-O" || o.name == "--output-document" || o.name == "-P" || o.name == "--directory-prefix" {
			out = true
		}
		if wgetPaths[o.name] && o.val != "-" {
			if why := e.pathOption(args, o, cwd); why != "" {
				return why
			}
		}
	}
	if !out {
		if why := e.conflict(cwd); why != "" {
			return "`wget` writes into the working directory: " + why
		}
	}
	return ""
}

func (e freeEnv) tar(args []*syntax.Word, cwd string) string {
	extract, dirSet := false, false
	var pending []byte // old-style option letters waiting for their values
	var files []int
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if !ok {
			if strings.HasPrefix(rawWord(e.sc, args[i]), "-") {
				return "a `tar` option that is not literal"
			}
		}
		if len(pending) > 0 {
			l := pending[0]
			pending = pending[1:]
			switch l {
			case 'f', 'T', 'X', 'K', 'N', 'g':
				if v != "-" {
					if why := e.path(args[i], cwd); why != "" {
						return why
					}
				}
			case 'C':
				dirSet = true
				if why := e.path(args[i], cwd); why != "" {
					return why
				}
			}
			continue
		}
		switch {
		case ok && strings.HasPrefix(v, "--"):
			name, val, has := strings.Cut(v, "=")
			switch name {
			case "--extract", "--get":
				extract = true
			case "--file", "--directory", "--files-from", "--exclude-from":
				if name == "--directory" {
					dirSet = true
				}
				if !has && i+1 < len(args) {
					i++
					if why := e.path(args[i], cwd); why != "" {
						return why
					}
				} else if val != "-" {
					if why := e.conflict(e.resolve(val, cwd)); why != "" {
						return why
					}
				}
			case "--to-command", "--use-compress-program", "--checkpoint-action", "--info-script", "--new-volume-script", "--rsh-command":
				return "`tar " + name + "` runs a command"
			}
		case ok && (strings.HasPrefix(v, "-") || i == 0) && v != "-":
			letters := strings.TrimPrefix(v, "-")
			dashed := strings.HasPrefix(v, "-")
			for k := 0; k < len(letters); k++ {
				l := letters[k]
				if l == 'x' {
					extract = true
				}
				if l == 'I' {
					return "`tar -I` runs a command"
				}
				if strings.IndexByte("fCTXKNgb", l) >= 0 {
					if dashed {
						val := letters[k+1:]
						if val == "" {
							pending = append(pending, l)
						} else {
							if l == 'C' {
								dirSet = true
							}
							if l != 'b' && val != "-" {
								if why := e.conflict(e.resolve(val, cwd)); why != "" {
									return why
								}
							}
						}
						break
					}
					pending = append(pending, l)
				}
			}
		default:
			files = append(files, i)
		}
	}
	if extract {
		if !dirSet {
			if why := e.conflict(cwd); why != "" {
				return "`tar` extracts into the working directory: " + why
			}
		}
		return ""
	}
	for _, i := range files {
		if why := e.path(args[i], cwd); why != "" {
			return why
		}
	}
	return ""
}

func (e freeEnv) unzip(args []*syntax.Word, cwd string) string {
	dirSet, zip := false, false
	for i := 0; i < len(args); i++ {
		v, ok := litWord(args[i])
		if ok && strings.HasPrefix(v, "-") {
			switch v {
			case "-d":
				dirSet = true
				i++
				if i < len(args) {
					if why := e.path(args[i], cwd); why != "" {
						return why
					}
				}
			case "-x":
				return ""
			case "-P":
				i++
			}
			continue
		}
		if !zip {
			zip = true
			if why := e.path(args[i], cwd); why != "" {
				return why
			}
		}
	}
	if !dirSet {
		if why := e.conflict(cwd); why != "" {
			return "`unzip` extracts into the working directory: " + why
		}
	}
	return ""
}
