package cacheplan

import (
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
)

// This file connects the rules to pkg/knowledge/baseimage: which package
// manager a program is on the image a stage is built on, where its cache
// is, and whether a cache mount would make its metadata stale.

// stageImage is what dfopt knows of the image a stage is built on.
func stageImage(st *stage.State) (baseimage.Image, string) { return st.BaseImage() }

// systemTool is a system package manager's program on the stage's base
// image, or why dfopt cannot tell.
func systemTool(st *stage.State, prog string) (baseimage.Tool, string) {
	im, dflt := stageImage(st)
	t, why := im.Tool(prog)
	if why == "" {
		return t, ""
	}
	why += dflt
	if dirs := baseimage.Candidates(prog); len(dirs) > 1 {
		why += ": " + prog + "'s cache may be in " + strings.Join(dirs, " or ")
	}
	return t, why
}

// rpmCacheDir is where dnf, yum and microdnf keep their cache on the
// stage's base image: dnf 4 in /var/cache/dnf (yum is dnf from EL 8 on),
// dnf 5 (Fedora 41 and later; microdnf on Fedora) in /var/cache/libdnf5,
// yum 3 (EL 7, Amazon Linux 2) and microdnf 3 (UBI) in /var/cache/yum.
func rpmCacheDir(st *stage.State, prog string) (string, string) {
	t, why := systemTool(st, prog)
	if why != "" {
		return "", why
	}
	return t.CacheDir, ""
}

// vetoStaleIndex: a cache mount keeps the manager's metadata between
// builds, while a build without it downloads fresh metadata (the images
// ship none). Mount only a manager that can be told to revalidate it
// (dnf --refresh, apk --update-cache: see cache-mounts' manager options),
// or whose first command in the RUN revalidates it (`zypper refresh`).
func vetoStaleIndex(c *ManagerCtx, inv *Invocation) string {
	t, why := systemTool(c.Env, ProgBase(inv.Prog))
	if why != "" {
		return why
	}
	if t.Refresh != "" || t.Stale == "" || refreshesFirst(c, inv.Manager, t) {
		return ""
	}
	return t.Stale
}

// refreshesFirst: the RUN's first command of the manager that reads its
// metadata is one that revalidates it (`apk update`, `zypper refresh`).
func refreshesFirst(c *ManagerCtx, m *Manager, t baseimage.Tool) bool {
	if c.Script == nil || len(t.RefreshSubs) == 0 {
		return false
	}
	// (The commands are matched against m alone: a Veto cannot go through
	// the Managers table, which holds it.)
	for i := range c.Script.Commands {
		var raw rawInvocation
		if !raw.match(c.Script.Commands[i].Args) || raw.module != "" || !progMatches(ProgBase(raw.Prog), m.Progs) {
			continue
		}
		inv := raw.forManager(m)
		if inv == nil || inv.IsClean() || len(inv.Sub) == 0 {
			continue
		}
		return slices.Contains(t.RefreshSubs, inv.Sub[0])
	}
	return false
}

// refreshOption is the option that makes an invocation revalidate the
// metadata a cache mount keeps, or "" when it needs none: it has the
// option already (or an equivalent), or the RUN revalidates first.
func refreshOption(c *ManagerCtx, inv *Invocation, t baseimage.Tool) string {
	if t.Refresh == "" || refreshesFirst(c, inv.Manager, t) {
		return ""
	}
	for _, a := range inv.Args {
		v := a.Value
		switch {
		case v == t.Refresh, withValue(v, t.Refresh):
			return ""
		case inv.Manager.Name == "apk" && apkRefreshes(v):
			return ""
		}
	}
	return t.Refresh
}

// apkRefreshes: -U, or --update-cache (or its unique prefix --update,
// which apk's getopt accepts).
func apkRefreshes(v string) bool {
	if strings.HasPrefix(v, "--") {
		return strings.HasPrefix("--update-cache", v) && len(v) >= len("--update")
	}
	if strings.HasPrefix(v, "-") && len(v) > 1 && !strings.ContainsAny(v, "=/.") {
		return strings.Contains(v[1:], "U")
	}
	return false
}

// dnfDownloads are the dnf subcommands that download packages.
var dnfDownloads = []string{"install", "update", "upgrade", "reinstall", "groupinstall", "group", "groups", "builddep", "distro-sync", "module", "localinstall", "downgrade", "swap", "in"}

