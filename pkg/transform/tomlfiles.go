package transform

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// decodeTOML decodes a TOML file (Cargo.toml, Cargo.lock, pyproject.toml,
// Pipfile, .cargo/config.toml) into v. The error names the file and says
// whether it is not TOML at all or has a value of an unexpected type.
func decodeTOML(name string, data []byte, v any) error {
	var tree map[string]any
	if err := toml.Unmarshal(data, &tree); err != nil {
		return fmt.Errorf("%s is not valid TOML (%s)", name, tomlErrText(err))
	}
	if err := toml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s cannot be read: a value has an unexpected type (%s)", name, tomlErrText(err))
	}
	return nil
}

// tomlErrText is a decoding error for a message: its line and its text
// without the Go types a type error names.
func tomlErrText(err error) string {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return err.Error()
	}
	row, _ := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	if strings.HasPrefix(msg, "cannot decode TOML ") {
		kind, _, _ := strings.Cut(strings.TrimPrefix(msg, "cannot decode TOML "), " ")
		if strings.ContainsRune("aeiou", rune(kind[0])) {
			kind = "an " + kind
		} else {
			kind = "a " + kind
		}
		msg = kind
		if k := de.Key(); len(k) > 0 {
			msg = "`" + strings.Join(k, ".") + "` is " + kind
		}
	}
	return fmt.Sprintf("line %d: %s", row, msg)
}

// msCargo is what the multi-stage rule needs from Cargo.toml.
type msCargo struct {
	name      string
	bins      []string
	autobins  bool
	workspace bool
}

// cargoTarget is a [lib], [[bin]], [[example]], [[test]] or [[bench]] table.
type cargoTarget struct {
	Name string `toml:"name"`
	Path string `toml:"path"`
}

// cargoManifest is the part of Cargo.toml dfopt reads.
type cargoManifest struct {
	Package *struct {
		Name     string `toml:"name"`
		Autobins *bool  `toml:"autobins"`
		Build    any    `toml:"build"` // a path, or false
	} `toml:"package"`
	Lib       *cargoTarget   `toml:"lib"`
	Bin       []cargoTarget  `toml:"bin"`
	Example   []cargoTarget  `toml:"example"`
	Test      []cargoTarget  `toml:"test"`
	Bench     []cargoTarget  `toml:"bench"`
	Workspace map[string]any `toml:"workspace"`
}

// msParseCargo reads what dfopt needs from Cargo.toml: the package name,
// [[bin]] names, autobins and [workspace]. name is the file's name in
// the error.
func msParseCargo(name string, data []byte) (msCargo, error) {
	var m cargoManifest
	if err := decodeTOML(name, data, &m); err != nil {
		return msCargo{}, err
	}
	ct := msCargo{autobins: true, workspace: m.Workspace != nil}
	if m.Package != nil {
		ct.name = m.Package.Name
		if m.Package.Autobins != nil {
			ct.autobins = *m.Package.Autobins
		}
	}
	for _, b := range m.Bin {
		ct.bins = append(ct.bins, b.Name)
	}
	return ct, nil
}

// cargoLockCrates lists the crate names in Cargo.lock.
func cargoLockCrates(data []byte) ([]string, error) {
	var lock struct {
		Package []struct {
			Name string `toml:"name"`
		} `toml:"package"`
	}
	if err := decodeTOML("Cargo.lock", data, &lock); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range lock.Package {
		out = append(out, p.Name)
	}
	return out, nil
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
	var m cargoManifest
	if err := decodeTOML("Cargo.toml", data, &m); err != nil {
		return err.Error()
	}
	if m.Workspace != nil {
		return "Cargo.toml declares a workspace"
	}
	switch {
	case m.Lib != nil:
		return "Cargo.toml declares its own targets (`[lib]`)"
	case len(m.Bin) > 0:
		return "Cargo.toml declares its own targets (`[[bin]]`)"
	case len(m.Example) > 0:
		return "Cargo.toml declares its own targets (`[[example]]`)"
	case len(m.Test) > 0:
		return "Cargo.toml declares its own targets (`[[test]]`)"
	case len(m.Bench) > 0:
		return "Cargo.toml declares its own targets (`[[bench]]`)"
	case m.Package != nil && m.Package.Build != nil:
		return "Cargo.toml declares its own targets (`build =`)"
	case m.Package != nil && m.Package.Autobins != nil:
		return "Cargo.toml declares its own targets (`autobins =`)"
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

// tomlFind walks a decoded TOML document in key order and returns the
// dotted key of the first value match accepts, or "".
func tomlFind(v any, at string, match func(key string, v any) bool) string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			sub := k
			if at != "" {
				sub = at + "." + k
			}
			if match(k, t[k]) {
				return sub
			}
			if r := tomlFind(t[k], sub, match); r != "" {
				return r
			}
		}
	case []any:
		for i, e := range t {
			if r := tomlFind(e, fmt.Sprintf("%s[%d]", at, i), match); r != "" {
				return r
			}
		}
	}
	return ""
}

// tomlLocalDep matches a dependency that names a folder of the build
// context: `path = "…"` (poetry, uv, Pipfile) or `develop = true` /
// `editable = true`.
func tomlLocalDep(key string, v any) bool {
	switch key {
	case "path":
		s, ok := v.(string)
		return ok && s != ""
	case "develop", "editable":
		b, ok := v.(bool)
		return ok && b
	}
	return false
}

// tomlManifestSource says why a TOML manifest (pyproject.toml, Pipfile)
// needs more of the build context than itself: it is not valid TOML, or
// it has a path or editable dependency. "" when the file is absent.
func tomlManifestSource(file, text string) string {
	var tree map[string]any
	if err := decodeTOML(file, []byte(text), &tree); err != nil {
		return err.Error()
	}
	if k := tomlFind(tree, "", tomlLocalDep); k != "" {
		return file + " has a path or editable dependency (`" + k + "`)"
	}
	return ""
}

// uvManifestSource is tomlManifestSource for uv, which also refuses a uv
// workspace and workspace sources.
func uvManifestSource(text string) string {
	var tree map[string]any
	if err := decodeTOML("pyproject.toml", []byte(text), &tree); err != nil {
		return err.Error()
	}
	if tool, ok := tree["tool"].(map[string]any); ok {
		if uv, ok := tool["uv"].(map[string]any); ok && uv["workspace"] != nil {
			return "pyproject.toml declares a uv workspace"
		}
	}
	if k := tomlFind(tree, "", func(key string, v any) bool { return key == "workspace" && v == true }); k != "" {
		return "pyproject.toml uses workspace sources (`" + k + "`)"
	}
	if k := tomlFind(tree, "", tomlLocalDep); k != "" {
		return "pyproject.toml has a path or editable dependency (`" + k + "`)"
	}
	return ""
}

// cargoConfigMoves reports whether a .cargo/config(.toml) moves the target
// folder or replaces the package sources; err when it is not TOML.
func cargoConfigMoves(name string, data []byte) (target, source bool, err error) {
	var c cargoConfig
	if err := decodeTOML(name, data, &c); err != nil {
		return false, false, err
	}
	return c.Build.Target != nil || c.Build.TargetDir != nil, len(c.Source) > 0, nil
}
