package cacheplan

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
)

func TestRPMCacheDirFollowsStages(t *testing.T) {
	for _, tc := range []struct {
		name, src, prog, dir string
		why                  string // a part of the reason when unknown
	}{
		{name: "fedora 41", src: "FROM fedora:41\nRUN dnf install -y git\n", prog: "dnf", dir: "/var/cache/libdnf5"},
		{name: "through stages", src: "FROM fedora:40 AS a\nFROM a AS b\nFROM b\nRUN dnf install -y git\n", prog: "dnf", dir: "/var/cache/dnf"},
		{name: "ubi minimal", src: "FROM registry.access.redhat.com/ubi9/ubi-minimal AS a\nFROM a\nRUN microdnf install -y tar\n", prog: "microdnf", dir: "/var/cache/yum"},
		{name: "ARG default is not taken", src: "ARG BASE=fedora:41\nFROM ${BASE}\nRUN dnf install -y git\n", prog: "dnf", why: "the default is fedora:41"},
		{name: "ARG through a stage", src: "ARG V=41\nFROM fedora:${V} AS a\nFROM a\nRUN dnf install -y git\n", prog: "dnf", why: "build argument"},
		{name: "unknown image", src: "FROM example.com/rpm:1\nRUN yum install -y git\n", prog: "yum", why: "/var/cache/dnf or /var/cache/libdnf5 or /var/cache/yum"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, run := ruletest.LastRun(t, tc.src)
			dir, why := rpmCacheDir(stage.New(d).At(run), tc.prog)
			require.Equal(t, tc.dir, dir)
			if tc.why == "" {
				require.Empty(t, why)
			} else {
				require.Contains(t, why, tc.why)
			}
		})
	}
}

func TestApkRefreshes(t *testing.T) {
	for v, want := range map[string]bool{
		"-U": true, "--update-cache": true, "--update": true, "-Uv": true, "-vU": true,
		"--upgrade": false, "-u": false, "--up": false, "--no-cache": false, "-X": false,
		"--cache-max-age": false, "curl": false, "-p/U": false,
	} {
		require.Equal(t, want, apkRefreshes(v), v)
	}
}
