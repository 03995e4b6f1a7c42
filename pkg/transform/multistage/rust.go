package multistage

import (
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Rust's row of the multi-stage table: cargo commands, where they put
// binaries (Cargo.toml, .cargo/config), and the runtime image.

func msRustRuntime(s *msSplit) (string, error) {
	_, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the rust image reference uses build arguments")
	}
	ti := transform.ParseImageTag(s.ref.Tag)
	// Rust on Alpine targets musl and links statically.
	return s.noteStable(msDebianOrAlpine(prefix, s.ref, ti, ti.OS == "alpine"))
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

// msCargoCmd is what a `cargo build`/`cargo install` line says.
type msCargoCmd struct {
	sub                                                 string
	bins                                                []string
	profile, triple, targetDir, root, manifest, pkgPath string
	allBins                                             bool
	crate                                               string
}

func msRustArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	a, err := msParseCargoCmd(c)
	if err != nil {
		return nil, err
	}
	dir := c.cwd
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder cargo runs in")
	}
	if a.sub == "install" {
		if a.profile == "" {
			a.profile = "release"
		}
	} else if a.profile == "" {
		a.profile = "dev"
	}
	pkgDir := dir
	switch {
	case a.manifest != "":
		pkgDir = path.Dir(msResolve(dir, a.manifest))
	case a.pkgPath != "":
		pkgDir = msResolve(dir, a.pkgPath)
	case a.sub == "install" && a.crate != "":
		if len(a.bins) == 0 {
			return nil, fmt.Errorf("`cargo install %s` installs a crate from crates.io whose binary names are not in the build context", a.crate)
		}
		pkgDir = ""
	}
	at := msIndexOf(s.pl, c.ins)
	if pkgDir != "" {
		if err := s.cargoPackage(&a, pkgDir, at); err != nil {
			return nil, err
		}
	}
	if a.sub == "install" {
		return msCargoInstalled(c, a, dir), nil
	}
	return s.cargoBuilt(c, a, dir, pkgDir)
}

// msParseCargoCmd reads the options and arguments of a cargo command.
func msParseCargoCmd(c *msCmd) (msCargoCmd, error) {
	a := msCargoCmd{sub: c.arg(1)}
	for i := 2; i < len(c.words); i++ {
		w := c.words[i]
		name, val, hasVal := strings.Cut(w.Value, "=")
		if strings.HasPrefix(name, "-") {
			switch {
			case msCargoValueFlags[name]:
				if !hasVal {
					i++
					if i >= len(c.words) {
						return a, fmt.Errorf("`%s` has no value", name)
					}
					val = c.words[i].Value
					if !c.words[i].Lit && (name == "--bin" || name == "--target-dir" || name == "--root" || name == "--path" || name == "--manifest-path" || name == "--profile" || name == "--target") {
						return a, fmt.Errorf("`%s %s` is not literal", name, val)
					}
				}
				if err := a.valueFlag(name, val); err != nil {
					return a, err
				}
			case msCargoBoolFlags[name]:
				switch name {
				case "--release", "-r":
					a.profile = "release"
				case "--bins":
					a.allBins = true
				case "--debug":
					a.profile = "dev"
				}
			default:
				return a, fmt.Errorf("unknown cargo flag `%s`", name)
			}
			continue
		}
		if a.sub == "install" && a.crate == "" {
			a.crate = w.Value
			continue
		}
		return a, fmt.Errorf("unexpected argument `%s`", w.Value)
	}
	return a, nil
}

// valueFlag records a cargo option that takes a value.
func (a *msCargoCmd) valueFlag(name, val string) error {
	switch name {
	case "--bin":
		a.bins = append(a.bins, val)
	case "--profile":
		a.profile = val
	case "--target":
		a.triple = val
	case "--target-dir":
		a.targetDir = val
	case "--root":
		a.root = val
	case "--manifest-path":
		a.manifest = val
	case "--path":
		a.pkgPath = val
	case "-p", "--package":
		if a.sub == "build" {
			return fmt.Errorf("`cargo build -p` builds a workspace member")
		}
	}
	return nil
}

// cargoPackage reads the package's Cargo.toml in the build context: it
// must not be (a member of) a workspace or move its target folder; it
// names the binaries when the command did not.
func (s *msSplit) cargoPackage(a *msCargoCmd, pkgDir string, at int) error {
	toml, _, ok := s.readContext(path.Join(pkgDir, "Cargo.toml"), at)
	if !ok {
		return errors.New("the build context has no Cargo.toml: the binary names are unknown")
	}
	ct, err := msParseCargo("Cargo.toml", toml)
	if err != nil {
		return err
	}
	if ct.workspace && len(a.bins) == 0 {
		return errors.New("the Cargo.toml is a workspace: name the binary with --bin")
	}
	for d := path.Dir(pkgDir); len(a.bins) == 0; d = path.Dir(d) {
		if data, _, ok := s.readContext(path.Join(d, "Cargo.toml"), at); ok {
			up, err := msParseCargo(path.Join(d, "Cargo.toml"), data)
			if err != nil {
				return err
			}
			if up.workspace {
				return fmt.Errorf("the package is a member of the workspace in %s", d)
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
				return err
			}
			if moves {
				return fmt.Errorf("%s changes the target folder", cfg)
			}
		}
	}
	if len(a.bins) == 0 {
		a.bins = s.cargoBins(ct, pkgDir, at)
		if len(a.bins) == 0 {
			return fmt.Errorf("the package has no binary target")
		}
	}
	return s.cargoLibs(pkgDir, at)
}

// msCargoInstalled is where `cargo install` puts the binaries.
func msCargoInstalled(c *msCmd, a msCargoCmd, dir string) []msArtifact {
	root := a.root
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
	for _, b := range a.bins {
		arts = append(arts, msArtifact{Path: path.Join(root, "bin", b)})
	}
	return arts
}

// cargoBuilt is where `cargo build` puts the binaries.
func (s *msSplit) cargoBuilt(c *msCmd, a msCargoCmd, dir, pkgDir string) ([]msArtifact, error) {
	targetDir, triple, profile := a.targetDir, a.triple, a.profile
	if targetDir == "" {
		if t, ok := c.getenv("CARGO_TARGET_DIR"); ok {
			targetDir = t
		} else if _, set := s.end.args["CARGO_TARGET_DIR"]; set {
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
	for _, b := range a.bins {
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
			entries, _ := s.p.Context.Disk().ReadDir(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel)))
			for _, e := range entries {
				switch {
				case !e.IsDir() && strings.HasSuffix(e.Name(), ".rs"):
					addBin(strings.TrimSuffix(e.Name(), ".rs"))
				case e.IsDir():
					if _, err := s.p.Context.Disk().Stat(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel), e.Name(), "main.rs")); err == nil {
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
	alpine := transform.ParseImageTag(s.ref.Tag).OS == "alpine"
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
			if !msHas(s.pkgs.dev, dev) {
				s.pkgs.dev = append(s.pkgs.dev, dev)
			}
		}
	}
	return nil
}
