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

// TestSettleLazily: WillMount settles only the directories it is asked
// about, and what it answers is what the fully settled plan says.
func TestSettleLazily(t *testing.T) {
	src := "FROM debian:12\nRUN apt-get update && apt-get install -y python3-pip && pip install flask\nCOPY x /root/.cache/pip/x\nRUN pip install requests\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	lazy := newPlan(&transform.Pass{Doc: d})
	full := planCacheMounts(&transform.Pass{Doc: d})
	ins := d.Instructions[1]
	require.Equal(t, full.WillMount(ins, "/var/cache/apt"), lazy.WillMount(ins, "/var/cache/apt"))
	require.Contains(t, lazy.byKey, "/root/.cache/pip", "pip's directory is not settled by a question about apt's")
	require.NotContains(t, lazy.byKey, "/var/cache/apt")
	require.False(t, full.WillMount(ins, "/root/.cache/pip"), "the COPY writes into pip's cache")
	require.Equal(t, full.WillMount(ins, "/root/.cache/pip"), lazy.WillMount(ins, "/root/.cache/pip"))
	require.NotContains(t, lazy.byKey, "/root/.cache/pip")
	require.Contains(t, lazy.byKey, "/var/lib/apt/lists", "apt's lists were not asked about")
}