// rpmOptions adds to a dnf, yum or microdnf command under a new cache
// mount the options its generation needs: keep the downloaded packages
// (they would be deleted after the transaction) and revalidate the
// metadata the mount keeps. It returns the note for the message.
func (c *Plan) rpmOptions(r *Run, inv *Invocation, has func(string) bool, add func(emit.Edit, string)) string {
	prog := ProgBase(inv.Prog)
	t, why := systemTool(r.stageEnv(), prog)
	if why != "" || !has(t.CacheDir) {
		return ""
	}
	var opts, notes []string
	if t.KeepCache != "" && slices.Contains(dnfDownloads, inv.Sub[0]) && !transform.HasAnyPrefix(inv.Args, "keepcache") && !r.ctx().LineageMentions("keepcache") {
		opts = append(opts, t.KeepCache)
		notes = append(notes, "keeps the downloaded packages (keepcache)")
	}
	if o := refreshOption(r.ctx(), inv, t); o != "" {
		opts = append(opts, o)
		notes = append(notes, "revalidates the metadata the cache keeps ("+o+")")
	}
	if len(opts) == 0 {
		return ""
	}
	at := inv.Prog.Span.End
	add(emit.Edit{Start: at, End: at, New: " " + strings.Join(opts, " ")}, "")
	return prog + " " + strings.Join(notes, " and ")
}

// apkOptions gives `apk add` (upgrade, fix) under a new cache mount a
// cache directory (apk keeps packages only in one it is given) and
// --update-cache (apk would otherwise reuse an index the mount kept for
// up to four hours, where the build without the mount fetched a fresh
// one), replacing --no-cache.
func (c *Plan) apkOptions(r *Run, inv *Invocation, has func(string) bool, add func(emit.Edit, string)) {
	dir := ""
	switch {
	case has("/var/cache/apk"):
		dir = "/var/cache/apk"
	case has("/etc/apk/cache"):
	default:
		return
	}
	if !slices.Contains([]string{"add", "upgrade", "fix"}, inv.Sub[0]) && !transform.HasWord(inv.Args, "--no-cache") {
		return
	}
	var opts []string
	if dir != "" && !transform.HasAnyPrefix(inv.Args, "--cache-dir") {
		opts = append(opts, "--cache-dir "+dir)
	}
	refresh := ""
	if t, why := systemTool(r.stageEnv(), "apk"); why == "" && inv.Sub[0] != "update" {
		refresh = refreshOption(r.ctx(), inv, t)
	}
	if refresh != "" {
		opts = append(opts, refresh)
	}
	why := apkWhy(dir != "" && len(opts) > 0 && opts[0] != refresh, refresh)
	done := false
	for _, a := range inv.Args {
		if a.Value != "--no-cache" {
			continue
		}
		switch {
		case done || len(opts) == 0:
			if e, ok := transform.RemoveWord(c.Doc, r.Ins, a.Span); ok {
				add(e, "remove --no-cache")
			}
		default:
			add(emit.Edit{Start: a.Span.Start, End: a.Span.End, New: strings.Join(opts, " ")}, "replace --no-cache with "+strings.Join(opts, " ")+why)
		}
		done = true
	}
	if !done && len(opts) > 0 {
		at := inv.Args[inv.SubIdx[0]].Span.End
		add(emit.Edit{Start: at, End: at, New: " " + strings.Join(opts, " ")}, "use apk "+inv.Sub[0]+" "+strings.Join(opts, " ")+why)
	}
}

func apkWhy(dir bool, refresh string) string {
	var why []string
	if dir {
		why = append(why, "apk keeps packages only in a cache directory it is given")
	}
	if refresh != "" {
		why = append(why, refresh+" fetches a fresh index instead of the one the cache kept")
	}
	if len(why) == 0 {
		return ""
	}
	return " (" + strings.Join(why, "; ") + ")"
}

// SystemCacheDirs are the directories that hold a system package
// manager's cache on the stage's base image: the one its generation uses
// when dfopt knows it, else every one it may use; candidates lists them
// all.
func SystemCacheDirs(st *stage.State, prog string) (dirs, candidates []string) {
	candidates = baseimage.Candidates(prog)
	if t, why := systemTool(st, prog); why == "" {
		return []string{t.CacheDir}, append(candidates, t.CacheDir)
	}
	return candidates, candidates
}

// cleanOwnDirMounted: a cleaning command of a system manager whose cache
// depends on the image (`dnf5 clean all` beside a mounted dnf 4 cache)
// empties a mounted directory, and may go; one whose directory is not
// mounted, or unknown, keeps the cache out of the image and stays.
func cleanOwnDirMounted(r *Run, inv *Invocation, keys []string) bool {
	for _, spec := range inv.Manager.Caches {
		if spec.Path == nil {
			continue
		}
		dir, why := spec.Path(r.stageEnv(), ProgBase(inv.Prog))
		if why != "" {
			return false
		}
		for _, k := range keys {
			if Under(dir, k) {
				return true
			}
		}
		return false
	}
	return true
}
