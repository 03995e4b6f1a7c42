// Package stage is dfopt's one model of a Dockerfile stage: for every
// instruction, the state in force before it runs.
//
// It answers "what does the stage look like at this instruction?":
// the ENV and ARG values in scope, the USER and its uid, gid and home, and
// the WORKDIR. It walks the stage and, through `FROM <earlier stage>`, the
// stages it is built on; users and groups come from `useradd`, `adduser`,
// `groupadd`, `addgroup` and `usermod` in earlier RUNs, from a numeric
// USER, and from a short table of well-known base images (with the image
// defaults of pkg/knowledge/baseimage).
//
// Build one Env per document and ask it At(ins). It caches the shell
// analysis of every RUN and the state at every instruction it was asked
// about: the states it returns are shared and must not be changed. An
// Env is not safe for concurrent use (one per transform pass).
//
//	se := stage.New(doc)
//	env := se.At(run)
//	id := env.Identity()     // root? uid, gid, home — or why unknown
//	v, ok := env.Lookup("GOPATH")
//
// A value that comes from a build argument can differ at build time from
// the default written in the file. Such values are marked Arg, and their
// Expr is text BuildKit expands to the right value at that instruction
// (`${UID}`), so that a fix can write the variable instead of its default.
package stage
