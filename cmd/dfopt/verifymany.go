package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/dfopt/dfopt/pkg/verify"
	"github.com/schollz/progressbar/v3"
	"github.com/urfave/cli/v2"
)

// verifyMany verifies every Dockerfile under the paths against one
// daemon, --jobs at a time, and prints a table (or one JSON document).
func verifyMany(ctx context.Context, c *cli.Context, a verifyFlags) error {
	stderr := c.App.ErrWriter
	var files []discover.File
	discover.Walk(a.paths, discover.Options{}, func(f discover.File) bool {
		files = append(files, f)
		return true
	})
	if len(files) == 0 {
		fmt.Fprintf(stderr, "dfopt: no Dockerfile found under %s\n", strings.Join(a.paths, ", "))
		return exitCode(exitError)
	}
	d, err := verify.Connect(ctx, a.addr, a.tls, 15*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "dfopt: %s\n", oneLine(err))
		return exitCode(exitError)
	}
	defer d.Close()

	batch := verify.NewBatch(a.addr)
	prog := newVerifyProgress(stderr, len(files), c.Bool("quiet"))
	results := make(chan *verify.Result)
	sem := make(chan struct{}, c.Int("jobs"))
	var wg sync.WaitGroup
	for _, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			results <- verifyEntry(ctx, c, a, d, f)
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	for r := range results {
		batch.Add(r)
		prog.done(r)
	}
	prog.finish()
	batch.Sort()
	if a.format == "json" {
		err = batch.WriteJSON(c.App.Writer)
	} else {
		err = batch.WriteText(c.App.Writer)
	}
	if err != nil {
		return err
	}
	return verifyExit(batch.Verdict)
}

// verifyEntry rewrites and verifies one Dockerfile of a batch.
func verifyEntry(ctx context.Context, c *cli.Context, a verifyFlags, d *verify.Daemon, f discover.File) *verify.Result {
	r := &verify.Result{Dockerfile: displayPath(f.Path)}
	fail := func(err error) *verify.Result {
		r.Verdict = verify.VerdictError
		r.Error = strings.TrimPrefix(strings.TrimPrefix(oneLine(err), "verify "), f.Path+": ")
		return r
	}
	if f.Err != nil {
		return fail(fmt.Errorf("%s: %s", f.Path, oneLine(f.Err)))
	}
	rw, err := verifyRewrite(c, a, f.Path)
	if err != nil {
		return fail(err)
	}
	if !rw.res.Changed() {
		r.Report = unchangedReport(f.Path, rw, a.addr)
	} else if r.Report, err = verifyBuild(ctx, d, f.Path, verifyOptions(c, f.Path, rw)); err != nil {
		return fail(err)
	}
	finishReport(r.Report, rw)
	return r
}

// verifyProgress shows how far a batch is: a bar on a terminal, a line
// per finished Dockerfile elsewhere, nothing with --quiet.
type verifyProgress struct {
	w        io.Writer
	quiet    bool
	total, n int
	bar      *progressbar.ProgressBar
}

func newVerifyProgress(w io.Writer, total int, quiet bool) *verifyProgress {
	p := &verifyProgress{w: w, quiet: quiet, total: total}
	if !quiet && isTerminal(w) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(w),
			progressbar.OptionSetDescription("verify"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionShowElapsedTimeOnFinish(),
			progressbar.OptionSpinnerType(14),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionClearOnFinish(),
		)
		_ = p.bar.RenderBlank()
	}
	return p
}

func (p *verifyProgress) done(r *verify.Result) {
	p.n++
	switch {
	case p.quiet:
	case p.bar != nil:
		p.bar.Describe(fmt.Sprintf("verify (last: %s %s)", r.Dockerfile, r.Verdict))
		_ = p.bar.Add(1)
	default:
		fmt.Fprintf(p.w, "verify: [%d/%d] %s: %s\n", p.n, p.total, r.Dockerfile, r.Verdict)
	}
}

func (p *verifyProgress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		_ = p.bar.Clear()
	}
}
