package moves

import (
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"mvdan.cc/sh/v3/syntax"
)

// Commands of the read-set table whose arguments need their own reader:
// old-style option letters (tar), values inside values (curl -d @file),
// scripts (sed), expressions (test), and the home folders useradd
// creates.

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
			o.val, _ = transform.LitWord(args[i])
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
			o.val, _ = transform.LitWord(args[i])
		}
	}
	return o, i
}

// optionFile records the file an option names: the argument itself when
// the value stands alone, else the attached value.
func (r *argReader) optionFile(o option, ro role) {
	if o.vi >= 0 {
		r.word(r.args[o.vi], ro, nil)
		return
	}
	r.Value(o.val, ro)
}

// literal returns args[i] when it is literal; an option that is not
// literal fails the reader.
func (r *argReader) literal(i int) (string, bool) {
	v, ok := transform.LitWord(r.args[i])
	if !ok && strings.HasPrefix(transform.RawWord(r.sc, r.args[i]), "-") {
		r.fail("an option of " + r.by + " that is not literal")
	}
	return v, ok
}

var (
	curlValued = transform.NameSet("-o", "--output", "--output-dir", "-H", "--header", "-A", "--user-agent", "-u", "--user",
		"-X", "--request", "-d", "--data", "--data-raw", "--data-binary", "--data-urlencode", "--data-ascii",
		"-F", "--form", "-T", "--upload-file", "-K", "--config", "-e", "--referer", "-x", "--proxy", "--retry",
		"--retry-delay", "--retry-max-time", "--connect-timeout", "-m", "--max-time", "-w", "--write-out",
		"-b", "--cookie", "-c", "--cookie-jar", "--cacert", "--cert", "--key", "-r", "--range", "-C",
		"--continue-at", "--limit-rate", "-y", "-Y", "--resolve", "--url", "-z", "--time-cond", "--max-redirs",
		"--proto", "--proto-redir", "--netrc-file", "--dns-servers", "--interface", "--capath", "--ciphers",
		"-E", "--pinnedpubkey", "--trace", "--trace-ascii", "--stderr", "-D", "--dump-header",
		"--oauth2-bearer", "--aws-sigv4", "--json", "--create-file-mode", "--variable",
		"--connect-to", "--speed-limit", "--speed-time", "--keepalive-time", "--expect100-timeout", "-Q", "--quote")
	curlReads  = transform.NameSet("-K", "--config", "--cacert", "--cert", "--key", "--netrc-file", "--capath", "-T", "--upload-file")
	curlWrites = transform.NameSet("-o", "--output", "--output-dir", "-c", "--cookie-jar", "--trace", "--trace-ascii",
		"--stderr", "-D", "--dump-header")
	// curlData are the options whose value reads a file after `@` or `<`.
	curlData = transform.NameSet("-d", "--data", "--data-binary", "--data-urlencode", "--data-ascii", "-F", "--form",
		"--json", "-b", "--cookie", "-H", "--header", "--variable", "-z", "--time-cond")
)

func parseCurl(r *argReader) {
	remote, outDir := false, false
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") || v == "-" {
			if ok && strings.HasPrefix(v, "file:") {
				r.Value(filePart(v), rRead)
			}
			continue // a URL
		}
		o, next := readOption(r.args, i, v, curlValued, "oHAuXdFTKexmwbcrCyYzEDQ")
		i = next
		switch {
		case o.name == "--remote-name" || o.name == "--remote-name-all" || o.name == "--remote-header-name":
			remote = true
		case strings.ContainsAny(o.flags, "OJ"):
			remote = true
		}
		if !o.has || o.val == "-" {
			continue
		}
		switch {
		case o.name == "--output-dir":
			outDir = true
			r.optionFile(o, rWrite)
		case curlReads[o.name]:
			r.optionFile(o, rRead)
		case curlWrites[o.name]:
			r.optionFile(o, rWrite)
		case curlData[o.name]:
			r.curlData(o)
		}
	}
	if remote && !outDir {
		r.add(touch{cwd: true, write: true, role: rWrite, by: "`curl -O`"})
	}
}

// curlData records the file a data, form or header value reads
// (`@file`, `name=@file;type=x`, `name=<file`).
func (r *argReader) curlData(o option) {
	if o.vi >= 0 {
		if _, ok := transform.LitWord(r.args[o.vi]); !ok && strings.ContainsAny(transform.RawWord(r.sc, r.args[o.vi]), "@<") {
			r.fail("`curl " + o.name + "` may send a local file named by a variable")
			return
		}
	}
	v := o.val
	k := strings.IndexAny(v, "@<")
	if k < 0 || k > 0 && v[k-1] != '=' && o.name != "-b" && o.name != "--cookie" {
		if o.name == "-b" || o.name == "--cookie" {
			if !strings.Contains(v, "=") {
				r.Value(v, rRead) // a cookie file
			}
		}
		return
	}
	f := v[k+1:]
	if j := strings.IndexByte(f, ';'); j >= 0 {
		f = f[:j]
	}
	if f != "-" {
		r.Value(f, rRead)
	}
}

