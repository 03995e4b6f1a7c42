package transform

import (
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

func msRustRuntime(s *msSplit) (string, error) {
	_, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the rust image reference uses build arguments")
	}
	ti := parseImageTag(s.ref.Tag)
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
				moves, _, err := cargoConfigMoves(cfg, data)
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
			if !msHas(s.pkgs.dev, dev) {
				s.pkgs.dev = append(s.pkgs.dev, dev)
			}
		}
	}
	return nil
}
