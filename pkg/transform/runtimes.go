package transform

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// The multi-stage table: one row per pattern. A row says how to recognise
// the builder image and its build command, how to find what the build
// produced, and which runtime image receives it. The engine that uses the
// rows is in multistage.go.

// msPattern is one row of the multi-stage table.
type msPattern struct {
	Key      string // option key: runtime-image.<Key>
	Lang     string
	Build    string // the build command(s) it recognises, for messages
	Saving   string // what the runtime image no longer ships
	Image    func(r ImageRef) bool
	Classify func(c *msCmd) msClass
	// Artifacts finds what one build command produced (absolute paths in
	// the builder), or says what is missing to know it.
	Artifacts func(s *msSplit, c *msCmd) ([]msArtifact, error)
	// Runtime derives the default runtime image from the builder's reference.
	Runtime func(s *msSplit) (string, error)

	BuildEnv     []string // ENV keys only the build reads (a trailing * matches a prefix)
	ImageEnv     []string // variables the builder image sets and its runtime image does not
	SameImage    bool     // the runtime image is the builder image itself
	Compiled     bool     // the artifacts are self-contained: the runtime image differs
	RuntimeTools []string // programs only the builder image has (not to be run in the runtime stage)
	Managers     []string // rows of the Managers table whose Runtime programs run the toolchain
	CAcerts      bool     // the builder image has ca-certificates, which Debian/Ubuntu runtimes lack
}

var msPatterns = []*msPattern{
	{
		Key: "go", Lang: "Go", Build: "`go build` / `go install`",
		Saving: "the Go toolchain and module cache",
		Image:  msOfficial("golang"), Classify: msGoClass, Artifacts: msGoArtifacts, Runtime: msGoRuntime,
		BuildEnv: []string{"CGO_*", "GO111MODULE", "GOAMD64", "GOARCH", "GOARM", "GOBIN", "GOCACHE", "GOEXPERIMENT", "GOFLAGS", "GOINSECURE", "GOMODCACHE", "GONOPROXY", "GONOSUMDB", "GOOS", "GOPATH", "GOPRIVATE", "GOPROXY", "GOSUMDB", "GOTOOLCHAIN", "GOWORK", "CC", "CXX"},
		ImageEnv: []string{"GOPATH", "GOLANG_VERSION", "GOTOOLCHAIN"},
		Compiled: true, CAcerts: true, RuntimeTools: []string{"go", "gofmt"}, Managers: []string{"go"},
	},
	{
		Key: "rust", Lang: "Rust", Build: "`cargo build` / `cargo install`",
		Saving: "the Rust toolchain and the target/ build cache",
		Image:  msOfficial("rust"), Classify: msRustClass, Artifacts: msRustArtifacts, Runtime: msRustRuntime,
		BuildEnv: []string{"CARGO_*", "RUSTFLAGS", "RUSTDOCFLAGS", "RUSTC_WRAPPER", "RUSTUP_*", "CC", "CXX"},
		ImageEnv: []string{"CARGO_HOME", "RUSTUP_HOME", "RUST_VERSION"},
		Compiled: true, CAcerts: true, RuntimeTools: []string{"cargo", "rustc", "rustup"}, Managers: []string{"cargo"},
	},
	{
		Key: "java", Lang: "Java", Build: "`mvn package` / `gradle build`",
		Saving: "the JDK, the build tool and its dependency cache",
		Image:  msJavaImage, Classify: msJavaClass, Artifacts: msJavaArtifacts, Runtime: msJavaRuntime,
		BuildEnv: []string{"MAVEN_OPTS", "MAVEN_CONFIG", "MAVEN_ARGS", "GRADLE_OPTS", "GRADLE_USER_HOME"},
		ImageEnv: []string{"MAVEN_HOME", "MAVEN_CONFIG", "GRADLE_HOME", "GRADLE_VERSION", "MAVEN_VERSION"},
		Compiled: true, RuntimeTools: []string{"mvn", "mvnw", "gradle", "gradlew", "javac", "jar"}, Managers: []string{"maven", "gradle"},
	},
	{
		Key: "dotnet", Lang: ".NET", Build: "`dotnet publish -o DIR`",
		Saving: "the .NET SDK and the NuGet cache",
		Image:  msDotnetImage, Classify: msDotnetClass, Artifacts: msDotnetArtifacts, Runtime: msDotnetRuntime,
		BuildEnv: []string{"DOTNET_CLI_TELEMETRY_OPTOUT", "DOTNET_SKIP_FIRST_TIME_EXPERIENCE", "DOTNET_NOLOGO", "NUGET_*", "DOTNET_CLI_*"},
		ImageEnv: []string{"DOTNET_SDK_VERSION", "NUGET_XMLDOC_MODE", "POWERSHELL_DISTRIBUTION_CHANNEL", "DOTNET_GENERATE_ASPNET_CERTIFICATE", "DOTNET_USE_POLLING_FILE_WATCHER"},
		Compiled: true, RuntimeTools: []string{"msbuild", "nuget", "pwsh"}, Managers: []string{"dotnet"},
	},
	{
		Key: "node", Lang: "Node", Build: "`npm run build` (yarn, pnpm)",
		Saving: "devDependencies and the build's inputs and caches",
		Image:  msOfficial("node"), Classify: msNodeClass, Artifacts: msNodeArtifacts, Runtime: msSameRuntime,
		SameImage: true,
	},
	{
		Key: "python", Lang: "Python", Build: "`pip install` with a C toolchain",
		Saving: "the C toolchain and -dev headers",
		Image:  msOfficial("python"), Classify: msPythonClass, Artifacts: msPythonArtifacts, Runtime: msSameRuntime,
		SameImage: true,
	},
}

// msOfficial recognises a Docker Hub official image by name, whatever the
// registry spelling (docker.io/library/…, a library mirror), tag or digest.
// Windows variants are set aside before the table is consulted; ONBUILD
// variants fail at the runtime image.
func msOfficial(name string) func(ImageRef) bool {
	return func(r ImageRef) bool {
		n, _, ok := r.Official()
		return ok && n == name
	}
}

func msJavaImage(r ImageRef) bool {
	n, _, ok := r.Official()
	if !ok {
		return false
	}
	ti := parseImageTag(r.Tag)
	switch n {
	case "maven", "gradle", "amazoncorretto":
		return true
	case "eclipse-temurin", "openjdk":
		// A JRE image has no compiler: it is already a runtime image.
		return !msHas(ti.Rest, "jre")
	}
	return false
}

func msDotnetImage(r ImageRef) bool {
	p := r.Repository()
	return p == "mcr.microsoft.com/dotnet/sdk" || p == "mcr.microsoft.com/dotnet/core/sdk" || p == "microsoft/dotnet" && strings.Contains(r.Tag, "sdk")
}

// ---- runtime images ------------------------------------------------------

// msRuntimeInfo is what dfopt knows of a runtime image.
type msRuntimeInfo struct {
	Family  string // "debian", "ubuntu", "alpine", "distroless", "" unknown
	Release string // Debian/Ubuntu codename or Alpine version, "" unknown
}

var msUbuntuVersions = map[string]string{"16.04": "xenial", "18.04": "bionic", "20.04": "focal", "22.04": "jammy", "24.04": "noble"}

// msRuntimeOf says what dfopt knows of an image used as a runtime stage.
func msRuntimeOf(ref string) msRuntimeInfo {
	r, err := ParseImageRef(ref)
	if err != nil || r.Vars {
		return msRuntimeInfo{}
	}
	ti := parseImageTag(r.Tag)
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

var msDistrolessStatic = map[string]string{"": "debian12", "bookworm": "debian12", "trixie": "debian13", "bullseye": "debian11"}

func msGoRuntime(s *msSplit) (string, error) {
	_, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the golang image reference uses build arguments")
	}
	ti := parseImageTag(s.ref.Tag)
	if msHas(ti.Rest, "onbuild") {
		return "", errors.New("ONBUILD images are not supported")
	}
	if s.static && s.option("distroless") == "true" {
		if ti.OS == "debian" || ti.OS == "" || ti.OS == "alpine" {
			rel := ""
			if ti.OS == "debian" {
				rel = ti.Release
			}
			if v, ok := msDistrolessStatic[rel]; ok {
				s.distroless = "gcr.io/distroless/static-" + v
			}
		}
	}
	return s.noteStable(msDebianOrAlpine(prefix, s.ref, ti, s.static))
}

