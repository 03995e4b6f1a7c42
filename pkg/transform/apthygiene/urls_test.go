package apthygiene

import (
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestURLMatchers: hasTLSURL and hasSSHURL answer as the regexps they
// stand for, on written cases, on random texts made of the bytes the
// patterns turn on, and on every line of the golden Dockerfiles.
func TestURLMatchers(t *testing.T) {
	assert.Equal(t, `(?i)\b(https|hkps|ftps|wss)://`, tlsURL.String())
	assert.Equal(t, `(?i)(^|[\s"'=])(git@[\w.-]+:|ssh://|git\+ssh://)`, sshURL.String())
	cases := []string{
		"", "https://x", "HTTPS://x", "xhttps://x", "_https://", "-https://", "1wss://", "(wss://",
		"curl -fsSL hkps://keys", "sftps://", "ftps://", "http://x", "s://", "://", "https:/",
		"git@github.com:a/b", "git clone git@github.com:a/b", "x=git@h:", "xgit@h:", "git@:", "git@h",
		"git@h.x-y_z:", "GIT@H:", "'ssh://h'", "\"git+ssh://h\"", "\tssh://", "\vssh://", "a\fssh://",
		"git+ssh://", "xssh://", "=SSH://", "git@h :", "httpſ://x", "hKps://x", "url=https://é",
		"é git@h:", "git@é:", "ſsh://", "wss://\x80",
	}
	r := rand.New(rand.NewSource(1))
	alphabet := []string{"https", "HkPs", "wss", "ftps", "git@", "GIT@", "ssh", "git+", "://", ":", "h", "t", "p", "s", "S", "k", "K", "f", "w", "g", "i", "G", "@", ":", "/", "+", ".", "-", "_", "x", "1", " ", "\t", "\v", "\"", "'", "=", "ſ", "K", "é"}
	for range 100000 {
		var b strings.Builder
		for range r.Intn(12) {
			b.WriteString(alphabet[r.Intn(len(alphabet))])
		}
		cases = append(cases, b.String())
	}
	files, _ := filepath.Glob("../../../golden/*/Dockerfile")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err == nil {
			cases = append(cases, strings.Split(string(data), "\n")...)
		}
	}
	pos := 0
	for _, c := range cases {
		if sshURL.MatchString(c) || tlsURL.MatchString(c) {
			pos++
		}
		if tlsURL.MatchString(c) != hasTLSURL(c) || sshURL.MatchString(c) != hasSSHURL(c) {
			t.Errorf("%q: tls %v, want %v; ssh %v, want %v", c, hasTLSURL(c), tlsURL.MatchString(c), hasSSHURL(c), sshURL.MatchString(c))
		}
	}
	assert.Greater(t, pos, 500, "the random texts match too")
}
