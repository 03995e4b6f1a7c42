package discover

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pattern is one gitignore-style pattern. dfopt uses the same syntax
// everywhere: in .gitignore files, for --exclude, and for the path globs
// of a config file's overrides.
//
//   - `*` and `?` match within one path segment, `[a-z]` and `[!a-z]` match
//     one character of a class, `\x` matches x literally;
//   - `**/` at the start, `/**/` in the middle and `/**` at the end match
//     any number of folders (zero included);
//   - a pattern with a `/` at the start or in the middle is anchored to its
//     base folder; one without matches a name at any depth;
//   - a trailing `/` matches folders only; a leading `!` re-includes.
type Pattern struct {
	glob    string // without the leading '/', the trailing '/' and '!'
	negate  bool
	dirOnly bool
	// anchored patterns match the whole path relative to their base;
	// the others match the last path segment.
	anchored bool
}

// ParsePattern parses one pattern as written on a .gitignore line: blank
// lines and `#` comments give ok == false; trailing spaces are dropped
// unless escaped with a backslash; `\#` and `\!` stand for a literal
// first character.
func ParsePattern(line string) (p Pattern, ok bool) {
	line = strings.TrimSuffix(line, "\r")
	// Trailing spaces go, except one escaped with a backslash.
	for strings.HasSuffix(line, " ") && !strings.HasSuffix(line, "\\ ") {
		line = line[:len(line)-1]
	}
	if line == "" || line[0] == '#' {
		return p, false
	}
	if line[0] == '!' {
		p.negate = true
		line = line[1:]
	} else if strings.HasPrefix(line, `\!`) || strings.HasPrefix(line, `\#`) {
		line = line[1:]
	}
	if strings.HasSuffix(line, "/") {
		p.dirOnly = true
		line = strings.TrimRight(line, "/")
	}
	if strings.Contains(line, "/") {
		p.anchored = true
		line = strings.TrimPrefix(line, "/")
	}
	if line == "" {
		return p, false
	}
	p.glob = line
	return p, true
}

// CompileGlobs parses command-line or config globs: each must be a
// pattern (no comments, no blank entries).
func CompileGlobs(globs []string) ([]Pattern, error) {
	out := make([]Pattern, 0, len(globs))
	for _, g := range globs {
		p, ok := ParsePattern(g)
		if !ok {
			return nil, errors.New("empty pattern " + strconv.Quote(g))
		}
		if err := p.check(); err != nil {
			return nil, errors.New("bad pattern " + strconv.Quote(g) + ": " + err.Error())
		}
		out = append(out, p)
	}
	return out, nil
}

// check reports an unterminated character class.
func (p Pattern) check() error {
	g := p.glob
	for i := 0; i < len(g); i++ {
		switch g[i] {
		case '\\':
			i++
		case '[':
			_, n, ok := classEnd(g[i:])
			if !ok {
				return errors.New("unterminated [")
			}
			i += n - 1
		}
	}
	return nil
}

// Match reports whether the pattern matches rel, a slash-separated path
// relative to the pattern's base folder ("a/b/Dockerfile"). It ignores the
// negation: callers decide what a match means.
func (p Pattern) Match(rel string, isDir bool) bool {
	if p.dirOnly && !isDir {
		return false
	}
	if !p.anchored {
		if i := strings.LastIndexByte(rel, '/'); i >= 0 {
			rel = rel[i+1:]
		}
	}
	return wildmatch(p.glob, rel)
}

// MatchPathOrParent reports whether the pattern matches the file rel or
// one of the folders above it (a pattern naming a folder covers what is
// inside).
func (p Pattern) MatchPathOrParent(rel string) bool {
	if p.Match(rel, false) {
		return true
	}
	for i := strings.LastIndexByte(rel, '/'); i > 0; i = strings.LastIndexByte(rel[:i], '/') {
		if p.Match(rel[:i], true) {
			return true
		}
	}
	return false
}

// Negated reports whether the pattern starts with `!`.
func (p Pattern) Negated() bool { return p.negate }

// wildmatch matches s against the glob p with git's wildmatch rules in
// pathname mode: `*`, `?` and classes never match '/'; a `**` that is a
// whole segment matches across folders.
func wildmatch(p, s string) bool { return wm(p, s, true) }

