// Package baseimage holds what dfopt knows of base images: which
// distribution and release an image reference names, which package
// manager each program is on that release, and where it keeps its cache.
// "Unknown" is an answer: Lookup and Image.Tool say why they cannot tell,
// and rules leave the Dockerfile alone when they cannot.
//
// A reference with a build argument is not resolved with the argument's
// default: `--build-arg` can name another image, so `FROM ${BASE}` is an
// unknown image and `FROM fedora:${VERSION}` an unknown Fedora release.
package baseimage

import (
	"sort"
	"strconv"
	"strings"
)

// Image is what dfopt knows of an image reference.
type Image struct {
	Ref    Ref
	Family string // "" when unknown
	Major  int    // the release; 0 when unknown, Newest for a tag that always names the newest
	Minor  int    // -1 when unknown
	Why    string // why the family or the release is unknown
}

// Tool is a package-manager program on an image.
type Tool struct {
	Prog        string   // the program as invoked: dnf, yum, microdnf, …
	Name        string   // its generation: "dnf 5", "yum 3", …
	CacheDir    string   // where root's cache is
	KeepCache   string   // option that keeps downloaded packages in CacheDir ("" when none is used)
	Refresh     string   // option that revalidates the metadata before the command
	RefreshSubs []string // subcommands that revalidate it, when they run before the others
	Stale       string   // why a cache mount would make its metadata stale (no Refresh)
}

// Lookup finds the distribution and release of an image reference.
func Lookup(ref string) Image {
	im := Image{Minor: -1}
	r, err := Parse(ref)
	im.Ref = r
	switch {
	case err != nil:
		im.Why = "`" + ref + "` is not an image reference dfopt can read"
		return im
	case strings.Contains(r.Repository(), "$"):
		im.Why = "the base image `" + ref + "` is named by a build argument, which --build-arg can change"
		return im
	}
	row := findRow(r)
	if row == nil {
		if fam, major := tagFamily(r); fam != "" {
			im.Family, im.Major = fam, major
			return im
		}
		im.Why = "dfopt does not know the base image `" + ref + "`"
		return im
	}
	im.Family = row.family
	im.Major, im.Minor, im.Why = release(r, row.release)
	return im
}

func findRow(r Ref) *imageRow {
	name := r.Normalized()
	for i := range imageRows {
		row := &imageRows[i]
		for _, repo := range row.repos {
			if name == repo {
				return row
			}
		}
		for _, p := range row.under {
			if strings.HasPrefix(name, p) {
				return row
			}
		}
	}
	return nil
}

// tagFamily is the distribution an official image's tag names
// (python:3.12-alpine, golang:1.22-bookworm), with its release when the
// tag names one: eclipse-temurin:17-jdk-ubi9-minimal is built on UBI 9,
// amazoncorretto:21-al2023 on Amazon Linux 2023.
func tagFamily(r Ref) (string, int) {
	if _, _, ok := r.Official(); !ok || strings.Contains(r.Tag, "$") {
		return "", 0
	}
	ti := ParseTag(r.Tag)
	if ti.OS != "" {
		return ti.OS, 0
	}
	for _, w := range ti.Rest {
		switch {
		case w == "al2023":
			return AmazonLinux, 2023
		case w == "al2":
			return AmazonLinux, 2
		case strings.HasPrefix(w, "ubi"):
			if n, err := strconv.Atoi(w[3:]); err == nil && n > 0 {
				return EL, n
			}
		}
	}
	return "", 0
}

// release reads the release of a recognised image.
func release(r Ref, rule releaseRule) (major, minor int, why string) {
	if rule == relNone {
		return 0, -1, ""
	}
	if rule == relPath || rule == relPathTag {
		if major, ok := pathRelease(r.Path); ok {
			minor := -1
			if m, n, ok := numbers(r.Tag); ok && m == major {
				minor = n
			}
			return major, minor, ""
		}
		if rule == relPath {
			return 0, -1, "the image `" + r.Raw + "` does not say its release in its name"
		}
	}
	switch {
	case strings.Contains(r.Tag, "$"):
		return 0, -1, "the tag of `" + r.Raw + "` comes from a build argument, which --build-arg can change"
	case r.Tag == "" && r.Digest != "":
		return 0, -1, "`" + r.Raw + "` is pinned by digest without a tag that says its release"
	case rule == relTagNew && (r.Tag == "" || r.Tag == "latest" || r.Tag == "rawhide"):
		return Newest, -1, ""
	case r.Tag == "" || r.Tag == "latest":
		return 0, -1, "the tag `latest` of `" + r.Repository() + "` moves from release to release"
	}
	tag := r.Tag
	for _, p := range []string{"centos", "stream"} {
		tag = strings.TrimPrefix(tag, p)
	}
	if major, minor, ok := numbers(tag); ok {
		return major, minor, ""
	}
	return 0, -1, "dfopt cannot read a release from the tag of `" + r.Raw + "`"
}

