package equiv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
)

// native are the built-ins whose effect and status the shell itself
// decides; the interpreter runs them. Every other command (programs, and
// built-ins that read the machine: test, cd, read, command -v, source)
// gets a scripted status.
var native = map[string]bool{
	"break": true, "continue": true, "exit": true, "return": true,
	"true": true, "false": true, ":": true,
	"set": true, "shift": true, "export": true, "readonly": true, "unset": true,
	"local": true, "declare": true, "typeset": true, "eval": true, "let": true,
	"getopts": true, "shopt": true, "trap": true, "wait": true, "umask": true,
	"echo": true, "printf": true, "pwd": true, "alias": true, "unalias": true,
}

// silent are built-ins with no effect but their status: not worth an event.
var silent = map[string]bool{"true": true, "false": true, ":": true}

// unmodelled are built-ins whose effect on later commands the check does
// not follow.
var unmodelled = map[string]bool{"pushd": true, "popd": true}

var errStop = errors.New("equiv: stopped")

// call records each command and decides what the interpreter runs
// in its place.
func (st *state) call(ctx context.Context, p *Program, args []string) ([]string, error) {
	hc := interp.HandlerCtx(ctx)
	if !st.count() {
		return nil, errStop
	}
	id, kind := strings.Join(fifos(args), " "), Keep
	if p.Ident != nil {
		// Known by position: an edit may change its arguments and
		// environment (that is the rule's own business); what runs,
		// where, and with what status is checked.
		id, kind = p.Ident(hc.Pos)
		hc.Env = nil
	}
	name := args[0]
	switch {
	case kind != Keep:
		return []string{"true"}, nil
	case unmodelled[name]:
		st.stop(name + " changes the directory of later commands")
		return nil, errStop
	case name == "exec" && len(args) > 1:
		s := st.scripted(id, args[1:], hc, p.observes(hc.Pos))
		return []string{"exit", strconv.Itoa(s)}, nil
	case native[name] || st.funcs[name]:
		if !silent[name] {
			st.record(event(id, hc))
		}
		if name == "set" && p.blind && !st.funcs[name] {
			args, _ = untrace(args)
		}
		return args, nil
	}
	if s := st.scripted(id, args, hc, p.observes(hc.Pos)); s != 0 {
		return []string{"false"}, nil
	}
	if name == "cd" {
		return args, nil // changes the directory of what follows
	}
	return []string{"true"}, nil
}

// count bounds the commands of one path.
func (st *state) count() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.calls++
	if st.calls > maxCalls {
		st.overLocked(fmt.Sprintf("more than %d commands on one path", maxCalls))
		return false
	}
	return true
}

func (st *state) stop(why string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.overLocked(why)
}

func (st *state) overLocked(why string) {
	if st.over == "" {
		st.over = why
	}
	if st.ctx != nil {
		st.ctx.stopped.Store(true)
	}
}

// scripted records a command with a scripted status and returns the
// status: the path's choice, or 0 for a choice point met for the first
// time (its failure is explored on another path). A command whose status
// does not matter in this program (matters is false) is a choice point
// only if it matters on the other side. A command that runs
// more than loopRepeats times fails from then on, which bounds loops
// that wait for a command to fail (`while read …`).
func (st *state) scripted(id string, args []string, hc interp.HandlerContext, matters bool) int {
	ev := event(id, hc)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.events = append(st.events, ev)
	st.seen[id]++
	key := point{id, st.seen[id]}
	if s, ok := st.choice[key]; ok {
		if s != 0 {
			// Only failed choice points are named in a finding.
			st.labels[key] = label(args)
		}
		return s
	}
	if key.n > loopRepeats {
		return 1
	}
	// Each call counts its command again, so a key is met once per side
	// of a path.
	if matters {
		st.free = append(st.free, key)
	}
	return 0
}

// fifos names the pipes of process substitutions (`<(…)`), which the
// interpreter creates with a new name each run, by what they are.
func fifos(args []string) []string {
	var out []string
	for i, a := range args {
		if strings.Contains(a, "sh-interp-") {
			if out == nil {
				out = append([]string(nil), args...)
			}
			out[i] = "<fifo>"
		}
	}
	if out == nil {
		return args
	}
	return out
}

// label is how a finding names a command: its first words.
func label(args []string) string {
	if len(args) > 4 {
		args = append(args[:4:4], "…")
	}
	return strings.Join(args, " ")
}

// event is what the trace keeps of a command: which command, where it
// runs, and the variables it inherits that the RUN exported.
func event(id string, hc interp.HandlerContext) string {
	var env []string
	if hc.Env == nil {
		return id + " in " + hc.Dir
	}
	hc.Env.Each(func(name string, vr expand.Variable) bool {
		if !vr.Exported || !vr.IsSet() {
			return true
		}
		val := vr.String()
		if init, ok := initialEnv[name]; !ok || init != val {
			env = append(env, name+"="+val)
		}
		return true
	})
	sort.Strings(env)
	return id + " in " + hc.Dir + " with " + strings.Join(env, " ")
}

// dirInfo is the answer of stat: a directory.
type dirInfo string

func (d dirInfo) Name() string           { return string(d) }
func (dirInfo) Size() int64              { return 0 }
func (dirInfo) Mode() fs.FileMode        { return fs.ModeDir | 0o755 }
func (dirInfo) ModTime() time.Time       { return time.Time{} }
func (dirInfo) IsDir() bool              { return true }
func (dirInfo) Sys() any                 { return nil }
func (nopFile) Read([]byte) (int, error) { return 0, io.EOF }

// nopFile is every file a redirection opens: empty, and it takes any write.
type nopFile struct{}

func (nopFile) Write(p []byte) (int, error) { return len(p), nil }
func (nopFile) Close() error                { return nil }
