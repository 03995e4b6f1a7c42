//go:build !unix

package corpustest

import "time"

// cpuTime is unknown here: BenchDocs reports elapsed time only.
func cpuTime() time.Duration { return -1 }