var (
	wgetValued = transform.NameSet("-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a",
		"--append-output", "-i", "--input-file", "-t", "--tries", "-T", "--timeout", "-U", "--user-agent",
		"--header", "--user", "--password", "-e", "--execute", "-w", "--wait", "-Q", "--quota", "-B", "--base",
		"-l", "--level", "-A", "--accept", "-R", "--reject", "-D", "--domains", "-X", "--exclude-directories",
		"-I", "--include-directories", "--post-file", "--post-data", "--body-file", "--body-data",
		"--load-cookies", "--save-cookies", "--ca-certificate", "--certificate", "--private-key", "--progress",
		"--limit-rate", "--max-redirect", "--method", "--secure-protocol", "--http-user", "--http-password",
		"--ca-directory", "--dns-timeout", "--connect-timeout", "--read-timeout", "--waitretry")
	wgetReads = transform.NameSet("-i", "--input-file", "--post-file", "--body-file", "--load-cookies",
		"--ca-certificate", "--certificate", "--private-key", "--ca-directory")
	wgetWrites = transform.NameSet("-O", "--output-document", "-P", "--directory-prefix", "-o", "--output-file", "-a",
		"--append-output", "--save-cookies")
)

func parseWget(r *argReader) {
	out := false
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if !ok || !strings.HasPrefix(v, "-") || v == "-" {
			continue
		}
		o, next := readOption(r.args, i, v, wgetValued, "OPoaitTUewQBlARDXI")
		i = next
		if !o.has {
			continue
		}
		if o.name == "-O" || o.name == "--output-document" || o.name == "-P" || o.name == "--directory-prefix" {
			out = true
		}
		if o.val == "-" {
			continue
		}
		if o.name == "-e" || o.name == "--execute" {
			r.fail("`wget -e` runs a wgetrc command")
			return
		}
		switch {
		case wgetReads[o.name]:
			r.optionFile(o, rRead)
		case wgetWrites[o.name]:
			r.optionFile(o, rWrite)
		}
	}
	if !out {
		r.add(touch{cwd: true, write: true, role: rWrite, by: "`wget`"})
	}
}

// parseTar reads tar's options: bundled old-style letters (`xzf x.tgz`),
// dashed clusters and long options. An archive is read, -C names where
// it extracts (or the folder the operands are in), operands are read.
func parseTar(r *argReader) {
	extract, dir := false, ""
	dirSet := false
	var pending []byte // option letters waiting for their values
	var files []int
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if len(pending) > 0 {
			l := pending[0]
			pending = pending[1:]
			r.tarValue(l, i, v, ok, &dir, &dirSet)
			continue
		}
		switch {
		case ok && strings.HasPrefix(v, "--"):
			name, val, has := strings.Cut(v, "=")
			switch name {
			case "--extract", "--get":
				extract = true
			case "--to-command", "--use-compress-program", "--checkpoint-action", "--info-script",
				"--new-volume-script", "--rsh-command":
				r.fail("`tar " + name + "` runs a command")
				return
			case "--file", "--directory", "--files-from", "--exclude-from":
				l := map[string]byte{"--file": 'f', "--directory": 'C', "--files-from": 'T', "--exclude-from": 'X'}[name]
				if !has && i+1 < len(r.args) {
					i++
					val, ok = transform.LitWord(r.args[i])
					r.tarValue(l, i, val, ok, &dir, &dirSet)
				} else if has {
					r.tarAttached(l, val, &dir, &dirSet)
				}
			}
		case ok && (strings.HasPrefix(v, "-") || i == 0) && v != "-":
			var fail bool
			if pending, fail = r.tarLetters(v, pending, &extract, &dir, &dirSet); fail {
				return
			}
		default:
			files = append(files, i)
		}
	}
	if extract {
		if !dirSet {
			r.add(touch{cwd: true, write: true, role: rWrite, by: "`tar -x`"})
		}
		return
	}
	r.tarOperands(files, dir, dirSet)
}

// tarLetters reads a cluster of tar's option letters (`xzf`, `-xzf`):
// the letters whose values come in the next arguments are added to
// pending; fail is true when tar runs a command.
func (r *argReader) tarLetters(v string, pending []byte, extract *bool, dir *string, dirSet *bool) (_ []byte, fail bool) {
	letters := strings.TrimPrefix(v, "-")
	dashed := strings.HasPrefix(v, "-")
	for k := 0; k < len(letters); k++ {
		l := letters[k]
		switch l {
		case 'x':
			*extract = true
		case 'I':
			r.fail("`tar -I` runs a command")
			return pending, true
		}
		if strings.IndexByte("fCTXKNgb", l) < 0 {
			continue
		}
		if dashed && k+1 < len(letters) {
			r.tarAttached(l, letters[k+1:], dir, dirSet)
			break
		}
		pending = append(pending, l)
		if dashed {
			break
		}
	}
	return pending, false
}

