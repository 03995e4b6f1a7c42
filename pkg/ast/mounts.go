package ast

import (
	"errors"
	"path"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
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
// document is not modified: the instruction is parsed afresh.
func (d *Document) Mounts(ins *Instruction, expand func(string) (string, error)) ([]Mount, error) {
	if ins.Cmd != "run" {
		return nil, nil
	}
	var flags []*Flag
	for i := range ins.Flags {
		if ins.Flags[i].Name == "mount" {
			flags = append(flags, &ins.Flags[i])
		}
	}
	if len(flags) == 0 {
		return nil, nil
	}
	if expand == nil {
		expand = func(s string) (string, error) { return s, nil }
	}
	v, err := instructions.ParseInstruction(ins.Node)
	if err != nil {
		return nil, err
	}
	run, ok := v.(*instructions.RunCommand)
	if !ok {
		return nil, errors.New("not a RUN instruction")
	}
	if err := run.Expand(expand); err != nil {
		return nil, err
	}
	ms := instructions.GetMounts(run)
	if len(ms) != len(flags) {
		return nil, errors.New("mount flags do not match BuildKit's reading")
	}
	out := make([]Mount, len(ms))
	for i, m := range ms {
		out[i] = Mount{Mount: m, Flag: flags[i]}
	}
	return out, nil
}
