package verify

import (
	"bytes"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"

	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// Step is one Dockerfile instruction as BuildKit ran it.
type Step struct {
	Name        string  `json:"name"`        // "[2/5] RUN npm ci", "[build 3/4] COPY . ."
	Instruction string  `json:"instruction"` // "RUN npm ci"
	Cached      bool    `json:"cached"`      // served from the cache
	Executed    bool    `json:"executed"`    // ran and finished
	Seconds     float64 `json:"seconds"`     // time it ran (0 when cached)
	DepInstall  bool    `json:"depInstall"`  // installs dependencies
	Error       string  `json:"error,omitempty"`
}

// BuildError is a failed build.
type BuildError struct {
	Step string `json:"step,omitempty"` // the step that failed
	// Line is the failing instruction's first line in its Dockerfile (0
	// when unknown); ExitCode the failing RUN's exit status (0 when
	// unknown: a failed process never exits 0).
	Line     int      `json:"line,omitempty"`
	ExitCode int      `json:"exitCode,omitempty"`
	Message  string   `json:"message"`
	LogTail  []string `json:"logTail,omitempty"` // last lines of its output
}

func (e *BuildError) Error() string {
	if e.Step != "" {
		return e.Step + ": " + e.Message
	}
	return e.Message
}

// BuildResult is what one build did.
type BuildResult struct {
	FS      *Tree // the final filesystem, when asked for
	Wall    time.Duration
	Steps   []Step // Dockerfile steps, in the order they started
	Failure *BuildError
}

// Executed and Cached count the Dockerfile steps that ran and that came
// from the cache.
func (r *BuildResult) Executed() int {
	n := 0
	for _, s := range r.Steps {
		if s.Executed {
			n++
		}
	}
	return n
}

// Cached counts the steps served from the cache.
func (r *BuildResult) Cached() int {
	n := 0
	for _, s := range r.Steps {
		if s.Cached {
			n++
		}
	}
	return n
}

// DepStepsExecuted lists the dependency-install steps that ran.
func (r *BuildResult) DepStepsExecuted() []string {
	var out []string
	for _, s := range r.Steps {
		if s.DepInstall && s.Executed {
			out = append(out, s.Name)
		}
	}
	return out
}

// stepName matches the names the Dockerfile frontend gives instruction
// vertices: "[3/5] RUN …", "[stage-1 2/4] COPY …", "[build 2/4] COPY …".
var stepName = regexp.MustCompile(`^\[(?:[^\]]* )?\d+/\d+\] (.*)$`)

// IsDependencyInstall reports whether an instruction, read on its own,
// installs dependencies: a RUN with a command transform.DependencyWork
// lists (an explicit install, or a build that downloads what it lacks).
// Run refines this per step with what earlier steps of the stage did
// (plan.classify): a `go build` after `go mod download` downloads nothing.
func IsDependencyInstall(instr string) bool {
	if !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(instr)), "RUN") {
		return false
	}
	return len(cacheplan.DependencyWork(runScript(instr))) > 0
}

const maxLogTail = 20

// recorder folds the status stream into steps and log tails.
type recorder struct {
	mu       sync.Mutex
	progress func(string)
	order    []digest.Digest
	vertices map[digest.Digest]*client.Vertex
	logs     map[digest.Digest]*bytes.Buffer
	reported map[digest.Digest]bool
}

func newRecorder(progress func(string)) *recorder {
	return &recorder{
		progress: progress,
		vertices: map[digest.Digest]*client.Vertex{},
		logs:     map[digest.Digest]*bytes.Buffer{},
		reported: map[digest.Digest]bool{},
	}
}

