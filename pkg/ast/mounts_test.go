package ast

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Mounts takes its last reading only for an expander that answers its
// words alike; each caller gets mounts of its own.
func TestMountsReading(t *testing.T) {
	d := parse(t, "FROM alpine\nRUN --mount=type=cache,target=$D/x --mount=type=secret,id=s,required echo\n")
	run := d.Instructions[1]
	vars := func(v string) func(string) (string, error) {
		return func(s string) (string, error) {
			if s == "$D/x" {
				return v + "/x", nil
			}
			return s, nil
		}
	}
	targets := func(expand func(string) (string, error)) []string {
		ms, err := d.Mounts(run, expand)
		require.NoError(t, err)
		require.Len(t, ms, 2)
		require.Same(t, &run.Flags[0], ms[0].Flag)
		require.Same(t, &run.Flags[1], ms[1].Flag)
		require.True(t, ms[1].Required)
		out := []string{ms[0].Target, ms[1].CacheID}
		ms[0].Target = "changed by the caller"
		return out
	}
	require.Equal(t, []string{"a/x", "s"}, targets(vars("a")))
	require.Equal(t, []string{"a/x", "s"}, targets(vars("a")))
	require.Equal(t, []string{"b/x", "s"}, targets(vars("b")))
	require.Equal(t, []string{"$D/x", "s"}, targets(nil))
	require.Equal(t, []string{"a/x", "s"}, targets(vars("a")))
	// Another document with the same flags, under other values.
	d = parse(t, "FROM alpine\nRUN --mount=type=cache,target=$D/x --mount=type=secret,id=s,required true\n")
	run = d.Instructions[1]
	require.Equal(t, []string{"c/x", "s"}, targets(vars("c")))
	require.Equal(t, []string{"a/x", "s"}, targets(vars("a")))
}

// A `# check=` comment above the RUN is read as BuildKit reads it
// (BuildKit's parser without a linter fails on it).
func TestMountsUnderCheckComment(t *testing.T) {
	d := parse(t, "FROM alpine\n# check=skip=all\nRUN --mount=type=cache,target=/var/cache/apk apk add curl\n")
	ms, err := d.Mounts(d.Instructions[1], nil)
	require.NoError(t, err)
	require.Len(t, ms, 1)
	require.Equal(t, "/var/cache/apk", ms[0].Target)
}
