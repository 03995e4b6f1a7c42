package moves

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// The user tools of the read-set table: the home folders they create,
// move or remove, and sed, whose script may read and write files.

// userValued are the option letters of useradd and adduser that take a
// value (adduser: Debian's and busybox's).
var userValued = map[string]string{"useradd": "cdefgGkKpsubRPZ", "adduser": "hgsGuk"}

var userLong = transform.NameSet("--comment", "--expiredate", "--inactive", "--gid", "--groups", "--skel", "--key",
	"--password", "--shell", "--uid", "--root", "--prefix", "--selinux-user", "--gecos", "--ingroup",
	"--firstuid", "--lastuid", "--extrausers", "--conf", "--add_extra_groups", "--btrfs-subvolume-home",
	"--home-dir", "--home", "--base-dir", "--firstgid", "--lastgid")

// useradd collects what a useradd or adduser command line says about the
// home folder.
type useradd struct {
	noHome, sysUser, explicitHome bool
	homeSet                       bool
	base, user                    string
	users                         int
}

// parseUseradd reads useradd and adduser: the home folder they create
// (given, or the base folder and the user's name) is written.
func parseUseradd(r *argReader) {
	name := r.name
	u := useradd{base: "/home"}
	valued := userValued[name]
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") {
			u.user, u.users = v, u.users+1
			if !ok {
				u.user = "\x00"
			}
			continue
		}
		if strings.HasPrefix(v, "--") {
			opt, val, has := strings.Cut(v, "=")
			if !has && userLong[opt] && i+1 < len(r.args) {
				i++
				val, _ = transform.LitWord(r.args[i])
				u.option(r, opt, val, i)
			} else {
				u.option(r, opt, val, -1)
			}
			continue
		}
		letters := v[1:]
		for k := 0; k < len(letters); k++ {
			l := letters[k]
			if strings.IndexByte(valued, l) < 0 {
				u.flag(name, l)
				continue
			}
			val, vi := letters[k+1:], -1
			if val == "" && i+1 < len(r.args) {
				i++
				val, _ = transform.LitWord(r.args[i])
				vi = i
			}
			u.option(r, "-"+string(l), val, vi)
			break
		}
	}
	if r.set.all != "" || name == "adduser" && u.users > 1 { // adduser USER GROUP adds a user to a group
		return
	}
	if u.noHome || u.sysUser && !u.explicitHome || u.homeSet {
		return
	}
	if u.user == "" || strings.Contains(u.user, "\x00") {
		r.Value(u.base, rWrite) // a folder in the base folder
		return
	}
	r.Value(path.Join(u.base, u.user), rWrite)
}

func (u *useradd) flag(name string, l byte) {
	switch {
	case l == 'M' || l == 'H':
		u.noHome = true
	case l == 'm':
		u.explicitHome = true
	case l == 'r' && name == "useradd":
		u.sysUser = true
	}
}

// option records a valued option (vi: the argument holding the value,
// -1 when attached), or a long flag.
func (u *useradd) option(r *argReader, opt, val string, vi int) {
	record := func(ro role) {
		if vi >= 0 {
			r.word(r.args[vi], ro, nil)
		} else {
			r.Value(val, ro)
		}
	}
	switch {
	case opt == "--no-create-home":
		u.noHome = true
	case opt == "--create-home":
		u.explicitHome = true
	case opt == "--system" && r.name == "useradd":
		u.sysUser = true
	case opt == "-d" || opt == "--home-dir" || opt == "--home" || opt == "-h" && r.name == "adduser":
		u.homeSet = true
		if r.name == "adduser" {
			u.explicitHome = true
		}
		if !u.noHome {
			record(rWrite)
		}
	case opt == "-b" || opt == "--base-dir":
		u.base = val
		if vi >= 0 {
			if _, ok := transform.LitWord(r.args[vi]); !ok {
				u.base = "\x00"
			}
		}
		record(rText)
	case opt == "-k" || opt == "--skel":
		record(rRead)
	case opt == "-R" || opt == "-P" || opt == "--root" || opt == "--prefix":
		r.fail(r.by + " works in another root")
	default:
		record(rText)
	}
}

// parseUserdel: removing the home folder (userdel -r, deluser
// --remove-home) writes a folder dfopt cannot know.
func parseUserdel(r *argReader) {
	for i := range r.args {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") {
			continue
		}
		if v == "--remove" || v == "--remove-home" || v == "--remove-all-files" ||
			!strings.HasPrefix(v, "--") && strings.ContainsAny(v, "r") {
			r.add(touch{home: true, val: "\x00", write: true})
		}
	}
}

