package transform

// Programs that run other programs: a shell with -c or a script, and the
// wrappers of an entrypoint (multi-stage, the runtime use of caches).

import (
	"path"
	"strings"
)

// Shells run a command line with -c, or a script.
var Shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "zsh": true, "ksh": true}

// msWrappers run the rest of their command line as a program; the value
// is the number of operands before it (gosu USER CMD). Their options are
// skipped; wrapperValued are the options that take a value.
var msWrappers = map[string]int{
	"env": 0, "dumb-init": 0, "tini": 0, "tini-static": 0, "catatonit": 0, "nohup": 0, "nice": 0,
	"time": 0, "setpriv": 0, "gosu": 1, "su-exec": 1, "timeout": 1, "chpst": 1,
}

var wrapperValued = map[string]map[string]bool{
	"tini": {"-p": true, "-e": true}, "tini-static": {"-p": true, "-e": true},
	"dumb-init": {"-r": true, "--rewrite": true},
	"nice":      {"-n": true},
}

// Wrapped is the command line a wrapper runs (nil when argv is not a
// wrapper, or runs nothing).
func Wrapped(argv []string) ([]string, bool) {
	base := path.Base(argv[0])
	n, ok := msWrappers[base]
	if !ok {
		return nil, false
	}
	rest := argv[1:]
	for len(rest) > 0 && (strings.HasPrefix(rest[0], "-") || base == "env" && strings.Contains(rest[0], "=")) {
		opt := rest[0]
		rest = rest[1:]
		if opt == "--" {
			break
		}
		if wrapperValued[base][opt] && len(rest) > 0 {
			rest = rest[1:]
		}
	}
	if len(rest) <= n {
		return nil, true
	}
	return rest[n:], true
}
