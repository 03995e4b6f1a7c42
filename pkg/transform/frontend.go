package transform

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// Feature is Dockerfile syntax that only some versions of BuildKit's
// Dockerfile frontend understand. Every rule that writes such syntax asks
// FrontendOf(doc).Knows(feature) first; syntax-header reads the same table
// to tell which syntax a pinned frontend lacks.
type Feature struct {
	Name string // as findings name it: "RUN --mount"
	// Stable is the first docker/dockerfile release of the stable channel
	// that knows it ("" when no stable release is known to); Labs the first
	// of the experimental/labs channel.
	Stable, Labs string
}

// The features, with the release that brought them (Dockerfile release
// notes; `RUN --mount` moved to the stable channel in 1.2.0, cache-mount
// uid/gid came with 1.1.2-experimental).
var (
	FeatRunMount      = &Feature{Name: "RUN --mount", Stable: "1.2", Labs: "1.0"}
	FeatCacheMountIDs = &Feature{Name: "uid/gid on a cache mount", Stable: "1.2", Labs: "1.1.2"}
	FeatRunNetwork    = &Feature{Name: "RUN --network", Stable: "1.3", Labs: "1.2.1"}
	FeatRunSecurity   = &Feature{Name: "RUN --security", Stable: "1.20", Labs: "1.1.2"}
	FeatRunDevice     = &Feature{Name: "RUN --device", Labs: "1.14"}
	FeatHeredoc       = &Feature{Name: "heredocs", Stable: "1.4", Labs: "1.3"}
	FeatCopyLink      = &Feature{Name: "--link", Stable: "1.4", Labs: "1.4"}
	FeatCopyChmod     = &Feature{Name: "--chmod", Stable: "1.3", Labs: "1.3"}
	FeatCopyExclude   = &Feature{Name: "--exclude", Stable: "1.19", Labs: "1.7"}
	FeatCopyParents   = &Feature{Name: "COPY --parents", Stable: "1.20", Labs: "1.7"}
	FeatAddChecksum   = &Feature{Name: "ADD --checksum", Stable: "1.6", Labs: "1.5"}
	FeatAddGit        = &Feature{Name: "ADD of a git repository", Stable: "1.6", Labs: "1.5"}
	FeatAddKeepGitDir = &Feature{Name: "ADD --keep-git-dir", Stable: "1.6", Labs: "1.5"}
)

// FlagFeatures maps the instruction flags the classic builder lacks to the
// feature they need.
var FlagFeatures = map[string]map[string]*Feature{
	"run":  {"mount": FeatRunMount, "network": FeatRunNetwork, "security": FeatRunSecurity, "device": FeatRunDevice},
	"copy": {"link": FeatCopyLink, "chmod": FeatCopyChmod, "exclude": FeatCopyExclude, "parents": FeatCopyParents},
	"add":  {"link": FeatCopyLink, "chmod": FeatCopyChmod, "exclude": FeatCopyExclude, "checksum": FeatAddChecksum, "keep-git-dir": FeatAddKeepGitDir},
}

// UpgradeSyntax is the frontend syntax-header pins when a pinned one is too old.
const UpgradeSyntax = "docker/dockerfile:1"

// Upgrade is the pin that replaces one too old: the newest release of
// the same channel.
func (f Frontend) Upgrade() string {
	if f.Labs {
		return UpgradeSyntax + "-labs"
	}
	return UpgradeSyntax
}

// Frontend is what a document's `# syntax` directive says of the frontend
// that builds it.
type Frontend struct {
	Dir *ast.Directive // nil: no directive, the builder's own frontend
	// Known: the directive names a docker/dockerfile release dfopt can
	// place (a version, a channel); otherwise nothing is known of it.
	Known   bool
	Labs    bool  // experimental or labs channel
	Version []int // nil: the newest (`1`, `latest`, `master`); a floating minor (`1.4`) has no patch
}

// FrontendOf reads the document's `# syntax` directive.
func FrontendOf(d *ast.Document) Frontend {
	dir := d.Directive("syntax")
	if dir == nil {
		return Frontend{Known: true}
	}
	f := parseSyntaxRef(strings.TrimSpace(dir.Value))
	f.Dir = dir
	return f
}

