package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
)

// The cache plan (the CachePlan analysis): for every RUN, the package
// managers it runs, the cache directories they use and which of them can
// be mounted. Where each directory is comes from cachedir.go; which uses
// must be dropped because of other instructions, from cacheconflict.go;
// the edits that carry a plan out, from cacheedits.go.

type CacheRun struct {
	Ins      *ast.Instruction
	env      *StageState
	script   *ast.Script
	id       RunUser
	mctx     *ManagerCtx
	Invs     []*Invocation
	Uses     []*CacheUse
	existing []ast.Mount
	Blocked  string // why the RUN is not touched
	Notes    []string
	rms      []rmCmd
	assigns  []runAssign
	allUses  []*CacheUse // before merging uses of the same directory
}

type CacheUse struct {
	run     *CacheRun
	Manager *Manager
	Spec    *CacheSpec
	target  EnvValue
	Key     string
	uid     EnvValue
	gid     EnvValue
	inv     *Invocation
	Covered bool // an existing cache mount already covers it
	Drop    string
	also    []*Manager // other managers of the RUN using the same directory
}

type CachePass struct {
	Pass   *Pass
	Doc    *ast.Document
	se     *StageEnv
	Runs   []*CacheRun
	mounts map[*ast.Instruction][]ast.Mount
}

// mountsOf reads a RUN's --mount flags once.
func (c *CachePass) mountsOf(ins *ast.Instruction) ([]ast.Mount, error) {
	if ms, ok := c.mounts[ins]; ok {
		return ms, nil
	}
	ms, err := c.Doc.Mounts(ins, c.se.At(ins).Expander())
	if err != nil {
		return nil, err
	}
	if c.mounts == nil {
		c.mounts = map[*ast.Instruction][]ast.Mount{}
	}
	c.mounts[ins] = ms
	return ms, nil
}

// CachePlan is what cache-mounts will mount, per RUN: the cache
// directories of its package managers, where they are, and which of them
// can be mounted safely (and why not). cache-mounts turns it into edits;
// apt-hygiene reads it so as not to propose a cleanup that a mount makes
// unneeded; syntax-header reads it for the frontend the mounts need.
var CachePlan = &Analysis{
	Name: "cache-plan",
	Doc:  "the cache directories each RUN's package managers use and which of them can be mounted",
	Run:  func(p *Pass) any { return planCacheMounts(p) },
}

// CachePlanOf is the pass's cache plan.
func CachePlanOf(p *Pass) *CachePass { return p.ResultOf(CachePlan).(*CachePass) }

// planCacheMounts decides, for every RUN, which cache directories can be
// mounted.
func planCacheMounts(p *Pass) *CachePass {
	c := &CachePass{Pass: p, Doc: p.Doc, se: NewStageEnv(p.Doc)}
	for _, ins := range c.Doc.Instructions {
		if ins.Cmd == "run" && ins.Stage >= 0 {
			c.Runs = append(c.Runs, c.plan(ins))
		}
	}
	c.groups()
	return c
}

// WillMount reports whether cache-mounts mounts (or finds mounted) a cache
// on dir for a RUN.
func (c *CachePass) WillMount(ins *ast.Instruction, dirs ...string) bool {
	for _, r := range c.Runs {
		if r.Ins != ins || r.Blocked != "" {
			continue
		}
		for _, u := range r.Uses {
			if u.Drop == "" && StrIn(dirs, u.Key) {
				return true
			}
		}
	}
	return false
}

// plan finds the managers of a RUN and where their caches are.
func (c *CachePass) plan(ins *ast.Instruction) *CacheRun {
	r := &CacheRun{Ins: ins, env: c.se.At(ins)}
	r.id = r.env.Identity()
	r.mctx = &ManagerCtx{Pass: c.Pass, Stages: c.se, Ins: ins, Env: r.env}
	if runIgnored(c.Doc, ins, CacheMountsRule) {
		r.Blocked = "ignored"
	}
	switch {
	case ins.JSON && len(ins.Args) == 0:
		return r
	case ins.JSON:
		words := make([]ast.Word, len(ins.Args))
		for i, a := range ins.Args {
			words[i] = ast.Word{Value: a, Lit: true}
		}
		r.Invs = FindInvocations(r.mctx, []ast.Command{{Name: ins.Args[0], Args: words}})
		if r.Blocked == "" {
			r.Blocked = "JSON-form RUN: not touched (the shell form can take a cache mount)"
		}
	default:
		r.script = c.se.Shell(ins)
		r.mctx.Script = r.script
		if r.script == nil {
			if c.Doc.IsPOSIX(ins) || len(ins.Args) == 0 {
				return r
			}
			var cmds []ast.Command
			fields := strings.Fields(ins.Args[0])
			for i := range fields {
				words := make([]ast.Word, 0, len(fields)-i)
				for _, f := range fields[i:] {
					words = append(words, ast.Word{Value: f, Lit: true})
				}
				cmds = append(cmds, ast.Command{Name: fields[i], Args: words})
			}
			if invs := FindInvocations(r.mctx, cmds); len(invs) > 0 {
				r.Invs = invs[:1]
			}
			if r.Blocked == "" {
				r.Blocked = "RUN under a non-POSIX SHELL: not touched"
			}
		} else {
			r.Invs = FindInvocations(r.mctx, r.script.Commands)
			if len(r.Invs) > 0 && r.Blocked == "" && r.script.Background {
				r.Blocked = "RUN that starts a command in the background (`&`): not touched"
			}
		}
	}
	r.Invs = c.partsOn(ins, r.Invs)
	if len(r.Invs) == 0 {
		return r
	}
	ms, err := c.mountsOf(ins)
	if err != nil {
		if r.Blocked == "" {
			r.Blocked = "its --mount flags cannot be read: not touched"
		}
	}
	r.existing = ms
	if r.script != nil {
		r.rms = c.findRms(r)
	}
	for _, inv := range r.Invs {
		if inv.IsClean() {
			continue
		}
		c.resolve(r, inv)
	}
	return r
}

// runIgnored reports whether `# dfopt:ignore=rule` switches rule off for ins.
func runIgnored(d *ast.Document, ins *ast.Instruction, rule string) bool {
	return IgnoredAt(d, ins.StartLine, ins.EndLine, rule)
}
