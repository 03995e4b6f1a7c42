// Package equiv decides whether two sequences of RUN bodies behave the
// same: the same commands run, in the same directories and environments,
// and the build ends with the same status, for every exit status the
// commands may return.
//
// It runs both sides in mvdan.cc/sh/v3/interp with handlers that execute
// nothing: every command whose status the shell cannot know (anything but
// a handful of pure built-ins) is recorded and given a scripted status,
// files are never opened, directories always exist, and globs match
// nothing. The scripted statuses are enumerated as a decision tree over
// the commands the original runs: each command is a choice point (0 or
// 1), and the rewrite is replayed with the same choices. A RUN that exits
// non-zero ends the build, as BuildKit does.
//
// The traces are compared as multisets of events: the edits checked here
// (joining RUNs, removing or adding a command) never reorder commands,
// and pipelines run concurrently in the interpreter, so the order of the
// events of one pipeline is not stable.
//
// "Unknown" is an answer: past the bounds (decision paths, commands per
// path, time), or when the interpreter cannot run a body, Check says so,
// and callers leave the text alone.
package equiv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Kind says what an edit did to one command.
type Kind int

const (
	// Keep is a command both sides run; its events must match.
	Keep Kind = iota
	// Removed is a command of the original that the rewrite dropped. It
	// is assumed to succeed and is not recorded.
	Removed
	// Added is a command the rewrite inserted. It is assumed to succeed
	// and is not recorded.
	Added
)

// Program is one RUN: its shell text and how its commands are known.
type Program struct {
	File *syntax.File
	// Flags are the shell's options, from SHELL ["/bin/bash", "-o",
	// "pipefail", "-c"]: {"-o", "pipefail"}.
	Flags []string
	// Ident names the command at a position. Commands of both sides
	// with the same name are the same command, whatever their arguments
	// and environment (edits in place may change those). Nil: a command
	// is known by its expanded arguments and exported environment
	// (joining RUNs keeps every command's text).
	Ident func(p syntax.Pos) (id string, k Kind)

	observed map[syntax.Pos]bool // nil: every command's status matters
	blind    bool                // nothing tells whether xtrace is on
}

// observes reports whether the status of the command at p may matter.
func (p *Program) observes(pos syntax.Pos) bool {
	return p.observed == nil || p.observed[pos]
}

// Verdict is the answer of Check.
type Verdict struct {
	Same bool
	// Unknown says why the check could not decide (Same is false).
	Unknown string
	// Diff describes the first difference found (Same is false).
	Diff string
	// Paths is the number of decision paths explored.
	Paths int
}

// Reason is the verdict in words, for findings: empty when Same.
func (v Verdict) Reason() string {
	switch {
	case v.Same:
		return ""
	case v.Unknown != "":
		return "cannot prove the same commands run with the same exit status: " + v.Unknown
	}
	return "the same commands would not run with the same exit status: " + v.Diff
}

// Bounds of the enumeration. A merge of five short RUNs explores a few
// dozen paths; past these the answer is unknown.
const (
	maxPaths    = 512
	maxCalls    = 400 // commands per path
	loopRepeats = 4   // a command run more often than this fails from then on
	// A run takes at most maxSteps of the interpreter's checks between
	// statements, commands and loop rounds: a bound that does not depend
	// on the machine's load (a loop with no command, `while [[ 1 ]]; do
	// x=1; done`, meets no call bound). hangTimeout only guards against a
	// run that stops making steps: one timer for a whole Check.
	maxSteps    = 200000
	hangTimeout = 10 * time.Second
)

// steps is the context of one run: every Err the interpreter asks
// counts a step, and past maxSteps the run is over; so is it once the
// state says it is over (stopped). Done is the Check's hang guard.
type steps struct {
	context.Context
	n       atomic.Int64
	stopped atomic.Bool
}

var errTooLong = errors.New("too many steps")

func (c *steps) Err() error {
	if c.stopped.Load() {
		return errStop
	}
	if c.n.Add(1) > maxSteps {
		return errTooLong
	}
	return c.Context.Err()
}

// tooLong reports a run stopped by the step bound or the hang guard.
func (c *steps) tooLong() bool { return c.n.Load() > maxSteps || c.Context.Err() != nil }

// Check compares the original RUNs with the rewrite. Two fast paths
// answer Same without running the interpreter, each only where it would
// answer the same: an edit that leaves the shape of a RUN (skeleton.go),
// and RUNs joined by && where no RUN can reach another (joined.go).
func Check(orig, rewrite []Program) Verdict {
	if sameSkeleton(orig, rewrite) || sameJoin(orig, rewrite) {
		return Verdict{Same: true}
	}
	return interpret(orig, rewrite)
}

