package main

import (
	"runtime/debug"
	"sync"
)

// The soft memory limit (debug.SetMemoryLimit) follows the files being
// fixed. The live heap is near 300 bytes per byte of a file in flight (a
// generated file of 10,000 RUNs: 444 KB, about 130 MB live), so the limit
// is the larger of softMemoryLimit and perInputByte times the bytes in
// flight: that file runs in 1.7 s and 194 MB (with no limit: 538 MB; at
// 160 MiB the collector ran so often that it took 2.2 s), and a larger
// one gets room in proportion instead of a collector that never pauses
// (17,000 RUNs under a fixed 176 MiB: 3x slower).
const (
	softMemoryLimit = 176 << 20
	perInputByte    = 400
)

// memoryBudget keeps the limit in step with the files in flight; it does
// nothing until started (not when $GOMEMLIMIT is set).
type memoryBudget struct {
	mu       sync.Mutex
	on       bool
	inFlight int64
	limit    int64 // as last set
}

var memory memoryBudget

func (m *memoryBudget) start() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.on, m.limit = true, softMemoryLimit
	debug.SetMemoryLimit(m.limit)
}

// hold counts n more bytes in flight (negative: done with them).
func (m *memoryBudget) hold(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.on {
		return
	}
	m.inFlight += int64(n)
	if now := max(softMemoryLimit, perInputByte*m.inFlight); now != m.limit {
		m.limit = now
		debug.SetMemoryLimit(now)
	}
}
