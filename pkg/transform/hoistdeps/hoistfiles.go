package hoistdeps

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// The manifests hoist-deps copies before the full COPY: the build context
// as the COPY copies it, the manifests an install reads there, and the
// COPY lines that bring them.

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
func (h *hoister) collect(v *transform.CtxView, in *transform.Install, dir string) ([]string, string) {
	e := in.Eco
	var files []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			files = append(files, f)
		}
	}
	if v.Context == nil && (e.Name != "pip" || len(in.Named) == 0) {
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
			if p := contextPath(dir, a); v.Exists(p) {
				found = p
				break
			}
		}
		if found == "" {
			return nil, v.Need(contextPath(dir, alts[0]))
		}
		if why := v.Need(found); why != "" {
			return nil, why
		}
		add(found)
	}
	if e.Extra != nil {
		more, why := e.Extra(v, in, dir)
		if why != "" {
			return nil, why
		}
		for _, f := range more {
			add(f)
		}
	} else {
		for _, n := range in.Named {
			if why := v.Need(n); why != "" {
				return nil, why
			}
			add(n)
		}
	}
	for _, o := range e.Optional {
		if p := contextPath(dir, o); v.Under(p) && v.Exists(p) {
			add(p)
		}
	}
	for _, o := range e.Outputs {
		if p := contextPath(dir, o); v.Exists(p) {
			return nil, p + " is in the build context: the COPY would overwrite the installed dependencies (add it to " + ignoreName(v) + ")"
		}
	}
	if e.NeedsSource != nil {
		if why := e.NeedsSource(v, in, dir); why != "" {
			if why == ignoreReason {
				return nil, why
			}
			return nil, needsSource(why)
		}
	}
	return files, ""
}

func ignoreName(v *transform.CtxView) string {
	if v.Context != nil && v.Context.IgnoreFile != "" {
		return path.Base(filepath.ToSlash(v.Context.IgnoreFile))
	}
	return ".dockerignore"
}

// copyLines are the COPY instructions that bring the manifests to the
// destination, one per folder, with the flags of the full COPY.
func (h *hoister) copyLines(v *transform.CtxView, fc *fullCopy, files []string) []string {
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
		if v.IsDir(f) {
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
