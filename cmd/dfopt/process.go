package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/dfopt/dfopt/pkg/config"
	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/dfopt/dfopt/pkg/report"
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

// windowPerJob is how many files per worker may be read, worked on or
// waiting for an earlier file to be printed (see ordered). A file waiting
// holds only what it prints (the file itself is gone); what it bounds is
// how long a worker idles behind a slow file. Simulated on the per-file
// times of the corpus one file per folder, two workers: a window of 8
// (4 per worker) ends 10% after the sum of the times divided by two, 16
// 6%, 64 (32 per worker) 0.3%.
const windowPerJob = 32

// runner is one fix, diff or check run: what the flags asked for.
type runner struct {
	mode              mode
	write, diff, list bool
	force             bool // write read-only and hard-linked files
	stat, color       bool
	format            string // check
	ctxDir            string
	stdin             io.Reader
	stdinName         string // --stdin-filename: standard input's name in diffs and reports
	includeGenerated  bool   // also fix files marked as generated
	// fixesOnly: nothing of the run reads the findings (see
	// findingsUnread), only the output and the files the fixes write.
	fixesOnly bool
	loader    *config.Loader
	// disk reads the build contexts, the folders walked and the paths
	// named in diffs, each once for the whole run (see transform.Disk).
	disk *transform.Disk
}

// job is one file's outcome, kept only until it is printed: the file's
// text is not kept, only what goes out.
type job struct {
	path     string
	name     string // as printed (--stdin-filename for standard input)
	uri      string // as in diff headers
	err      error
	output   []byte       // for stdout, in order
	report   *report.File // check
	stat     report.DiffStat
	changed  bool
	findings []transform.Reported
	warnings []string // for stderr: pragmas that do nothing
}

func process(c *cli.Context, m mode) error {
	r, err := newRunner(c, m)
	if err != nil {
		return err
	}
	exclude, err := discover.CompileGlobs(c.StringSlice("exclude"))
	if err != nil {
		return usageError{"--exclude: " + err.Error()}
	}
	stdout, buffered := bufferStdout(c.App.Writer)
	defer flushed(buffered) // an early return: what was written (a SARIF head)
	stderr := c.App.ErrWriter
	paths := c.Args().Slice()
	if len(paths) == 0 {
		return usageError{"no PATH given (use - for standard input)"}
	}
	if m == modeFix && !r.write && !r.diff && !r.list && (len(paths) != 1 || isDir(paths[0])) {
		return usageError{"fix on several files needs --write, --diff or --list"}
	}
	var rep report.Writer // last: it starts writing (the SARIF head)
	if m == modeCheck {
		r.format = c.String("format")
		if rep, err = report.NewWriter(r.format, stdout, tool()); err != nil {
			return usageError{err.Error()}
		}
	}
	jobs := c.Int("jobs")
	if jobs < 1 {
		jobs = runtime.NumCPU()
	}

	if r.write {
		defer cleanupOnSignal()()
	}
	walkOpts := discover.Options{Exclude: exclude, NoGitignore: c.Bool("no-gitignore")}
	prog := newProgress(stderr, c.Bool("quiet"))
	prog.count(paths, walkOpts)
	files := make(chan discover.File)
	go func() {
		// The rules list the same folders (a Dockerfile's context is its
		// folder): the walk's listings are theirs.
		opts := walkOpts
		opts.ReadDir = r.disk.ReadDir
		discover.Walk(paths, opts, func(f discover.File) bool {
			files <- f
			return true
		})
		close(files)
	}()

	out := &collector{
		stdout: stdout, stderr: stderr, buffered: buffered, rep: rep, prog: prog, stdoutOnTerminal: isTerminal(stdout),
		badConfigs: map[string]bool{}, stats: report.NewStatistics(), summary: report.NewSummary(),
	}
	ordered(files, jobs, windowPerJob*jobs, r.work, out.done)
	prog.finish()
	if rep != nil {
		out.check(rep.Close())
	}
	if m == modeCheck && c.Bool("statistics") {
		// Statistics follow the findings in text; they would break a JSON,
		// SARIF or annotation stream, so they go to stderr there.
		w := stdout
		if r.format != "text" {
			out.beforeStderr()
			w = stderr
		}
		out.check(out.stats.Write(w))
	}
	if r.stat {
		out.check(out.diffstat.Write(stdout, r.color))
	}
	out.beforeStderr()
	// The summary is for people: on standard error, when it is a terminal
	// and the run covered several files, or when asked for with --summary.
	if !c.Bool("quiet") && (c.Bool("summary") || (isTerminal(stderr) && out.summary.Files > 1)) {
		out.summary.Write(stderr, r.write)
	}
	return out.status(m, r)
}

