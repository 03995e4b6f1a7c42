package main

import (
	"os"
	"runtime/pprof"
)

// profiled runs f under the CPU profiler when $DFOPT_CPUPROFILE names a
// file to write the profile to (`go tool pprof bin/dfopt FILE`), so that
// the real binary can be profiled on a real tree.
func profiled(f func() int) int {
	path := os.Getenv("DFOPT_CPUPROFILE")
	if path == "" {
		return f()
	}
	out, err := os.Create(path)
	if err != nil {
		return f()
	}
	defer out.Close()
	if err := pprof.StartCPUProfile(out); err != nil {
		return f()
	}
	defer pprof.StopCPUProfile()
	return f()
}
