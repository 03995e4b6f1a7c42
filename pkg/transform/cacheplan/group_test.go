package cacheplan

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// TestGroupWriteBeforeLastUse: a COPY into a cache directory conflicts
// with the RUNs of its stage that use the directory only when one of them
// comes after it (group.last), and a stage built on that stage counts
// too (its lineage).
func TestGroupWriteBeforeLastUse(t *testing.T) {
	const install = "RUN apt-get update && apt-get install -y curl\n"
	const copyIn = "COPY x /var/cache/apt/x\n"
	drops := func(src string) []string {
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		c := planCacheMounts(&transform.Pass{Doc: d})
		var out []string
		for _, r := range c.Runs {
			for _, u := range r.Uses {
				if u.Key == "/var/cache/apt" {
					out = append(out, u.Drop)
				}
			}
		}
		return out
	}
	const why = "COPY at line 3 writes into /var/cache/apt"
	require.Equal(t, []string{why, why}, drops("FROM debian:12\n"+install+copyIn+install))
	require.Equal(t, []string{"", ""}, drops("FROM debian:12\n"+install+install+copyIn))
	require.Equal(t, []string{why, why}, drops("FROM debian:12 AS a\n"+install+copyIn+"FROM a\n"+install))
	require.Equal(t, []string{"", ""}, drops("FROM debian:12 AS a\n"+install+copyIn+"FROM debian:12\n"+install))
}
