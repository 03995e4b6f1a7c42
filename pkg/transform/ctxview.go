package transform

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// CtxView is the build context as an install copied by a COPY reads it
// (hoist-deps, the cache plan), limited to the
// folder the full COPY copies.
type CtxView struct {
	Context *BuildContext
	Root    string // context folder the full COPY copies ("" = the context root)
	texts   map[string]string
}

func (v *CtxView) Exists(rel string) bool {
	return v.Context != nil && !escapes(rel) && v.Context.Exists(rel)
}

func (v *CtxView) IsDir(rel string) bool {
	if v.Context == nil {
		return false
	}
	st, err := v.Context.Stat(rel)
	return err == nil && st.IsDir()
}

// Read returns a context file's text ("" when absent or excluded).
func (v *CtxView) Read(rel string) string {
	if t, ok := v.texts[rel]; ok {
		return t
	}
	t := ""
	if v.Exists(rel) {
		if b, err := v.Context.ReadFile(rel); err == nil && len(b) < 4<<20 {
			t = string(b)
		}
	}
	if v.texts == nil {
		v.texts = map[string]string{}
	}
	v.texts[rel] = t
	return t
}

// List returns the names in a context folder that the ignore file keeps.
func (v *CtxView) List(dir string) []string {
	var out []string
	for _, name := range v.listAll(dir) {
		if !v.Context.Excluded(path.Join(dir, name)) {
			out = append(out, name)
		}
	}
	return out
}

// listAll returns the names in a context folder, excluded ones too.
func (v *CtxView) listAll(dir string) []string {
	if v.Context == nil || escapes(dir) {
		return nil
	}
	entries, err := v.Context.ReadDir(dir)
	if err != nil {
		return nil
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name()
	}
	return out
}

func escapes(rel string) bool { return rel == ".." || strings.HasPrefix(rel, "../") }

func (v *CtxView) Under(rel string) bool {
	_, ok := ast.RelPath(v.Root, rel)
	return v.Root == "" && !escapes(rel) || ok
}

// Need explains why a manifest cannot be copied ("" when it can).
func (v *CtxView) Need(rel string) string {
	switch {
	case escapes(rel):
		return rel + " is outside the build context"
	case !v.Under(rel):
		return rel + " is outside the folder the COPY copies"
	case v.Context == nil:
		return ""
	case v.Context.Excluded(rel):
		return rel + " is excluded by " + path.Base(filepath.ToSlash(v.Context.IgnoreFile))
	case !v.Exists(rel):
		return rel + " is not in the build context"
	}
	return ""
}
