package hoistdeps

import (
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
)

// Download-only steps under a cache mount (issue 14, item 6).
//
// `pnpm fetch`, `cargo fetch`, `go mod download`, `gradle dependencies`
// before the COPY of the source, under a cache mount that the install
// after the COPY mounts too, download into the mount only: what they
// fetch stays out of the image's layers, and the step caches nothing the
// mount does not. The tool's row (tools.Fetch) says what to do instead:
// hoist the real install in its place (pnpm: the install after the COPY
// as written, which then runs again after the COPY on the installed
// dependencies), or why there is nothing to hoist (a finding on the
// download-only RUN).

// fetchInstead decides, for an install after the COPY whose ecosystem
// was only fetched before it (fetch), whether the install is hoisted in
// the fetch's stead; otherwise it reports why not, once per fetch.
func (h *hoister) fetchInstead(x *hoisting, fetch *ast.Instruction) bool {
	t := tools.Named(x.in.Eco.Name)
	if t == nil || t.Hoist == nil || t.Hoist.Fetch == nil || x.in.Tool().Fetch || fetch.Stage != x.r.Stage {
		return false
	}
	mount := h.sharedCache(fetch, x.r)
	if mount == "" {
		return false // the fetch's downloads are in its layer
	}
	x.fetch, x.fetchRow = fetch, t.Hoist.Fetch
	if !x.fetchRow.Instead {
		h.fetchFinding(fetch, h.fetchDoes(x)+"; "+x.fetchRow.Why)
		return false
	}
	x.in.Same = true
	x.in.Dep = func(t *transform.TextOf) string { return t.Stmt() }
	return true
}

// fetchSource checks that the install hoisted in the fetch's stead needs
// nothing of the source.
func (h *hoister) fetchSource(x *hoisting) bool {
	if x.fetch == nil || x.fetchRow.NeedsSource == nil {
		return true
	}
	if why := x.fetchRow.NeedsSource(transform.ToolCtx{View: x.view}, x.ctxDir); why != "" {
		h.fetchFinding(x.fetch, h.fetchDoes(x)+"; the install after the COPY is not hoisted in its place: "+why)
		return false
	}
	return true
}

// fetchDoes says what the download-only step does.
func (h *hoister) fetchDoes(x *hoisting) string {
	return fmt.Sprintf("`%s` before the COPY only downloads into the cache mount at %s, which `%s` after the COPY mounts too: its layer keeps nothing of what it downloads, and it caches nothing beyond the mount",
		h.fetchText(x), h.sharedCache(x.fetch, x.r), stepText(h.d, h.sh.Of(x.r), x.steps[x.k].Stmt))
}

// fetchText is the download-only command of the fetch RUN, as written.
func (h *hoister) fetchText(x *hoisting) string {
	sc := h.sh.Of(x.fetch)
	for _, s := range transform.TopSteps(sc.File) {
		if call, ok := s.Stmt.Cmd.(*syntax.CallExpr); ok && len(call.Args) > 0 {
			if in := transform.Recognise(call); in != nil && in.Eco == x.in.Eco {
				return stepText(h.d, sc, s.Stmt)
			}
		}
	}
	return strings.TrimSpace(sc.Text)
}

func (h *hoister) fetchFinding(fetch *ast.Instruction, msg string) {
	if h.fetchSeen == nil {
		h.fetchSeen = map[*ast.Instruction]bool{}
	}
	if !h.fetchSeen[fetch] {
		h.fetchSeen[fetch] = true
		h.finding(fetch, msg)
	}
}

// sharedCache is the target of the first cache mount of a that b has
// too (the same target and cache id, as written), or "".
func (h *hoister) sharedCache(a, b *ast.Instruction) string {
	caches := func(r *ast.Instruction) (keys, targets []string) {
		ms, err := h.d.Mounts(r, nil)
		if err != nil {
			return nil, nil
		}
		for _, m := range ms {
			if m.Type != "cache" {
				continue
			}
			target := m.TargetIn(h.mv.Env(r).Workdir)
			id := m.CacheID
			if id == "" {
				id = m.Target
			}
			keys, targets = append(keys, id+"\x00"+target), append(targets, target)
		}
		return keys, targets
	}
	kb, _ := caches(b)
	ka, ta := caches(a)
	for i, k := range ka {
		if slices.Contains(kb, k) {
			return ta[i]
		}
	}
	return ""
}
