package tools

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// DecodeTOML decodes a TOML file (Cargo.toml, Cargo.lock, pyproject.toml,
// Pipfile, .cargo/config.toml) into v. The error names the file and says
// whether it is not TOML at all or has a value of an unexpected type.
func DecodeTOML(name string, data []byte, v any) error {
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
// context: `path = "…"` (poetry, uv, Pipfile, pdm) or `develop = true` /
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

// TOMLManifestSource says why a TOML manifest (pyproject.toml, Pipfile)
// needs more of the build context than itself: it is not valid TOML, or
// it has a path or editable dependency. "" when the file is absent.
func TOMLManifestSource(file, text string) string {
	var tree map[string]any
	if err := DecodeTOML(file, []byte(text), &tree); err != nil {
		return err.Error()
	}
	if k := tomlFind(tree, "", tomlLocalDep); k != "" {
		return file + " has a path or editable dependency (`" + k + "`)"
	}
	return ""
}

// tomlPathDeps refuses a TOML manifest that is not valid TOML or has a
// path or editable dependency: the install needs that source too.
func tomlPathDeps(file string) func(Context, *Install, string) string {
	return func(v Context, _ *Install, dir string) string {
		return TOMLManifestSource(file, v.Read(path.Join(dir, file)))
	}
}
