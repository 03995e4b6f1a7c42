package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// While the files are still being counted a spinner shows, never a bar
// whose total moves; the bar starts with the final total.
func TestProgressTotalKnownBeforeBar(t *testing.T) {
	var b bytes.Buffer
	p := &progress{w: &b, enabled: true}
	p.found.Store(70) // counted so far; the walk is not over
	for range progressMin {
		p.step()
	}
	assert.Nil(t, p.bar, "few files so far: nothing")
	p.step()
	require.NotNil(t, p.bar)
	assert.True(t, p.spinner, "total unknown: a spinner")
	p.found.Store(120)
	p.complete.Store(true)
	p.step()
	require.NotNil(t, p.bar)
	assert.Equal(t, 120, p.bar.GetMax(), "the bar starts with the final total")
	assert.Equal(t, progressMin+2, int(p.bar.State().CurrentNum))
	for range 10 {
		p.step()
	}
	assert.Equal(t, 120, p.bar.GetMax(), "and keeps it")
	p.finish()
}