// findingsUnread reports a run whose output never reads the findings:
// not check (reports, statistics, its exit status), and no summary
// (counts of fixes and pending fixes), which is written unless --quiet,
// with --summary or on a terminal. The diff, the fixed text, --write,
// --list and --stat read the chain's output and files alone.
func findingsUnread(c *cli.Context, m mode, stderr io.Writer) bool {
	summary := !c.Bool("quiet") && (c.Bool("summary") || isTerminal(stderr))
	return m != modeCheck && !summary
}

// status is the run's exit status: 2 for an error, 1 for changes or
// findings where they count.
func (o *collector) status(m mode, r *runner) error {
	switch {
	case o.writeErr != nil:
		fmt.Fprintf(o.stderr, "dfopt: writing output: %s\n", oneLine(o.writeErr))
		return exitCode(exitError)
	case o.failed:
		return exitCode(exitError)
	case m == modeDiff && o.changed, m == modeFix && r.list && o.changed, m == modeCheck && o.findings:
		return exitCode(exitChanges)
	}
	return nil
}

// newRunner reads what the flags ask for.
func newRunner(c *cli.Context, m mode) (*runner, error) {
	r := &runner{mode: m, stdin: c.App.Reader, ctxDir: c.String("context"), stdinName: c.String("stdin-filename"),
		includeGenerated: c.Bool("include-generated"), disk: transform.NewDisk(),
		fixesOnly: findingsUnread(c, m, c.App.ErrWriter)}
	if r.ctxDir != "" && !isDir(r.ctxDir) {
		return nil, usageError{fmt.Sprintf("--context %s: not a folder", r.ctxDir)}
	}
	if m == modeFix {
		r.write, r.diff, r.list, r.force = c.Bool("write"), c.Bool("diff"), c.Bool("list"), c.Bool("force")
	}
	cliLayer, err := commandLineSettings(c)
	if err != nil {
		return nil, err
	}
	r.loader, err = config.NewLoader(c.String("config"), c.Bool("no-config"), cliLayer)
	if err != nil {
		return nil, usageError{err.Error()}
	}
	r.loader.ReadThrough(r.disk)
	if m == modeDiff || r.diff {
		r.color, err = colorWanted(c.String("color"), c.App.Writer)
		if err != nil {
			return nil, err
		}
		r.stat = m == modeDiff && c.Bool("stat")
	}
	return r, nil
}

// bufferStdout buffers standard output when it is not a terminal: one
// write per 64 KiB, not one per file. The collector flushes it before it
// writes to standard error (beforeStderr), so that the two keep their
// order when they go to one file.
func bufferStdout(stdout io.Writer) (io.Writer, *bufio.Writer) {
	if isTerminal(stdout) {
		return stdout, nil
	}
	b := bufio.NewWriterSize(stdout, 64<<10)
	return b, b
}

// flushed flushes b, when there is one (its error is the collector's).
func flushed(b *bufio.Writer) {
	if b != nil {
		b.Flush()
	}
}

// collector prints each file's outcome, in order, on the goroutine that
// runs the pool, and keeps the run's totals.
type collector struct {
	stdout, stderr   io.Writer
	buffered         *bufio.Writer // stdout's buffer, nil when stdout is a terminal
	rep              report.Writer // check
	prog             *progress
	stdoutOnTerminal bool

	failed, changed, findings bool
	badConfigs                map[string]bool // config files already reported
	stats                     *report.Statistics
	summary                   *report.Summary
	diffstat                  report.DiffStat
	writeErr                  error // the first failed write to stdout
}

func (o *collector) check(err error) {
	if err != nil && o.writeErr == nil {
		o.writeErr = err
	}
}

// beforeStderr flushes standard output before a write to standard
// error, so that the two keep their order when they go to one file.
func (o *collector) beforeStderr() {
	if o.buffered != nil {
		o.check(o.buffered.Flush())
	}
}