// noteStable explains debian:stable-slim in the finding.
func (s *msSplit) noteStable(img string, err error) (string, error) {
	if err == nil && strings.HasSuffix(img, "debian:stable-slim") {
		s.notes = append(s.notes, fmt.Sprintf("`%s` does not name its Debian release: debian:stable-slim runs what it builds, its C library being at least as new", s.ref.Raw))
	}
	return img, err
}

func msRustRuntime(s *msSplit) (string, error) {
	_, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the rust image reference uses build arguments")
	}
	ti := parseImageTag(s.ref.Tag)
	// Rust on Alpine targets musl and links statically.
	return s.noteStable(msDebianOrAlpine(prefix, s.ref, ti, ti.OS == "alpine"))
}

// msDebianOrAlpine is the slim image of the builder's distribution. A tag
// that does not name its Debian release gets debian:stable-slim: official
// images are built on Debian stable or older, and glibc runs programs
// linked against an older glibc.
func msDebianOrAlpine(prefix string, ref ImageRef, ti TagInfo, static bool) (string, error) {
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

// msJavaMajor finds the JDK's major version and the OS in a Java image tag.
func msJavaMajor(name string, ti TagInfo) string {
	switch name {
	case "eclipse-temurin", "openjdk", "amazoncorretto":
		return msMajor(ti.Version)
	}
	for i, w := range ti.Rest {
		if strings.HasPrefix(w, "jdk") && msMajor(w[3:]) != "" {
			return msMajor(w[3:])
		}
		switch w {
		case "jdk", "openjdk", "temurin", "amazoncorretto", "corretto", "sapmachine", "semeru", "ibmjava", "graalvm":
			if i+1 < len(ti.Rest) && msMajor(ti.Rest[i+1]) != "" {
				return msMajor(ti.Rest[i+1])
			}
		}
	}
	return ""
}

func msJavaRuntime(s *msSplit) (string, error) {
	name, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the image reference uses build arguments")
	}
	ti := parseImageTag(s.ref.Tag)
	m := msJavaMajor(name, ti)
	if m == "" {
		return "", fmt.Errorf("`%s` does not name its JDK version", s.ref.Raw)
	}
	tag := m + "-jre"
	switch {
	case ti.OS == "alpine":
		tag += "-alpine"
	case ti.OS == "ubuntu":
		tag += "-" + ti.Release
	case ti.OS == "windows":
		return "", errors.New("images for Windows are not supported")
	}
	return prefix + "eclipse-temurin:" + tag, nil
}

func msDotnetRuntime(s *msSplit) (string, error) {
	if s.ref.Vars {
		return "", errors.New("the SDK image reference uses build arguments")
	}
	if s.dotnetKind == "" {
		return "", errors.New("the project file that says whether this is a web app is not in the build context")
	}
	repo := s.ref.Repository()
	if strings.HasPrefix(repo, "microsoft/") {
		return "", errors.New("the microsoft/dotnet images are retired")
	}
	base := strings.TrimSuffix(repo, "sdk") + s.dotnetKind
	tag := s.ref.Tag
	if tag == "" {
		return base, nil
	}
	words := strings.Split(tag, "-")
	if v := words[0]; strings.Count(v, ".") == 2 {
		// An SDK version (8.0.100) is not a runtime version: keep 8.0.
		words[0] = v[:strings.LastIndexByte(v, '.')]
	}
	if parseImageTag(tag).OS == "windows" {
		return "", errors.New("images for Windows are not supported")
	}
	return base + ":" + strings.Join(words, "-"), nil
}

// msSameRuntime: interpreted languages run on the builder image itself.
func msSameRuntime(s *msSplit) (string, error) { return s.st.Base, nil }

// ---- packages -------------------------------------------------------------

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

// msCrateLibs maps Rust -sys crates to the Debian runtime library they load
// (release-dependent names use the same table as -dev packages); crates
// mapped to "" build their library in or need nothing a slim image lacks.
var msCrateLibs = map[string]string{
	"openssl-sys": "libssl-dev", "pq-sys": "libpq-dev", "libsqlite3-sys": "libsqlite3-dev",
	"mysqlclient-sys": "libmariadb-dev", "curl-sys": "libcurl4-openssl-dev",
	"linux-raw-sys": "", "windows-sys": "", "core-foundation-sys": "", "security-framework-sys": "",
	"system-configuration-sys": "", "js-sys": "", "web-sys": "", "objc-sys": "", "libz-sys": "",
	"zstd-sys": "", "lzma-sys": "", "bzip2-sys": "", "libgit2-sys": "", "tikv-jemalloc-sys": "",
	"jemalloc-sys": "", "libmimalloc-sys": "", "aws-lc-sys": "", "aws-lc-fips-sys": "", "cc": "",
	"libssh2-sys": "", "onig_sys": "", "libnghttp2-sys": "", "wasi": "", "android_system_properties": "",
	"ring": "", "psm": "", "stacker": "", "blake3": "", "libredox": "", "redox_syscall": "", "fsevent-sys": "",
	"inotify-sys": "", "kqueue-sys": "", "winapi": "", "libloading": "",
}

func msHas(list []string, w string) bool {
	for _, x := range list {
		if x == w {
			return true
		}
	}
	return false
}

// msEnvKeyMatches reports whether key is in a BuildEnv list.
func msEnvKeyMatches(list []string, key string) bool {
	for _, k := range list {
		if k == key || strings.HasSuffix(k, "*") && strings.HasPrefix(key, k[:len(k)-1]) {
			return true
		}
	}
	return false
}

// msLastElem is the name `go build`/`go install` gives a package's binary:
// the last element of its import path, without a major-version suffix.
func msLastElem(p string) string {
	p = strings.TrimSuffix(p, "/")
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && allDigitsMS(base[1:]) && strings.Contains(p, "/") {
		return path.Base(path.Dir(p))
	}
	return base
}

