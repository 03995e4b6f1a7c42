package apthygiene

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/require"
)

func TestAptAssumesYes(t *testing.T) {
	for cmd, want := range map[string]bool{
		"apt-get install x":                            false,
		"apt-get install -y x":                         true,
		"apt-get -y install x":                         true,
		"apt-get install --yes x":                      true,
		"apt-get install --assume-yes x":               true,
		"apt-get -qq install x":                        true,
		"apt-get -q -q install x":                      true,
		"apt-get -q install x":                         false,
		"apt-get -yq install x":                        true,
		"apt-get -qy install x":                        true,
		"apt-get -o APT::Get::Assume-Yes=true install": true,
		"apt-get -s install x":                         true,
		"apt install x":                                false,
	} {
		d, run := ruletest.LastRun(t, "FROM debian\nRUN "+cmd+"\n")
		invs := cacheplan.FindInvocations(nil, d.Shell(run).Commands)
		require.Len(t, invs, 1, cmd)
		require.Equal(t, want, aptAssumesYes(invs[0]), cmd)
	}
}

// runHygiene runs apt-hygiene alone (and with cache-mounts after it) and
// returns the output.
func runHygiene(t *testing.T, src string, rules ...string) string {
	t.Helper()
	sel, err := transform.Select(append([]string{transform.AptHygieneRule}, rules...), nil)
	require.NoError(t, err)
	chain := &transform.Chain{Transforms: sel, Options: transform.Options{Syntax: "never"}}
	res, err := chain.Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	return string(res.Out)
}

func TestAptHygiene(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
		rules           []string
	}{
		{
			name: "merge, -y and the lists",
			src:  "FROM debian\nRUN apt-get update\nRUN apt-get install git\n",
			want: "FROM debian\nRUN apt-get update && \\\n    apt-get install -y git && rm -rf /var/lib/apt/lists/*\n",
		},
		{
			name: "no merge across another instruction",
			src:  "FROM debian\nRUN apt-get update\nENV A=1\nRUN apt-get install -y git\n",
			want: "FROM debian\nRUN apt-get update\nENV A=1\nRUN apt-get install -y git\n",
		},
		{
			name: "no merge when the next RUN has flags",
			src:  "FROM debian\nRUN apt-get update\nRUN --network=host apt-get install -y git\n",
			want: "FROM debian\nRUN apt-get update\nRUN --network=host apt-get install -y git\n",
		},
		{
			name: "the lists stay for a later install without update",
			src:  "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n",
			want: "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN apt-get install -y git\n",
		},
		{
			name: "a cache mount on the lists",
			src:  "FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n",
			want: "FROM debian\nRUN --mount=type=cache,target=/var/lib/apt apt-get update && apt-get install -y curl\n",
		},
		{
			name:  "cache-mounts later in the chain keeps the lists out of the image",
			src:   "FROM debian\nRUN apt-get update && apt-get install -y curl\n",
			want:  "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\\n    apt-get update && apt-get -o Dir::Cache::Archives=/var/cache/apt/keep/ install -y curl\n",
			rules: []string{transform.CacheMountsRule},
		},
		{
			name: "apk",
			src:  "FROM alpine\nRUN apk update && apk add --virtual .b gcc && apk del .b\n",
			want: "FROM alpine\nRUN apk add --no-cache --virtual .b gcc && apk del .b\n",
		},
		{
			name: "dnf",
			src:  "FROM fedora\nRUN dnf install -y gcc\n",
			want: "FROM fedora\nRUN dnf install -y gcc && dnf clean all\n",
		},
		{
			name: "a trailing semicolon",
			src:  "FROM debian\nRUN apt-get update; apt-get install -y curl;\n",
			want: "FROM debian\nRUN apt-get update; apt-get install -y curl && rm -rf /var/lib/apt/lists/*;\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, runHygiene(t, tc.src, tc.rules...))
		})
	}
}
