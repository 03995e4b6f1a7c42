package baseimage

// This file is the table: which images belong to which distribution, and
// which package manager each program is on each release, with the
// evidence beside each row. Adding an image or a release is adding a row.

// Families of distributions, as far as their package managers go.
const (
	Fedora      = "fedora"
	EL          = "el" // Red Hat Enterprise Linux (UBI) and its rebuilds: CentOS, Rocky Linux, AlmaLinux, Oracle Linux
	AmazonLinux = "amazonlinux"
	OpenSUSE    = "opensuse"
	Alpine      = "alpine"
	Debian      = "debian"
	Ubuntu      = "ubuntu"
)

// Newest is the release of a tag that always names a distribution's
// newest release (fedora:latest, fedora:rawhide).
const Newest = 1 << 20

// imageRow recognises the images of one family. repos are normalized
// repositories (Ref.Normalized); under are prefixes every repository
// below which belongs to the family. release says where the release is
// written.
type imageRow struct {
	family  string
	repos   []string
	under   []string
	release releaseRule
}

type releaseRule int

const (
	relNone    releaseRule = iota // the family's tools do not depend on the release
	relTag                        // the tag: "41", "9.3-minimal", "centos7", "stream9", "2023.4…"
	relTagNew                     // the tag, and `latest`, `rawhide` or no tag name the newest release
	relPath                       // a path component: ubi9, ubi8-minimal, rhel8, 9-minimal
	relPathTag                    // a path component, else the tag
)

var imageRows = []imageRow{
	{family: Fedora, release: relTagNew,
		repos: []string{"docker.io/library/fedora", "docker.io/fedora/fedora",
			"registry.fedoraproject.org/fedora", "registry.fedoraproject.org/fedora-minimal", "registry.fedoraproject.org/fedora-toolbox"},
		// quay.io/fedora holds fedora, fedora-minimal, fedora-toolbox, fedora-bootc …, tagged by release.
		under: []string{"quay.io/fedora/"}},
	{family: EL, release: relTag,
		repos: []string{"docker.io/library/centos", "quay.io/centos/centos",
			"docker.io/library/rockylinux", "docker.io/rockylinux/rockylinux", "quay.io/rockylinux/rockylinux",
			"docker.io/library/almalinux", "quay.io/almalinuxorg/almalinux",
			"docker.io/library/oraclelinux", "container-registry.oracle.com/os/oraclelinux"}},
	// Red Hat's registries and Docker Hub's redhat/ name the release in the
	// path (ubi9/ubi, ubi9/python-311, ubi8-minimal, rhel8/…); AlmaLinux's
	// variants likewise (almalinux/9-minimal, quay.io/almalinuxorg/8-base).
	{family: EL, release: relPath,
		under: []string{"registry.access.redhat.com/", "registry.redhat.io/", "docker.io/redhat/"}},
	{family: EL, release: relPathTag, under: []string{"docker.io/almalinux/", "quay.io/almalinuxorg/"}},
	{family: AmazonLinux, release: relTag,
		repos: []string{"docker.io/library/amazonlinux", "public.ecr.aws/amazonlinux/amazonlinux"}},
	{family: OpenSUSE,
		repos: []string{"docker.io/opensuse/leap", "docker.io/opensuse/tumbleweed",
			"registry.opensuse.org/opensuse/leap", "registry.opensuse.org/opensuse/tumbleweed"},
		under: []string{"registry.suse.com/bci/", "registry.suse.com/suse/"}},
	{family: Alpine, release: relTag, repos: []string{"docker.io/library/alpine"}},
	{family: Debian, repos: []string{"docker.io/library/debian"}},
	{family: Ubuntu, repos: []string{"docker.io/library/ubuntu"}},
}