func wm(p, s string, segStart bool) bool {
	for len(p) > 0 {
		c := p[0]
		switch {
		case c == '*' && segStart && strings.HasPrefix(p, "**") && (len(p) == 2 || p[2] == '/'):
			if len(p) == 2 {
				return true // a trailing "**" matches everything left
			}
			rest := p[3:]
			for i := 0; ; {
				if wm(rest, s[i:], true) {
					return true
				}
				j := strings.IndexByte(s[i:], '/')
				if j < 0 {
					return false
				}
				i += j + 1
			}
		case c == '*':
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			for i := 0; i <= len(s); i++ {
				if wm(p, s[i:], false) {
					return true
				}
				if i < len(s) && s[i] == '/' {
					return false
				}
			}
			return false
		case c == '?':
			if len(s) == 0 || s[0] == '/' {
				return false
			}
			_, n := utf8.DecodeRuneInString(s)
			p, s = p[1:], s[n:]
		case c == '[':
			if len(s) == 0 || s[0] == '/' {
				return false
			}
			r, n := utf8.DecodeRuneInString(s)
			matched, plen, ok := classMatch(p, r)
			if !ok || !matched {
				return false
			}
			p, s = p[plen:], s[n:]
		case c == '\\' && len(p) > 1:
			if len(s) == 0 || s[0] != p[1] {
				return false
			}
			p, s = p[2:], s[1:]
		default:
			if len(s) == 0 || s[0] != c {
				return false
			}
			p, s = p[1:], s[1:]
		}
		segStart = c == '/'
	}
	return len(s) == 0
}

// classEnd finds the end of the class that starts p ("[...]"): the body
// and the class's length, or ok == false when it is not terminated.
func classEnd(p string) (body string, n int, ok bool) {
	i := 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		i++
	}
	if i < len(p) && p[i] == ']' {
		i++ // a ']' first is literal
	}
	for i < len(p) {
		switch {
		case p[i] == '\\':
			i += 2
			continue
		case strings.HasPrefix(p[i:], "[:"):
			if j := strings.Index(p[i+2:], ":]"); j >= 0 {
				i += j + 4
				continue
			}
		case p[i] == ']':
			return p[1:i], i + 1, true
		}
		i++
	}
	return "", 0, false
}

// classMatch matches r against the class at the start of p.
func classMatch(p string, r rune) (matched bool, n int, ok bool) {
	body, n, ok := classEnd(p)
	if !ok {
		return false, 0, false
	}
	negate := false
	if len(body) > 0 && (body[0] == '!' || body[0] == '^') {
		negate, body = true, body[1:]
	}
	for len(body) > 0 {
		if strings.HasPrefix(body, "[:") {
			if j := strings.Index(body, ":]"); j >= 0 {
				if posixClass(body[2:j], r) {
					matched = true
				}
				body = body[j+2:]
				continue
			}
		}
		var lo, hi rune
		lo, body = nextClassRune(body)
		hi = lo
		if len(body) > 1 && body[0] == '-' {
			hi, body = nextClassRune(body[1:])
		}
		if lo <= r && r <= hi {
			matched = true
		}
	}
	return matched != negate, n, true
}

// nextClassRune reads one character of a class body, a backslash escape
// included.
func nextClassRune(s string) (rune, string) {
	if s[0] == '\\' && len(s) > 1 {
		s = s[1:]
	}
	r, n := utf8.DecodeRuneInString(s)
	return r, s[n:]
}

func posixClass(name string, r rune) bool {
	switch name {
	case "alnum":
		return isAlpha(r) || isDigit(r)
	case "alpha":
		return isAlpha(r)
	case "digit":
		return isDigit(r)
	case "lower":
		return 'a' <= r && r <= 'z'
	case "upper":
		return 'A' <= r && r <= 'Z'
	case "space":
		return r == ' ' || ('\t' <= r && r <= '\r')
	case "xdigit":
		return isDigit(r) || ('a' <= r && r <= 'f') || ('A' <= r && r <= 'F')
	case "punct":
		return r > ' ' && r < 0x7f && !isAlpha(r) && !isDigit(r)
	case "blank":
		return r == ' ' || r == '\t'
	}
	return false
}

func isAlpha(r rune) bool { return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') }
func isDigit(r rune) bool { return '0' <= r && r <= '9' }
