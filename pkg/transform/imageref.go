package transform

import (
	"errors"
	"strings"
)

// ImageRef is a parsed image reference: [REGISTRY/]PATH[:TAG][@DIGEST].
// References are platform-independent: a platform is a FROM flag, never
// part of the reference.
type ImageRef struct {
	Raw      string // as written
	Registry string // "" when none is written (Docker Hub implied)
	Path     string // repository path without the registry: "library/golang", "dotnet/sdk"
	Tag      string // "" when none is written
	Digest   string // "sha256:…", "" when none is written
	Vars     bool   // the reference holds a build-argument expansion ($X, ${X})
}

// imgHubRegistries are the spellings of Docker Hub's registry.
var imgHubRegistries = map[string]bool{
	"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true, "registry.hub.docker.com": true,
}

// imgLibraryMirrors are registry prefixes that serve Docker Hub's official
// ("library") images under the same names.
var imgLibraryMirrors = []string{"public.ecr.aws/docker/library/", "mirror.gcr.io/library/"}

// ParseImageRef parses an image reference. Expansions of build arguments
// are accepted (Vars is set) but leave the parts they touch uncertain.
func ParseImageRef(s string) (ImageRef, error) {
	r := ImageRef{Raw: s, Vars: strings.Contains(s, "$")}
	if s == "" {
		return r, errors.New("empty image reference")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return r, errors.New("white space in image reference")
	}
	name := s
	if i := strings.LastIndexByte(name, '@'); i >= 0 {
		r.Digest, name = name[i+1:], name[:i]
		if !r.Vars && !imgValidDigest(r.Digest) {
			return r, errors.New("invalid digest " + r.Digest)
		}
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		r.Tag, name = name[i+1:], name[:i]
		if !r.Vars && !imgValidTag(r.Tag) {
			return r, errors.New("invalid tag " + r.Tag)
		}
	}
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry, name = first, rest
	}
	r.Path = name
	if !r.Vars && !imgValidPath(r.Path) {
		return r, errors.New("invalid repository name " + r.Path)
	}
	return r, nil
}

func imgValidDigest(d string) bool {
	algo, hex, ok := strings.Cut(d, ":")
	if !ok || algo == "" || len(hex) < 32 {
		return false
	}
	for _, c := range algo {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.ContainsRune("+._-", c)) {
			return false
		}
	}
	for _, c := range hex {
		if !(c >= 'a' && c <= 'f' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func imgValidTag(t string) bool {
	if t == "" || len(t) > 128 || t[0] == '.' || t[0] == '-' {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

func imgValidPath(p string) bool {
	if p == "" {
		return false
	}
	for _, comp := range strings.Split(p, "/") {
		if comp == "" {
			return false
		}
		for i, c := range comp {
			alnum := c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
			if !alnum && (i == 0 || i == len(comp)-1 || !strings.ContainsRune("._-", c)) {
				return false
			}
		}
	}
	return true
}

// Hub reports whether the reference names an image on Docker Hub.
func (r ImageRef) Hub() bool { return r.Registry == "" || imgHubRegistries[r.Registry] }

// Official returns the name of a Docker Hub official image ("golang" for
// golang:1.22, library/golang, docker.io/library/golang and the library
// mirrors) and the prefix that names a sibling official image the same way
// ("", "docker.io/library/", "public.ecr.aws/docker/library/").
func (r ImageRef) Official() (name, prefix string, ok bool) {
	full := r.Path
	if r.Registry != "" {
		full = r.Registry + "/" + r.Path
	}
	for _, m := range imgLibraryMirrors {
		if rest, found := strings.CutPrefix(full, m); found && !strings.Contains(rest, "/") {
			return rest, m, true
		}
	}
	if !r.Hub() {
		return "", "", false
	}
	p, lib := strings.CutPrefix(r.Path, "library/")
	if strings.Contains(p, "/") {
		return "", "", false
	}
	switch {
	case r.Registry != "" && lib:
		prefix = r.Registry + "/library/"
	case r.Registry != "":
		prefix = r.Registry + "/"
	case lib:
		prefix = "library/"
	}
	return p, prefix, true
}

// Repository is the repository with its registry as written
// ("mcr.microsoft.com/dotnet/sdk", "golang").
func (r ImageRef) Repository() string {
	if r.Registry == "" {
		return r.Path
	}
	return r.Registry + "/" + r.Path
}

// String renders the reference.
func (r ImageRef) String() string {
	s := r.Repository()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}

// TagInfo is what a tag of an official language image says about the image:
// "1.78-slim-bookworm" is version 1.78 on Debian bookworm, slim variant.
type TagInfo struct {
	Version string   // leading version ("1.22", "8.0.100"), "" for latest or none
	OS      string   // "debian", "ubuntu", "alpine", "windows", "" when the tag does not say
	Release string   // "bookworm", "jammy", "3.19"; "" when the tag does not say
	Slim    bool     // a -slim variant
	Rest    []string // the other dash-separated words, in order
}

var imgDebianReleases = map[string]string{
	"jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

var imgUbuntuReleases = map[string]bool{
	"xenial": true, "bionic": true, "focal": true, "jammy": true, "noble": true,
}

func parseImageTag(tag string) TagInfo {
	var ti TagInfo
	for i, w := range strings.Split(tag, "-") {
		switch {
		case i == 0 && w != "" && w[0] >= '0' && w[0] <= '9':
			ti.Version = w
		case i == 0 && w == "latest":
		case imgDebianReleases[w] != "":
			ti.OS, ti.Release = "debian", w
		case imgUbuntuReleases[w]:
			ti.OS, ti.Release = "ubuntu", w
		case w == "alpine":
			ti.OS = "alpine"
		case strings.HasPrefix(w, "alpine") && len(w) > 6 && w[6] >= '0' && w[6] <= '9':
			ti.OS, ti.Release = "alpine", w[6:]
		case w == "slim":
			ti.Slim = true
		case strings.HasPrefix(w, "windowsservercore") || strings.HasPrefix(w, "nanoserver") || strings.HasPrefix(w, "ltsc") || w == "servercore":
			ti.OS = "windows"
			ti.Rest = append(ti.Rest, w)
		default:
			ti.Rest = append(ti.Rest, w)
		}
	}
	return ti
}

// major is the leading number of a version ("17.0.9_9" → "17", "8u342" → "8").
func msMajor(v string) string {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	return v[:i]
}