// Generations of package managers: where each keeps its cache and how it
// is told to keep downloaded packages and to revalidate its metadata.
// A cache mount keeps the metadata between builds, so a mount is right
// only with Refresh (or a RefreshSubs command run first in the RUN): a
// build without the mount downloads fresh metadata, as the images ship
// none.
var generations = map[string]Tool{
	// dnf 4: SYSTEM_CACHEDIR='/var/cache/dnf' (rpm-software-management/dnf,
	// dnf/const.py.in); keepcache "Keeps downloaded packages in the cache
	// when set to True … default is False" and metadata_expire "The default
	// corresponds to 48 hours" (doc/conf_ref.rst); `--refresh` "Set metadata
	// as expired before running the command" (doc/command_ref.rst).
	"dnf4": {Name: "dnf 4", CacheDir: "/var/cache/dnf", KeepCache: "--setopt=keepcache=1", Refresh: "--refresh"},
	// dnf 5: system_cachedir "Default: /var/cache/libdnf5" (dnf5,
	// doc/dnf5.conf.5.rst; doc/misc/caching.7.rst); keepcache default False;
	// metadata_expire 60*60*48 (libdnf5/conf/config_main.cpp); `--refresh`
	// "Force refreshing metadata before running the command" (dnf5/main.cpp,
	// commit 889fd59 "cli: Add refresh parameter", first in 5.0.15, June 2023).
	"dnf5": {Name: "dnf 5", CacheDir: "/var/cache/libdnf5", KeepCache: "--setopt=keepcache=1", Refresh: "--refresh"},
	// microdnf 3 (libdnf, before dnf5): `#define CACHEDIR "/var/cache/yum"`
	// for metadata, solv and lock, keep_cache off (microdnf dnf/dnf-main.c);
	// `--refresh` from 3.4.0 (commit 539edb9), which also made it respect
	// metadata_expire (b87f371). keepcache=1 is accepted only from 3.7.0
	// (8a1f065): not used, so downloaded packages are not kept.
	"microdnf3": {Name: "microdnf 3", CacheDir: "/var/cache/yum", Refresh: "--refresh"},
	// yum 3 (EL 7, Amazon Linux 2): cachedir=/var/cache/yum/$basearch/$releasever
	// and keepcache=0 in the images' /etc/yum.conf, whose comment gives the
	// default metadata_expire=90m; yum 3 has no --refresh.
	"yum3": {Name: "yum 3", CacheDir: "/var/cache/yum", KeepCache: "--setopt=keepcache=1",
		Stale: "yum 3 has no option to revalidate its metadata (no --refresh): a cache mount would reuse metadata up to metadata_expire (90 minutes by default) old"},
	// zypper: cachedir /var/cache/zypp (zypp.conf). It revalidates a
	// repository's metadata only when the repository has autorefresh on
	// (`zypper addrepo` leaves it off; "It depends on how autorefresh is
	// configured for the repos", libzypp's maintainer in uyuni-docs#584)
	// and has no option to force it for one command (only --no-refresh):
	// `zypper refresh` first in the RUN does.
	"zypper": {Name: "zypper", CacheDir: "/var/cache/zypp", RefreshSubs: []string{"refresh", "ref"},
		Stale: "zypper revalidates a repository's metadata only when the repository has autorefresh on, and has no option to force it for one command: a cache mount would reuse old metadata (run `zypper refresh` first in the RUN)"},
	// apk: the index is kept for cache_max_age, "4*60*60; /* 4 hours
	// default */" (apk-tools src/context.c; 2.14: database.c);
	// --update-cache (-U) and `apk update` set it to 0 (src/apk.c,
	// src/app_update.c). With --no-cache apk keeps no index at all; the
	// cache directory is the one dfopt gives it with --cache-dir, so it does
	// not depend on the image.
	"apk": {Name: "apk", CacheDir: "/var/cache/apk", Refresh: "--update-cache", RefreshSubs: []string{"update"}},
}

// anywhere are programs that are the same generation on every image.
var anywhere = map[string]string{
	"apk":    "apk",
	"zypper": "zypper",
	"tdnf":   "?dfopt does not know where tdnf keeps its cache",
}

// toolRule says which generation each program is on a range of releases
// of a family (from and to inclusive; minorTo, when set, narrows the
// last release to its minors up to it). A generation starting with "?" is
// an unknown answer and says why.
type toolRule struct {
	family   string
	from, to int
	minorTo  int
	progs    map[string]string
}

