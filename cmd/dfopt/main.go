// Command dfopt rewrites Dockerfiles so they build fast and cache well.
package main

import (
	"os"
	"runtime/debug"

	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
)

func main() {
	// dfopt's live heap is small (a few files in flight), so the default
	// GOGC=100 collects very often: on a tree of 10,000 Dockerfiles the
	// collector cost a third of the run. 400 keeps the peak near 30 MB and
	// halves the time. $GOGC still wins when set.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// GOGC=400 lets the heap grow to five times what is live: a file of
	// 10,000 RUNs (a live heap near 130 MB) peaked at 538 MB. A soft
	// memory limit makes the collector run as often as it must instead
	// (memory.go). $GOMEMLIMIT still wins when set.
	if os.Getenv("GOMEMLIMIT") == "" {
		memory.start()
	}
	os.Exit(profiled(func() int { return run(os.Args, os.Stdin, os.Stdout, os.Stderr) }))
}
