package explain

import (
	"strconv"
	"strings"
)

// splitRef splits an image reference into domain, path, tag and digest.
func splitRef(ref string) (domain, repo, tag, digest string) {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		ref, digest = ref[:i], ref[i+1:]
	}
	if i := strings.LastIndexByte(ref, ':'); i >= 0 && !strings.Contains(ref[i:], "/") {
		ref, tag = ref[:i], ref[i+1:]
	}
	domain, repo = "docker.io", ref
	if i := strings.IndexByte(ref, '/'); i >= 0 {
		first := ref[:i]
		if strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first {
			domain, repo = first, ref[i+1:]
		}
	}
	if domain == "index.docker.io" {
		domain = "docker.io"
	}
	if domain == "docker.io" && !strings.Contains(repo, "/") {
		repo = "library/" + repo
	}
	return domain, repo, tag, digest
}

// normalizeRef is reference.ParseNormalizedNamed + TagNameOnly: the name
// BuildKit prints in a FROM vertex (before it appends the digest it
// resolved).
func normalizeRef(ref string) string {
	domain, repo, tag, digest := splitRef(ref)
	out := domain + "/" + repo
	if tag != "" {
		out += ":" + tag
	}
	if digest != "" {
		out += "@" + digest
	}
	if tag == "" && digest == "" {
		out += ":latest"
	}
	return out
}

// familiar is reference.FamiliarString without ":latest": how named
// contexts name an image (`node:20`, `alpine`, `ghcr.io/o/x:1`).
func familiar(ref string) string {
	domain, repo, tag, digest := splitRef(ref)
	out := repo
	if domain == "docker.io" {
		out = strings.TrimPrefix(repo, "library/")
	} else {
		out = domain + "/" + repo
	}
	if tag != "" && tag != "latest" {
		out += ":" + tag
	}
	if digest != "" {
		out += "@" + digest
	}
	return out
}

// Vertex is a vertex name of BuildKit's Dockerfile frontend taken apart:
// `[build 3/6] COPY . .` is {Stage: "build", Index: 3, Total: 6,
// Command: "COPY . ."}.
type Vertex struct {
	Stage   string
	Index   int
	Total   int
	Command string
}

// ParseVertex takes a vertex name apart; ok is false for names that are
// not numbered steps (`[internal] load build context`, `[context x] …`).
func ParseVertex(name string) (v Vertex, ok bool) {
	if !strings.HasPrefix(name, "[") {
		return v, false
	}
	end := strings.Index(name, "] ")
	if end < 0 {
		return v, false
	}
	head := strings.Fields(name[1:end])
	if len(head) == 0 || len(head) > 2 {
		return v, false
	}
	num := head[len(head)-1]
	a, b, found := strings.Cut(num, "/")
	if !found {
		return v, false
	}
	var err error
	if v.Index, err = strconv.Atoi(a); err != nil {
		return v, false
	}
	if v.Total, err = strconv.Atoi(b); err != nil {
		return v, false
	}
	if len(head) == 2 {
		v.Stage = head[0]
	}
	v.Command = name[end+2:]
	return v, true
}

// Matches reports whether a vertex name from BuildKit's solve status is
// this step: same stage prefix and command. The step number is not
// compared (a base given as a named context shifts it); a FROM matches
// with the digest BuildKit appends. A LINK vertex of COPY --link matches
// too (compare against LinkName to tell them apart).
func (p StepPrediction) Matches(vertex string) bool {
	v, ok := ParseVertex(vertex)
	if !ok || v.Stage != p.StageName {
		return false
	}
	cmd := strings.TrimPrefix(v.Command, "LINK ")
	if cmd == p.Command {
		return true
	}
	return strings.HasPrefix(p.Command, "FROM ") && strings.HasPrefix(cmd, p.Command+"@")
}