// parseUsermod: a new home (-d), moving it (-m) or a new uid (-u, which
// re-owns the files in the home folder) writes there.
func parseUsermod(r *argReader) {
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") {
			continue
		}
		opt, val, has := strings.Cut(v, "=")
		if !strings.HasPrefix(v, "--") && len(v) > 2 {
			opt, val, has = v[:2], v[2:], true
		}
		valued := userOpts[opt] != rNone || opt == "-d" || opt == "--home" || opt == "-R" || opt == "-P"
		vi := -1
		if valued && !has && i+1 < len(r.args) {
			i++
			vi = i
		}
		switch opt {
		case "-d", "--home":
			if vi >= 0 {
				r.word(r.args[vi], rWrite, nil)
			} else {
				r.Value(val, rWrite)
			}
		case "-m", "--move-home", "-u", "--uid":
			r.add(touch{home: true, val: "\x00", write: true})
		case "-R", "-P", "--root", "--prefix":
			r.fail(r.by + " works in another root")
		}
	}
}

// parseSed reads sed: scripts given with -e or as the first operand must
// only edit text (no r, R, w, W, e commands or flags), -f names a script
// file, the operands are read (and written with -i).
func parseSed(r *argReader) {
	script := false
	var ops []int
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") || v == "-" {
			ops = append(ops, i)
			continue
		}
		if v == "--" {
			for j := i + 1; j < len(r.args); j++ {
				ops = append(ops, j)
			}
			break
		}
		opt, val, has := strings.Cut(v, "=")
		if !strings.HasPrefix(v, "--") {
			opt, val, has = "-"+string(v[1]), v[2:], len(v) > 2
			if strings.IndexByte("efl", v[1]) < 0 {
				opt, has = v, false
			}
		}
		switch opt {
		case "-e", "--expression", "-f", "--file", "-l", "--line-length":
			script = script || opt != "-l" && opt != "--line-length"
			vi := -1
			if !has && i+1 < len(r.args) {
				i++
				vi = i
				val, _ = transform.LitWord(r.args[i])
			}
			switch {
			case opt == "-f" || opt == "--file":
				if vi >= 0 {
					r.word(r.args[vi], rRead, nil)
				} else {
					r.Value(val, rRead)
				}
			case opt == "-e" || opt == "--expression":
				r.sedScript(vi, val)
			}
		}
	}
	for n, i := range ops {
		if n == 0 && !script {
			v, _ := transform.LitWord(r.args[i])
			r.sedScript(i, v)
			continue
		}
		r.word(r.args[i], rRead, nil)
	}
}

// sedScript checks a sed script (the argument vi, or the attached text).
func (r *argReader) sedScript(vi int, v string) {
	if vi >= 0 {
		if _, ok := transform.LitWord(r.args[vi]); !ok {
			// expansions stay opaque text
			v = strings.NewReplacer(`"`, "", `'`, "").Replace(transform.RawWord(r.sc, r.args[vi]))
		}
	}
	if sedTouchesFiles(v) {
		r.fail(r.by + " runs a script that may read or write files (r, w or e)")
	}
}

// sedTouchesFiles reports whether a sed script may read or write a file
// or run a command: the r, R, w, W and e commands, the w and e flags of
// s, or anything dfopt does not recognise.
func sedTouchesFiles(s string) bool {
	i := 0
	skip := func(stop string) {
		for i < len(s) && !strings.ContainsRune(stop, rune(s[i])) {
			if s[i] == '\\' {
				i++
			}
			i++
		}
	}
	delimited := func() bool { // skips up to and past the delimiter at s[i]
		if i >= len(s) {
			return false
		}
		d := s[i]
		i++
		skip(string(d))
		i++
		return i <= len(s)
	}
	for i < len(s) {
		c := s[i]
		switch {
		case strings.IndexByte(" \t\n;{}!,0123456789$~+", c) >= 0:
			i++
		case c == '/':
			if !delimited() {
				return true
			}
		case c == '\\':
			i++
			if !delimited() {
				return true
			}
		case c == '#':
			skip("\n")
		case c == 's' || c == 'y':
			i++
			if !delimited() {
				return true
			}
			i-- // the middle delimiter closes the first part and opens the second
			if !delimited() {
				return true
			}
			if c == 's' {
				start := i
				skip(";\n} \t")
				if strings.ContainsAny(s[start:i], "we") {
					return true
				}
			}
		case strings.IndexByte("aic", c) >= 0:
			skip("\n")
		case strings.IndexByte("btT:", c) >= 0:
			i++
			skip(";\n")
		case strings.IndexByte("dDpPnNgGhHxlL=qQzF", c) >= 0:
			i++
		default:
			return true // r, R, w, W, e, v, or unknown
		}
	}
	return false
}
