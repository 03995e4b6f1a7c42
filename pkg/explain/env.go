package explain

import (
	"runtime"
	"sort"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// stageEnv is the environment of a stage while it is dispatched. It is
// BuildKit's dispatcher state, not dfopt's stage model (pkg/ast/stage):
// it takes --build-arg values, keeps the order of declaration and records
// which arguments a step's vertex name lists, so that explain names steps
// as `docker build` does.
type stageEnv struct {
	keys  []string
	vals  map[string]string
	isArg map[string]bool
	args  []string // declared ARGs (in scope for RUN)
	wd    string
}

func newEnv() *stageEnv {
	return &stageEnv{vals: map[string]string{}, isArg: map[string]bool{}, wd: "/"}
}

func (e *stageEnv) clone() *stageEnv {
	c := &stageEnv{vals: map[string]string{}, isArg: map[string]bool{}, wd: e.wd}
	c.keys = append(c.keys, e.keys...)
	c.args = append(c.args, e.args...)
	for k, v := range e.vals {
		c.vals[k] = v
	}
	for k, v := range e.isArg {
		c.isArg[k] = v
	}
	return c
}

func (e *stageEnv) set(k, v string, arg bool) {
	if _, ok := e.vals[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.vals[k] = v
	e.isArg[k] = arg
}

func (e *stageEnv) Get(k string) (string, bool) { v, ok := e.vals[k]; return v, ok }

func (e *stageEnv) Keys() []string { return append([]string(nil), e.keys...) }

func (e *stageEnv) declare(k string) {
	for _, a := range e.args {
		if a == k {
			return
		}
	}
	e.args = append(e.args, k)
}

// argsUsed keeps the names in matched whose value comes from an ARG.
func (e *stageEnv) argsUsed(matched map[string]struct{}) []string {
	var out []string
	for k := range matched {
		if e.isArg[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// globalArgs are the build's global arguments: the platform arguments,
// then the ARGs before the first FROM.
func globalArgs(doc *ast.Document, lex *shell.Lex, opt Options, target string) *stageEnv {
	env := newEnv()
	plat := opt.Platform
	if plat == "" {
		plat = "linux/" + runtime.GOARCH
	}
	parts := strings.Split(plat, "/")
	osName, arch, variant := parts[0], "", ""
	if len(parts) > 1 {
		arch = parts[1]
	}
	if len(parts) > 2 {
		variant = parts[2]
	}
	if target == "" {
		target = "default"
	}
	for _, kv := range [][2]string{
		{"BUILDPLATFORM", plat}, {"BUILDOS", osName}, {"BUILDOSVERSION", ""}, {"BUILDARCH", arch}, {"BUILDVARIANT", variant},
		{"TARGETPLATFORM", plat}, {"TARGETOS", osName}, {"TARGETOSVERSION", ""}, {"TARGETARCH", arch}, {"TARGETVARIANT", variant},
		{"TARGETSTAGE", target},
	} {
		v := kv[1]
		if ov, ok := opt.BuildArgs[kv[0]]; ok {
			v = ov
		}
		env.set(kv[0], v, true)
	}
	for _, ins := range doc.Instructions {
		if ins.Stage >= 0 {
			break
		}
		c, ok := ins.Command.(*instructions.ArgCommand)
		if !ok {
			continue
		}
		for _, kv := range c.Args {
			if v, ok := opt.BuildArgs[kv.Key]; ok {
				env.set(kv.Key, v, true)
			} else if kv.Value != nil {
				v, _, err := lex.ProcessWord(*kv.Value, env)
				if err != nil {
					v = *kv.Value
				}
				env.set(kv.Key, v, true)
			}
		}
	}
	return env
}

// expandUsed expands the words of an instruction as BuildKit does and
// returns the variables the expansion used (nil for ARG, which is not
// expanded this way).
func expandUsed(cmd any, env *stageEnv, lex *shell.Lex) map[string]struct{} {
	var used map[string]struct{}
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		if _, isArg := cmd.(*instructions.ArgCommand); !isArg {
			used = map[string]struct{}{}
			_ = ex.Expand(func(word string) (string, error) {
				res, err := lex.ProcessWordWithMatches(word, env)
				for k := range res.Matched {
					used[k] = struct{}{}
				}
				return res.Result, err
			})
		}
	}
	return used
}

// declareArgs declares an ARG's variables: --build-arg wins over the
// default, and a declaration without default takes the global value.
func declareArgs(c *instructions.ArgCommand, env *stageEnv, lex *shell.Lex, global *stageEnv, opt Options) {
	for _, kv := range c.Args {
		val := kv.Value
		if v, ok := opt.BuildArgs[kv.Key]; ok {
			val = &v
		} else if val == nil {
			if v, ok := global.Get(kv.Key); ok {
				val = &v
			}
		} else {
			v, _, err := lex.ProcessWord(*val, env)
			if err == nil {
				val = &v
			}
		}
		env.declare(kv.Key)
		if val != nil && kv.Key != "BUILDKIT_SBOM_SCAN_CONTEXT" && kv.Key != "BUILDKIT_SBOM_SCAN_STAGE" {
			env.set(kv.Key, *val, true)
		}
	}
}
