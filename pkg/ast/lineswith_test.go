package ast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// LinesWith lists each line that holds the text once, whatever the line
// endings, and agrees with asking every line.
func TestLinesWith(t *testing.T) {
	for _, src := range []string{
		"FROM a\n# x global x global\nRUN b\n# global\n",
		"FROM a\r\n# global\r\nRUN b \\\r\n  global\r\n",
		"\ufeffFROM a\nRUN global",
		"FROM a\n",
	} {
		d, err := Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		var want []int
		for n := 1; n <= len(d.Lines); n++ {
			if strings.Contains(d.LineText(n), "global") {
				want = append(want, n)
			}
		}
		assert.Equal(t, want, d.LinesWith("global"), "%q", src)
		assert.Equal(t, want, d.LinesWith("global"), "%q, asked again", src)
	}
}
