package ast

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Paths in the image, as far as the Dockerfile alone tells them.
//
// A resolved path is either absolute ("/app/src") or symbolic: it starts
// with "@" when it depends on something the file does not say — "@" is the
// base image's working directory, "@{$APP}" a value that depends on a build
// argument or on the base image's environment. Symbolic paths compare
// textually: "@/src" is inside "@" whatever "@" turns out to be.

// UnknownDir is the working directory a stage inherits from an image.
const UnknownDir = "@"

// IsAbsPath reports whether a resolved path is a known absolute path.
func IsAbsPath(p string) bool { return strings.HasPrefix(p, "/") }

// RelPath returns target relative to base ("" when equal) and whether
// target is base or inside it.
func RelPath(base, target string) (string, bool) {
	switch {
	case target == base:
		return "", true
	case base == "/" && IsAbsPath(target):
		return target[1:], true
	case strings.HasPrefix(target, base+"/"):
		return target[len(base)+1:], true
	}
	return "", false
}

// StageEnv is what an instruction sees of its stage.
type StageEnv struct {
	Workdir string            // resolved working directory
	Vars    map[string]string // ENV values known from the file; absent means unknown
	User    string            // the last USER ("" = the base image's)
}

// Expand expands $NAME and ${NAME} in a Dockerfile word with vars. It
// fails on any other expansion form or on an unknown variable.
func (e *StageEnv) Expand(raw string, escape rune) (string, bool) {
	if !strings.ContainsRune(raw, '$') {
		return raw, true
	}
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if rune(c) == escape && i+1 < len(raw) && raw[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		if c != '$' {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		var name string
		if j < len(raw) && raw[j] == '{' {
			end := strings.IndexByte(raw[j:], '}')
			if end < 0 {
				return "", false
			}
			name = raw[j+1 : j+end]
			i = j + end
		} else {
			k := j
			for k < len(raw) && (raw[k] == '_' || raw[k] >= 'a' && raw[k] <= 'z' || raw[k] >= 'A' && raw[k] <= 'Z' || raw[k] >= '0' && raw[k] <= '9') {
				k++
			}
			name = raw[j:k]
			i = k - 1
		}
		v, ok := e.Vars[name]
		if name == "" || !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// Resolve resolves a path as written in the file (WORKDIR, a COPY
// destination, a `cd` argument) against the working directory.
func (e *StageEnv) Resolve(raw string, escape rune) string {
	p, ok := e.Expand(raw, escape)
	if !ok {
		p = "@{" + raw + "}"
	}
	if IsAbsPath(p) {
		return path.Clean(p)
	}
	if p == "" {
		return e.Workdir
	}
	return path.Join(e.Workdir, p)
}

// Envs computes the StageEnv in force before every instruction, indexed
// like Document.Instructions. A stage built `FROM` an earlier stage starts
// from that stage's final state. It is computed once per document: the
// slice is shared, callers must not change it.
func (d *Document) Envs() []StageEnv {
	if d.envs == nil {
		d.envs = d.stageEnvs()
	}
	return d.envs
}

func (d *Document) stageEnvs() []StageEnv {
	out := make([]StageEnv, len(d.Instructions))
	final := make([]StageEnv, len(d.Stages))
	for si, st := range d.Stages {
		cur := StageEnv{Workdir: UnknownDir} // no Vars yet: a nil map reads as empty
		if parent := d.StageByName(st.Base); parent != nil && parent.Index < si {
			p := final[parent.Index]
			cur = StageEnv{Workdir: p.Workdir, Vars: p.Vars, User: p.User}
		}
		for _, ins := range st.Instructions {
			out[ins.Index] = cur
			switch c := ins.Command.(type) {
			case *instructions.WorkdirCommand:
				cur.Workdir = cur.Resolve(c.Path, d.Escape)
			case *instructions.EnvCommand:
				vars := make(map[string]string, len(cur.Vars)+len(c.Env))
				for k, v := range cur.Vars {
					vars[k] = v
				}
				for _, kv := range c.Env {
					v, ok := (&StageEnv{Vars: vars}).Expand(kv.Value, d.Escape)
					if ok && !strings.ContainsAny(kv.Value, "\"'\\`") {
						vars[kv.Key] = v
					} else { // quoted or unknown: BuildKit's word rules are not ours
						delete(vars, kv.Key)
					}
				}
				cur.Vars = vars
			case *instructions.UserCommand:
				cur.User = c.User
			}
		}
		final[si] = cur
	}
	return out
}