const (
	unknownOld = "?Fedora 38 shipped dnf5 releases older than 5.0.15, which have no --refresh"
	el8Early   = "?RHEL 8.0 to 8.2 shipped microdnf releases older than 3.4, which have no --refresh"
)

var toolRules = []toolRule{
	// Fedora 41 switched dnf and yum to dnf5: dnf5.spec has
	// `%bcond dnf5_obsoletes_dnf %[0%{?fedora} > 40 || 0%{?rhel} > 10]`,
	// under which it provides /usr/bin/dnf and /usr/bin/yum and obsoletes
	// dnf < 5 and yum < 5 (Fedora change Changes/SwitchToDnf5; the F41
	// container kickstarts install dnf5). dnf-3 is python3-dnf's dnf 4.
	{family: Fedora, from: 41, to: Newest, progs: map[string]string{"dnf": "dnf5", "yum": "dnf5", "dnf5": "dnf5", "microdnf": "dnf5", "dnf-3": "dnf4"}},
	// Fedora 39–40: dnf and yum are dnf 4 (fedora-container-base.ks
	// installs dnf and dnf-yum). microdnf is dnf5 on every Fedora since 38:
	// dnf5.spec `%if 0%{?fedora} || 0%{?rhel} > 10` provides microdnf,
	// obsoletes microdnf < 4 and owns /usr/bin/microdnf (dnf5 PR #121 "When
	// user will try to install microdnf, dnf5 will be automatically
	// installed"; 5.0.6-2 in Fedora 38 "Add obsoletes of microdnf";
	// ci-dnf-stack PR #1286). Fedora 39 branched after dnf5 5.1.0 (July
	// 2023); Fedora 40 has 5.1.15: both have --refresh.
	{family: Fedora, from: 39, to: 40, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4", "dnf5": "dnf5", "microdnf": "dnf5"}},
	{family: Fedora, from: 38, to: 38, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4", "dnf5": unknownOld, "microdnf": unknownOld}},
	// Fedora 32–37: dnf 4; microdnf 3 (3.4.0, with --refresh, was tagged
	// in January 2020, before Fedora 32).
	{family: Fedora, from: 32, to: 37, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4", "microdnf": "microdnf3"}},
	// EL 8–10: "yum is an alias to dnf" (YUM v4; RHEL 8 "Considerations in
	// adopting RHEL 8", Software management); dnf5 replaces dnf and microdnf
	// only for rhel > 10 (dnf5.spec above); Oracle Linux 10 ships
	// dnf-plugins-core 4.7.0; CentOS Stream 10 still has `dnf shell`, a dnf 4
	// command (runc PR #5268). microdnf is microdnf 3: RHEL 8.3 carries
	// microdnf 3.4.0 (microdnf issue #75); earlier minors had older ones.
	{family: EL, from: 8, to: 8, minorTo: 2, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4", "microdnf": el8Early}},
	{family: EL, from: 8, to: 10, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4", "microdnf": "microdnf3"}},
	// EL 7: yum 3 ("the previous version YUM v3 used on RHEL 7", same RHEL 8 document).
	{family: EL, from: 7, to: 7, progs: map[string]string{"yum": "yum3"}},
	// Amazon Linux 2 keeps yum 3; Amazon Linux 2023 moved to dnf (4).
	{family: AmazonLinux, from: 2, to: 2, progs: map[string]string{"yum": "yum3"}},
	{family: AmazonLinux, from: 2023, to: 2023, progs: map[string]string{"dnf": "dnf4", "yum": "dnf4", "dnf-3": "dnf4"}},
}

// DebianReleases (code name → version) and ubuntuReleases are the code names official image
// tags use ("1.22-bookworm").
var DebianReleases = map[string]string{
	"jessie": "8", "stretch": "9", "buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
}

var ubuntuReleases = map[string]bool{
	"xenial": true, "bionic": true, "focal": true, "jammy": true, "noble": true,
}