func (o *collector) done(j *job) {
	defer o.prog.step()
	if j.err != nil || len(j.warnings) > 0 {
		o.beforeStderr()
	}
	if j.err != nil || len(j.warnings) > 0 || (o.stdoutOnTerminal && (len(j.output) > 0 || j.report != nil)) {
		o.prog.clear() // take the bar off the line before printing
	}
	for _, w := range j.warnings {
		fmt.Fprintln(o.stderr, w)
	}
	if j.err != nil {
		o.failed = true
		line := j.name + ": " + oneLine(j.err)
		var cfgErr *config.Error
		if errors.As(j.err, &cfgErr) {
			// A broken config file is reported once, not for every
			// Dockerfile under it; those are not processed.
			line = j.name + ": not processed: invalid configuration " + cfgErr.Path
			if !o.badConfigs[cfgErr.Path] {
				o.badConfigs[cfgErr.Path] = true
				fmt.Fprintf(o.stderr, "dfopt: %s\n", oneLine(cfgErr))
			}
		} else {
			fmt.Fprintln(o.stderr, line)
		}
		if fw, ok := o.rep.(report.FailureWriter); ok {
			o.check(fw.Failed(j.uri, line))
		}
		o.summary.AddError(line)
		return
	}
	_, err := o.stdout.Write(j.output)
	o.check(err)
	if o.rep != nil && j.report != nil {
		o.check(o.rep.File(j.report))
	}
	o.diffstat.Merge(&j.stat)
	o.changed = o.changed || j.changed
	o.findings = o.findings || len(j.findings) > 0
	o.stats.Add(j.findings)
	o.summary.AddResult(j.changed, j.findings)
}

// commandLineSettings is the command line's layer over the configuration
// files: only what was given on the command line.
func commandLineSettings(c *cli.Context) (*config.Settings, error) {
	s := &config.Settings{}
	if c.IsSet("select") {
		s.Select = ruleList(c, "select") // "" leaves the selection as it is
	}
	if c.IsSet("ignore") {
		s.Ignore = ruleList(c, "ignore")
	}
	if _, err := transform.Select(s.Select, s.Ignore); err != nil {
		return nil, usageError{err.Error()}
	}
	if c.IsSet("unsafe") {
		u := c.Bool("unsafe")
		s.Unsafe = &u
	}
	if c.IsSet("syntax") {
		s.Syntax = c.String("syntax")
		switch s.Syntax {
		case "auto", "always", "never":
		default:
			return nil, usageError{fmt.Sprintf("--syntax must be auto, always or never, not %q", s.Syntax)}
		}
	}
	set := func(rule, key, value string) {
		if s.Rules == nil {
			s.Rules = map[string]map[string]string{}
		}
		if s.Rules[rule] == nil {
			s.Rules[rule] = map[string]string{}
		}
		s.Rules[rule][key] = value
	}
	for _, o := range c.StringSlice("option") {
		rk, v, ok := strings.Cut(o, "=")
		rule, key, ok2 := strings.Cut(rk, ".")
		if !ok || !ok2 || rule == "" || key == "" {
			return nil, usageError{fmt.Sprintf("--option %q: want RULE.KEY=VALUE", o)}
		}
		if err := transform.CheckOption(transform.All(), rule, key, v); err != nil {
			return nil, usageError{fmt.Sprintf("--option %q: %v", o, err)}
		}
		set(rule, key, v)
	}
	for _, o := range c.StringSlice("runtime-image") {
		pat, img, ok := strings.Cut(o, "=")
		if !ok || pat == "" || img == "" {
			return nil, usageError{fmt.Sprintf("--runtime-image %q: want ECOSYSTEM=IMAGE", o)}
		}
		if err := transform.CheckOption(transform.All(), "multi-stage", "runtime-image."+pat, img); err != nil {
			return nil, usageError{fmt.Sprintf("--runtime-image %q: %v", o, err)}
		}
		set("multi-stage", "runtime-image."+pat, img)
	}
	return s, nil
}

// ruleList reads a repeatable comma-separated flag: every value given
// adds up (--select a --select b,c selects a, b and c).
func ruleList(c *cli.Context, name string) []string {
	var out []string
	for _, v := range c.StringSlice(name) {
		out = append(out, transform.SplitList(v)...)
	}
	return out
}

// colorWanted decides whether diffs are colored: always, never, or (auto)
// when stdout is a terminal, NO_COLOR is unset or empty and TERM is not
// dumb. --color=always beats NO_COLOR, as no-color.org asks.
func colorWanted(flag string, stdout io.Writer) (bool, error) {
	switch flag {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		return os.Getenv("NO_COLOR") == "" && os.Getenv("TERM") != "dumb" && isTerminal(stdout), nil
	}
	return false, usageError{fmt.Sprintf("--color must be auto, always or never, not %q", flag)}
}

