package apthygiene

import (
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/require"
)

func TestAskers(t *testing.T) {
	for cmd, want := range map[string]bool{
		"apt-get install x":                                    true,
		"apt-get install -y x":                                 false,
		"apt-get -y install x":                                 false,
		"apt-get install --yes x":                              false,
		"apt-get install --assume-yes x":                       false,
		"apt-get -qq install x":                                false,
		"apt-get -q -q install x":                              false,
		"apt-get -q install x":                                 true,
		"apt-get -yq install x":                                false,
		"apt-get -qy install x":                                false,
		"apt-get -o APT::Get::Assume-Yes=true install":         false,
		"apt-get -s install x":                                 false,
		"apt install x":                                        true,
		"apt-get remove x":                                     true,
		"apt-get update":                                       false,
		"yes | apt-get install x":                              false,
		"sudo apt-get install x":                               true,
		"sudo -E apt-get install x":                            true,
		"env DEBIAN_FRONTEND=noninteractive apt-get install x": true,
		"env -u HOME apt-get install x":                        true,
		"eatmydata apt-get install x":                          true,
		"env -C /tmp apt-get install x":                        false,
		"dnf install x":                                        true,
		"dnf --setopt=tsflags=nodocs install x":                true,
		"dnf -c /etc/x.conf install x":                         true,
		"dnf --setopt=assumeyes=True install x":                false,
		"dnf install --assumeyes x":                            false,
		"dnf -q -y install x":                                  false,
		"dnf -qy install x":                                    false,
		"dnf install --assumeno x":                             false,
		"dnf makecache":                                        false,
		"dnf5 upgrade":                                         true,
		"yum groupinstall 'Development Tools'":                 true,
		"yum install -y x":                                     false,
		"microdnf install x":                                   true,
		"microdnf -y install x":                                false,
		"tdnf install x":                                       true,
		"zypper install x":                                     true,
		"zypper in x":                                          true,
		"zypper -n in x":                                       false,
		"zypper --non-interactive install x":                   false,
		"zypper install -y x":                                  false,
		"zypper in --no-confirm x":                             false,
		"zypper refresh":                                       false,
		"zypper --root /x install x":                           true,
		"$PM install x":                                        false,
	} {
		d, run := ruletest.LastRun(t, "FROM debian\nRUN "+cmd+"\n")
		s := d.Shell(run)
		got := askers(s, func(words ...string) bool {
			return slices.ContainsFunc(words, func(w string) bool { return strings.Contains(s.Text, w) })
		})
		require.Equal(t, want, len(got) == 1, cmd)
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

// In a later pass without --unsafe the rule gives the safe fixes the
// long way gives, and nothing else, on golden and corpus inputs and the
// chain's outputs of them.
func TestOnlyFixes(t *testing.T) {
	recommends := 0
	for _, doc := range ruletest.PassDocs(t) {
		var want []transform.Finding
		for _, f := range run(&transform.Pass{Doc: doc, Options: &transform.Options{}}, false) {
			if f.HasFix() && !f.Unsafe {
				want = append(want, f)
			}
			if f.Unsafe {
				recommends++
			}
		}
		got := run(&transform.Pass{Doc: doc, Options: &transform.Options{}}, true)
		require.Equal(t, want, got, "%s:\n%s", doc.Path, doc.Src)
	}
	require.Greater(t, recommends, 10, "unsafe fixes left out")
}
