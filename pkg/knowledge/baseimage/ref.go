package baseimage

import (
	"errors"
	"regexp"
	"strings"
	"sync"

	"github.com/distribution/reference"
)

// Ref is an image reference as written: [REGISTRY/]PATH[:TAG][@DIGEST].
// References are platform-independent: a platform is a FROM flag, never
// part of the reference.
type Ref struct {
	Raw      string // as written
	Registry string // "" when none is written (Docker Hub implied)
	Path     string // repository path without the registry: "library/golang", "dotnet/sdk"
	Tag      string // "" when none is written
	Digest   string // "sha256:…", "" when none is written
	Vars     bool   // the reference holds a build-argument expansion ($X, ${X})
}

// hubRegistries are the spellings of Docker Hub's registry.
var hubRegistries = map[string]bool{
	"docker.io": true, "index.docker.io": true, "registry-1.docker.io": true, "registry.hub.docker.com": true,
}

// libraryMirrors are registry prefixes that serve Docker Hub's official
// ("library") images under the same names.
var libraryMirrors = []string{"public.ecr.aws/docker/library/", "mirror.gcr.io/library/"}

// Split cuts a reference into its parts without checking them: the
// digest after the last `@`, the tag after a `:` that follows the last
// `/`, and a registry when the first component looks like a host (holds
// `.` or `:`, or is `localhost`), as Docker splits names.
func Split(s string) Ref {
	r := Ref{Raw: s, Vars: strings.Contains(s, "$")}
	name := s
	if i := strings.LastIndexByte(name, '@'); i >= 0 {
		r.Digest, name = name[i+1:], name[:i]
	}
	if i := strings.LastIndexByte(name, ':'); i > strings.LastIndexByte(name, '/') {
		r.Tag, name = name[i+1:], name[:i]
	}
	if first, rest, ok := strings.Cut(name, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Registry, name = first, rest
	}
	r.Path = name
	return r
}

// Parse parses an image reference and checks it with Docker's grammar
// (github.com/distribution/reference). Expansions of build arguments are
// accepted (Vars is set): the parts they touch are left unchecked, as
// their value is known only at build time.
func Parse(s string) (Ref, error) {
	if p, ok := parsed.Load(s); ok {
		return p.(parseResult).ref, p.(parseResult).err
	}
	r, err := parse(s)
	parsed.remember(s, parseResult{r, err})
	return r, err
}

// parseResult is an answer of parse.
type parseResult struct {
	ref Ref
	err error
}

// parsed remembers parse's answers: they depend on the text alone, and
// the files of a run name the same few images again and again (every
// rule asks for the base image of each stage). Ref holds strings only,
// so a copy can be handed out.
var parsed boundedMemo

// boundedMemo is a concurrent memo that stops growing at maxParsed
// entries: a tree of generated references cannot make it hold more.
type boundedMemo struct {
	sync.Map
	mu sync.Mutex
	n  int
}

const maxParsed = 4096

func (m *boundedMemo) remember(k string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.n < maxParsed {
		if _, loaded := m.LoadOrStore(k, v); !loaded {
			m.n++
		}
	}
}

func parse(s string) (Ref, error) {
	if s == "" {
		return Ref{Raw: s}, errors.New("empty image reference")
	}
	if strings.ContainsAny(s, " \t\r\n") {
		return Ref{Raw: s}, errors.New("white space in image reference")
	}
	r := Split(s)
	if !r.Vars {
		if _, err := reference.ParseNormalizedNamed(s); err != nil {
			return r, err
		}
		return r, nil
	}
	if name := r.Repository(); !strings.Contains(name, "$") {
		if _, err := reference.ParseNormalizedNamed(name); err != nil {
			return r, err
		}
	}
	if r.Tag != "" && !strings.Contains(r.Tag, "$") && !tagRe.MatchString(r.Tag) {
		return r, errors.New("invalid tag " + r.Tag)
	}
	if r.Digest != "" && !strings.Contains(r.Digest, "$") && !digestRe.MatchString(r.Digest) {
		return r, errors.New("invalid digest " + r.Digest)
	}
	return r, nil
}

// The grammar's tag and digest, anchored.
var (
	tagRe    = regexp.MustCompile(`^(?:` + reference.TagRegexp.String() + `)$`)
	digestRe = regexp.MustCompile(`^(?:` + reference.DigestRegexp.String() + `)$`)
)

// Hub reports whether the reference names an image on Docker Hub.
func (r Ref) Hub() bool { return r.Registry == "" || hubRegistries[r.Registry] }

// Official returns the name of a Docker Hub official image ("golang" for
// golang:1.22, library/golang, docker.io/library/golang and the library
// mirrors) and the prefix that names a sibling official image the same way
// ("", "docker.io/library/", "public.ecr.aws/docker/library/").
func (r Ref) Official() (name, prefix string, ok bool) {
	full := r.Repository()
	for _, m := range libraryMirrors {
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
func (r Ref) Repository() string {
	if r.Registry == "" {
		return r.Path
	}
	return r.Registry + "/" + r.Path
}

// Normalized is the repository in Docker's canonical form, lower-cased:
// "docker.io/library/golang" for golang, library/golang, the Hub's other
// spellings and the library mirrors; "quay.io/fedora/fedora" as is.
func (r Ref) Normalized() string {
	if name, _, ok := r.Official(); ok {
		return "docker.io/library/" + strings.ToLower(name)
	}
	if r.Hub() {
		return "docker.io/" + strings.ToLower(r.Path)
	}
	return strings.ToLower(r.Repository())
}

// String renders the reference.
func (r Ref) String() string {
	s := r.Repository()
	if r.Tag != "" {
		s += ":" + r.Tag
	}
	if r.Digest != "" {
		s += "@" + r.Digest
	}
	return s
}