func parseSyntaxRef(ref string) Frontend {
	name, tag, hasTag := strings.Cut(ref, ":")
	if i := strings.IndexByte(tag, '@'); i >= 0 {
		tag = tag[:i]
	}
	name = strings.TrimPrefix(strings.TrimPrefix(name, "docker.io/"), "index.docker.io/")
	if name != "docker/dockerfile" && name != "docker/dockerfile-upstream" {
		return Frontend{} // another frontend, or a digest alone: no release to read
	}
	if !hasTag {
		tag = "latest"
	}
	f := Frontend{Known: true}
	switch tag {
	case "latest", "master":
		return f
	case "labs", "experimental", "master-labs", "master-experimental":
		f.Labs = true
		return f
	}
	for _, ch := range []string{"-labs", "-experimental"} {
		if strings.HasSuffix(tag, ch) {
			tag, f.Labs = strings.TrimSuffix(tag, ch), true
		}
	}
	v, ok := parseVersion(tag)
	if !ok {
		return Frontend{}
	}
	if len(v) > 1 {
		f.Version = v // `1` alone floats to the newest 1.x
	}
	return f
}

func parseVersion(s string) ([]int, bool) {
	var out []int
	for _, p := range strings.Split(s, ".") {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || len(out) == 3 {
			return nil, false
		}
		out = append(out, n)
	}
	return out, len(out) > 0
}

// Knows reports whether the frontend understands a feature. ok is false
// when nothing is known of the frontend.
func (f Frontend) Knows(feat *Feature) (knows, ok bool) {
	if !f.Known {
		return false, false
	}
	if f.Version == nil {
		return feat.Stable != "" || f.Labs, true
	}
	min := feat.Stable
	if f.Labs && feat.Labs != "" {
		min = feat.Labs
	}
	if min == "" {
		return false, true
	}
	want, _ := parseVersion(min)
	return versionAtLeast(f.Version, want), true
}

// versionAtLeast compares a release with a minimum; a missing part of the
// release floats to the newest (`1.1` is the newest 1.1.x).
func versionAtLeast(have, want []int) bool {
	for i, w := range want {
		if i >= len(have) {
			return true
		}
		if have[i] != w {
			return have[i] > w
		}
	}
	return true
}

// Lacks explains, for a finding, why the frontend cannot take a feature;
// "" when it can.
func (f Frontend) Lacks(feat *Feature) string {
	knows, ok := f.Knows(feat)
	switch {
	case knows:
		return ""
	case !ok:
		return fmt.Sprintf("the frontend `%s` (line %d) is not a docker/dockerfile release dfopt knows: it may not understand %s", f.Dir.Value, f.Dir.Line, feat.Name)
	}
	since := "Dockerfile " + feat.Stable
	switch {
	case f.Labs && feat.Labs != "":
		since = "Dockerfile " + feat.Labs + " on the experimental/labs channel"
	case feat.Stable == "":
		since = "only on the labs channel"
	}
	return fmt.Sprintf("`# syntax=%s` (line %d) pins a frontend that predates %s (%s)", f.Dir.Value, f.Dir.Line, feat.Name, since)
}

// PinEdit replaces the value of the `# syntax` directive.
func PinEdit(d *ast.Document, fe Frontend) (emit.Edit, bool) {
	dir := fe.Dir
	text := string(d.Src[dir.Span.Start:dir.Span.End])
	i := strings.LastIndex(text, dir.Value)
	if dir.Value == "" || i < 0 {
		return emit.Edit{}, false
	}
	start := dir.Span.Start + i
	return emit.Edit{Start: start, End: start + len(dir.Value), New: fe.Upgrade()}, true
}

// SyntaxPinWillUpdate reports that syntax-header runs in this chain and
// proposes the pin change for a frontend that lacks a feature.
func SyntaxPinWillUpdate(p *Pass, fe Frontend) bool {
	if fe.Dir == nil || !fe.Known || p.Options == nil || p.Options.Syntax == "never" || FileIgnores(p.Doc, SyntaxHeaderRule) {
		return false
	}
	if _, ok := PinEdit(p.Doc, fe); !ok {
		return false
	}
	return p.InChain[SyntaxHeaderRule]
}

// Implied reports whether a builder known to understand every feature in
// have understands feat too: feat is one of them, or one of them came with
// a stable release at least as new as feat's.
func Implied(feat *Feature, have []*Feature) bool {
	want, ok := parseVersion(feat.Stable)
	for _, h := range have {
		if h == feat {
			return true
		}
		if v, vok := parseVersion(h.Stable); ok && vok && versionAtLeast(v, want) {
			return true
		}
	}
	return false
}
