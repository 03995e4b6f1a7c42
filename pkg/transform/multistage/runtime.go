package multistage

import (
	"fmt"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// The runtime images of the multi-stage split: what a runtime image is
// (family, release), the commands and packages it has, and the runtime
// library of each -dev package.

// msRuntimeInfo is what dfopt knows of a runtime image.
type msRuntimeInfo struct {
	Family  string // "debian", "ubuntu", "alpine", "distroless", "" unknown
	Release string // Debian/Ubuntu codename or Alpine version, "" unknown
}

var msUbuntuVersions = map[string]string{"16.04": "xenial", "18.04": "bionic", "20.04": "focal", "22.04": "jammy", "24.04": "noble"}

// msRuntimeOf says what dfopt knows of an image used as a runtime stage.
func msRuntimeOf(ref string) msRuntimeInfo {
	r, err := transform.ParseImageRef(ref)
	if err != nil || r.Vars {
		return msRuntimeInfo{}
	}
	ti := transform.ParseImageTag(r.Tag)
	if strings.HasPrefix(r.Repository(), "gcr.io/distroless/") || msHas(ti.Rest, "chiseled") {
		return msRuntimeInfo{Family: "distroless"}
	}
	name, _, official := r.Official()
	if strings.HasPrefix(r.Repository(), "mcr.microsoft.com/dotnet/") {
		official, name = true, "dotnet"
	}
	if !official {
		return msRuntimeInfo{}
	}
	switch name {
	case "debian":
		if ti.OS == "debian" {
			return msRuntimeInfo{"debian", ti.Release}
		}
		return msRuntimeInfo{Family: "debian"}
	case "ubuntu":
		if ti.OS == "ubuntu" {
			return msRuntimeInfo{"ubuntu", ti.Release}
		}
		return msRuntimeInfo{"ubuntu", msUbuntuVersions[ti.Version]}
	case "alpine":
		v := ti.Version
		if strings.Count(v, ".") > 1 {
			v = v[:strings.LastIndexByte(v, '.')]
		}
		return msRuntimeInfo{"alpine", v}
	case "eclipse-temurin":
		switch {
		case ti.OS == "alpine":
			return msRuntimeInfo{"alpine", ti.Release}
		case ti.OS == "ubuntu":
			return msRuntimeInfo{"ubuntu", ti.Release}
		case len(ti.Rest) == 1 && (ti.Rest[0] == "jre" || ti.Rest[0] == "jdk") || len(ti.Rest) == 0:
			return msRuntimeInfo{Family: "ubuntu"}
		}
	case "node", "python", "golang", "rust", "dotnet":
		switch ti.OS {
		case "alpine":
			return msRuntimeInfo{"alpine", ti.Release}
		case "debian":
			return msRuntimeInfo{"debian", ti.Release}
		case "ubuntu":
			return msRuntimeInfo{"ubuntu", ti.Release}
		case "":
			for _, w := range ti.Rest {
				if strings.HasPrefix(w, "azurelinux") || strings.HasPrefix(w, "cbl") || w == "mariner" || strings.HasPrefix(w, "ubi") {
					return msRuntimeInfo{}
				}
			}
			return msRuntimeInfo{Family: "debian"}
		}
	}
	return msRuntimeInfo{}
}

// msSetupCommands are the commands each runtime family has for creating
// users and preparing folders.
var msSetupCommands = map[string]map[string]bool{
	"debian": {"useradd": true, "groupadd": true, "usermod": true, "mkdir": true, "chown": true, "chmod": true, "ln": true, "touch": true, "rm": true},
	"ubuntu": {"useradd": true, "groupadd": true, "usermod": true, "mkdir": true, "chown": true, "chmod": true, "ln": true, "touch": true, "rm": true},
	"alpine": {"adduser": true, "addgroup": true, "mkdir": true, "chown": true, "chmod": true, "ln": true, "touch": true, "rm": true},
}

// msInstallLine is the RUN that installs packages in a runtime family.
func msInstallLine(family string, pkgs []string, upgrade bool) string {
	if family == "alpine" {
		switch {
		case upgrade && len(pkgs) == 0:
			return "apk upgrade --no-cache"
		case upgrade:
			return "apk upgrade --no-cache && apk add --no-cache " + strings.Join(pkgs, " ")
		}
		return "apk add --no-cache " + strings.Join(pkgs, " ")
	}
	line := "apt-get update"
	if upgrade {
		line += " && apt-get upgrade -y"
	}
	if len(pkgs) > 0 {
		line += " && apt-get install -y --no-install-recommends " + strings.Join(pkgs, " ")
	}
	return line + " && rm -rf /var/lib/apt/lists/*"
}

// msToolchainPackages are the compilers that make a Python image a builder.
var msToolchainPackages = map[string]bool{
	"build-essential": true, "build-base": true, "gcc": true, "g++": true, "clang": true, "make": true, "cmake": true,
	"cpp": true, "gfortran": true, "musl-dev": true, "libc-dev": true, "libc6-dev": true, "linux-headers": true,
}

// noteStable explains debian:stable-slim in the finding.
func (s *msSplit) noteStable(img string, err error) (string, error) {
	if err == nil && strings.HasSuffix(img, "debian:stable-slim") {
		s.notes = append(s.notes, fmt.Sprintf("`%s` does not name its Debian release: debian:stable-slim runs what it builds, its C library being at least as new", s.ref.Raw))
	}
	return img, err
}

// msDebianOrAlpine is the slim image of the builder's distribution. A tag
// that does not name its Debian release gets debian:stable-slim: official
// images are built on Debian stable or older, and glibc runs programs
// linked against an older glibc.
func msDebianOrAlpine(prefix string, ref transform.ImageRef, ti transform.TagInfo, static bool) (string, error) {
	switch ti.OS {
	case "alpine":
		if ti.Release != "" {
			return prefix + "alpine:" + ti.Release, nil
		}
		if static {
			return prefix + "alpine:latest", nil
		}
		return "", fmt.Errorf("`%s` does not name its Alpine release, and the binary links musl dynamically", ref.Raw)
	case "debian":
		return prefix + "debian:" + ti.Release + "-slim", nil
	case "":
		return prefix + "debian:stable-slim", nil
	}
	return "", fmt.Errorf("`%s` is not a Linux image dfopt knows", ref.Raw)
}

// msSameRuntime: interpreted languages run on the builder image itself.
func msSameRuntime(s *msSplit) (string, error) { return s.st.Base, nil }

// msBuildOnlyPackages are toolchain packages a runtime never needs.
var msBuildOnlyPackages = map[string]bool{
	"build-essential": true, "build-base": true, "gcc": true, "g++": true, "cpp": true, "make": true, "cmake": true,
	"clang": true, "llvm": true, "binutils": true, "autoconf": true, "automake": true, "libtool": true, "pkg-config": true,
	"pkgconf": true, "pkgconfig": true, "git": true, "gfortran": true, "bison": true, "flex": true, "patch": true,
	"dpkg-dev": true, "ninja-build": true, "meson": true, "swig": true, "nasm": true, "yasm": true, "ccache": true,
	"protobuf-compiler": true, "protoc": true, "upx": true, "upx-ucl": true, "musl-dev": true, "libc-dev": true,
	"libc6-dev": true, "linux-headers": true, "linux-libc-dev": true, "python3-dev": true, "python-dev": true,
	"python3-venv": true, "python3-virtualenv": true, "cargo": true, "rust": true, "golang": true, "go": true,
}

// msDevRuntime maps a -dev package to the runtime library the program
// loads, per distribution family and release ("" = every release). An
// empty runtime name means the package holds headers only.
var msDevRuntime = map[string]map[string]map[string]string{
	"debian": {
		"libpq-dev":                  {"": "libpq5"},
		"libjpeg-dev":                {"": "libjpeg62-turbo"},
		"libjpeg62-turbo-dev":        {"": "libjpeg62-turbo"},
		"zlib1g-dev":                 {"": "zlib1g"},
		"libffi-dev":                 {"buster": "libffi6", "bullseye": "libffi7", "bookworm": "libffi8", "trixie": "libffi8"},
		"libssl-dev":                 {"buster": "libssl1.1", "bullseye": "libssl1.1", "bookworm": "libssl3", "trixie": "libssl3t64", "?": "openssl"},
		"libxml2-dev":                {"buster": "libxml2", "bullseye": "libxml2", "bookworm": "libxml2"},
		"libxslt1-dev":               {"": "libxslt1.1"},
		"libmariadb-dev":             {"": "libmariadb3"},
		"default-libmysqlclient-dev": {"bullseye": "libmariadb3", "bookworm": "libmariadb3", "trixie": "libmariadb3"},
		"libsqlite3-dev":             {"": "libsqlite3-0"},
		"libyaml-dev":                {"": "libyaml-0-2"},
		"libpcre3-dev":               {"": "libpcre3"},
		"libpcre2-dev":               {"": "libpcre2-8-0"},
		"libgmp-dev":                 {"": "libgmp10"},
		"libzstd-dev":                {"": "libzstd1"},
		"liblz4-dev":                 {"": "liblz4-1"},
		"libbz2-dev":                 {"": "libbz2-1.0"},
		"liblzma-dev":                {"": "liblzma5"},
		"libexpat1-dev":              {"": "libexpat1"},
		"libsasl2-dev":               {"": "libsasl2-2"},
		"libcurl4-openssl-dev":       {"buster": "libcurl4", "bullseye": "libcurl4", "bookworm": "libcurl4", "trixie": "libcurl4t64"},
		"libpng-dev":                 {"buster": "libpng16-16", "bullseye": "libpng16-16", "bookworm": "libpng16-16", "trixie": "libpng16-16t64"},
		"libmagic-dev":               {"buster": "libmagic1", "bullseye": "libmagic1", "bookworm": "libmagic1", "trixie": "libmagic1t64"},
		"libreadline-dev":            {"bullseye": "libreadline8", "bookworm": "libreadline8", "trixie": "libreadline8t64"},
		"libwebp-dev":                {"bookworm": "libwebp7", "trixie": "libwebp7"},
		"libfreetype6-dev":           {"bullseye": "libfreetype6", "bookworm": "libfreetype6"},
		"libfreetype-dev":            {"bookworm": "libfreetype6", "trixie": "libfreetype6"},
		"unixodbc-dev":               {"bullseye": "libodbc1", "bookworm": "libodbc2", "trixie": "libodbc2"},
		"libgeos-dev":                {"bullseye": "libgeos-c1v5", "bookworm": "libgeos-c1v5", "trixie": "libgeos-c1t64"},
		"libsodium-dev":              {"": "libsodium23"},
		"libevent-dev":               {"bullseye": "libevent-2.1-7", "bookworm": "libevent-2.1-7", "trixie": "libevent-2.1-7t64"},
		"libsnappy-dev":              {"": "libsnappy1v5"},
		"libldap2-dev":               {"buster": "libldap-2.4-2", "bullseye": "libldap-2.4-2", "bookworm": "libldap-2.5-0"},
		"liblcms2-dev":               {"": "liblcms2-2"},
		"libopenjp2-7-dev":           {"": "libopenjp2-7"},
		"libtiff-dev":                {"bullseye": "libtiff5", "bookworm": "libtiff6", "trixie": "libtiff6"},
		"libtiff5-dev":               {"buster": "libtiff5", "bullseye": "libtiff5"},
		"libharfbuzz-dev":            {"": "libharfbuzz0b"},
		"libfribidi-dev":             {"": "libfribidi0"},
		"libxcb1-dev":                {"": "libxcb1"},
		"tk-dev":                     {"bullseye": "libtk8.6", "bookworm": "libtk8.6"},
		"tcl-dev":                    {"bullseye": "libtcl8.6", "bookworm": "libtcl8.6"},
		"libopenblas-dev":            {"bullseye": "libopenblas0", "bookworm": "libopenblas0", "trixie": "libopenblas0"},
		"liblapack-dev":              {"": "liblapack3"},
		"libblas-dev":                {"": "libblas3"},
		"freetds-dev":                {"": "libsybdb5"},
		"libcairo2-dev":              {"": "libcairo2"},
		"libzmq3-dev":                {"": "libzmq5"},
		"librdkafka-dev":             {"": "librdkafka1"},
		"libicu-dev":                 {"bullseye": "libicu67", "bookworm": "libicu72", "trixie": "libicu76"},
		"libncurses-dev":             {"bullseye": "libncursesw6", "bookworm": "libncursesw6", "trixie": "libncursesw6"},
		"libncurses5-dev":            {"bullseye": "libncursesw6", "bookworm": "libncursesw6"},
		"libncursesw5-dev":           {"bullseye": "libncursesw6", "bookworm": "libncursesw6"},
		"libsystemd-dev":             {"": "libsystemd0"},
		"libudev-dev":                {"": "libudev1"},
		"libdbus-1-dev":              {"": "libdbus-1-3"},
		"libusb-1.0-0-dev":           {"": "libusb-1.0-0"},
		"libcap-dev":                 {"": "libcap2"},
		"libseccomp-dev":             {"": "libseccomp2"},
		"libxmlsec1-dev":             {"": "libxmlsec1 libxmlsec1-openssl"},
		"libc6-dev":                  {"": ""},
		"linux-libc-dev":             {"": ""},
		"python3-dev":                {"": ""},
		"python-dev":                 {"": ""},
		"libpython3-dev":             {"": ""},
	},
	"alpine": {
		"postgresql-dev":          {"": "libpq"},
		"libpq-dev":               {"": "libpq"},
		"libffi-dev":              {"": "libffi"},
		"openssl-dev":             {"3.17": "libssl3", "3.18": "libssl3", "3.19": "libssl3", "3.20": "libssl3", "3.21": "libssl3", "3.22": "libssl3", "?": "openssl"},
		"jpeg-dev":                {"": "libjpeg-turbo"},
		"libjpeg-turbo-dev":       {"": "libjpeg-turbo"},
		"zlib-dev":                {"": "zlib"},
		"libxml2-dev":             {"": "libxml2"},
		"libxslt-dev":             {"": "libxslt"},
		"mariadb-dev":             {"": "mariadb-connector-c"},
		"mariadb-connector-c-dev": {"": "mariadb-connector-c"},
		"sqlite-dev":              {"": "sqlite-libs"},
		"yaml-dev":                {"": "yaml"},
		"libpng-dev":              {"": "libpng"},
		"freetype-dev":            {"": "freetype"},
		"libwebp-dev":             {"": "libwebp"},
		"pcre-dev":                {"": "pcre"},
		"pcre2-dev":               {"": "pcre2"},
		"gmp-dev":                 {"": "gmp"},
		"zstd-dev":                {"": "zstd-libs"},
		"bzip2-dev":               {"": "libbz2"},
		"xz-dev":                  {"": "xz-libs"},
		"expat-dev":               {"": "libexpat"},
		"freetds-dev":             {"": "freetds"},
		"openblas-dev":            {"": "openblas"},
		"lapack-dev":              {"": "lapack"},
		"lcms2-dev":               {"": "lcms2"},
		"openjpeg-dev":            {"": "openjpeg"},
		"tiff-dev":                {"": "tiff"},
		"tk-dev":                  {"": "tk"},
		"tcl-dev":                 {"": "tcl"},
		"harfbuzz-dev":            {"": "harfbuzz"},
		"fribidi-dev":             {"": "fribidi"},
		"libimagequant-dev":       {"": "libimagequant"},
		"libxcb-dev":              {"": "libxcb"},
		"krb5-dev":                {"": "krb5-libs"},
		"libsodium-dev":           {"": "libsodium"},
		"geos-dev":                {"": "geos"},
		"libevent-dev":            {"": "libevent"},
		"snappy-dev":              {"": "snappy"},
		"lz4-dev":                 {"": "lz4-libs"},
		"librdkafka-dev":          {"": "librdkafka"},
		"unixodbc-dev":            {"": "unixodbc"},
		"icu-dev":                 {"": "icu-libs"},
		"cairo-dev":               {"": "cairo"},
		"glib-dev":                {"": "glib"},
		"openldap-dev":            {"": "libldap"},
		"musl-dev":                {"": ""},
		"linux-headers":           {"": ""},
		"libc-dev":                {"": ""},
		"python3-dev":             {"": ""},
	},
}

// msDevPackage reports whether a package name is a development package.
func msDevPackage(name string) bool {
	return strings.HasSuffix(name, "-dev") || strings.HasSuffix(name, "-devel") || strings.HasSuffix(name, "-headers")
}

// msRuntimeLib maps a -dev package to its runtime library.
func msRuntimeLib(family, release, dev string) (lib string, ok bool) {
	fam := family
	if fam == "ubuntu" {
		fam = "debian" // the release-independent names are shared
		release = "ubuntu-" + release
	}
	m := msDevRuntime[fam][dev]
	if m == nil {
		return "", false
	}
	if lib, ok := m[release]; ok && release != "" {
		return lib, true
	}
	if lib, ok := m[""]; ok {
		return lib, true
	}
	// "?": a package that pulls in the right library on any release.
	lib, ok = m["?"]
	return lib, ok
}
