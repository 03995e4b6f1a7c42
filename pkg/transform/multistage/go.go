package multistage

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Go's row of the multi-stage table: how `go build`/`go install` are
// recognised, where they put binaries, and the runtime image.

func msGoRuntime(s *msSplit) (string, error) {
	_, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the golang image reference uses build arguments")
	}
	ti := transform.ParseImageTag(s.ref.Tag)
	if msHas(ti.Rest, "onbuild") {
		return "", errors.New("ONBUILD images are not supported")
	}
	if s.lang.static && s.option("distroless") == "true" {
		if ti.OS == "debian" || ti.OS == "" || ti.OS == "alpine" {
			rel := ""
			if ti.OS == "debian" {
				rel = ti.Release
			}
			if v, ok := msDistrolessStatic[rel]; ok {
				s.lang.distroless = "gcr.io/distroless/static-" + v
			}
		}
	}
	return s.noteStable(msDebianOrAlpine(prefix, s.ref, ti, s.lang.static))
}

var msDistrolessStatic = map[string]string{"": "debian12", "bookworm": "debian12", "trixie": "debian13", "bullseye": "debian11"}

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
func msGoVersion(ref transform.ImageRef) (int, bool) {
	ti := transform.ParseImageTag(ref.Tag)
	switch {
	case ti.Version == "" && !ref.Vars:
		return 99, true
	case ti.Version == "1":
		return 99, true
	}
	parts := strings.Split(ti.Version, ".")
	if len(parts) >= 2 && parts[0] == "1" && stage.AllDigits(parts[1]) {
		var n int
		fmt.Sscanf(parts[1], "%d", &n)
		return n, true
	}
	return 0, false
}

// msGoCmd is what a `go build`/`go install` line says.
type msGoCmd struct {
	sub    string
	dir    string // the folder it runs in
	out    string // -o
	outSet bool
	pkgs   []string
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
		dir = s.builder.workdir
	}
	g, err := msParseGoCmd(c, sub, dir)
	if err != nil {
		return nil, err
	}
	if g.dir == "" {
		return nil, fmt.Errorf("cannot tell the folder `go %s` runs in", sub)
	}
	// cgo: static binaries need no C library in the runtime image.
	cgo, set := c.getenv("CGO_ENABLED")
	static := set && cgo == "0"
	if !set && transform.ParseImageTag(s.ref.Tag).OS == "alpine" && !s.installs("gcc", "build-base", "clang") {
		static = true // no C compiler: cgo is off
	}
	if !static {
		s.lang.static = false
	}
	if len(g.pkgs) == 0 {
		g.pkgs = []string{"."}
	}
	if sub == "install" {
		return s.goInstalled(c, g)
	}
	return s.goBuilt(c, g)
}

// msParseGoCmd reads the flags and packages of a go command.
func msParseGoCmd(c *msCmd, sub, dir string) (msGoCmd, error) {
	g := msGoCmd{sub: sub, dir: dir}
	for i := 2; i < len(c.words); i++ {
		w := c.words[i]
		if strings.HasPrefix(w.Value, "-") {
			name, val, hasVal := strings.Cut(strings.TrimLeft(w.Value, "-"), "=")
			switch {
			case msGoValueFlags[name]:
				if !hasVal {
					i++
					if i >= len(c.words) {
						return g, fmt.Errorf("`-%s` has no value", name)
					}
					val = c.words[i].Value
					hasVal = c.words[i].Lit
				} else {
					hasVal = w.Lit
				}
				switch name {
				case "o":
					if !hasVal {
						return g, fmt.Errorf("the output path `%s` is not literal", val)
					}
					g.out, g.outSet = val, true
				case "C":
					if !hasVal {
						return g, fmt.Errorf("`-C %s` is not literal", val)
					}
					g.dir = msResolve(g.dir, val)
				}
			case msGoBoolFlags[name]:
			default:
				return g, fmt.Errorf("unknown go flag `%s`", w.Value)
			}
			continue
		}
		if !w.Lit {
			return g, fmt.Errorf("the package `%s` is not literal", w.Value)
		}
		g.pkgs = append(g.pkgs, w.Value)
	}
	return g, nil
}

// files reports whether the command names .go files, not packages.
func (g msGoCmd) files() bool { return strings.HasSuffix(g.pkgs[0], ".go") }

// many reports whether the command builds several packages.
func (g msGoCmd) many() bool {
	return len(g.pkgs) > 1 && !g.files() || strings.Contains(g.pkgs[0], "...")
}

// goInstalled is where `go install` puts the binaries.
func (s *msSplit) goInstalled(c *msCmd, g msGoCmd) ([]msArtifact, error) {
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
			if _, unknown := s.end.args["GOPATH"]; unknown {
				return nil, fmt.Errorf("GOPATH is a build argument")
			}
			gopath = "/go"
		}
		bin = path.Join(gopath, "bin")
	}
	if !path.IsAbs(bin) {
		return nil, fmt.Errorf("GOBIN is not an absolute path")
	}
	if g.many() {
		return []msArtifact{{Path: bin}}, nil
	}
	var arts []msArtifact
	for _, p := range g.pkgs {
		n, err := s.goName(p, g.dir, c)
		if err != nil {
			return nil, err
		}
		arts = append(arts, msArtifact{Path: path.Join(bin, n)})
	}
	return arts, nil
}

// goBuilt is where `go build` puts the binaries.
func (s *msSplit) goBuilt(c *msCmd, g msGoCmd) ([]msArtifact, error) {
	dir, out, files, many := g.dir, g.out, g.files(), g.many()
	if !g.outSet {
		if many {
			return nil, nil // several packages: the binaries are discarded
		}
		n := strings.TrimSuffix(path.Base(g.pkgs[0]), ".go")
		if !files {
			var err error
			if n, err = s.goName(g.pkgs[0], dir, c); err != nil {
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
		n, err := s.goName(g.pkgs[0], dir, c)
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
		if n := msLastElem(p); n != "." && n != ".." && !(n[0] == 'v' && stage.AllDigits(n[1:])) {
			return n, nil
		}
	}
	return "", fmt.Errorf("the binary is named after the module path in go.mod, which is not in the build context")
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

// msLastElem is the name `go build`/`go install` gives a package's binary:
// the last element of its import path, without a major-version suffix.
func msLastElem(p string) string {
	p = strings.TrimSuffix(p, "/")
	base := path.Base(p)
	if len(base) > 1 && base[0] == 'v' && stage.AllDigits(base[1:]) && strings.Contains(p, "/") {
		return path.Base(path.Dir(p))
	}
	return base
}