// tarOperands reads the operands of a tar that does not extract: the
// files it archives, in the -C folder when there is one.
func (r *argReader) tarOperands(files []int, dir string, dirSet bool) {
	for _, i := range files {
		v, ok := transform.LitWord(r.args[i])
		switch {
		case !dirSet:
			r.word(r.args[i], rRead, nil)
		case ok && strings.HasPrefix(dir, "/"):
			r.Value(path.Join(dir, v), rRead)
		default:
			r.fail("`tar -C` with operands in a folder that is not certain")
			return
		}
	}
}

// tarValue records the value of a tar option letter given as its own
// argument.
func (r *argReader) tarValue(l byte, i int, v string, lit bool, dir *string, dirSet *bool) {
	switch l {
	case 'f', 'T', 'X', 'K', 'N', 'g':
		if v != "-" {
			r.word(r.args[i], rRead, nil)
		}
	case 'C':
		*dirSet, *dir = true, ""
		if lit {
			*dir = v
		}
		r.word(r.args[i], rWrite, nil)
	}
}

// tarAttached records the value attached to a tar option (`-C/opt`,
// `--file=x.tar`).
func (r *argReader) tarAttached(l byte, v string, dir *string, dirSet *bool) {
	switch l {
	case 'b':
		return
	case 'C':
		*dirSet, *dir = true, v
		r.Value(v, rWrite)
		return
	}
	if v != "-" {
		r.Value(v, rRead)
	}
}

func parseUnzip(r *argReader) {
	dirSet, zip := false, false
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		if r.set.all != "" {
			return
		}
		if ok && strings.HasPrefix(v, "-") {
			switch v {
			case "-d":
				dirSet = true
				if i++; i < len(r.args) {
					r.word(r.args[i], rWrite, nil)
				}
			case "-x":
				i = len(r.args) // the rest are exclusion patterns
			case "-P":
				i++
			}
			continue
		}
		if !zip {
			zip = true
			r.word(r.args[i], rRead, nil)
		}
	}
	if !dirSet {
		r.add(touch{cwd: true, write: true, role: rWrite, by: "`unzip`"})
	}
}

// testFileOps are test's unary operators whose operand is a file.
var testFileOps = transform.NameSet("-b", "-c", "-d", "-e", "-f", "-g", "-G", "-h", "-k", "-L", "-N", "-O", "-p", "-r",
	"-s", "-S", "-u", "-w", "-x")

// parseTest reads test and [: the operands of the file operators are
// read; the other operands are strings.
func parseTest(r *argReader) {
	args := r.args
	if r.name == "[" && len(args) > 0 {
		if v, _ := transform.LitWord(args[len(args)-1]); v == "]" {
			args = args[:len(args)-1]
		}
	}
	for i, w := range args {
		v, ok := transform.LitWord(w)
		if !ok {
			continue
		}
		switch {
		case testFileOps[v] && i+1 < len(args) && len(args) > 1:
			r.word(args[i+1], rRead, nil)
		case v == "-nt" || v == "-ot" || v == "-ef":
			if i > 0 && i+1 < len(args) {
				r.word(args[i-1], rRead, nil)
				r.word(args[i+1], rRead, nil)
			}
		}
	}
}

var venvSpec = &cmdSpec{args: rWrite, opts: o(rText, "--prompt")}

// parsePython reads `python -m pip …` and `python -m venv DIR`: the
// module runs with the working directory first on its import path
// (unless -I or -P). Scripts and other modules read everything.
func parsePython(r *argReader) {
	isolated := false
	for i := 0; i < len(r.args); i++ {
		v, ok := r.literal(i)
		switch {
		case !ok || !strings.HasPrefix(v, "-"):
			r.fail(r.by + " runs a script")
			return
		case v == "-V" || v == "--version":
			return
		case v == "-W" || v == "-X":
			i++
		case v == "-m" && i+1 < len(r.args):
			mod, _ := transform.LitWord(r.args[i+1])
			spec := map[string]*cmdSpec{"pip": pipSpec, "pip3": pipSpec, "venv": venvSpec}[mod]
			if spec == nil {
				r.fail("dfopt does not know what `" + r.name + " -m " + mod + "` reads")
				return
			}
			name := r.name + " -m " + mod
			if !isolated {
				r.add(touch{cwd: true, role: rRead, by: "`" + name + "`", note: " (the first folder of its import path)"})
			}
			sub := &argReader{sc: r.sc, name: name, by: "`" + name + "`", args: r.args[i+2:], seen: map[string]bool{}}
			sub.run(spec)
			r.set.touches = append(r.set.touches, sub.set.touches...)
			r.fail(sub.set.all)
			return
		case strings.HasPrefix(v, "-c") || v == "-":
			r.fail(r.by + " runs code")
			return
		case !strings.HasPrefix(v, "--") && strings.ContainsAny(v[1:], "IP"):
			isolated = true
		}
	}
}
