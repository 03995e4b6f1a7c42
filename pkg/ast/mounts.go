package ast

import (
	"errors"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
)

// Mount is one `--mount` flag of a RUN as BuildKit reads it.
type Mount struct {
	*instructions.Mount
	Flag *Flag // the flag in the instruction's source
}

// TargetIn is the mount's target as an absolute, cleaned path: BuildKit
// resolves a relative target against the working directory.
func (m Mount) TargetIn(workdir string) string {
	if path.IsAbs(m.Target) {
		return path.Clean(m.Target)
	}
	return path.Join("/", workdir, m.Target)
}

// Mounts returns the `--mount` flags of a RUN, parsed by BuildKit's own
// parser after expanding variables with expand (BuildKit's rule: ARG and
// ENV values in scope). A nil expand leaves values as written. The
// document is not modified: the instruction is parsed afresh, or its last
// reading is taken (see mountsRead.holds).
func (d *Document) Mounts(ins *Instruction, expand func(string) (string, error)) ([]Mount, error) {
	if ins.Cmd != "run" {
		return nil, nil
	}
	n := 0
	for i := range ins.Flags {
		if ins.Flags[i].Name == "mount" {
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	if expand == nil {
		expand = func(s string) (string, error) { return s, nil }
	}
	r := ins.mounts
	if r == nil || !r.holds(expand) {
		key := mountsKey(ins.Node.Flags)
		if v, ok := mountsMemo.Load(key); ok && v.(*mountsRead).holds(expand) {
			r = v.(*mountsRead)
		} else {
			var err error
			if r, err = readMounts(ins, expand); err != nil {
				return nil, err
			}
			if ok || mountsCount.Add(1) <= maxMountsMemo {
				mountsMemo.Store(key, r)
			}
		}
		if len(r.mounts) != n {
			return nil, errors.New("mount flags do not match BuildKit's reading")
		}
		ins.mounts = r
	}
	out := make([]Mount, n)
	ms := slices.Clone(r.mounts) // the caller's own
	k := 0
	for i := range ins.Flags {
		if ins.Flags[i].Name == "mount" {
			out[k] = Mount{Mount: &ms[k], Flag: &ins.Flags[i]}
			k++
		}
	}
	return out, nil
}

// mountsMemo holds the last reading of each RUN's flags (mountsKey) for
// the whole process, at most maxMountsMemo of them: a reading is a
// function of the flags and the expander's answers alone (holds), and
// files use a few mounts over and over. The instruction is one BuildKit
// read without error (Parse fails otherwise): its flags are all it reads
// here.
var (
	mountsMemo  sync.Map
	mountsCount atomic.Int64
)

const maxMountsMemo = 4096

// mountsKey is the key of a RUN's flags as BuildKit's parser hands them
// on: one flag is its own key; several are joined with NUL, which no
// document holds (Parse rejects it).
func mountsKey(flags []string) string {
	if len(flags) == 1 {
		return flags[0]
	}
	return strings.Join(flags, "\x00")
}

// mountsRead is one reading of a RUN's mount flags: the words BuildKit
// asked the expander for, in order, what it answered, and the mounts it
// made. The reading is a function of the instruction's flags (which an
// instruction moved by Reparse shares) and of those answers alone.
type mountsRead struct {
	asked, said []string
	mounts      []instructions.Mount
}

// holds reports whether expand answers every word of the reading as it
// was answered then: BuildKit, reading the same flags, would ask the same
// words in the same order and make the same mounts.
func (r *mountsRead) holds(expand func(string) (string, error)) bool {
	for i, w := range r.asked {
		if v, err := expand(w); err != nil || v != r.said[i] {
			return false
		}
	}
	return true
}

// quietLinter is a linter that reports nothing, for BuildKit's
// instruction parser: without one, it fails on a `# check=` comment
// above the instruction (it merges the comment's options into a nil
// linter). It is only read.
var quietLinter = linter.New(&linter.Config{})

// readMounts parses the RUN afresh with BuildKit's parser, recording the
// expander's answers.
func readMounts(ins *Instruction, expand func(string) (string, error)) (*mountsRead, error) {
	r := &mountsRead{}
	record := func(w string) (string, error) {
		v, err := expand(w)
		r.asked, r.said = append(r.asked, w), append(r.said, v)
		return v, err
	}
	v, err := instructions.ParseInstructionWithLinter(ins.Node, quietLinter)
	if err != nil {
		return nil, err
	}
	run, ok := v.(*instructions.RunCommand)
	if !ok {
		return nil, errors.New("not a RUN instruction")
	}
	if err := run.Expand(record); err != nil {
		return nil, err
	}
	ms := instructions.GetMounts(run)
	r.mounts = make([]instructions.Mount, len(ms))
	for i, m := range ms {
		r.mounts[i] = *m
	}
	return r, nil
}
