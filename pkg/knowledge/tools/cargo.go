package tools

import (
	"path"

	"github.com/pelletier/go-toml/v2"
	"mvdan.cc/sh/v3/syntax"
)

// cargo: Cargo.toml and Cargo.lock, `cargo fetch` on a placeholder
// first, the registry and git caches under ~/.cargo.
var cargo *Tool

func init() {
	cargo = Register(&Tool{
		Name: "cargo", Family: "cargo", Rank: 100,
		Progs:   []string{"cargo"},
		Secrets: &Secrets{Files: []SecretFile{{Name: "credentials.toml"}, {Name: "credentials"}}},
		Command: Spec{
			Valued: []string{"--manifest-path", "-p", "--package", "--target", "-j", "--jobs", "--profile", "-F", "--features",
				"--bin", "--example", "--test", "--bench", "--target-dir", "--color", "-Z", "--config", "--message-format",
				"--path", "--root", "--version", "--git", "--branch", "--tag", "--rev"},
			Plus:  true, // cargo +nightly build
			Deps:  []string{"fetch", "vendor", "install", "generate-lockfile", "update"},
			Build: []string{"build", "test", "check", "run", "doc", "clippy", "bench", "b", "t", "r", "c"},
			Skip:  []string{"version", "help", "new", "init", "fmt", "clean", "locate-project", "login", "logout", "owner", "yank", "search", "pkgid"},
		},
		Dockerignore: &Dockerignore{Entry: "cargo", Subs: []string{"build", "install", "test", "chef"}},
		Hoist: &Hoist{
			Required:    []string{"Cargo.toml", "Cargo.lock"},
			Optional:    []string{"rust-toolchain.toml", "rust-toolchain", ".cargo/config.toml", ".cargo/config"},
			DepsOnly:    "`cargo fetch` (with a placeholder src/main.rs, removed again), then the original",
			Source:      "workspaces, path dependencies, explicit targets, source replacement in .cargo/config",
			Match:       matchCargo,
			NeedsSource: cargoSource,
			Stub:        true,
			Fetch: &Fetch{Why: "cargo has no dependency install into the image to put there instead: compiling the dependencies " +
				"into target/ needs a placeholder of the sources, which dfopt does not prove equivalent"},
		},
		Cache: &Cache{
			// Never target/: later instructions copy the build output from it.
			Dirs: []CacheDir{
				{Dirs: []string{"$CARGO_HOME/registry", "~/.cargo/registry"}, Store: true},
				{Dirs: []string{"$CARGO_HOME/git", "~/.cargo/git"}, Store: true},
			},
			Runtime: []string{"cargo", "cargo-watch", "make", "watchexec"},
		},
		Writes: []*Write{{
			Command: "cargo build (cargo fetch)",
			Writes:  "Cargo.lock when out of date (unless --locked/--frozen), target/ for builds; `cargo fetch` writes only ~/.cargo",
			Hoist:   "`cargo fetch` on a placeholder before, the original again after the COPY",
		}},
	})
}

func matchCargo(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	cl := cargo.Command.Parse(args, si+1)
	switch sub {
	case "build", "b", "test", "t", "run", "r", "check", "c", "fetch", "doc", "clippy", "bench":
	case "install":
		if !cl.Has("--path") {
			return nil // a crate from the registry
		}
	default:
		return nil
	}
	if cl.Has("--manifest-path") {
		return &Install{Source: "the build names another Cargo.toml"}
	}
	if o, ok := cl.Get("--path"); ok && o.Value != "." && o.Value != "./" {
		return &Install{Source: "`cargo install --path " + o.Value + "` builds another folder"}
	}
	locked := ""
	for _, f := range []string{"--locked", "--frozen", "--offline"} {
		if cl.Has(f) {
			locked += " " + f
		}
	}
	in := &Install{Fetch: sub == "fetch"}
	in.Dep = func(t Text) string {
		return "mkdir src && touch src/main.rs && " + t.UpTo(0) + " fetch" + locked + " && rm -r src"
	}
	return in
}

func cargoSource(v Context, _ *Install, dir string) string {
	if why := cargoManifestSource([]byte(v.Read(path.Join(dir, "Cargo.toml")))); why != "" {
		return why
	}
	for _, c := range []string{".cargo/config.toml", ".cargo/config"} {
		data := v.Read(path.Join(dir, c))
		if data == "" {
			continue
		}
		if _, source, err := CargoConfigMoves(c, []byte(data)); err != nil {
			return err.Error()
		} else if source {
			return c + " replaces the package sources"
		}
	}
	return ""
}

// CargoTarget is a [lib], [[bin]], [[example]], [[test]] or [[bench]] table.
type CargoTarget struct {
	Name string `toml:"name"`
	Path string `toml:"path"`
}

// CargoManifest is the part of Cargo.toml dfopt reads.
type CargoManifest struct {
	Package *struct {
		Name     string `toml:"name"`
		Autobins *bool  `toml:"autobins"`
		Build    any    `toml:"build"` // a path, or false
	} `toml:"package"`
	Lib       *CargoTarget   `toml:"lib"`
	Bin       []CargoTarget  `toml:"bin"`
	Example   []CargoTarget  `toml:"example"`
	Test      []CargoTarget  `toml:"test"`
	Bench     []CargoTarget  `toml:"bench"`
	Workspace map[string]any `toml:"workspace"`
}

// cargoConfig is the part of .cargo/config.toml dfopt reads.
type cargoConfig struct {
	Build struct {
		Target    any `toml:"target"`
		TargetDir any `toml:"target-dir"`
	} `toml:"build"`
	Source map[string]any `toml:"source"`
}

// cargoManifestSource says why the dependency install of a Cargo.toml
// needs more than Cargo.toml and Cargo.lock: a workspace, targets of its
// own, a build script, a path dependency; "" when it needs nothing else.
func cargoManifestSource(data []byte) string {
	var m CargoManifest
	if err := DecodeTOML("Cargo.toml", data, &m); err != nil {
		return err.Error()
	}
	if m.Workspace != nil {
		return "Cargo.toml declares a workspace"
	}
	if t := cargoOwnTargets(&m); t != "" {
		return "Cargo.toml declares its own targets (`" + t + "`)"
	}
	var tree map[string]any
	_ = toml.Unmarshal(data, &tree)
	if k := tomlFind(tree, "", func(key string, v any) bool {
		s, ok := v.(string)
		return key == "path" && ok && s != ""
	}); k != "" {
		return "Cargo.toml has a path dependency (`" + k + "`)"
	}
	return ""
}

// cargoOwnTargets names the first target table or setting of the
// manifest that a placeholder src/main.rs would not satisfy.
func cargoOwnTargets(m *CargoManifest) string {
	switch {
	case m.Lib != nil:
		return "[lib]"
	case len(m.Bin) > 0:
		return "[[bin]]"
	case len(m.Example) > 0:
		return "[[example]]"
	case len(m.Test) > 0:
		return "[[test]]"
	case len(m.Bench) > 0:
		return "[[bench]]"
	case m.Package != nil && m.Package.Build != nil:
		return "build ="
	case m.Package != nil && m.Package.Autobins != nil:
		return "autobins ="
	}
	return ""
}

// CargoConfigMoves reports whether a .cargo/config(.toml) moves the target
// folder or replaces the package sources; err when it is not TOML.
func CargoConfigMoves(name string, data []byte) (target, source bool, err error) {
	var c cargoConfig
	if err := DecodeTOML(name, data, &c); err != nil {
		return false, false, err
	}
	return c.Build.Target != nil || c.Build.TargetDir != nil, len(c.Source) > 0, nil
}
