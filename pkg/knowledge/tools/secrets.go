package tools

import (
	"regexp"
	"strings"
)

// Secrets are the files a tool reads credentials from: a registry token
// in .npmrc, a password in pip.conf's index URL. build-secrets mounts
// such a file as a BuildKit secret on the tool's installs instead of
// leaving it in the image.
type Secrets struct {
	Files []SecretFile
	// Also are other programs that read the same files (npx reads
	// .npmrc): a RUN that runs one reads the credentials too.
	Also []string
}

// SecretFile is one credentials file, by base name.
type SecretFile struct {
	Name string
	// Marker, when set, is what the file's text holds when it carries
	// credentials (a .npmrc may hold only `legacy-peer-deps=true`); a
	// file without it is configuration, not a secret.
	Marker *regexp.Regexp
}

// The markers of credentials in the files that may hold none.
var (
	npmrcAuth   = regexp.MustCompile(`(_auth(Token)?|_password)\b|username\s*=`)
	yarnrcAuth  = regexp.MustCompile(`(?m)npmAuth(Token|Ident)\s*:`)
	urlPassword = regexp.MustCompile(`://[^/@\s:]+:[^/@\s]+@|(?m)^\s*password\s*[=:]`)
	xmlPassword = regexp.MustCompile(`<password>`)
)

// CredentialFiles are files that hold credentials but that no install
// dfopt knows reads (.pypirc: twine's upload): a COPY of one is only
// reported.
var CredentialFiles = []SecretFile{
	{Name: ".pypirc", Marker: urlPassword},
	{Name: ".git-credentials"},
}

// SecretFileNames are the base names of every credentials file the tools
// and CredentialFiles know.
func SecretFileNames() []string {
	var out []string
	for _, t := range registry {
		if t.Secrets != nil {
			for _, f := range t.Secrets.Files {
				out = append(out, f.Name)
			}
		}
	}
	for _, f := range CredentialFiles {
		out = append(out, f.Name)
	}
	return out
}

// SecretReaders returns the tools that read credentials from a file of
// that base name, and the other programs that read it.
func SecretReaders(name string) (readers []*Tool, also []string) {
	for _, t := range registry {
		if t.Secrets == nil {
			continue
		}
		for _, f := range t.Secrets.Files {
			if f.Name == name {
				readers = append(readers, t)
				also = append(also, t.Secrets.Also...)
			}
		}
	}
	return readers, also
}

// SecretFileNamed returns the credentials file of that base name (ok
// false when no tool lists it), and whether the tools reading it run
// installs (false for CredentialFiles).
func SecretFileNamed(name string) (f SecretFile, installs, ok bool) {
	for _, t := range registry {
		if t.Secrets == nil {
			continue
		}
		for _, x := range t.Secrets.Files {
			if x.Name == name {
				return x, true, true
			}
		}
	}
	for _, x := range CredentialFiles {
		if x.Name == name {
			return x, false, true
		}
	}
	return SecretFile{}, false, false
}

// Holds reports whether a file's text carries credentials.
func (f SecretFile) Holds(text string) bool {
	return f.Marker == nil || f.Marker.MatchString(text)
}

// SecretID is the id a secret mount gives the file: its name without
// the leading dot (.npmrc → npmrc).
func (f SecretFile) SecretID() string { return strings.TrimPrefix(f.Name, ".") }