func allDigitsMS(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ---- Go -------------------------------------------------------------------

var msGoTools = map[string]bool{
	"gofmt": true, "goimports": true, "golangci-lint": true, "staticcheck": true, "golint": true, "swag": true,
	"templ": true, "sqlc": true, "buf": true, "protoc": true, "wire": true, "mockgen": true, "stringer": true,
	"packr": true, "packr2": true, "go-bindata": true, "upx": true, "strip": true, "goreleaser": false,
}

func msGoClass(c *msCmd) msClass {
	switch n := c.name(); {
	case n == "go":
		switch c.arg(1) {
		case "build", "install":
			return msBuild
		case "mod":
			return msDeps
		case "get":
			for _, w := range c.from(2) {
				if w.Value == "-d" {
					return msDeps
				}
			}
			return msBuild // the Go version decides (msGoArtifacts)
		case "generate", "vet", "test", "run", "fmt", "env", "version", "list", "tool", "work", "clean", "doc", "fix":
			return msTool
		}
	case msGoTools[n]:
		return msTool
	}
	return msUnknown
}

// Flags of go build / go install that take a value.
var msGoValueFlags = map[string]bool{
	"ldflags": true, "gcflags": true, "asmflags": true, "tags": true, "mod": true, "modfile": true, "p": true,
	"pkgdir": true, "buildmode": true, "compiler": true, "gccgoflags": true, "installsuffix": true, "overlay": true,
	"pgo": true, "coverpkg": true, "covermode": true, "toolexec": true, "buildvcs": true, "o": true, "C": true,
}

var msGoBoolFlags = map[string]bool{
	"v": true, "x": true, "a": true, "n": true, "race": true, "msan": true, "asan": true, "cover": true,
	"trimpath": true, "work": true, "linkshared": true, "modcacherw": true, "json": true, "i": true,
}

// msGoVersion is the Go minor version of the builder image (0 when the tag
// does not say; "latest" and "1" are recent).
func msGoVersion(ref ImageRef) (int, bool) {
	ti := parseImageTag(ref.Tag)
	switch {
	case ti.Version == "" && !ref.Vars:
		return 99, true
	case ti.Version == "1":
		return 99, true
	}
	parts := strings.Split(ti.Version, ".")
	if len(parts) >= 2 && parts[0] == "1" && allDigitsMS(parts[1]) {
		var n int
		fmt.Sscanf(parts[1], "%d", &n)
		return n, true
	}
	return 0, false
}

func msGoArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	sub := c.arg(1)
	if sub == "get" {
		if v, ok := msGoVersion(s.ref); ok && v >= 18 {
			return nil, nil // only updates go.mod
		}
		return nil, fmt.Errorf("`go get` also builds and installs binaries on this Go version; use `go install`")
	}
	if goos, ok := c.getenv("GOOS"); ok && goos != "linux" {
		return nil, fmt.Errorf("builds for GOOS=%s", goos)
	}
	dir := c.cwd
	if dir == "" && s.pl[0].cwdImage {
		dir = s.imageWorkdir
	}
	var out string
	outSet := false
	var pkgs []string
	for i := 2; i < len(c.words); i++ {
		w := c.words[i]
		if strings.HasPrefix(w.Value, "-") {
			name, val, hasVal := strings.Cut(strings.TrimLeft(w.Value, "-"), "=")
			switch {
			case msGoValueFlags[name]:
				if !hasVal {
					i++
					if i >= len(c.words) {
						return nil, fmt.Errorf("`-%s` has no value", name)
					}
					val = c.words[i].Value
					hasVal = c.words[i].Lit
				} else {
					hasVal = w.Lit
				}
				switch name {
				case "o":
					if !hasVal {
						return nil, fmt.Errorf("the output path `%s` is not literal", val)
					}
					out, outSet = val, true
				case "C":
					if !hasVal {
						return nil, fmt.Errorf("`-C %s` is not literal", val)
					}
					dir = msResolve(dir, val)
				}
			case msGoBoolFlags[name]:
			default:
				return nil, fmt.Errorf("unknown go flag `%s`", w.Value)
			}
			continue
		}
		if !w.Lit {
			return nil, fmt.Errorf("the package `%s` is not literal", w.Value)
		}
		pkgs = append(pkgs, w.Value)
	}
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder `go %s` runs in", sub)
	}
	// cgo: static binaries need no C library in the runtime image.
	cgo, set := c.getenv("CGO_ENABLED")
	static := set && cgo == "0"
	if !set && parseImageTag(s.ref.Tag).OS == "alpine" && !s.installs("gcc", "build-base", "clang") {
		static = true // no C compiler: cgo is off
	}
	if !static {
		s.static = false
	}
	if len(pkgs) == 0 {
		pkgs = []string{"."}
	}
	files := strings.HasSuffix(pkgs[0], ".go")
	many := len(pkgs) > 1 && !files || strings.Contains(pkgs[0], "...")
	if sub == "install" {
		if _, ok := c.getenv("GOOS"); ok {
			return nil, fmt.Errorf("`go install` with GOOS set writes to a platform folder")
		}
		if _, ok := c.getenv("GOARCH"); ok {
			return nil, fmt.Errorf("`go install` with GOARCH set writes to a platform folder")
		}
		bin, ok := c.getenv("GOBIN")
		if !ok {
			gopath, ok := c.getenv("GOPATH")
			if !ok {
				if _, unknown := s.argVals["GOPATH"]; unknown {
					return nil, fmt.Errorf("GOPATH is a build argument")
				}
				gopath = "/go"
			}
			bin = path.Join(gopath, "bin")
		}
		if !path.IsAbs(bin) {
			return nil, fmt.Errorf("GOBIN is not an absolute path")
		}
		if many {
			return []msArtifact{{Path: bin}}, nil
		}
		var arts []msArtifact
		for _, p := range pkgs {
			n, err := s.goName(p, dir, c)
			if err != nil {
				return nil, err
			}
			arts = append(arts, msArtifact{Path: path.Join(bin, n)})
		}
		return arts, nil
	}
	// go build
	if !outSet {
		if many {
			return nil, nil // several packages: the binaries are discarded
		}
		n := strings.TrimSuffix(path.Base(pkgs[0]), ".go")
		if !files {
			var err error
			if n, err = s.goName(pkgs[0], dir, c); err != nil {
				return nil, err
			}
		}
		return []msArtifact{{Path: path.Join(dir, n)}}, nil
	}
	o := msResolve(dir, out)
	if o == "" {
		return nil, fmt.Errorf("cannot resolve `-o %s`", out)
	}
	if strings.HasSuffix(out, "/") || s.knownDir(o) || o == dir {
		// -o names a folder: one binary per main package.
		if many || files {
			if s.knownDir(o) && !s.createdDir(o) {
				return nil, fmt.Errorf("`-o %s` writes several binaries into a system folder", out)
			}
			return []msArtifact{{Path: o}}, nil
		}
		n, err := s.goName(pkgs[0], dir, c)
		if err != nil {
			return nil, err
		}
		return []msArtifact{{Path: path.Join(o, n)}}, nil
	}
	// A single output path: copying it copies the binary, whether the path
	// turns out to be a file or a folder.
	return []msArtifact{{Path: o}}, nil
}

// createdDir reports whether the stage created the folder (WORKDIR, mkdir).
func (s *msSplit) createdDir(p string) bool {
	for _, pl := range s.pl {
		if w, ok := pl.ins.Command.(*instructions.WorkdirCommand); ok && msResolve(pl.cwd, w.Path) == p {
			return true
		}
		for _, c := range pl.cmds {
			if c.name() == "mkdir" {
				for _, w := range c.from(1) {
					if w.Lit && msResolve(c.cwd, w.Value) == p {
						return true
					}
				}
			}
		}
	}
	return false
}

// installs reports whether the stage installs one of the packages.
func (s *msSplit) installs(names ...string) bool {
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if n := c.name(); n != "apt-get" && n != "apt" && n != "apk" {
				continue
			}
			_, pkgs, _ := msPackageArgs(c)
			for _, p := range pkgs {
				p, _, _ = strings.Cut(p, "=")
				if msHas(names, p) {
					return true
				}
			}
		}
	}
	return false
}

// goName is the binary name of a package argument.
func (s *msSplit) goName(p, dir string, c *msCmd) (string, error) {
	p, _, _ = strings.Cut(p, "@")
	if p == "std" || p == "cmd" || p == "all" {
		return "", fmt.Errorf("`%s` is not one main package", p)
	}
	rel := p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || path.IsAbs(p)
	if !rel {
		return msLastElem(p), nil
	}
	abs := msResolve(dir, p)
	// The import path of a folder: its module path from go.mod, plus the
	// folders below the module root.
	at := msIndexOf(s.pl, c.ins)
	for d, sub := abs, ""; ; {
		if data, _, ok := s.readContext(path.Join(d, "go.mod"), at); ok {
			mod := msModulePath(data)
			if mod == "" {
				return "", fmt.Errorf("go.mod has no module line")
			}
			return msLastElem(path.Join(mod, sub)), nil
		}
		if d == "/" || s.p.Context == nil {
			break
		}
		sub = path.Join(path.Base(d), sub)
		d = path.Dir(d)
	}
	if p != "." && p != ".." {
		// ./cmd/server is named server whatever the module path.
		if n := msLastElem(p); n != "." && n != ".." && !(n[0] == 'v' && allDigitsMS(n[1:])) {
			return n, nil
		}
	}
	return "", fmt.Errorf("the binary is named after the module path in go.mod, which is not in the build context")
}

func msIndexOf(pls []*msPlan, in *ast.Instruction) int {
	for i, pl := range pls {
		if pl.ins == in {
			return i
		}
	}
	return len(pls)
}

func msModulePath(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`+"`")
		}
	}
	return ""
}

// ---- Rust -----------------------------------------------------------------

func msRustClass(c *msCmd) msClass {
	switch c.name() {
	case "cargo":
		sub := c.arg(1)
		switch sub {
		case "build", "b":
			return msBuild
		case "install":
			for _, w := range c.from(2) {
				if w.Value == "--path" || strings.HasPrefix(w.Value, "--path=") {
					return msBuild
				}
			}
			for _, w := range c.from(2) {
				if !strings.HasPrefix(w.Value, "-") {
					if strings.HasPrefix(w.Value, "cargo-") {
						return msTool // a cargo subcommand: a build tool
					}
					break
				}
			}
			return msBuild
		case "chef":
			return msDeps
		case "fetch", "vendor", "generate-lockfile", "update":
			return msDeps
		case "test", "check", "clippy", "fmt", "doc", "metadata", "tree", "audit", "deny", "nextest", "--version", "-V":
			return msTool
		}
	case "rustup":
		return msTool
	}
	return msUnknown
}

var msCargoValueFlags = map[string]bool{
	"--bin": true, "--package": true, "-p": true, "--manifest-path": true, "--target": true, "--target-dir": true,
	"--features": true, "-F": true, "--jobs": true, "-j": true, "--profile": true, "--config": true, "-Z": true,
	"--path": true, "--root": true, "--version": true, "--git": true, "--branch": true, "--tag": true, "--rev": true,
	"--color": true, "--message-format": true, "--exclude": true,
}

