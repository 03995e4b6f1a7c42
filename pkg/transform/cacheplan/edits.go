package cacheplan

import (
	"slices"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Building cache-mounts' edits for one RUN: the --mount flags, the
// removal of what defeats the cache, the manager options that make the
// mount work, kept only as far as the RUN stays valid shell.

type CacheEdits struct {
	added    []*Use
	names    []string
	removed  []string
	replaced []string
	keepNote string
	Edits    []emit.Edit
	// Refused says why a RUN whose text dfopt cannot edit (an exec form, a
	// Python heredoc) gets no mount: the mount alone would not work.
	Refused string
}

// What names the managers and directories of the added mounts: "go (/go/pkg/mod)".
func (e *CacheEdits) What() string {
	var targets []string
	for _, u := range e.added {
		targets = append(targets, u.Key)
	}
	return strings.Join(Dedupe(e.names), ", ") + " (" + strings.Join(targets, ", ") + ")"
}

func (e *CacheEdits) Message() string {
	var b strings.Builder
	if len(e.added) > 0 {
		s := ""
		if len(e.added) > 1 {
			s = "s"
		}
		b.WriteString("add cache mount" + s + " for " + e.What())
	}
	if len(e.removed) > 0 {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString("remove " + strings.Join(Dedupe(e.removed), ", "))
		if len(e.added) == 0 {
			b.WriteString(": the existing cache mount keeps the cache out of the image")
		}
	}
	for _, extra := range append(Dedupe(e.replaced), e.keepNote) {
		if extra == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(extra)
	}
	return b.String()
}

// EditPlan computes the edits of a RUN: the mount flags, the removals and
// the manager options. Optional removals that do not leave valid shell
// are dropped.
func (c *Plan) EditPlan(r *Run, mounted []*Use) *CacheEdits {
	plan := &CacheEdits{}
	keys, byManager, flags := c.mountedKeys(r, mounted, plan)
	if len(keys) == 0 {
		// Nothing mounted, new or existing: every edit below is for a
		// mounted directory (a removal of what defeats it, an option
		// that makes it work), so there is none to build or check.
		return plan
	}
	var opts []cmOpt
	if len(flags) > 0 {
		opts = append(opts, cmOpt{e: transform.MountEdit(c.Doc, r.Ins, flags), required: true, mount: true})
	}
	opts = append(opts, c.defeatRemovals(r, keys, byManager)...)
	// rm of what the mounts hold.
	opts = append(opts, c.rmRemovals(r, keys)...)
	// Manager options that make the mount work.
	plan.keepNote = c.managerOptions(r, keys, func(e emit.Edit, replace string) {
		opts = append(opts, cmOpt{e: e, replace: replace, required: true})
	})
	if why := readOnlyRefusal(r, opts); why != "" {
		plan.Refused = plan.What() + ": " + why
		plan.added = nil
		return plan
	}
	if len(flags) > 0 {
		opts[0].e = fitLine(c.Doc, r.Ins, flags, opts)
	}
	c.keepValid(r, plan, fitEdits(opts))
	return plan
}

// readOnlyRefusal says why the edits of a RUN whose commands are not in
// its text as shell (ast.Script.ReadOnly) cannot be made: a mount flag
// goes on any RUN, but removing what defeats the cache or adding a
// manager's options would be edits inside its JSON array or script.
func readOnlyRefusal(r *Run, opts []cmOpt) string {
	if r.script == nil || r.script.ReadOnly == "" {
		return ""
	}
	var need []string
	for _, o := range opts {
		switch {
		case o.mount:
		case len(o.what) > 1 && strings.Contains(r.script.Text, o.what):
			need = append(need, "removing `"+o.what+"`")
		case strings.TrimSpace(o.e.New) != "":
			need = append(need, "adding `"+strings.TrimSpace(o.e.New)+"`")
		default:
			need = append(need, "removing what empties the cache")
		}
	}
	if len(need) == 0 {
		return ""
	}
	return "the mount works only with " + strings.Join(Dedupe(need), ", ") + ", an edit inside " + r.script.ReadOnly + " that dfopt does not make"
}

// fitLine is the mount edit (opts[0]) that keeps the RUN's first line
// within transform.MaxAddedLine: when the flag put on a one-line RUN and
// the options added beside it would make the line longer, the flag goes
// on a line of its own.
func fitLine(d *ast.Document, ins *ast.Instruction, flags []string, opts []cmOpt) emit.Edit {
	mount := opts[0].e
	first := d.Lines[ins.StartLine-1]
	if strings.Contains(mount.New, "\n") || first.End-first.Start > transform.MaxAddedLine {
		return mount
	}
	n := first.End - first.Start
	for _, o := range opts {
		if o.e.Start >= first.Start && o.e.End <= first.End {
			n += len(o.e.New) - (o.e.End - o.e.Start)
		}
	}
	if n <= transform.MaxAddedLine {
		return mount
	}
	return transform.MountLines(d, ins, flags)
}

// cmOpt is one edit cache-mounts may make in a RUN.
type cmOpt struct {
	e        emit.Edit
	what     string // removed text, for the message
	replace  string // a replacement, for the message
	required bool
	mount    bool
}

// mountedKeys lists the directories the RUN will have mounted as caches
// (its existing cache mounts and the new ones), the managers they serve,
// and the --mount flags to add; plan gets the added uses.
func (c *Plan) mountedKeys(r *Run, mounted []*Use, plan *CacheEdits) (keys []string, byManager managerSet, flags []string) {
	for _, m := range r.existing {
		if m.Type == instructions.MountTypeCache {
			keys = append(keys, m.TargetIn(r.stageEnv().Workdir))
		}
	}
	for _, u := range mounted {
		covered := false
		for _, m := range r.existing {
			t := m.TargetIn(r.stageEnv().Workdir)
			if m.Type == instructions.MountTypeCache && overlaps(u.Key, t) {
				covered = true
			}
		}
		byManager = byManager.add(u.Manager)
		for _, m := range u.also {
			byManager = byManager.add(m)
		}
		if covered {
			continue
		}
		keys = append(keys, u.Key)
		plan.added = append(plan.added, u)
		plan.names = append(plan.names, u.Manager.Name)
		for _, m := range u.also {
			plan.names = append(plan.names, m.Name)
		}
		flags = append(flags, mountFlag(u))
	}
	// A manager whose directory lies inside a mounted one counts too.
	for _, u := range r.allUses {
		for _, k := range keys {
			if Under(u.Key, k) {
				byManager = byManager.add(u.Manager)
			}
		}
	}
	return keys, byManager, flags
}

// managerSet is a set of a RUN's managers (a few: a list costs less
// than a map).
type managerSet []*Manager

func (s managerSet) add(m *Manager) managerSet {
	if slices.Contains(s, m) {
		return s
	}
	return append(s, m)
}

// defeatRemovals are the removals of what defeats the mounted caches of
// the managers in byManager: their clean commands, no-cache options and
// no-cache variables.
func (c *Plan) defeatRemovals(r *Run, keys []string, byManager managerSet) []cmOpt {
	var opts []cmOpt
	for _, inv := range r.Invs {
		if !slices.Contains(byManager, inv.Manager) || r.script == nil {
			continue
		}
		if inv.IsClean() {
			// Only when everything it empties is mounted, its own directory
			// included; required when it removes a mounted directory (see
			// dropRemovedByClean).
			if !r.cleanMounted(inv, keys) || !cleanOwnDirMounted(r, inv, keys) {
				continue
			}
			if e, ok := c.removeCommand(r, inv.Cmd.Call); ok {
				opts = append(opts, cmOpt{e: e, what: transform.RemovedText(e, r.commandText(c.Doc, inv.Cmd)), required: r.cleanRemovesMount(inv, keys)})
			}
			continue
		}
		for _, a := range inv.Args {
			if slices.Contains(inv.Manager.NoCache, a.Value) || strings.HasPrefix(a.Value, "--no-cache-dir=") && inv.Manager.Name == "pip" {
				if inv.Manager.Name == "apk" {
					continue // replaced below
				}
				if e, ok := transform.RemoveWord(c.Doc, r.Ins, a.Span); ok {
					opts = append(opts, cmOpt{e: e, what: a.Value})
				}
			}
		}
		for i, as := range inv.Cmd.Call.Assigns {
			name := as.Name.Value
			val := ""
			if as.Value != nil {
				val = r.script.Text[as.Value.Pos().Offset():as.Value.End().Offset()]
			}
			for _, spec := range inv.Manager.NoCacheEnv {
				n, want, hasWant := strings.Cut(spec, "=")
				if n == name && (!hasWant || strings.Trim(val, `"'`) == want) {
					if e, ok := transform.RemoveWord(c.Doc, r.Ins, r.script.SpanOf(inv.Cmd.Call.Assigns[i])); ok {
						opts = append(opts, cmOpt{e: e, what: inv.Cmd.Assigns[i]})
					}
				}
			}
		}
	}
	return opts
}

// rmRemovals are the removals of `rm`s (or of their paths) that empty
// or remove a mounted directory.
func (c *Plan) rmRemovals(r *Run, keys []string) []cmOpt {
	var opts []cmOpt
	for _, rm := range r.rms {
		var hits []rmArg
		required := false
		for _, a := range rm.args {
			rel := rmNone
			for _, k := range keys {
				if x := rmRelation(a.path, k); x > rel {
					rel = x
				}
			}
			if rel == rmInside || rel == rmEqual {
				hits = append(hits, a)
				required = required || rel == rmEqual
			}
		}
		if len(hits) == 0 {
			continue
		}
		if len(hits) == len(rm.args) {
			if e, ok := c.removeCommand(r, rm.cmd.Call); ok {
				opts = append(opts, cmOpt{e: e, what: transform.RemovedText(e, r.commandText(c.Doc, rm.cmd)), required: required})
				continue
			}
		}
		for _, a := range hits {
			if len(hits) == len(rm.args) && a.word.Span == hits[len(hits)-1].word.Span && len(hits) > 0 {
				// The last path cannot go without the command: keep it if it is harmless.
				if rmRelation(a.path, a.path) == rmEqual && !required {
					break
				}
			}
			if e, ok := transform.RemoveWord(c.Doc, r.Ins, a.word.Span); ok {
				opts = append(opts, cmOpt{e: e, what: a.word.Value + " from rm", required: rmRelationAny(a.path, keys) == rmEqual})
			}
		}
	}
	return opts
}

// fitEdits keeps the edits that fit together: of two overlapping ones, a
// required edit wins over an optional one, else the first stays.
func fitEdits(opts []cmOpt) []cmOpt {
	sort.SliceStable(opts, func(i, j int) bool { return opts[i].e.Start < opts[j].e.Start })
	var kept []cmOpt
	for _, o := range opts {
		if len(kept) > 0 {
			last := kept[len(kept)-1]
			if o.e.Start < last.e.End || o.e.Start == last.e.Start && o.e.End > o.e.Start && last.e.End > last.e.Start {
				if o.required && !last.required {
					kept = kept[:len(kept)-1]
				} else {
					continue
				}
			}
		}
		kept = append(kept, o)
	}
	return kept
}

func optEdits(list []cmOpt) []emit.Edit {
	var es []emit.Edit
	for _, o := range list {
		es = append(es, o.e)
	}
	return es
}

// keepValid fills plan with the kept edits that leave valid shell.
// Insertions (the flags, manager options) keep the text well formed by
// construction; removals are checked by parsing the result: when they
// break it, only the required edits stay, and when even those do, none.
func (c *Plan) keepValid(r *Run, plan *CacheEdits, kept []cmOpt) {
	removes := false
	for _, o := range kept {
		removes = removes || o.what != "" || strings.HasPrefix(o.replace, "remove ")
	}
	if removes && !c.shellValid(r.Ins, optEdits(kept)) {
		var req []cmOpt
		for _, o := range kept {
			if o.required {
				req = append(req, o)
			}
		}
		kept = req
		if !c.shellValid(r.Ins, optEdits(kept)) {
			plan.added = nil
			plan.removed = nil
			plan.keepNote = ""
			return
		}
	}
	hasMount := false
	for _, o := range kept {
		// A message describes the input: a cleanup another rule wrote
		// (apt-hygiene's lists cleanup, merged here) is taken out
		// without being named.
		if o.what != "" && c.Pass.WrittenBy(o.e.Start) == "" {
			plan.removed = append(plan.removed, o.what)
		}
		if o.replace != "" {
			plan.replaced = append(plan.replaced, o.replace)
		}
		if o.mount {
			hasMount = true
		}
	}
	if !hasMount {
		plan.added = nil
	}
	plan.Edits = optEdits(kept)
}

// managerOptions adds the options some managers need for the mount to
// keep anything and keep it fresh: apt (docker-clean, apt's own
// deletion), apk (a cache directory, --update-cache), dnf, yum and
// microdnf (keepcache, --refresh): see basefacts.go.
func (c *Plan) managerOptions(r *Run, keys []string, add func(emit.Edit, string)) string {
	if r.script == nil {
		return ""
	}
	has := func(k string) bool { return slices.Contains(keys, k) }
	note := ""
	mentions := func(word string) bool {
		return r.ctx().LineageMentions(word)
	}
	for _, inv := range r.Invs {
		if inv.IsClean() || len(inv.Sub) == 0 {
			continue
		}
		insertAt := inv.Prog.Span.End
		switch inv.Manager.Name {
		case "apt":
			root := ""
			switch {
			case has("/var/cache/apt"):
				root = "/var/cache/apt/"
			case has("/var/cache/apt/archives"):
				root = "/var/cache/apt/archives/"
			}
			if root == "" || !slices.Contains([]string{"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"}, inv.Sub[0]) {
				continue
			}
			var o []string
			if !argsContain(inv.Args, "Dir::Cache") && !mentions("docker-clean") {
				o = append(o, "-o Dir::Cache::Archives="+root+aptKeepDir)
				note = "apt keeps the packages in " + root + aptKeepDir + " (Debian's docker-clean deletes /var/cache/apt/archives/*.deb)"
			}
			if ProgBase(inv.Prog) == "apt" && !argsContain(inv.Args, "Keep-Downloaded-Packages") && !mentions("Keep-Downloaded-Packages") {
				o = append(o, "-o APT::Keep-Downloaded-Packages=true")
			}
			if len(o) > 0 {
				add(emit.Edit{Start: insertAt, End: insertAt, New: " " + strings.Join(o, " ")}, "")
			}
		case "apk":
			c.apkOptions(r, inv, has, add)
		case "dnf", "microdnf":
			if n := c.rpmOptions(r, inv, has, add); n != "" && n != note {
				note = strings.TrimPrefix(note+"; "+n, "; ")
			}
		}
	}
	return note
}

// argsContain reports whether the words, joined by blanks, contain s, a
// text without a blank: an occurrence then lies inside one word.
func argsContain(args []ast.Word, s string) bool {
	for _, a := range args {
		if strings.Contains(a.Value, s) {
			return true
		}
	}
	return false
}

// mountFlag writes one --mount flag.
func mountFlag(u *Use) string {
	var b strings.Builder
	b.WriteString("--mount=type=cache,target=")
	b.WriteString(u.target.Expr)
	if u.Manager.Sharing != "" {
		b.WriteString(",sharing=" + u.Manager.Sharing)
	}
	if u.uid.Val != "" {
		b.WriteString(",uid=" + u.uid.Expr)
		if u.gid.Val != "" {
			b.WriteString(",gid=" + u.gid.Expr)
		}
	}
	return b.String()
}

// shellValid applies a RUN's edits to its own text and checks that the
// result still parses as a shell-form RUN.
func (c *Plan) shellValid(ins *ast.Instruction, edits []emit.Edit) bool {
	return transform.EditedRunParses(c.Doc, ins, edits)
}

// aptKeep is where apt keeps downloaded packages inside the cache mount,
// out of reach of Debian's docker-clean hook.
const aptKeepDir = "keep/"

// Dedupe is list without its repeats, in order. The lists are short (a
// RUN's managers, reasons, removals): a scan of what is kept costs less
// than a map up to dedupeScan items.
func Dedupe(list []string) []string {
	var out []string
	if len(list) <= dedupeScan {
		for _, s := range list {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	seen := map[string]bool{}
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

const dedupeScan = 16

// commandText is a command of the RUN as written, or, for a script not
// in the file as written (ast.Script.ReadOnly), its words.
func (r *Run) commandText(d *ast.Document, cmd *ast.Command) string {
	if r.script == nil || r.script.ReadOnly == "" {
		return transform.CommandText(d, cmd)
	}
	words := make([]string, len(cmd.Args))
	for i, w := range cmd.Args {
		words[i] = w.Value
	}
	return strings.Join(words, " ")
}
