package transform

import (
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// The manifests hoist-deps copies before the full COPY: the build context
// as the COPY copies it, the manifests an install reads there, and the
// COPY lines that bring them.

// ctxView is the build context as hoist-deps reads it, limited to the
// folder the full COPY copies.
type ctxView struct {
	c     *BuildContext
	root  string // context folder the full COPY copies ("" = the context root)
	texts map[string]string
}

func (v *ctxView) exists(rel string) bool {
	return v.c != nil && !escapes(rel) && v.c.Exists(rel)
}

func (v *ctxView) isDir(rel string) bool {
	if v.c == nil {
		return false
	}
	st, err := os.Stat(filepath.Join(v.c.Dir, filepath.FromSlash(Clean(rel))))
	return err == nil && st.IsDir()
}

// read returns a context file's text ("" when absent or excluded).
func (v *ctxView) read(rel string) string {
	if t, ok := v.texts[rel]; ok {
		return t
	}
	t := ""
	if v.exists(rel) {
		if b, err := v.c.ReadFile(rel); err == nil && len(b) < 4<<20 {
			t = string(b)
		}
	}
	if v.texts == nil {
		v.texts = map[string]string{}
	}
	v.texts[rel] = t
	return t
}

// list returns the names in a context folder that the ignore file keeps.
func (v *ctxView) list(dir string) []string {
	var out []string
	for _, name := range v.listAll(dir) {
		if !v.c.Excluded(path.Join(dir, name)) {
			out = append(out, name)
		}
	}
	return out
}

// listAll returns the names in a context folder, excluded ones too.
func (v *ctxView) listAll(dir string) []string {
	if v.c == nil || escapes(dir) {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(v.c.Dir, filepath.FromSlash(Clean(dir))))
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

func (v *ctxView) under(rel string) bool {
	_, ok := ast.RelPath(v.root, rel)
	return v.root == "" && !escapes(rel) || ok
}

// need explains why a manifest cannot be copied ("" when it can).
func (v *ctxView) need(rel string) string {
	switch {
	case escapes(rel):
		return rel + " is outside the build context"
	case !v.under(rel):
		return rel + " is outside the folder the COPY copies"
	case v.c == nil:
		return ""
	case v.c.Excluded(rel):
		return rel + " is excluded by " + path.Base(filepath.ToSlash(v.c.IgnoreFile))
	case !v.exists(rel):
		return rel + " is not in the build context"
	}
	return ""
}

// contextPath joins folder parts of the context ("" is its root).
func contextPath(parts ...string) string {
	p := path.Join(parts...)
	if p == "." {
		return ""
	}
	return p
}

// collect lists the manifests an install reads, as context paths, or
// explains why it cannot be hoisted.
func (h *hoister) collect(v *ctxView, in *install, dir string) ([]string, string) {
	e := in.eco
	var files []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if v.c == nil && (e.Name != "pip" || len(in.named) == 0) {
		var need []string
		for _, r := range e.Required {
			need = append(need, strings.ReplaceAll(r, "|", " or "))
		}
		if len(need) == 0 {
			need = []string{"the project files"}
		}
		return nil, noContext + " (" + strings.Join(need, ", ") + ")"
	}
	for _, r := range e.Required {
		alts := strings.Split(r, "|")
		found := ""
		for _, a := range alts {
			if p := contextPath(dir, a); v.exists(p) {
				found = p
				break
			}
		}
		if found == "" {
			return nil, v.need(contextPath(dir, alts[0]))
		}
		if why := v.need(found); why != "" {
			return nil, why
		}
		add(found)
	}
	if e.extra != nil {
		more, why := e.extra(v, in, dir)
		if why != "" {
			return nil, why
		}
		for _, f := range more {
			add(f)
		}
	} else {
		for _, n := range in.named {
			if why := v.need(n); why != "" {
				return nil, why
			}
			add(n)
		}
	}
	for _, o := range e.Optional {
		if p := contextPath(dir, o); v.under(p) && v.exists(p) {
			add(p)
		}
	}
	for _, o := range e.Outputs {
		if p := contextPath(dir, o); v.exists(p) {
			return nil, p + " is in the build context: the COPY would overwrite the installed dependencies (add it to " + ignoreName(v) + ")"
		}
	}
	if e.source != nil {
		if why := e.source(v, in, dir); why != "" {
			if why == ignoreReason {
				return nil, why
			}
			return nil, needsSource(why)
		}
	}
	return files, ""
}

func ignoreName(v *ctxView) string {
	if v.c != nil && v.c.IgnoreFile != "" {
		return path.Base(filepath.ToSlash(v.c.IgnoreFile))
	}
	return ".dockerignore"
}

// copyLines are the COPY instructions that bring the manifests to the
// destination, one per folder, with the flags of the full COPY.
func (h *hoister) copyLines(v *ctxView, fc *fullCopy, files []string) []string {
	kw := "COPY"
	if fc.ins.Keyword == strings.ToLower(fc.ins.Keyword) {
		kw = "copy"
	}
	for _, f := range fc.ins.Flags {
		t := string(h.d.Src[f.Span.Start:f.Span.End])
		if strings.ContainsAny(t, "\r\n") {
			t = f.Raw
		}
		kw += " " + t
	}
	var dirs []string
	byDir := map[string][]string{}
	var lines []string
	for _, f := range files {
		rel, _ := ast.RelPath(fc.src, f)
		if fc.src == "" {
			rel = f
		}
		if v.isDir(f) {
			lines = append(lines, kw+" "+f+"/ "+destFor(fc.destRaw, rel))
			continue
		}
		dir := path.Dir(rel)
		if dir == "." {
			dir = ""
		}
		if _, ok := byDir[dir]; !ok {
			dirs = append(dirs, dir)
		}
		byDir[dir] = append(byDir[dir], f)
	}
	out := make([]string, 0, len(dirs)+len(lines))
	for _, dir := range dirs {
		out = append(out, kw+" "+strings.Join(byDir[dir], " ")+" "+destFor(fc.destRaw, dir))
	}
	return append(out, lines...)
}

// destFor is the destination folder for manifests in folder rel of the
// copied tree, written like the full COPY's destination.
func destFor(raw, rel string) string {
	base := raw
	if base == "." || base == "./" {
		base = ""
	}
	switch {
	case rel == "" && base == "":
		return "./"
	case rel == "":
		return strings.TrimSuffix(base, "/") + "/"
	case base == "":
		return rel + "/"
	}
	return strings.TrimSuffix(base, "/") + "/" + rel + "/"
}