// interpret is Check by running both sides on every path.
func interpret(orig, rewrite []Program) Verdict {
	funcs := map[string]bool{}
	orig, rewrite = slices.Clone(orig), slices.Clone(rewrite)
	for i := range orig {
		if orig[i].File != nil {
			orig[i].observed = observed(orig[i].File, orig[i].Flags)
			orig[i].blind = traceBlind(orig[i].File)
		}
	}
	for i := range rewrite {
		if rewrite[i].File != nil {
			rewrite[i].observed = observed(rewrite[i].File, rewrite[i].Flags)
			rewrite[i].blind = traceBlind(rewrite[i].File)
		}
	}
	for _, p := range append(slices.Clip(orig), rewrite...) {
		if p.File == nil {
			return Verdict{Unknown: "a body does not parse"}
		}
		syntax.Walk(p.File, func(n syntax.Node) bool {
			if f, ok := n.(*syntax.FuncDecl); ok {
				funcs[f.Name.Value] = true
			}
			return true
		})
	}
	guard, cancel := context.WithTimeout(context.Background(), hangTimeout)
	defer cancel()
	om, err := machines(orig)
	if err != nil {
		return Verdict{Unknown: "the shell cannot start: " + err.Error()}
	}
	rm, err := machines(rewrite)
	if err != nil {
		return Verdict{Unknown: "the shell cannot start: " + err.Error()}
	}
	queue := []map[point]int{{}}
	paths := 0
	for len(queue) > 0 {
		if paths == maxPaths {
			return Verdict{Unknown: fmt.Sprintf("more than %d paths through the commands' exit statuses", maxPaths), Paths: paths}
		}
		choice := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		paths++
		a := runAll(guard, om, choice, funcs)
		if a.unknown != "" {
			return Verdict{Unknown: a.unknown, Paths: paths}
		}
		b := runAll(guard, rm, choice, funcs)
		if b.unknown != "" {
			return Verdict{Unknown: b.unknown, Paths: paths}
		}
		if d := compare(a, b, choice); d != "" {
			return Verdict{Diff: d, Paths: paths}
		}
		// Branch on every choice point this path met for the first time.
		prefix := maps(choice)
		for _, k := range union(a.free, b.free) {
			next := maps(prefix)
			next[k] = 1
			queue = append(queue, next)
			prefix[k] = 0
		}
	}
	return Verdict{Same: true, Paths: paths}
}

func machines(progs []Program) ([]*machine, error) {
	var out []*machine
	for _, p := range progs {
		m, err := newMachine(p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func union(a, b []point) []point {
	out := slices.Clone(a)
	for _, k := range b {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func maps(m map[point]int) map[point]int {
	out := make(map[point]int, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// point is a choice point: the n-th run of a command on one side of a
// path.
type point struct {
	id string
	n  int
}

// outcome is what one side did on one path.
type outcome struct {
	events  []string
	status  int
	free    []point          // choice points met that the path did not fix
	labels  map[point]string // failed choice point → the command, as run
	unknown string
}

func compare(a, b outcome, choice map[point]int) string {
	if a.status != b.status || !slices.Equal(a.events, b.events) {
		return fmt.Sprintf("when %s, the original %s and the rewrite %s", describe(choice, a.labels), summary(a), summary(b))
	}
	return ""
}

func describe(choice map[point]int, labels map[point]string) string {
	var failed []string
	for k, v := range choice {
		if v != 0 {
			failed = append(failed, "`"+labels[k]+"`")
		}
	}
	if len(failed) == 0 {
		return "every command succeeds"
	}
	sort.Strings(failed)
	return strings.Join(failed, ", ") + " fails"
}

func summary(o outcome) string {
	verb := "succeeds"
	if o.status != 0 {
		verb = fmt.Sprintf("fails (status %d)", o.status)
	}
	return fmt.Sprintf("runs %d command(s) and %s", len(o.events), verb)
}

// runAll runs the programs as a build does: one after another, stopping
// at the first that fails.
func runAll(guard context.Context, progs []*machine, choice map[point]int, funcs map[string]bool) outcome {
	st := &state{guard: guard, choice: choice, funcs: funcs, seen: map[string]int{}, labels: map[point]string{}}
	var out outcome
	for _, m := range progs {
		status, err := st.run(m)
		if err != "" {
			return outcome{unknown: err}
		}
		out.status = status
		if status != 0 {
			break
		}
	}
	out.events = st.events
	sort.Strings(out.events)
	out.free, out.labels = st.free, st.labels
	return out
}

// state is one side of one path.
type state struct {
	guard  context.Context // the Check's hang guard
	choice map[point]int
	funcs  map[string]bool

	mu     sync.Mutex
	seen   map[string]int // runs of each command so far
	labels map[point]string
	free   []point
	events []string
	calls  int
	ctx    *steps // the run under way
	over   string
}

func (st *state) run(m *machine) (int, string) {
	ctx := &steps{Context: st.guard}
	st.mu.Lock()
	st.ctx = ctx
	st.mu.Unlock()
	m.st = st
	m.r.Reset()
	err := m.r.Run(ctx, m.file)
	st.mu.Lock()
	over := st.over
	st.mu.Unlock()
	if over != "" {
		return 0, over
	}
	if ctx.tooLong() {
		return 0, "a body runs too long in the interpreter"
	}
	if err == nil {
		return 0, ""
	}
	var status interp.ExitStatus
	if errors.As(err, &status) {
		return int(status), ""
	}
	return 0, "the interpreter stopped: " + err.Error()
}

// stat says every path is an existing directory, so that `cd` succeeds
// where its scripted status says so and no test reads this machine.
func stat(_ context.Context, name string, _ bool) (fs.FileInfo, error) {
	return dirInfo(name), nil
}

// open records a redirection and reads or writes nothing.
func (st *state) open(ctx context.Context, path string, flag int, _ fs.FileMode) (io.ReadWriteCloser, error) {
	hc := interp.HandlerCtx(ctx)
	st.record(fmt.Sprintf("open %s %d in %s", path, flag, hc.Dir))
	return nopFile{}, nil
}

func (st *state) record(ev string) {
	st.mu.Lock()
	st.events = append(st.events, ev)
	st.mu.Unlock()
}