// work processes one file on a worker.
func (r *runner) work(f discover.File) *job {
	j := &job{path: f.Path, name: r.display(f.Path), uri: r.diffName(f.Path), err: f.Err}
	if j.err != nil {
		return j
	}
	chain, _, err := r.loader.Chain(f.Path)
	if err != nil {
		j.err = err
		return j
	}
	if r.fixesOnly {
		fixes := *chain // the loader's chain is shared: a copy
		fixes.FixesOnly = true
		chain = &fixes
	}
	res, warning, err := r.processOne(chain, f)
	if err != nil {
		j.err = err
		return j
	}
	if warning != "" {
		j.warnings = append(j.warnings, j.name+": warning: "+warning)
	}
	j.changed, j.findings = res.Changed(), res.Findings
	for _, p := range transform.CheckPragmas(res.Src) {
		j.warnings = append(j.warnings, fmt.Sprintf("%s:%d: warning: %s", j.name, p.Line, p.Message))
	}
	// Each header names the Dockerfile: its name is the one found above.
	name := func(p string) string {
		if p == f.Path {
			return j.uri
		}
		return r.diffName(p)
	}
	switch {
	case r.mode == modeCheck:
		j.report = &report.File{Path: j.name, URI: j.uri, Findings: res.Findings}
		switch r.format {
		case "json":
			j.report.Fixes = report.FindingFixes(res, name)
		case "rdjson":
			j.report.Suggestions = report.Suggestions(res)
		}
	case r.stat:
		j.stat.AddResult(res, name)
	case r.mode == modeDiff || r.diff:
		j.output = report.Diff(res, name)
		if r.color {
			j.output = report.ColorDiff(j.output)
		}
	case r.mode == modeFix && !r.write && !r.list:
		j.output = res.Out // one file: the Dockerfile only
		for _, fc := range res.Files {
			j.warnings = append(j.warnings, fmt.Sprintf("%s: the fix also writes %s (not printed: see it with --diff, write it with --write)", j.name, diffPathOn(r.disk, fc.Path)))
		}
	}
	if r.write && res.Changed() {
		if f.Path == "-" {
			j.output = res.Out
		} else if err := r.write1(res); err != nil {
			j.err = err
			return j
		}
	}
	if r.list && res.Changed() {
		j.output = append([]byte(j.name+"\n"), j.output...)
	}
	return j
}

// processOne reads a file and runs the chain on it, with its build
// context (none for standard input without --context). A file without
// instructions, or marked as generated (unless --include-generated), is
// left unchanged, with the warning that says why.
func (r *runner) processOne(chain *transform.Chain, f discover.File) (*transform.Result, string, error) {
	path := f.Path
	var src []byte
	var err error
	if path == "-" {
		src, err = io.ReadAll(io.LimitReader(r.stdin, maxFileSize+1))
	} else {
		src, err = readFound(path, f.Regular)
	}
	if err != nil {
		return nil, "", err
	}
	if len(src) > maxFileSize {
		return nil, "", fmt.Errorf("file larger than %d MiB: not a Dockerfile", maxFileSize>>20)
	}
	memory.hold(len(src))
	defer memory.hold(-len(src))
	unchanged := &transform.Result{Path: path, Src: src, Out: src}
	switch c := discover.Inspect(src); {
	case c.Empty:
		return unchanged, "no instructions (empty, or comments only): nothing to do", nil
	case c.Generated != nil && !r.includeGenerated:
		return unchanged, c.Generated.Message(), nil
	}
	var bctx *transform.BuildContext
	switch {
	case r.ctxDir != "":
		bctx, err = r.disk.Context(r.ctxDir, path)
	case path != "-":
		bctx, err = r.disk.Context(filepath.Dir(path), path)
	}
	if err != nil {
		return nil, "", fmt.Errorf("build context: %v", err)
	}
	res, err := chain.Run(path, src, bctx)
	return res, "", err
}

// write1 writes a file's fix, then has the run's Disk forget what it
// knew of the files written: the next Dockerfile sees them as they now are.
func (r *runner) write1(res *transform.Result) error {
	defer func() {
		r.disk.Forget(res.Path)
		for _, f := range res.Files {
			r.disk.Forget(f.Path)
		}
	}()
	return writeResult(res, r.force)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func oneLine(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// display is a path as printed: standard input is <stdin>, or the name
// --stdin-filename gives it.
func (r *runner) display(p string) string {
	if p == "-" && r.stdinName != "" {
		return r.stdinName
	}
	return displayPath(p)
}

// diffName is a path as diff headers and machine reports write it.
func (r *runner) diffName(p string) string {
	if p == "-" && r.stdinName != "" {
		return diffPathOn(r.disk, r.stdinName)
	}
	return diffPathOn(r.disk, p)
}
