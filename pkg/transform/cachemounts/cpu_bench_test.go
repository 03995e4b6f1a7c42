package cachemounts

import (
	"syscall"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkCorpusCPU is BenchmarkCorpus measured in CPU time (user and
// system, every thread of the process), which a busy machine disturbs
// less than elapsed time. Documents and their shells are read once, so
// iterations after the first see the shell analysis warm, as later rules
// of a pass do.
func BenchmarkCorpusCPU(b *testing.B) {
	opts := &transform.Options{Syntax: "auto"}
	docs := corpustest.Docs(b)
	for _, d := range docs {
		for _, ins := range d.Instructions {
			if ins.Cmd == "run" {
				d.Shell(ins)
			}
		}
	}
	start := cpuTime()
	b.ResetTimer()
	for range b.N {
		for _, d := range docs {
			runCacheMounts(&transform.Pass{Doc: d, Options: opts})
		}
	}
	b.ReportMetric(float64((cpuTime()-start).Microseconds())/float64(b.N)/1000, "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
