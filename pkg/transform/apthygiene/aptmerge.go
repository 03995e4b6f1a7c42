package apthygiene

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// apt-hygiene's merge of a lone `apt-get update` into the install RUN
// after it, and the cache plan of the text the merges leave (a merged RUN
// updates its lists itself, which lets cache-mounts mount them: no
// cleanup is proposed that cache-mounts would take out).

// joinedRun is a RUN as the merges leave it: its instruction in the
// merged text and the cache plan of that text.
type joinedRun struct {
	ins  *ast.Instruction
	plan *cacheplan.Plan
}

// cacheMounted reports that cache-mounts, later in the same chain, mounts
// a cache on one of dirs for the RUN: the cache then stays out of the
// image without a cleanup command (which cache-mounts would take out).
// For a RUN merged after a lone `apt-get update` it is the plan of the
// merged text that counts: the merged RUN updates the lists itself, which
// lets cache-mounts mount them.
func (h *ahPass) cacheMounted(ins *ast.Instruction, dirs ...string) bool {
	if !h.p.Runs(transform.CacheMountsRule) {
		return false
	}
	if j := h.joined[ins]; j != nil {
		return j.plan.WillMount(j.ins, dirs...)
	}
	return cacheplan.Of(h.p).WillMount(ins, dirs...)
}

// joinAll records, for every install RUN the rule merges after a lone
// `apt-get update`, the RUN the merges make of it and the cache plan of
// the text all the merges leave (they are made in one pass). When that
// text cannot be had, the plan of the current text stands.
func (h *ahPass) joinAll() {
	if !h.p.Runs(transform.CacheMountsRule) {
		return
	}
	var pairs [][2]*ahRun
	var edits []emit.Edit
	merged := map[*ast.Instruction]bool{}
	for _, ins := range h.d.Instructions {
		r := h.run(ins)
		if r == nil || merged[ins] {
			continue
		}
		next := h.mergeCandidate(r)
		if next == nil {
			continue
		}
		r2 := h.run(next)
		if edit, _, _, ok := h.joinText(r, r2); ok {
			merged[next] = true
			pairs = append(pairs, [2]*ahRun{r, r2})
			edits = append(edits, edit)
		}
	}
	if len(pairs) == 0 {
		return
	}
	d, err := transform.ApplyEdits(h.d, edits)
	if err != nil || len(d.Instructions) != len(h.d.Instructions)-len(pairs) {
		return
	}
	plan := cacheplan.Of(h.p.ForDoc(d))
	for i, pr := range pairs {
		// Each merge before this one took one instruction out.
		h.joined[pr[1].ins] = &joinedRun{ins: d.Instructions[pr[0].ins.Index-i], plan: plan}
	}
}

// mergeCandidate: the RUN only updates apt and the next instruction is a
// RUN of the same stage that installs without updating again.
func (h *ahPass) mergeCandidate(r *ahRun) *ast.Instruction {
	if !r.updateOnly() || len(r.ins.Flags) > 0 || r.ins.Index+1 >= len(h.d.Instructions) {
		return nil
	}
	next := h.d.Instructions[r.ins.Index+1]
	if next.Cmd != "run" || next.Stage != r.ins.Stage || len(next.Flags) > 0 {
		return nil
	}
	r2 := h.run(next)
	if r2 == nil || !r2.installs() || r2.updates() {
		return nil
	}
	return next
}

// merge joins a lone update RUN with the install RUN after it. JoinRuns
// writes the merged text; it is split here into edits outside the second
// RUN's body, so that the body's own fixes (made in the same pass) fit
// beside them.
func (h *ahPass) merge(r1, r2 *ahRun) ([]transform.Finding, bool) {
	_, between, after, ok := h.joinText(r1, r2)
	if !ok {
		return nil, false
	}
	edits := []emit.Edit{{Start: r1.ins.Span.End, End: r2.ins.ArgsStart, New: between}}
	fs := h.fixes(r2, true)
	if after != "" {
		// After any append of the second RUN's own fixes.
		edits = append(edits, emit.Edit{Start: r2.ins.Span.End, End: r2.ins.Span.End, New: after})
	}
	f := h.p.Finding(transform.AptHygieneRule, r1.ins, "`apt-get update` in a RUN of its own goes stale in the build cache: merge it into the install below", edits...)
	f.EndLine = r2.ins.EndLine
	return append(fs, f), true
}

// joinText is JoinRuns's edit for r1 and r2, and the text it puts
// between the two RUNs' bodies and after the second (`; }` when it wraps
// it in a group).
func (h *ahPass) joinText(r1, r2 *ahRun) (edit emit.Edit, between, after string, ok bool) {
	d := h.d
	edit, ok = transform.JoinRuns(d, []*ast.Instruction{r1.ins, r2.ins})
	if !ok {
		return emit.Edit{}, "", "", false
	}
	t1 := r1.ins.Text(d)
	body := string(d.Src[r2.ins.ArgsStart:r2.ins.Span.End])
	if !strings.HasPrefix(edit.New, t1) {
		return emit.Edit{}, "", "", false
	}
	rest := edit.New[len(t1):]
	switch {
	case strings.HasSuffix(rest, "{ "+body+"; }"):
		between = rest[:len(rest)-len(body)-len("; }")]
		after = "; }"
	case strings.HasSuffix(rest, body):
		between = rest[:len(rest)-len(body)]
	default:
		return emit.Edit{}, "", "", false
	}
	return edit, between, after, true
}

// mergedAfterUpdate: the RUN is merged with a lone `apt-get update` before it.
func (h *ahPass) mergedAfterUpdate(r *ahRun) bool {
	if r.ins.Index == 0 {
		return false
	}
	prev := h.run(h.d.Instructions[r.ins.Index-1])
	return prev != nil && h.mergeCandidate(prev) == r.ins
}
