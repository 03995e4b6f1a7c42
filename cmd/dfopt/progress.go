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

// step counts a finished file (the collecting goroutine only).
func (p *progress) step() {
	p.done++
	if !p.enabled {
		return
	}
	total := int(p.found.Load())
	if !p.complete.Load() {
		total = max(total, p.done+1) // not finished before the count is
	}
	total = max(total, p.done)
	if p.bar == nil {
		if total <= progressMin {
			return
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("dfopt"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionUseANSICodes(true),
			progressbar.OptionClearOnFinish(),
		)
		p.bar.Set(p.done)
		return
	}
	if p.bar.GetMax() != total {
		p.bar.ChangeMax(total)
	}
	p.bar.Add(1)
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
