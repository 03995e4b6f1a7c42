package apthygiene

import (
	"slices"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/require"
)

// A RUN that mayConcern lets through is one whose commands the rule's
// finders may take; one it skips has none of them.
func TestMayConcern(t *testing.T) {
	for cmd, want := range map[string]bool{
		"apt-get install x":                              true,
		"/usr/bin/apt-get install x":                     true,
		"sudo -E apt-get install x":                      true,
		"env DEBIAN_FRONTEND=noninteractive apt install": true,
		"\"apt-get\" install x":                          true,
		"a\"pt-get\" install x":                          true,
		"xargs -a f apk add":                             true,
		"dnf5 upgrade":                                   true,
		"yum install x && microdnf install y":            true,
		"tdnf install x":                                 true,
		"zypper in x":                                    true,
		"echo hello > /log":                              false,
		"pip install x && npm ci":                        false,
		"$PM install x":                                  false,
	} {
		d, run := ruletest.LastRun(t, "FROM debian\nRUN "+cmd+"\n")
		s := d.Shell(run)
		require.Equal(t, want, mayConcern(s), cmd)
		if !want {
			require.Empty(t, askers(s, func(...string) bool { return false }), cmd)
			for _, inv := range cacheplan.FindInvocations(nil, s.Commands) {
				require.False(t, slices.Contains(ahManagers, inv.Manager.Name), cmd)
			}
		}
	}
}
