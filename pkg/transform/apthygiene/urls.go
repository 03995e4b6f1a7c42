package apthygiene

import (
	"regexp"
	"strings"
)

// The URLs a later step fetches that need a Recommended package (the
// table's tls and ssh uses). The regexps are the definition; hasTLSURL
// and hasSSHURL find the same matches without running them, since own
// asks them of every instruction after an install.
var (
	tlsSchemes = []string{"https", "hkps", "ftps", "wss"}
	tlsURL     = regexp.MustCompile(`(?i)\b(` + strings.Join(tlsSchemes, "|") + `)://`)
	// sshStarts are what an ssh URL starts with but git@host:.
	sshStarts = []string{"ssh://", "git+ssh://"}
	sshURL    = regexp.MustCompile(`(?i)(^|[\s"'=])(git@[\w.-]+:|` + strings.ReplaceAll(strings.Join(sshStarts, "|"), "+", `\+`) + `)`)
)

// hasTLSURL is tlsURL.MatchString(t): a "://" with one of tlsSchemes,
// in any case, just before it, the scheme starting a word (\b: the
// byte before it, if any, is not an ASCII letter, digit or _). (?i)
// also folds two non-ASCII letters onto k and s (the Kelvin sign, long
// s), so a text with a byte above 0x7f is left to the regexp.
func hasTLSURL(t string) bool {
	if !isASCII(t) {
		return tlsURL.MatchString(t)
	}
	for off := 0; ; {
		i := strings.Index(t[off:], "://")
		if i < 0 {
			return false
		}
		i += off
		for _, s := range tlsSchemes {
			j := i - len(s)
			if j >= 0 && strings.EqualFold(t[j:i], s) && (j == 0 || !isWordByte(t[j-1])) {
				return true
			}
		}
		off = i + 1
	}
}

// hasSSHURL is sshURL.MatchString(t): at the start of t or after a
// space (\s: \t \n \f \r and space), a quote or =, one of sshStarts, or
// git@ then one or more of [\w.-] then ':', in any case. [\w.-]+: needs
// the longest run of those bytes to end at ':', as ':' is not one of
// them. Non-ASCII text is left to the regexp, as in hasTLSURL.
func hasSSHURL(t string) bool {
	if !isASCII(t) {
		return sshURL.MatchString(t)
	}
	for j := 0; j < len(t); j++ {
		// Every match starts with s or g (ssh://, git+ssh://, git@), in
		// any case (b|0x20 folds exactly S and G onto them).
		if c := t[j] | 0x20; c != 's' && c != 'g' || j > 0 && !sshBefore(t[j-1]) {
			continue
		}
		rest := t[j:]
		for _, s := range sshStarts {
			if hasPrefixFold(rest, s) {
				return true
			}
		}
		if hasPrefixFold(rest, "git@") {
			k := len("git@")
			for k < len(rest) && (isWordByte(rest[k]) || rest[k] == '.' || rest[k] == '-') {
				k++
			}
			if k > len("git@") && k < len(rest) && rest[k] == ':' {
				return true
			}
		}
	}
	return false
}

// sshBefore reports a byte an ssh URL may follow: \s, a quote or =.
func sshBefore(b byte) bool {
	switch b {
	case '\t', '\n', '\f', '\r', ' ', '"', '\'', '=':
		return true
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func isWordByte(b byte) bool {
	return b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b == '_'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