func (r *recorder) add(s *client.SolveStatus) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range s.Vertexes {
		old, ok := r.vertices[v.Digest]
		if !ok {
			r.order = append(r.order, v.Digest)
			cp := *v
			r.vertices[v.Digest] = &cp
			old = &cp
		} else {
			// Later updates may leave fields empty: keep what is known.
			if v.Name != "" {
				old.Name = v.Name
			}
			if v.Started != nil {
				old.Started = v.Started
			}
			if v.Completed != nil {
				old.Completed = v.Completed
			}
			old.Cached = old.Cached || v.Cached
			if v.Error != "" {
				old.Error = v.Error
			}
		}
		if r.progress != nil && old.Completed != nil && !r.reported[v.Digest] && stepName.MatchString(old.Name) {
			r.reported[v.Digest] = true
			state := "done"
			switch {
			case old.Error != "":
				state = "ERROR"
			case old.Cached:
				state = "CACHED"
			}
			r.progress(state + " " + old.Name)
		}
	}
	for _, l := range s.Logs {
		b := r.logs[l.Vertex]
		if b == nil {
			b = &bytes.Buffer{}
			r.logs[l.Vertex] = b
		}
		b.Write(l.Data)
		// Keep the tail only.
		if b.Len() > 64<<10 {
			tail := append([]byte(nil), b.Bytes()[b.Len()-32<<10:]...)
			b.Reset()
			b.Write(tail)
		}
	}
}

func (r *recorder) result(wall time.Duration) *BuildResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := &BuildResult{Wall: wall}
	var started []*time.Time
	// The failing step: the first error that is not a step cancelled
	// because another one failed.
	var failed *client.Vertex
	for _, d := range r.order {
		v := r.vertices[d]
		if v.Error != "" && (failed == nil || (isCanceled(failed.Error) && !isCanceled(v.Error))) {
			failed = v
		}
		m := stepName.FindStringSubmatch(v.Name)
		if m == nil {
			continue
		}
		instr := m[1]
		if strings.HasPrefix(strings.ToUpper(instr), "FROM ") {
			continue // a base image, not a step of the Dockerfile's own
		}
		st := Step{Name: v.Name, Instruction: instr, Cached: v.Cached, Error: v.Error}
		st.Executed = !v.Cached && v.Completed != nil && v.Started != nil && v.Error == ""
		if st.Executed {
			st.Seconds = v.Completed.Sub(*v.Started).Seconds()
		}
		st.DepInstall = IsDependencyInstall(instr)
		res.Steps = append(res.Steps, st)
		started = append(started, v.Started)
	}
	// The stream names vertices in no useful order: list the steps in the
	// order they started (a cached step starts when it is found), then by
	// their [N/M] number.
	idx := make([]int, len(res.Steps))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		sa, sb := started[idx[a]], started[idx[b]]
		switch {
		case sa != nil && sb != nil && !sa.Equal(*sb):
			return sa.Before(*sb)
		case (sa == nil) != (sb == nil):
			return sa != nil
		}
		return stepNumber(res.Steps[idx[a]].Name) < stepNumber(res.Steps[idx[b]].Name)
	})
	sorted := make([]Step, len(idx))
	for i, j := range idx {
		sorted[i] = res.Steps[j]
	}
	res.Steps = sorted
	if failed != nil {
		res.Failure = &BuildError{Step: failed.Name, Message: failed.Error, LogTail: tailLines(r.logs[failed.Digest], maxLogTail)}
	}
	return res
}

// stepNumber is N of a step named "[… N/M] …".
func stepNumber(name string) int {
	m := stepNumberRE.FindStringSubmatch(name)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var stepNumberRE = regexp.MustCompile(`^\[(?:[^\]]* )?(\d+)/\d+\]`)

func isCanceled(msg string) bool { return strings.Contains(msg, "context canceled") }

func tailLines(b *bytes.Buffer, n int) []string {
	if b == nil {
		return nil
	}
	s := strings.ReplaceAll(b.String(), "\r\n", "\n")
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		// A progress bar redraws with \r: keep what was drawn last.
		if j := strings.LastIndex(l, "\r"); j >= 0 {
			lines[i] = l[j+1:]
		}
	}
	return lines
}
