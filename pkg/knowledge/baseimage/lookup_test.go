package baseimage

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLookupRelease(t *testing.T) {
	tests := []struct {
		ref          string
		family       string
		major, minor int
		why          bool
	}{
		{ref: "fedora:41", family: Fedora, major: 41, minor: -1},
		{ref: "fedora", family: Fedora, major: Newest, minor: -1},
		{ref: "fedora:rawhide", family: Fedora, major: Newest, minor: -1},
		{ref: "quay.io/fedora/fedora-minimal:40", family: Fedora, major: 40, minor: -1},
		{ref: "registry.fedoraproject.org/fedora-minimal:39", family: Fedora, major: 39, minor: -1},
		{ref: "fedora@sha256:640a234f4bea3e399c056b7b8f9c667c4939befae8db2f14e9785e16eccd4205", family: Fedora, minor: -1, why: true},
		{ref: "fedora:${V}", family: Fedora, minor: -1, why: true},
		{ref: "centos:7", family: EL, major: 7, minor: -1},
		{ref: "centos:centos7.9.2009", family: EL, major: 7, minor: 9},
		{ref: "quay.io/centos/centos:stream9", family: EL, major: 9, minor: -1},
		{ref: "rockylinux:9.3-minimal", family: EL, major: 9, minor: 3},
		{ref: "oraclelinux:8-slim", family: EL, major: 8, minor: -1},
		{ref: "almalinux/9-minimal", family: EL, major: 9, minor: -1},
		{ref: "almalinux:latest", family: EL, minor: -1, why: true},
		{ref: "registry.access.redhat.com/ubi9/ubi-minimal", family: EL, major: 9, minor: -1},
		{ref: "registry.access.redhat.com/ubi8/ubi-minimal:8.2-349", family: EL, major: 8, minor: 2},
		{ref: "registry.access.redhat.com/ubi8:8.9", family: EL, major: 8, minor: 9},
		{ref: "redhat/ubi10-minimal", family: EL, major: 10, minor: -1},
		{ref: "registry.access.redhat.com/ubi8/python-311", family: EL, major: 8, minor: -1},
		{ref: "registry.redhat.io/openshift4/ose-cli:v4.14", family: EL, minor: -1, why: true},
		{ref: "amazonlinux:2", family: AmazonLinux, major: 2, minor: -1},
		{ref: "public.ecr.aws/amazonlinux/amazonlinux:2023", family: AmazonLinux, major: 2023, minor: -1},
		{ref: "opensuse/leap:15.6", family: OpenSUSE, minor: -1},
		{ref: "python:3.12-alpine", family: Alpine, minor: -1},
		{ref: "eclipse-temurin:17-jdk-ubi9-minimal", family: EL, major: 9, minor: -1},
		{ref: "amazoncorretto:25-al2023", family: AmazonLinux, major: 2023, minor: -1},
		{ref: "amazoncorretto:17-al2-native-jdk", family: AmazonLinux, major: 2, minor: -1},
		{ref: "amazoncorretto:17", minor: -1, why: true},
		{ref: "example.com/x:17-ubi9", minor: -1, why: true},
		{ref: "${BASE}", minor: -1, why: true},
		{ref: "registry.example.com/base/rhel9:1.0", minor: -1, why: true},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			im := Lookup(tt.ref)
			require.Equal(t, tt.family, im.Family, "family")
			require.Equal(t, tt.major, im.Major, "major")
			require.Equal(t, tt.minor, im.Minor, "minor")
			require.Equal(t, tt.why, im.Why != "", "why: %q", im.Why)
		})
	}
}

