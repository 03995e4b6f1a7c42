package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/urfave/cli/v2"
)

type mode int

const (
	modeFix mode = iota
	modeDiff
	modeCheck
)

// maxFileSize guards against reading huge non-Dockerfiles.
const maxFileSize = 16 << 20

// job is one file's outcome.
type job struct {
	in     input
	res    *transform.Result
	err    error
	output []byte // what goes to stdout for this file, in order
}

func process(c *cli.Context, m mode) error {
	opts := transform.Options{
		Unsafe: c.Bool("unsafe"),
		Syntax: c.String("syntax"),
	}
	switch opts.Syntax {
	case "auto", "always", "never":
	default:
		return usageError{fmt.Sprintf("--syntax must be auto, always or never, not %q", opts.Syntax)}
	}
	rules, err := transform.Select(transform.SplitList(c.String("select")), transform.SplitList(c.String("ignore")))
	if err != nil {
		return usageError{err.Error()}
	}
	paths := c.Args().Slice()
	if len(paths) == 0 {
		return usageError{"no PATH given (use - for standard input)"}
	}
	write, diff, list := m == modeFix && c.Bool("write"), m == modeFix && c.Bool("diff"), m == modeFix && c.Bool("list")
	inputs := discover(paths)
	if m == modeFix && !write && !diff && !list && (len(inputs) != 1 || isDir(paths[0])) {
		return usageError{"fix on several files needs --write, --diff or --list"}
	}
	chain := &transform.Chain{Transforms: rules, Options: opts}
	jobs := c.Int("jobs")
	if jobs < 1 {
		jobs = 1
	}
	ctxDir := c.String("context")

	stdout, stderr := c.App.Writer, c.App.ErrWriter
	changed, failed, findings := false, false, false
	stats := newStatistics()
	each(inputs, jobs, func(j *job) {
		j.res, j.err = processOne(c.App.Reader, chain, j.in, ctxDir)
		if j.err != nil || j.res == nil {
			return
		}
		r := j.res
		switch {
		case m == modeCheck:
			j.output = formatFindings(r)
		case m == modeDiff || diff:
			j.output = emit.Unified(diffPath(j.in.path), diffPath(j.in.path), r.Src, r.Out)
		case m == modeFix && !write && !list:
			j.output = r.Out
		}
		if write && r.Changed() {
			if j.in.path == "-" {
				j.output = r.Out
			} else if err := writeAtomic(j.in.path, r.Src, r.Out); err != nil {
				j.err = err
			}
		}
		if list && r.Changed() {
			j.output = append([]byte(displayPath(j.in.path)+"\n"), j.output...)
		}
	}, func(j *job) {
		if j.err != nil {
			failed = true
			fmt.Fprintf(stderr, "%s: %s\n", displayPath(j.in.path), oneLine(j.err))
			return
		}
		stdout.Write(j.output)
		if j.res.Changed() {
			changed = true
		}
		if len(j.res.Findings) > 0 {
			findings = true
		}
		stats.add(j.res)
	})
	if m == modeCheck && c.Bool("statistics") {
		stats.print(stdout)
	}
	switch {
	case failed:
		return exitCode(exitError)
	case m == modeDiff && changed, m == modeFix && list && changed, m == modeCheck && findings:
		return exitCode(exitChanges)
	}
	return nil
}

// each runs work on a pool of n workers and calls done for every job in
// input order, as soon as that job and all before it are finished.
func each(inputs []input, n int, work func(*job), done func(*job)) {
	ready := make([]chan *job, len(inputs))
	for i := range ready {
		ready[i] = make(chan *job, 1)
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := &job{in: inputs[i]}
				if j.in.err != nil {
					j.err = j.in.err
				} else {
					work(j)
				}
				ready[i] <- j
			}
		}()
	}
	go func() {
		for i := range inputs {
			next <- i
		}
		close(next)
	}()
	for i := range inputs {
		done(<-ready[i])
		ready[i] = nil
	}
	wg.Wait()
}

func processOne(stdin io.Reader, chain *transform.Chain, in input, ctxDir string) (*transform.Result, error) {
	var src []byte
	var err error
	if in.path == "-" {
		src, err = io.ReadAll(io.LimitReader(stdin, maxFileSize+1))
	} else {
		src, err = readFile(in.path)
	}
	if err != nil {
		return nil, err
	}
	if len(src) > maxFileSize {
		return nil, fmt.Errorf("file larger than %d MiB: not a Dockerfile", maxFileSize>>20)
	}
	var bctx *transform.BuildContext
	switch {
	case ctxDir != "":
		bctx, err = transform.NewBuildContext(ctxDir, in.path)
	case in.path != "-":
		bctx, err = transform.NewBuildContext(filepath.Dir(in.path), in.path)
	}
	if err != nil {
		return nil, fmt.Errorf("build context: %v", err)
	}
	return chain.Run(in.path, src, bctx)
}

func readFile(path string) ([]byte, error) {
	// Stat first: opening a FIFO would block.
	st, err := os.Stat(path)
	if err != nil {
		return nil, cleanPathErr(err)
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, cleanPathErr(err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func displayPath(p string) string {
	if p == "-" {
		return "<stdin>"
	}
	return p
}

// diffPath is the path written in diff headers: slash-separated and
// relative to the working directory when possible, so `git apply` and
// `patch -p1` find the file.
func diffPath(p string) string {
	if p == "-" {
		return "Dockerfile"
	}
	if filepath.IsAbs(p) {
		if wd, err := os.Getwd(); err == nil {
			if rel, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(rel, "..") {
				p = rel
			}
		}
	}
	return filepath.ToSlash(filepath.Clean(p))
}

func formatFindings(r *transform.Result) []byte {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%s:%d: %s: %s (%s)\n", displayPath(r.Path), f.Line, f.Rule, f.Message, fixClass(f))
	}
	return []byte(b.String())
}

func fixClass(f transform.Reported) string {
	switch {
	case !f.HasFix() && !f.Applied:
		return "no fix"
	case f.Unsafe || isUnsafeRule(f.Rule):
		return "unsafe fix"
	}
	return "safe fix"
}

func isUnsafeRule(name string) bool {
	t := transform.Lookup(name)
	return t != nil && t.Unsafe
}

// statistics counts findings and files per rule.
type statistics struct {
	files, findings map[string]int
}

func newStatistics() *statistics {
	return &statistics{files: map[string]int{}, findings: map[string]int{}}
}

func (s *statistics) add(r *transform.Result) {
	seen := map[string]bool{}
	for _, f := range r.Findings {
		s.findings[f.Rule]++
		if !seen[f.Rule] {
			seen[f.Rule] = true
			s.files[f.Rule]++
		}
	}
}

func (s *statistics) print(w io.Writer) {
	var rules []string
	for r := range s.findings {
		rules = append(rules, r)
	}
	sort.Slice(rules, func(i, j int) bool {
		if s.findings[rules[i]] != s.findings[rules[j]] {
			return s.findings[rules[i]] > s.findings[rules[j]]
		}
		return rules[i] < rules[j]
	})
	fmt.Fprintf(w, "%-24s %8s %8s\n", "rule", "files", "findings")
	for _, r := range rules {
		fmt.Fprintf(w, "%-24s %8d %8d\n", r, s.files[r], s.findings[r])
	}
}
