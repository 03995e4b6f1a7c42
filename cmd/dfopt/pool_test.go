package main

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestOrderedKeepsOrderAndBoundsWork(t *testing.T) {
	const total, window = 500, 8
	in := make(chan int)
	go func() {
		for i := range total {
			in <- i
		}
		close(in)
	}()
	var inFlight, peak atomic.Int64
	var got []int
	ordered(in, 4, window, func(i int) int {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		if i%50 == 0 {
			time.Sleep(2 * time.Millisecond) // a slow file holds the others back
		} else if rand.IntN(3) == 0 {
			time.Sleep(time.Duration(rand.IntN(100)) * time.Microsecond)
		}
		return i * 2
	}, func(r int) {
		inFlight.Add(-1)
		got = append(got, r)
	})
	assert.Len(t, got, total)
	for i, r := range got {
		assert.Equal(t, i*2, r)
	}
	assert.LessOrEqual(t, peak.Load(), int64(window), "no more than window values held at once")
}

func TestOrderedEmpty(t *testing.T) {
	in := make(chan int)
	close(in)
	called := false
	ordered(in, 3, 3, func(int) int { return 0 }, func(int) { called = true })
	assert.False(t, called)
}
