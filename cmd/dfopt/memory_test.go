package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMemoryBudget: the soft limit is softMemoryLimit until the files in
// flight ask for more, and comes back when they are done; it is left
// alone when not started ($GOMEMLIMIT set).
func TestMemoryBudget(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	limit := func() int64 { return debug.SetMemoryLimit(-1) }

	var off memoryBudget
	debug.SetMemoryLimit(math.MaxInt64)
	off.hold(1 << 20)
	require.Equal(t, int64(math.MaxInt64), limit())

	var m memoryBudget
	m.start()
	require.Equal(t, int64(softMemoryLimit), limit())
	m.hold(100 << 10) // a small file: the floor holds
	require.Equal(t, int64(softMemoryLimit), limit())
	m.hold(1 << 20) // a large one besides
	require.Equal(t, int64(perInputByte*(1<<20+100<<10)), limit())
	m.hold(-(1 << 20))
	require.Equal(t, int64(softMemoryLimit), limit())
	m.hold(-(100 << 10))
	require.Equal(t, int64(softMemoryLimit), limit())
}
