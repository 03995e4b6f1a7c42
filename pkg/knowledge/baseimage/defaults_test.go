package baseimage

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefaultsOf(t *testing.T) {
	tests := []struct {
		ref, workdir, user string
		onPath             string
		known              bool
	}{
		{"golang:1.22-bookworm", "/go", "", "/go/bin", true},
		{"docker.io/library/golang:1.22-alpine", "/go", "", "/usr/local/go/bin", true},
		{"rust:1.78", "/", "", "/usr/local/cargo/bin", true},
		{"gradle:8.7-jdk21", "/home/gradle", "", "", true},
		{"maven:3.9-eclipse-temurin-21", "/", "", "", true},
		{"node:20", "/", "", "/usr/local/bin", true},
		{"python:3.12-slim", "/", "", "/usr/local/bin", true},
		{"mcr.microsoft.com/dotnet/sdk:8.0", "/", "", "/usr/bin", true},
		{"mcr.microsoft.com/dotnet/aspnet:8.0-jammy-chiseled", "/", "app", "/usr/bin", true},
		{"gcr.io/distroless/static-debian12", "/", "", "/bin", true},
		{"gcr.io/distroless/static-debian12:nonroot", "/home/nonroot", "65532", "/bin", true},
		{"example.com/builder:1", "", "", "", false},
		{"${BASE}", "", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			d, ok := DefaultsOf(tt.ref)
			require.Equal(t, tt.known, ok)
			require.Equal(t, tt.workdir, d.Workdir)
			require.Equal(t, tt.user, d.User)
			if tt.onPath != "" {
				require.Contains(t, d.Path, tt.onPath)
			}
		})
	}
}
