package cacheplan

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCandidatesAreTheTableRows: the index FindInvocations looks programs
// up in gives the rows a scan of the table would, in the table's order.
func TestCandidatesAreTheTableRows(t *testing.T) {
	scan := func(name, module string) []*Manager {
		var out []*Manager
		for _, m := range Managers {
			if module != "" && m.Module == module || module == "" && progMatches(name, m.Progs) {
				out = append(out, m)
			}
		}
		return out
	}
	names := []string{"", "3", "3.12", "x", "python3", "bash"}
	for _, m := range Managers {
		for _, p := range m.Progs {
			names = append(names, p, p+"3", p+"3.12", p+".", p+"x", "x"+p, p[:len(p)-1])
		}
	}
	for _, n := range names {
		require.Equal(t, scan(n, ""), candidates(n, ""), n)
	}
	for _, m := range Managers {
		if m.Module != "" {
			require.Equal(t, scan(m.Module, m.Module), candidates(m.Module, m.Module), m.Module)
			require.NotEmpty(t, candidates(m.Module, m.Module))
		}
	}
	require.Empty(t, candidates("pip", "nosuchmodule"))
}
