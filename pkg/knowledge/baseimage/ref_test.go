package baseimage

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	const dg = "sha256:640a234f4bea3e399c056b7b8f9c667c4939befae8db2f14e9785e16eccd4205"
	tests := []struct {
		in                          string
		registry, path, tag, digest string
		official, prefix            string
		vars                        bool
	}{
		{in: "golang", path: "golang", official: "golang"},
		{in: "golang:1.22", path: "golang", tag: "1.22", official: "golang"},
		{in: "golang:1.22-bookworm", path: "golang", tag: "1.22-bookworm", official: "golang"},
		{in: "golang:1.22-alpine3.19", path: "golang", tag: "1.22-alpine3.19", official: "golang"},
		{in: "library/golang:1.22", path: "library/golang", tag: "1.22", official: "golang", prefix: "library/"},
		{in: "docker.io/library/golang:1.22@" + dg, registry: "docker.io", path: "library/golang", tag: "1.22", digest: dg, official: "golang", prefix: "docker.io/library/"},
		{in: "docker.io/golang@" + dg, registry: "docker.io", path: "golang", digest: dg, official: "golang", prefix: "docker.io/"},
		{in: "public.ecr.aws/docker/library/rust:1.78-slim", registry: "public.ecr.aws", path: "docker/library/rust", tag: "1.78-slim", official: "rust", prefix: "public.ecr.aws/docker/library/"},
		{in: "mcr.microsoft.com/dotnet/sdk:8.0", registry: "mcr.microsoft.com", path: "dotnet/sdk", tag: "8.0"},
		{in: "localhost:5000/team/app:v1", registry: "localhost:5000", path: "team/app", tag: "v1"},
		{in: "localhost/app", registry: "localhost", path: "app"},
		{in: "circleci/golang:1.11.4", path: "circleci/golang", tag: "1.11.4"},
		{in: "registry.example.com:5000/golang", registry: "registry.example.com:5000", path: "golang"},
		{in: "golang:${GO_VERSION}-alpine", path: "golang", tag: "${GO_VERSION}-alpine", official: "golang", vars: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			r, err := Parse(tt.in)
			require.NoError(t, err)
			require.Equal(t, tt.registry, r.Registry, "registry")
			require.Equal(t, tt.path, r.Path, "path")
			require.Equal(t, tt.tag, r.Tag, "tag")
			require.Equal(t, tt.digest, r.Digest, "digest")
			require.Equal(t, tt.vars, r.Vars, "vars")
			name, prefix, ok := r.Official()
			require.Equal(t, tt.official, name, "official")
			require.Equal(t, tt.official != "", ok)
			require.Equal(t, tt.prefix, prefix, "prefix")
			require.Equal(t, tt.in, r.String())
		})
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"", "Golang:1.22", "golang:", "golang:-x", "golang@sha256:xyz", "golang@", "a//b", "golang:1 .2", "-golang"} {
		_, err := Parse(in)
		require.Error(t, err, in)
	}
}

func TestTagInfo(t *testing.T) {
	tests := []struct {
		tag                  string
		version, os, release string
		slim                 bool
		rest                 []string
	}{
		{tag: "1.22", version: "1.22"},
		{tag: "1.22-bookworm", version: "1.22", os: "debian", release: "bookworm"},
		{tag: "1.78-slim-bookworm", version: "1.78", os: "debian", release: "bookworm", slim: true},
		{tag: "1.22-alpine3.19", version: "1.22", os: "alpine", release: "3.19"},
		{tag: "1.22-alpine", version: "1.22", os: "alpine"},
		{tag: "alpine", os: "alpine"},
		{tag: "latest"},
		{tag: "3.12-slim", version: "3.12", slim: true},
		{tag: "8.0-jammy", version: "8.0", os: "ubuntu", release: "jammy"},
		{tag: "1.9-nanoserver", version: "1.9", os: "windows", rest: []string{"nanoserver"}},
		{tag: "3.9-eclipse-temurin-17", version: "3.9", rest: []string{"eclipse", "temurin", "17"}},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			ti := ParseTag(tt.tag)
			require.Equal(t, tt.version, ti.Version, "version")
			require.Equal(t, tt.os, ti.OS, "os")
			require.Equal(t, tt.release, ti.Release, "release")
			require.Equal(t, tt.slim, ti.Slim, "slim")
			require.Equal(t, tt.rest, ti.Rest, "rest")
		})
	}
}

func TestNormalized(t *testing.T) {
	for in, want := range map[string]string{
		"fedora:41":                                 "docker.io/library/fedora",
		"docker.io/library/fedora":                  "docker.io/library/fedora",
		"index.docker.io/fedora":                    "docker.io/library/fedora",
		"public.ecr.aws/docker/library/alpine:3.20": "docker.io/library/alpine",
		"redhat/ubi9-minimal":                       "docker.io/redhat/ubi9-minimal",
		"quay.io/fedora/fedora:42":                  "quay.io/fedora/fedora",
		"registry.access.redhat.com/ubi8/ubi:8.9":   "registry.access.redhat.com/ubi8/ubi",
		"Registry.Example.com:5000/team/app@sha256:" + "640a234f4bea3e399c056b7b8f9c667c4939befae8db2f14e9785e16eccd4205": "registry.example.com:5000/team/app",
	} {
		r, err := Parse(in)
		require.NoError(t, err, in)
		require.Equal(t, want, r.Normalized(), in)
	}
}

func TestParseVars(t *testing.T) {
	for _, in := range []string{"${BASE}", "$BASE", "fedora:${V}", "${REGISTRY}/ubi9/ubi:latest", "golang:${V}@sha256:${D}"} {
		r, err := Parse(in)
		require.NoError(t, err, in)
		require.True(t, r.Vars, in)
	}
	for _, in := range []string{"Fedora:${V}", "fedora:-${V}x y", "${A}:-x"} {
		_, err := Parse(in)
		require.Error(t, err, in)
	}
}

// Parse remembers its answers: a second call gives what parse gives, for
// valid references, references with build arguments and invalid ones.
func TestParseRemembered(t *testing.T) {
	for _, s := range []string{"golang:1.22", "docker.io/library/node:20-alpine@sha256:" + strings.Repeat("a", 64), "${REG}/app:$TAG", "UPPER:case", "a b", "", "x@sha256:short"} {
		want, wantErr := parse(s)
		for range 2 {
			got, err := Parse(s)
			assert.Equal(t, want, got, s)
			assert.Equal(t, wantErr, err, s)
		}
	}
}

// The memo stops growing at its bound.
func TestParseMemoBounded(t *testing.T) {
	var m boundedMemo
	for i := range maxParsed + 10 {
		m.remember(strconv.Itoa(i), i)
	}
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	assert.Equal(t, maxParsed, n)
	_, ok := m.Load(strconv.Itoa(maxParsed + 5))
	assert.False(t, ok)
}