var msCargoBoolFlags = map[string]bool{
	"--release": true, "-r": true, "--locked": true, "--frozen": true, "--offline": true, "--all-features": true,
	"--no-default-features": true, "-v": true, "-vv": true, "--verbose": true, "-q": true, "--quiet": true,
	"--bins": true, "--force": true, "-f": true, "--no-track": true, "--debug": true, "--keep-going": true,
}

func msRustArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	sub := c.arg(1)
	dir := c.cwd
	var bins []string
	var profile, triple, targetDir, root, manifest, pkgPath string
	allBins := false
	var crate string
	for i := 2; i < len(c.words); i++ {
		w := c.words[i]
		name, val, hasVal := strings.Cut(w.Value, "=")
		if strings.HasPrefix(name, "-") {
			switch {
			case msCargoValueFlags[name]:
				if !hasVal {
					i++
					if i >= len(c.words) {
						return nil, fmt.Errorf("`%s` has no value", name)
					}
					val = c.words[i].Value
					if !c.words[i].Lit && (name == "--bin" || name == "--target-dir" || name == "--root" || name == "--path" || name == "--manifest-path" || name == "--profile" || name == "--target") {
						return nil, fmt.Errorf("`%s %s` is not literal", name, val)
					}
				}
				switch name {
				case "--bin":
					bins = append(bins, val)
				case "--profile":
					profile = val
				case "--target":
					triple = val
				case "--target-dir":
					targetDir = val
				case "--root":
					root = val
				case "--manifest-path":
					manifest = val
				case "--path":
					pkgPath = val
				case "-p", "--package":
					if sub == "build" {
						return nil, fmt.Errorf("`cargo build -p` builds a workspace member")
					}
				}
			case msCargoBoolFlags[name]:
				switch name {
				case "--release", "-r":
					profile = "release"
				case "--bins":
					allBins = true
				case "--debug":
					profile = "dev"
				}
			default:
				return nil, fmt.Errorf("unknown cargo flag `%s`", name)
			}
			continue
		}
		if sub == "install" && crate == "" {
			crate = w.Value
			continue
		}
		return nil, fmt.Errorf("unexpected argument `%s`", w.Value)
	}
	_ = allBins
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder cargo runs in")
	}
	if sub == "install" {
		if profile == "" {
			profile = "release"
		}
	} else if profile == "" {
		profile = "dev"
	}
	pkgDir := dir
	switch {
	case manifest != "":
		pkgDir = path.Dir(msResolve(dir, manifest))
	case pkgPath != "":
		pkgDir = msResolve(dir, pkgPath)
	case sub == "install" && crate != "":
		if len(bins) == 0 {
			return nil, fmt.Errorf("`cargo install %s` installs a crate from crates.io whose binary names are not in the build context", crate)
		}
		pkgDir = ""
	}
	at := msIndexOf(s.pl, c.ins)
	if pkgDir != "" {
		toml, _, ok := s.readContext(path.Join(pkgDir, "Cargo.toml"), at)
		if !ok {
			return nil, errors.New("the build context has no Cargo.toml: the binary names are unknown")
		}
		ct, err := msParseCargo("Cargo.toml", toml)
		if err != nil {
			return nil, err
		}
		if ct.workspace && len(bins) == 0 {
			return nil, errors.New("the Cargo.toml is a workspace: name the binary with --bin")
		}
		for d := path.Dir(pkgDir); len(bins) == 0; d = path.Dir(d) {
			if data, _, ok := s.readContext(path.Join(d, "Cargo.toml"), at); ok {
				up, err := msParseCargo(path.Join(d, "Cargo.toml"), data)
				if err != nil {
					return nil, err
				}
				if up.workspace {
					return nil, fmt.Errorf("the package is a member of the workspace in %s", d)
				}
			}
			if d == "/" {
				break
			}
		}
		for _, cfg := range []string{".cargo/config.toml", ".cargo/config"} {
			if data, _, ok := s.readContext(path.Join(pkgDir, cfg), at); ok {
				moves, _, err := tools.CargoConfigMoves(cfg, data)
				if err != nil {
					return nil, err
				}
				if moves {
					return nil, fmt.Errorf("%s changes the target folder", cfg)
				}
			}
		}
		if len(bins) == 0 {
			bins = s.cargoBins(ct, pkgDir, at)
			if len(bins) == 0 {
				return nil, fmt.Errorf("the package has no binary target")
			}
		}
		if err := s.cargoLibs(pkgDir, at); err != nil {
			return nil, err
		}
	}
	if sub == "install" {
		if root == "" {
			if r, ok := c.getenv("CARGO_INSTALL_ROOT"); ok {
				root = r
			} else if h, ok := c.getenv("CARGO_HOME"); ok {
				root = h
			} else {
				root = "/usr/local/cargo"
			}
		}
		root = msResolve(dir, root)
		var arts []msArtifact
		for _, b := range bins {
			arts = append(arts, msArtifact{Path: path.Join(root, "bin", b)})
		}
		return arts, nil
	}
	if targetDir == "" {
		if t, ok := c.getenv("CARGO_TARGET_DIR"); ok {
			targetDir = t
		} else if _, set := s.argVals["CARGO_TARGET_DIR"]; set {
			return nil, fmt.Errorf("CARGO_TARGET_DIR is a build argument")
		} else {
			targetDir = path.Join(pkgDir, "target")
		}
	}
	if triple == "" {
		if t, ok := c.getenv("CARGO_BUILD_TARGET"); ok {
			triple = t
		}
	}
	out := msResolve(dir, targetDir)
	if triple != "" {
		out = path.Join(out, triple)
	}
	switch profile {
	case "dev", "test":
		profile = "debug"
	case "bench":
		profile = "release"
	}
	out = path.Join(out, profile)
	var arts []msArtifact
	for _, b := range bins {
		arts = append(arts, msArtifact{Path: path.Join(out, b)})
	}
	return arts, nil
}

// cargoBins lists a package's binary targets, as cargo discovers them.
func (s *msSplit) cargoBins(ct msCargo, pkgDir string, at int) []string {
	var out []string
	addBin := func(n string) {
		if n != "" && !msHas(out, n) {
			out = append(out, n)
		}
	}
	if ct.autobins {
		if _, _, ok := s.readContext(path.Join(pkgDir, "src/main.rs"), at); ok {
			addBin(ct.name)
		}
	}
	for _, b := range ct.bins {
		addBin(b)
	}
	if ct.autobins {
		if rel, ok := s.contextPath(path.Join(pkgDir, "src/bin"), at); ok {
			entries, _ := os.ReadDir(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel)))
			for _, e := range entries {
				switch {
				case !e.IsDir() && strings.HasSuffix(e.Name(), ".rs"):
					addBin(strings.TrimSuffix(e.Name(), ".rs"))
				case e.IsDir():
					if _, err := os.Stat(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel), e.Name(), "main.rs")); err == nil {
						addBin(e.Name())
					}
				}
			}
		}
	}
	return out
}

// cargoLibs reads Cargo.lock for crates that link system libraries.
func (s *msSplit) cargoLibs(pkgDir string, at int) error {
	lock, _, ok := s.readContext(path.Join(pkgDir, "Cargo.lock"), at)
	if !ok {
		return errors.New("the build context has no Cargo.lock: the native libraries the binary loads are unknown")
	}
	crates, err := cargoLockCrates(lock)
	if err != nil {
		return err
	}
	alpine := parseImageTag(s.ref.Tag).OS == "alpine"
	for _, crate := range crates {
		if !strings.HasSuffix(crate, "-sys") && !strings.HasSuffix(crate, "_sys") {
			continue
		}
		dev, known := msCrateLibs[crate]
		switch {
		case !known:
			return fmt.Errorf("crate %s links a native library dfopt does not know", crate)
		case dev == "":
		case alpine:
			return fmt.Errorf("crate %s links a native library on Alpine", crate)
		default:
			if !msHas(s.devPkgs, dev) {
				s.devPkgs = append(s.devPkgs, dev)
			}
		}
	}
	return nil
}

// ---- Java -----------------------------------------------------------------

var msMavenValueFlags = map[string]bool{
	"-f": true, "--file": true, "-s": true, "--settings": true, "-gs": true, "--global-settings": true, "-P": true,
	"--activate-profiles": true, "-pl": true, "--projects": true, "-T": true, "--threads": true, "-rf": true,
	"--resume-from": true, "-l": true, "--log-file": true, "-t": true, "--toolchains": true, "-b": true, "--builder": true,
	"-D": true, "--define": true,
}

