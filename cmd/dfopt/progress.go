package main

import (
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// isTerminal reports whether w is a terminal (a variable so that tests
// can pretend).
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressMin is the number of files above which a run shows a progress
// bar: a small run is over before a bar would tell anything.
const progressMin = 50

// progress is the bar on standard error: only on a terminal, not with
// --quiet, and only once the run has more than progressMin files.
//
// The walk that feeds the workers is held back by them (it stays a few
// files ahead, so memory stays bounded), so it cannot tell how many files
// there are. When the bar may show, a second walk only counts them: it
// reads folders, not files, and runs ahead.
type progress struct {
	w        io.Writer
	enabled  bool
	found    atomic.Int64 // files counted so far
	complete atomic.Bool  // the count is final
	done     int
	bar      *progressbar.ProgressBar
	spinner  bool // bar is a spinner: the total is not known yet
}

func newProgress(w io.Writer, quiet bool) *progress {
	return &progress{w: w, enabled: !quiet && isTerminal(w)}
}

// count starts the counting walk when the bar may show.
func (p *progress) count(paths []string, opts discover.Options) {
	if !p.enabled {
		return
	}
	go func() {
		discover.Walk(paths, opts, func(discover.File) bool {
			p.found.Add(1)
			return true
		})
		p.complete.Store(true)
	}()
}

// step counts a finished file (the collecting goroutine only). Until the
// counting walk is over the total is unknown: past progressMin files a
// spinner with the count shows; the bar replaces it once the total is
// known, so the bar's total never moves.
func (p *progress) step() {
	p.done++
	if !p.enabled {
		return
	}
	if !p.complete.Load() {
		if p.bar == nil && p.done > progressMin {
			p.bar, p.spinner = p.newBar(-1), true
		}
		if p.bar != nil {
			p.bar.Add(1)
		}
		return
	}
	total := max(int(p.found.Load()), p.done)
	if p.spinner { // the total is now known
		p.bar.Clear()
		p.bar, p.spinner = nil, false
	}
	if p.bar == nil {
		if total <= progressMin {
			return
		}
		p.bar = p.newBar(total)
		p.bar.Set(p.done)
		return
	}
	p.bar.Add(1)
}

// newBar starts a bar to total, or a spinner for -1.
func (p *progress) newBar(total int) *progressbar.ProgressBar {
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("dfopt"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(total > 0),
		progressbar.OptionUseANSICodes(true),
		progressbar.OptionClearOnFinish(),
	)
}

// clear takes the bar off the line before something else is printed.
func (p *progress) clear() {
	if p.bar != nil {
		p.bar.Clear()
	}
}

// finish removes the bar for good.
func (p *progress) finish() {
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