func TestTool(t *testing.T) {
	tests := []struct {
		ref, prog string
		name, dir string // "" dir: unknown
		refresh   string
	}{
		{ref: "fedora:40", prog: "dnf", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "fedora:41", prog: "dnf", name: "dnf 5", dir: "/var/cache/libdnf5", refresh: "--refresh"},
		{ref: "fedora:42", prog: "yum", name: "dnf 5", dir: "/var/cache/libdnf5", refresh: "--refresh"},
		{ref: "fedora", prog: "dnf", name: "dnf 5", dir: "/var/cache/libdnf5", refresh: "--refresh"},
		{ref: "fedora:41", prog: "dnf-3", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "fedora:40", prog: "dnf5", name: "dnf 5", dir: "/var/cache/libdnf5", refresh: "--refresh"},
		{ref: "quay.io/fedora/fedora-minimal:40", prog: "microdnf", name: "dnf 5", dir: "/var/cache/libdnf5", refresh: "--refresh"},
		{ref: "fedora-minimal:38", prog: "microdnf"},
		{ref: "registry.fedoraproject.org/fedora-minimal:38", prog: "microdnf"},
		{ref: "registry.fedoraproject.org/fedora-minimal:37", prog: "microdnf", name: "microdnf 3", dir: "/var/cache/yum", refresh: "--refresh"},
		{ref: "fedora:31", prog: "dnf"},
		{ref: "registry.access.redhat.com/ubi9/ubi-minimal", prog: "microdnf", name: "microdnf 3", dir: "/var/cache/yum", refresh: "--refresh"},
		{ref: "registry.access.redhat.com/ubi9/ubi", prog: "dnf", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "registry.access.redhat.com/ubi8/ubi", prog: "yum", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "registry.access.redhat.com/ubi8/ubi-minimal:8.2", prog: "microdnf"},
		{ref: "registry.access.redhat.com/ubi8/ubi-minimal:8.3", prog: "microdnf", name: "microdnf 3", dir: "/var/cache/yum", refresh: "--refresh"},
		{ref: "registry.access.redhat.com/ubi8/ubi-minimal:8.2", prog: "dnf", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "quay.io/centos/centos:stream10", prog: "dnf", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "redhat/ubi10-minimal", prog: "microdnf", name: "microdnf 3", dir: "/var/cache/yum", refresh: "--refresh"},
		{ref: "rockylinux:9", prog: "yum", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "centos:7", prog: "yum", name: "yum 3", dir: "/var/cache/yum"},
		{ref: "centos:7", prog: "dnf"},
		{ref: "amazonlinux:2", prog: "yum", name: "yum 3", dir: "/var/cache/yum"},
		{ref: "amazonlinux:2023", prog: "dnf", name: "dnf 4", dir: "/var/cache/dnf", refresh: "--refresh"},
		{ref: "amazonlinux", prog: "dnf"},
		{ref: "${BASE}", prog: "dnf"},
		{ref: "fedora:${V}", prog: "dnf"},
		{ref: "${BASE}", prog: "apk", name: "apk", dir: "/var/cache/apk", refresh: "--update-cache"},
		{ref: "opensuse/leap:15.6", prog: "zypper", name: "zypper", dir: "/var/cache/zypp"},
		{ref: "mcr.microsoft.com/azurelinux/base/core:3.0", prog: "tdnf"},
	}
	for _, tt := range tests {
		t.Run(tt.ref+" "+tt.prog, func(t *testing.T) {
			tool, why := Lookup(tt.ref).Tool(tt.prog)
			if tt.dir == "" {
				require.NotEmpty(t, why)
				require.Empty(t, tool.CacheDir)
				return
			}
			require.Empty(t, why)
			require.Equal(t, tt.prog, tool.Prog)
			require.Equal(t, tt.name, tool.Name)
			require.Equal(t, tt.dir, tool.CacheDir)
			require.Equal(t, tt.refresh, tool.Refresh)
			if tt.refresh == "" {
				require.NotEmpty(t, tool.Stale, "a tool without a refresh option says why a mount would be stale")
			}
		})
	}
}

func TestCandidates(t *testing.T) {
	require.Equal(t, []string{"/var/cache/dnf", "/var/cache/libdnf5"}, Candidates("dnf"))
	require.Equal(t, []string{"/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"}, Candidates("yum"))
	require.Equal(t, []string{"/var/cache/libdnf5", "/var/cache/yum"}, Candidates("microdnf"))
	require.Equal(t, []string{"/var/cache/apk"}, Candidates("apk"))
}

// Every generation a rule names exists, and every unknown answer says why.
func TestTableConsistent(t *testing.T) {
	for _, rule := range toolRules {
		for prog, gen := range rule.progs {
			if gen[0] == '?' {
				require.Greater(t, len(gen), 10, prog)
				continue
			}
			_, ok := generations[gen]
			require.True(t, ok, "%s: %s", prog, gen)
		}
	}
	for gen, tool := range generations {
		require.NotEmpty(t, tool.CacheDir, gen)
		require.True(t, tool.Refresh != "" || tool.Stale != "", "%s: no way to refresh and no reason", gen)
	}
}