func msJavaClass(c *msCmd) msClass {
	switch c.name() {
	case "mvn", "mvnw":
		for _, g := range msMavenGoals(c) {
			switch {
			case g == "package" || g == "install" || g == "verify" || g == "deploy" || strings.HasSuffix(g, ":repackage"):
				return msBuild
			}
		}
		for _, g := range msMavenGoals(c) {
			if strings.HasPrefix(g, "dependency:") {
				return msDeps
			}
		}
		return msTool
	case "gradle", "gradlew":
		for _, t := range msGradleTasks(c) {
			switch strings.TrimPrefix(t, ":") {
			case "build", "assemble", "bootJar", "jar", "shadowJar":
				return msBuild
			case "installDist", "distTar", "distZip", "nativeCompile", "bootBuildImage", "jib", "jibDockerBuild", "war", "bootWar":
				return msUnknown
			}
		}
		return msTool
	case "java":
		if c.arg(1) == "-version" || c.arg(1) == "--version" {
			return msNeutral
		}
	}
	return msUnknown
}

func msMavenGoals(c *msCmd) []string {
	var out []string
	for i := 1; i < len(c.words); i++ {
		v := c.words[i].Value
		if strings.HasPrefix(v, "-") {
			if msMavenValueFlags[v] {
				i++
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func msGradleTasks(c *msCmd) []string {
	var out []string
	for i := 1; i < len(c.words); i++ {
		v := c.words[i].Value
		if strings.HasPrefix(v, "-") {
			switch v {
			case "-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home", "-I", "--init-script":
				i++
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func msJavaArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	at := msIndexOf(s.pl, c.ins)
	var target string
	var named string
	if n := c.name(); n == "mvn" || n == "mvnw" {
		for i := 1; i < len(c.words); i++ {
			switch v := c.words[i].Value; v {
			case "-f", "--file":
				if i+1 < len(c.words) {
					f := msResolve(dir, c.arg(i+1))
					if f == "" {
						return nil, fmt.Errorf("`%s` is not literal", v)
					}
					if strings.HasSuffix(f, ".xml") {
						f = path.Dir(f)
					}
					dir = f
				}
			case "-pl", "--projects":
				return nil, fmt.Errorf("`mvn %s` builds modules of a multi-module project", v)
			}
		}
		if dir == "" {
			return nil, fmt.Errorf("cannot tell the folder maven runs in")
		}
		target = path.Join(dir, "target")
		if data, _, ok := s.readContext(path.Join(dir, "pom.xml"), at); ok {
			name, err := msPomJar(data)
			if err != nil {
				return nil, err
			}
			named = name
		}
	} else {
		for i := 1; i < len(c.words); i++ {
			if v := c.words[i].Value; v == "-p" || v == "--project-dir" {
				dir = msResolve(dir, c.arg(i+1))
			}
		}
		if dir == "" {
			return nil, fmt.Errorf("cannot tell the folder gradle runs in")
		}
		target = path.Join(dir, "build/libs")
		for _, f := range []string{"settings.gradle", "settings.gradle.kts"} {
			if data, _, ok := s.readContext(path.Join(dir, f), at); ok && strings.Contains(string(data), "include") {
				return nil, fmt.Errorf("%s includes several projects", f)
			}
		}
		for _, f := range []string{"build.gradle", "build.gradle.kts"} {
			if data, _, ok := s.readContext(path.Join(dir, f), at); ok && (strings.Contains(string(data), "buildDir") || strings.Contains(string(data), "buildDirectory")) {
				return nil, fmt.Errorf("%s moves the build folder", f)
			}
		}
	}
	jar := path.Join(target, "*.jar")
	if named != "" {
		jar = path.Join(target, named)
	}
	outRoot := target // everything the build tool writes
	if path.Base(target) == "libs" {
		outRoot = path.Dir(target)
	}
	// The program must not read other build outputs (classes, lib/).
	for _, pl := range s.pl {
		switch pl.ins.Cmd {
		case "cmd", "entrypoint":
			for _, a := range pl.ins.Args {
				for _, w := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == ':' || r == '=' }) {
					p := msResolve(s.finalCwd, strings.Trim(w, `"'`))
					if msUnder(p, outRoot) && p != outRoot && p != target && !msGlobMatch(jar, p) {
						return nil, fmt.Errorf("the program reads %s, which the build made beside the jar", p)
					}
				}
			}
		}
	}
	return []msArtifact{{Path: jar}}, nil
}

func msGlobMatch(pattern, p string) bool {
	ok, err := path.Match(pattern, p)
	return err == nil && ok
}

// msPomJar names the jar a pom.xml builds, or "" when it cannot be sure.
func msPomJar(data []byte) (string, error) {
	var pom struct {
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Packaging  string `xml:"packaging"`
		Parent     struct {
			Version string `xml:"version"`
		} `xml:"parent"`
		Modules struct {
			Module []string `xml:"module"`
		} `xml:"modules"`
		Build struct {
			FinalName string `xml:"finalName"`
			Directory string `xml:"directory"`
		} `xml:"build"`
		Properties struct {
			Any []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"properties"`
	}
	if err := xml.Unmarshal(data, &pom); err != nil {
		return "", fmt.Errorf("pom.xml does not parse: %v", err)
	}
	if len(pom.Modules.Module) > 0 {
		return "", fmt.Errorf("pom.xml is a multi-module project")
	}
	switch pom.Packaging {
	case "", "jar":
	default:
		return "", fmt.Errorf("pom.xml packages a %s, which needs an application server", pom.Packaging)
	}
	if pom.Build.Directory != "" {
		return "", fmt.Errorf("pom.xml moves the build folder")
	}
	text := string(data)
	if strings.Contains(text, "copy-dependencies") || strings.Contains(text, "classpathPrefix") {
		return "", fmt.Errorf("the jar loads dependencies from a folder beside it")
	}
	if strings.Contains(text, "maven-assembly-plugin") || strings.Contains(text, "<classifier>") {
		return "", nil
	}
	version := pom.Version
	if version == "" {
		version = pom.Parent.Version
	}
	props := map[string]string{
		"project.artifactId": pom.ArtifactID, "artifactId": pom.ArtifactID,
		"project.version": version, "version": version, "pom.version": version,
	}
	for _, p := range pom.Properties.Any {
		props[p.XMLName.Local] = strings.TrimSpace(p.Value)
	}
	name := pom.Build.FinalName
	if name == "" {
		name = "${project.artifactId}-${project.version}"
	}
	for i := 0; i < 5 && strings.Contains(name, "${"); i++ {
		start := strings.Index(name, "${")
		end := strings.Index(name[start:], "}")
		if end < 0 {
			return "", nil
		}
		v, ok := props[name[start+2:start+end]]
		if !ok || v == "" {
			return "", nil
		}
		name = name[:start] + v + name[start+end+1:]
	}
	if strings.Contains(name, "$") || pom.ArtifactID == "" || version == "" {
		return "", nil
	}
	return name + ".jar", nil
}

// ---- .NET -----------------------------------------------------------------

func msDotnetClass(c *msCmd) msClass {
	if c.name() != "dotnet" {
		return msUnknown
	}
	switch c.arg(1) {
	case "publish":
		return msBuild
	case "restore":
		return msDeps
	case "build", "test", "--info", "--version", "--list-sdks", "nuget", "dev-certs", "workload", "format":
		return msTool
	case "tool":
		if c.arg(2) == "restore" {
			return msDeps
		}
	}
	return msUnknown
}

func msDotnetArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder dotnet runs in")
	}
	var out, project string
	selfContained := false
	for i := 2; i < len(c.words); i++ {
		w := c.words[i].Value
		name, val, hasVal := strings.Cut(w, "=")
		if !hasVal {
			name, val, hasVal = strings.Cut(w, ":")
			if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "-p:") || strings.HasPrefix(w, "/p:") {
				name, val, hasVal = w, "", false
			}
		}
		lower := strings.ToLower(name)
		switch {
		case lower == "-o" || lower == "--output":
			if !hasVal {
				i++
				val = c.arg(i)
			}
			if val == "" {
				return nil, fmt.Errorf("the output folder is not literal")
			}
			out = msResolve(dir, val)
		case lower == "--self-contained" || lower == "--sc":
			next := strings.ToLower(c.arg(i + 1))
			if hasVal {
				next = strings.ToLower(val)
			} else if next == "true" || next == "false" {
				i++
			} else {
				next = "true"
			}
			selfContained = next == "true"
		case strings.HasPrefix(lower, "-p:") || strings.HasPrefix(lower, "/p:") || strings.HasPrefix(lower, "--property:"):
			prop := strings.ToLower(w[strings.Index(w, ":")+1:])
			if prop == "publishselfcontained=true" || prop == "publishaot=true" || prop == "selfcontained=true" {
				selfContained = true
			}
		case lower == "-c" || lower == "--configuration" || lower == "-r" || lower == "--runtime" || lower == "-f" || lower == "--framework" || lower == "-v" || lower == "--verbosity" || lower == "-a" || lower == "--arch" || lower == "--os" || lower == "--version-suffix":
			if !hasVal {
				i++
			}
		case strings.HasPrefix(lower, "-"):
			// --no-restore, --no-build, --nologo, -p:… and the like
		default:
			if project != "" {
				return nil, fmt.Errorf("several projects")
			}
			project = w
		}
	}
	if out == "" {
		return nil, fmt.Errorf("`dotnet publish` has no -o: the output folder depends on the target framework")
	}
	if selfContained {
		s.dotnetKind = "runtime-deps"
		return []msArtifact{{Path: out}}, nil
	}
	if s.option("runtime-image.dotnet") != "" {
		return []msArtifact{{Path: out}}, nil
	}
	at := msIndexOf(s.pl, c.ins)
	proj := ""
	switch {
	case strings.HasSuffix(project, "proj"):
		proj = msResolve(dir, project)
	case strings.HasSuffix(project, ".sln") || strings.HasSuffix(project, ".slnx"):
		return nil, fmt.Errorf("publishing a solution: dfopt cannot tell which project is the app")
	default:
		folder := dir
		if project != "" {
			folder = msResolve(dir, project)
		}
		rel, ok := s.contextPath(folder, at)
		if !ok {
			return nil, fmt.Errorf("the project file is not in the build context: cannot choose between aspnet and runtime")
		}
		entries, _ := os.ReadDir(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel)))
		for _, e := range entries {
			n := e.Name()
			if strings.HasSuffix(n, ".sln") || strings.HasSuffix(n, ".slnx") {
				return nil, fmt.Errorf("%s has a solution file: dfopt cannot tell which project is the app", folder)
			}
			if strings.HasSuffix(n, ".csproj") || strings.HasSuffix(n, ".fsproj") || strings.HasSuffix(n, ".vbproj") {
				if proj != "" {
					return nil, fmt.Errorf("%s has several projects", folder)
				}
				proj = path.Join(folder, n)
			}
		}
	}
	data, _, ok := s.readContext(proj, at)
	if !ok {
		return nil, fmt.Errorf("the project file is not in the build context: cannot choose between aspnet and runtime")
	}
	var p struct {
		Sdk   string `xml:"Sdk,attr"`
		Items []struct {
			Refs []struct {
				Include string `xml:"Include,attr"`
			} `xml:"FrameworkReference"`
		} `xml:"ItemGroup"`
	}
	if err := xml.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%s does not parse: %v", path.Base(proj), err)
	}
	kind := ""
	switch strings.SplitN(p.Sdk, "/", 2)[0] {
	case "Microsoft.NET.Sdk.Web", "Microsoft.NET.Sdk.Razor", "Microsoft.NET.Sdk.BlazorWebAssembly":
		kind = "aspnet"
	case "Microsoft.NET.Sdk", "Microsoft.NET.Sdk.Worker":
		kind = "runtime"
		for _, it := range p.Items {
			for _, r := range it.Refs {
				if r.Include == "Microsoft.AspNetCore.App" {
					kind = "aspnet"
				}
			}
		}
	default:
		return nil, fmt.Errorf("%s uses the SDK %q, which dfopt does not know", path.Base(proj), p.Sdk)
	}
	if s.dotnetKind != "" && s.dotnetKind != kind {
		return nil, fmt.Errorf("the projects need different runtime images")
	}
	s.dotnetKind = kind
	return []msArtifact{{Path: out}}, nil
}

// ---- Node -----------------------------------------------------------------

// msNodeArgs splits a package manager command into its subcommand, its
// other positional arguments and whether it is global.
func msNodeArgs(c *msCmd) (sub string, pos []string, global bool) {
	words := c.from(1)
	for i := 0; i < len(words); i++ {
		v := words[i].Value
		switch {
		case v == "-g" || v == "--global" || v == "--location=global":
			global = true
		case npmValued[v]:
			i++ // --cwd DIR, --prefix DIR: the value is not a subcommand
		case strings.HasPrefix(v, "-"):
		case sub == "":
			sub = v
		default:
			pos = append(pos, v)
		}
	}
	return sub, pos, global
}

func msNodeScriptClass(name string) msClass {
	switch {
	case name == "build" || strings.HasPrefix(name, "build:"):
		return msBuild
	case name == "test" || strings.HasPrefix(name, "test:") || name == "lint" || strings.HasPrefix(name, "lint:") || name == "typecheck" || name == "format" || name == "check":
		return msTool
	}
	return msUnknown
}

func msNodeClass(c *msCmd) msClass {
	sub, pos, global := msNodeArgs(c)
	switch c.name() {
	case "npm":
		switch sub {
		case "ci", "clean-install":
			return msDeps
		case "install", "i", "add", "in":
			if global {
				return msGlobal
			}
			if len(pos) == 0 {
				return msDeps
			}
		case "run", "run-script":
			if len(pos) > 0 {
				return msNodeScriptClass(pos[0])
			}
		case "test", "t":
			return msTool
		case "prune", "audit", "dedupe", "ls", "list", "outdated", "pack":
			return msTool
		case "cache", "view", "info", "":
			return msNeutral
		case "config", "set":
			return msGlobal
		}
	case "yarn":
		switch sub {
		case "", "install":
			return msDeps
		case "global":
			if len(pos) > 0 && pos[0] == "add" {
				return msGlobal
			}
		case "add", "remove", "upgrade", "dlx", "exec":
			return msUnknown
		case "run":
			if len(pos) > 0 {
				return msNodeScriptClass(pos[0])
			}
		case "audit", "cache", "autoclean", "versions", "check":
			return msTool
		case "config":
			return msGlobal
		default:
			return msNodeScriptClass(sub)
		}
	case "pnpm":
		switch sub {
		case "install", "i":
			if global {
				return msGlobal
			}
			if len(pos) == 0 {
				return msDeps
			}
		case "fetch":
			return msDeps
		case "add":
			if global {
				return msGlobal
			}
		case "run":
			if len(pos) > 0 {
				return msNodeScriptClass(pos[0])
			}
		case "prune", "audit", "store":
			return msTool
		case "config", "setup":
			return msGlobal
		case "exec", "dlx", "":
			return msUnknown
		default:
			return msNodeScriptClass(sub)
		}
	case "corepack":
		return msGlobal
	case "node":
		if c.arg(1) == "-v" || c.arg(1) == "--version" {
			return msNeutral
		}
	}
	return msUnknown
}

// msNodePkg is what dfopt reads of package.json.
type msNodePkg struct {
	Scripts              map[string]string `json:"scripts"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PackageManager       string            `json:"packageManager"`
}

func (s *msSplit) nodePackage(dir string, at int) (*msNodePkg, error) {
	data, _, ok := s.readContext(path.Join(dir, "package.json"), at)
	if !ok {
		return nil, fmt.Errorf("package.json is not in the build context: the build's output folder is unknown")
	}
	var pkg msNodePkg
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, fmt.Errorf("package.json does not parse: %v", err)
	}
	return &pkg, nil
}

func msNodeArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder of package.json")
	}
	at := msIndexOf(s.pl, c.ins)
	pkg, err := s.nodePackage(dir, at)
	if err != nil {
		return nil, err
	}
	sub, pos, _ := msNodeArgs(c)
	script := sub
	if sub == "run" || sub == "run-script" {
		script = pos[0]
	}
	text, ok := pkg.Scripts[script]
	if !ok {
		return nil, fmt.Errorf("package.json has no %q script", script)
	}
	if c.name() == "yarn" || strings.HasPrefix(pkg.PackageManager, "yarn@") {
		if _, _, berry := s.readContext(path.Join(dir, ".yarnrc.yml"), at); berry || strings.HasPrefix(pkg.PackageManager, "yarn@") && !strings.HasPrefix(pkg.PackageManager, "yarn@1.") {
			return nil, errors.New("yarn 2+ has no production-only install")
		}
	}
	dirs, err := s.nodeOutDirs(text, pkg, dir, at, 0)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("the %q script writes no output folder dfopt knows", script)
	}
	if err := s.nodeCheckStart(pkg, dir, at); err != nil {
		return nil, err
	}
	var arts []msArtifact
	for _, d := range dirs {
		arts = append(arts, msArtifact{Path: path.Join(dir, d)})
	}
	return arts, nil
}

// msNodeTools: what each build tool writes, and the config key that
// would move it.
var msNodeTools = map[string]struct {
	sub, out, flag string
	configs        []string
	key            string
}{
	"vite":            {"build", "dist", "--outDir", []string{"vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs"}, "outDir"},
	"next":            {"build", ".next", "", []string{"next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"}, "distDir"},
	"react-scripts":   {"build", "build", "", []string{".env", ".env.production", ".env.local", ".env.production.local"}, "BUILD_PATH"},
	"vue-cli-service": {"build", "dist", "--dest", []string{"vue.config.js", "vue.config.ts", "vue.config.mjs", "vue.config.cjs"}, "outputDir"},
	"gatsby":          {"build", "public", "", nil, ""},
	"parcel":          {"build", "dist", "--dist-dir", nil, ""},
	"astro":           {"build", "dist", "--outDir", []string{"astro.config.mjs", "astro.config.js", "astro.config.ts", "astro.config.mts"}, "outDir"},
}

var msNodeSkip = map[string]bool{"rimraf": true, "rm": true, "del": true, "del-cli": true, "echo": true, "eslint": true, "prettier": true, "shx": true, "mkdirp": true, "true": true}

// nodeOutDirs reads a build script and returns the folders it writes,
// relative to the package.
func (s *msSplit) nodeOutDirs(text string, pkg *msNodePkg, dir string, at, depth int) ([]string, error) {
	if depth > 4 {
		return nil, fmt.Errorf("scripts call each other too deeply")
	}
	var out []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '&' || r == ';' }) {
		f := strings.Fields(part)
		for len(f) > 0 && (strings.Contains(f[0], "=") || f[0] == "cross-env" || f[0] == "npx") {
			f = f[1:]
		}
		if len(f) == 0 {
			continue
		}
		tool, args := f[0], f[1:]
		flag := func(name string) string {
			for i, a := range args {
				if a == name && i+1 < len(args) {
					return strings.Trim(args[i+1], `"'`)
				}
				if v, ok := strings.CutPrefix(a, name+"="); ok {
					return strings.Trim(v, `"'`)
				}
			}
			return ""
		}
		switch {
		case msNodeSkip[tool]:
		case tool == "npm" || tool == "yarn" || tool == "pnpm":
			name := ""
			if len(args) > 0 {
				name = args[0]
				if (name == "run" || name == "run-script") && len(args) > 1 {
					name = args[1]
				}
			}
			if msNodeScriptClass(name) == msTool {
				continue
			}
			sub, ok := pkg.Scripts[name]
			if !ok {
				return nil, fmt.Errorf("cannot tell what `%s` writes", strings.TrimSpace(part))
			}
			more, err := s.nodeOutDirs(sub, pkg, dir, at, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		case tool == "tsc":
			o, err := s.tscOut(args, flag, dir, at)
			if err != nil {
				return nil, err
			}
			if o != "" {
				out = append(out, o)
			}
		case tool == "nest" && len(args) > 0 && args[0] == "build":
			if data, _, ok := s.readContext(path.Join(dir, "nest-cli.json"), at); ok && strings.Contains(string(data), "tsConfigPath") {
				return nil, fmt.Errorf("nest-cli.json chooses its tsconfig")
			}
			cfg := path.Join(dir, "tsconfig.build.json")
			if _, _, ok := s.readContext(cfg, at); !ok {
				cfg = path.Join(dir, "tsconfig.json")
			}
			o, err := s.tsOutDir(cfg, dir, at)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		case tool == "ng" && len(args) > 0 && args[0] == "build":
			if o := flag("--output-path"); o != "" {
				out = append(out, o)
				continue
			}
			o, err := s.angularOut(dir, at)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		default:
			t, ok := msNodeTools[tool]
			if !ok || len(args) == 0 || args[0] != t.sub {
				return nil, fmt.Errorf("cannot tell where `%s` writes its output", msShort(part))
			}
			if t.flag != "" {
				if o := flag(t.flag); o != "" {
					out = append(out, o)
					continue
				}
			}
			for _, cfg := range t.configs {
				if data, _, ok := s.readContext(path.Join(dir, cfg), at); ok && (strings.Contains(string(data), t.key) || strings.Contains(string(data), "sveltekit") || strings.Contains(string(data), "remix")) {
					return nil, fmt.Errorf("%s may move the output folder", cfg)
				}
			}
			if t.key == "BUILD_PATH" {
				if _, set := s.argVals["BUILD_PATH"]; set {
					return nil, fmt.Errorf("BUILD_PATH is a build argument")
				}
				for _, pl := range s.pl {
					if _, ok := pl.env["BUILD_PATH"]; ok {
						return nil, fmt.Errorf("BUILD_PATH moves the output folder")
					}
				}
			}
			out = append(out, t.out)
		}
	}
	var clean []string
	for _, o := range out {
		o = path.Clean(o)
		if strings.HasPrefix(o, "..") || path.IsAbs(o) || o == "." {
			return nil, fmt.Errorf("the output folder %s is outside the package", o)
		}
		if !msHas(clean, o) {
			clean = append(clean, o)
		}
	}
	return clean, nil
}

func (s *msSplit) angularOut(dir string, at int) (string, error) {
	data, _, ok := s.readContext(path.Join(dir, "angular.json"), at)
	if !ok {
		return "", fmt.Errorf("angular.json is not in the build context")
	}
	var ng struct {
		Projects map[string]struct {
			Architect struct {
				Build struct {
					Options struct {
						OutputPath any `json:"outputPath"`
					} `json:"options"`
				} `json:"build"`
			} `json:"architect"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(msJSONC(data), &ng); err != nil {
		return "", fmt.Errorf("angular.json does not parse: %v", err)
	}
	if len(ng.Projects) != 1 {
		return "", fmt.Errorf("angular.json has %d projects", len(ng.Projects))
	}
	for _, p := range ng.Projects {
		switch o := p.Architect.Build.Options.OutputPath.(type) {
		case string:
			return o, nil
		case map[string]any:
			if b, ok := o["base"].(string); ok {
				return b, nil
			}
		}
	}
	return "", fmt.Errorf("angular.json has no outputPath")
}

// msJSONC strips comments and trailing commas from JSON with comments.
func msJSONC(data []byte) []byte {
	var out []byte
	inStr := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case inStr:
			out = append(out, c)
			if c == '\\' && i+1 < len(data) {
				i++
				out = append(out, data[i])
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
			out = append(out, c)
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			out = append(out, '\n')
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			i += 2
			for i+1 < len(data) && !(data[i] == '*' && data[i+1] == '/') {
				i++
			}
			i++
		case c == ']' || c == '}':
			j := len(out) - 1
			for j >= 0 && (out[j] == ' ' || out[j] == '\t' || out[j] == '\n' || out[j] == '\r') {
				j--
			}
			if j >= 0 && out[j] == ',' {
				out = append(out[:j], out[j+1:]...)
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}

// nodeCheckStart checks that what the image starts is installed by the
// production install: a devDependency is not.
func (s *msSplit) nodeCheckStart(pkg *msNodePkg, dir string, at int) error {
	globals := map[string]bool{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if msNodeClass(c) == msGlobal {
				_, pos, _ := msNodeArgs(c)
				for _, p := range pos {
					name := p
					if i := strings.LastIndex(p, "@"); i > 0 {
						name = p[:i]
					}
					globals[name] = true
				}
			}
		}
	}
	var check func(words []string, depth int) error
	check = func(words []string, depth int) error {
		for len(words) > 0 && (strings.Contains(words[0], "=") || words[0] == "cross-env" || words[0] == "exec") {
			words = words[1:]
		}
		if len(words) == 0 || depth > 4 {
			return nil
		}
		prog := words[0]
		switch prog {
		case "node", "nodejs", "sh", "bash", "/bin/sh", "/bin/bash", "dumb-init", "tini", "/sbin/tini", "/usr/bin/dumb-init", "docker-entrypoint.sh":
			return nil
		case "npm", "yarn", "pnpm":
			name := ""
			for _, w := range words[1:] {
				if !strings.HasPrefix(w, "-") {
					name = w
					if name != "run" && name != "run-script" {
						break
					}
				}
			}
			if name == "start" && pkg.Scripts["start"] == "" {
				return nil // npm start runs node server.js
			}
			text, ok := pkg.Scripts[name]
			if !ok {
				return nil
			}
			for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '&' || r == ';' || r == '|' }) {
				if err := check(strings.Fields(part), depth+1); err != nil {
					return err
				}
			}
			return nil
		case "npx":
			if len(words) > 1 {
				prog = words[1]
			}
		}
		if strings.Contains(prog, "/") || globals[prog] {
			return nil
		}
		_, dep := pkg.Dependencies[prog]
		_, opt := pkg.OptionalDependencies[prog]
		_, dev := pkg.DevDependencies[prog]
		if dev && !dep && !opt {
			return fmt.Errorf("the image starts `%s`, a devDependency the production install leaves out", prog)
		}
		return nil
	}
	for _, pl := range s.pl {
		switch pl.ins.Cmd {
		case "cmd", "entrypoint":
			var words []string
			if pl.ins.JSON {
				words = pl.ins.Args
			} else {
				for _, a := range pl.ins.Args {
					words = append(words, strings.Fields(a)...)
				}
			}
			if err := check(words, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// nodeManifest: a COPY of package.json or a lockfile.
func (s *msSplit) nodeManifest(pl *msPlan) bool {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || c.From != "" {
		return false
	}
	for _, src := range c.SourcePaths {
		switch b := path.Base(src); b {
		case "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", ".npmrc", ".yarnrc", "pnpm-workspace.yaml":
			return true
		default:
			if strings.HasPrefix(b, "package") && strings.ContainsAny(b, "*?[") {
				return true
			}
		}
	}
	return false
}

var msNodeMajors = map[string]int{"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22}

// nodeProdInstall turns the dependency install into a production install.
func (s *msSplit) nodeProdInstall(c *msCmd) string {
	t := c.text(s.d)
	switch c.name() {
	case "yarn":
		if !strings.Contains(t, "--production") {
			t += " --production"
		}
	case "pnpm":
		if !strings.Contains(t, "--prod") && !msHas(strings.Fields(t), "-P") {
			t += " --prod"
		}
	default:
		if strings.Contains(t, "--omit=dev") || strings.Contains(t, "--production") || strings.Contains(t, "--only=prod") {
			return t
		}
		ti := parseImageTag(s.ref.Tag)
		m := 0
		fmt.Sscanf(msMajor(ti.Version), "%d", &m)
		for _, w := range ti.Rest {
			if v, ok := msNodeMajors[w]; ok {
				m = v
			}
		}
		if m == 0 && msNodeMajors[s.ref.Tag] != 0 {
			m = msNodeMajors[s.ref.Tag]
		}
		if m > 0 && m < 16 {
			t += " --production"
		} else {
			t += " --omit=dev"
		}
	}
	return t
}

// ---- Python ---------------------------------------------------------------

func msIsPip(n string) bool {
	return n == "pip" || strings.HasPrefix(n, "pip") && len(n) > 3 && (n[3] >= '0' && n[3] <= '9')
}

func msIsPython(n string) bool {
	return n == "python" || strings.HasPrefix(n, "python") && len(n) > 6 && (n[6] >= '0' && n[6] <= '9')
}

func msPythonClass(c *msCmd) msClass {
	n := c.name()
	sub := 1
	if msIsPython(n) && c.arg(1) == "-m" {
		switch c.arg(2) {
		case "pip":
			n, sub = "pip", 3
		case "venv", "virtualenv":
			return msVenv
		default:
			return msUnknown
		}
	}
	switch {
	case msIsPip(n):
		switch c.arg(sub) {
		case "install", "uninstall":
			return msBuild
		case "freeze", "list", "check", "show", "--version", "-V", "cache":
			return msNeutral
		}
	case n == "virtualenv":
		return msVenv
	case n == "poetry" || n == "pipenv" || n == "uv" || n == "pdm" || n == "conda" || n == "mamba" || n == "micromamba" || n == "pip-sync" || n == "hatch":
		return msBuild
	}
	return msUnknown
}

func msPythonArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	n := c.name()
	if !msIsPip(n) && !msIsPython(n) {
		return nil, fmt.Errorf("installs with %s: dfopt only moves pip installs into a virtual environment", n)
	}
	for _, w := range c.from(1) {
		name, _, _ := strings.Cut(w.Value, "=")
		switch name {
		case "--user", "--target", "-t", "--prefix", "--root":
			return nil, fmt.Errorf("`pip %s` installs outside a virtual environment", name)
		}
	}
	exe := c.words[0].Value
	if path.IsAbs(exe) && !msUnder(exe, s.venv) {
		return nil, fmt.Errorf("`%s` is outside the virtual environment %s", exe, s.venv)
	}
	if s.newVenv && msPlanOf(s, c).user != "" {
		return nil, fmt.Errorf("pip runs as USER %s", msPlanOf(s, c).user)
	}
	return nil, nil
}

func msPlanOf(s *msSplit, c *msCmd) *msPlan {
	return s.pl[msIndexOf(s.pl, c.ins)]
}

// pythonToolchain reports whether the stage keeps C build tools or -dev
// headers in the image (installed and not removed again).
func (s *msSplit) pythonToolchain() bool {
	installed := map[string]bool{}
	virtual := map[string][]string{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if n := c.name(); n != "apt-get" && n != "apt" && n != "apk" {
				continue
			}
			sub, pkgs, ok := msPackageArgs(c)
			if !ok {
				continue
			}
			switch sub {
			case "install", "add":
				v := msVirtual(c)
				for _, p := range pkgs {
					p, _, _ = strings.Cut(p, "=")
					if msToolchainPackages[p] || msDevPackage(p) {
						installed[p] = true
						if v != "" {
							virtual[v] = append(virtual[v], p)
						}
					}
				}
			case "purge", "remove", "del", "autoremove":
				for _, p := range pkgs {
					delete(installed, p)
					for _, q := range virtual[p] {
						delete(installed, q)
					}
				}
			}
		}
	}
	return len(installed) > 0
}

// msVirtual is apk's --virtual/-t name.
func msVirtual(c *msCmd) string {
	for i, w := range c.words {
		if (w.Value == "--virtual" || w.Value == "-t") && c.name() == "apk" && i+1 < len(c.words) {
			return c.arg(i + 1)
		}
	}
	return ""
}

// pythonVenv finds the virtual environment pip installs into, or plans one.
func (s *msSplit) pythonVenv() {
	if msMajor(parseImageTag(s.ref.Tag).Version) == "2" {
		s.fail("Python 2 has no venv module")
		return
	}
	var first *msPlan
	for i := 0; i <= s.k; i++ {
		for _, c := range s.pl[i].cmds {
			if c.class == msVenv {
				dir := ""
				for j := len(c.words) - 1; j > 0; j-- {
					w := c.words[j]
					if strings.HasPrefix(w.Value, "-") || w.Value == "venv" || w.Value == "virtualenv" {
						continue
					}
					if w.Lit {
						dir = msResolve(c.cwd, w.Value)
					} else if v, ok := msExpand(w.Value, c.env); ok {
						dir = msResolve(c.cwd, v)
					}
					break
				}
				if dir == "" || s.venv != "" && s.venv != dir {
					s.fail("cannot tell the folder of the virtual environment %s makes", s.at(s.pl[i].ins))
					return
				}
				s.venv = dir
			}
			if c.class == msBuild && first == nil {
				first = s.pl[i]
			}
		}
	}
	if first == nil {
		s.fail("no pip install")
		return
	}
	first.venv = true
	if s.venv == "" {
		s.venv, s.newVenv = "/opt/venv", true
		return
	}
	// An existing venv must be the one pip installs into.
	onPath := false
	for _, pl := range s.pl {
		if pl == first {
			break
		}
		if c, ok := pl.ins.Command.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				if kv.Key != "PATH" {
					continue
				}
				v := kv.Value
				for k, val := range pl.env {
					v = strings.ReplaceAll(v, "${"+k+"}", val)
					v = strings.ReplaceAll(v, "$"+k+"/", val+"/")
				}
				if strings.Contains(v, s.venv+"/bin") {
					onPath = true
				}
			}
		}
	}
	if !onPath {
		for _, pl := range s.pl {
			for _, c := range pl.cmds {
				if c.class == msBuild && !path.IsAbs(c.words[0].Value) {
					s.fail("the pip of %s is not the one in %s", s.at(pl.ins), s.venv)
					return
				}
			}
		}
	}
}

func (s *msSplit) firstPip() *msPlan {
	for _, pl := range s.pl {
		if pl.venv {
			return pl
		}
	}
	return s.pl[s.k]
}