// pathRelease finds a release in a path component: ubi9, ubi8-minimal,
// rhel8, 9-minimal, 8-base.
func pathRelease(p string) (int, bool) {
	for _, comp := range strings.Split(p, "/") {
		comp, _, _ = strings.Cut(comp, "-")
		for _, pre := range []string{"ubi", "rhel"} {
			comp = strings.TrimPrefix(comp, pre)
		}
		if n, err := strconv.Atoi(comp); err == nil && n > 0 && n < 100 {
			return n, true
		}
	}
	return 0, false
}

// numbers reads the leading MAJOR[.MINOR] of a tag ("9.3-minimal", "41",
// "2023.4.20240319.1").
func numbers(tag string) (major, minor int, ok bool) {
	i := 0
	for i < len(tag) && tag[i] >= '0' && tag[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, -1, false
	}
	major, _ = strconv.Atoi(tag[:i])
	minor = -1
	if i < len(tag) && tag[i] == '.' {
		j := i + 1
		for j < len(tag) && tag[j] >= '0' && tag[j] <= '9' {
			j++
		}
		if j > i+1 {
			minor, _ = strconv.Atoi(tag[i+1 : j])
		}
	}
	return major, minor, true
}

// Tool says what a package-manager program is on the image, or why dfopt
// cannot tell.
func (im Image) Tool(prog string) (Tool, string) {
	if gen, ok := anywhere[prog]; ok {
		return generation(prog, gen)
	}
	if im.Family == "" || im.Why != "" {
		return Tool{}, im.Why
	}
	if im.Major == 0 {
		return Tool{}, "dfopt does not know the release of the base image `" + im.Ref.Raw + "`"
	}
	for _, rule := range toolRules {
		if rule.family != im.Family || im.Major < rule.from || im.Major > rule.to {
			continue
		}
		if rule.minorTo > 0 && (im.Major != rule.to || im.Minor < 0 || im.Minor > rule.minorTo) {
			continue
		}
		if gen, ok := rule.progs[prog]; ok {
			return generation(prog, gen)
		}
		break
	}
	return Tool{}, "dfopt does not know which " + prog + " the base image `" + im.Ref.Raw + "` has"
}

func generation(prog, gen string) (Tool, string) {
	if why, unknown := strings.CutPrefix(gen, "?"); unknown {
		return Tool{}, why
	}
	t := generations[gen]
	t.Prog = prog
	return t, ""
}

// Candidates lists the cache directories a program has on the images
// dfopt knows, for messages and for rules that must cover every case.
func Candidates(prog string) []string {
	seen := map[string]bool{}
	add := func(gen string) {
		if t, ok := generations[gen]; ok {
			seen[t.CacheDir] = true
		}
	}
	add(anywhere[prog])
	for _, rule := range toolRules {
		add(rule.progs[prog])
	}
	out := make([]string, 0, len(seen))
	for d := range seen {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
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

// ParseTag reads a tag of an official image.
func ParseTag(tag string) TagInfo {
	var ti TagInfo
	for i, w := range strings.Split(tag, "-") {
		switch {
		case i == 0 && w != "" && w[0] >= '0' && w[0] <= '9':
			ti.Version = w
		case i == 0 && w == "latest":
		case DebianReleases[w] != "":
			ti.OS, ti.Release = Debian, w
		case ubuntuReleases[w]:
			ti.OS, ti.Release = Ubuntu, w
		case w == "alpine":
			ti.OS = Alpine
		case strings.HasPrefix(w, "alpine") && len(w) > 6 && w[6] >= '0' && w[6] <= '9':
			ti.OS, ti.Release = Alpine, w[6:]
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
