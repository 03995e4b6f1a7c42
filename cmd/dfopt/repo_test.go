package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The files the repository ships for its users: pre-commit hooks, the
// GitHub Action, dfopt's own Dockerfile.

const repoRoot = "../.."

func TestPreCommitHooks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, ".pre-commit-hooks.yaml"))
	require.NoError(t, err)
	var hooks []struct {
		ID, Name, Entry, Language, Files, Exclude string
	}
	require.NoError(t, yaml.Unmarshal(data, &hooks))
	entries := map[string]string{}
	for _, h := range hooks {
		entries[h.ID] = h.Entry
		assert.Equal(t, "golang", h.Language, h.ID)
		files, exclude := regexp.MustCompile(h.Files), regexp.MustCompile(h.Exclude)
		// The hooks pick the files dfopt's folder search picks.
		paths := []string{"Dockerfile", "svc/Dockerfile.dev", "a/api.Dockerfile", "x.dockerfile", "Containerfile",
			"b/y.containerfile", "Dockerfile.dockerignore", "README.md", "dockerfile.go", "notDockerfile", "Containerfile.containerignore",
			"dockerfile", "svc/dockerfile.dev", "Dockerfile-prod", "a/Dockerfile_test_cmd", "Dockerfile-gen.py", "Dockerfile-dind.template",
			"a.b/Dockerfile-x", "Dockerfiles", "MyDockerfile"}
		for ext := range discover.NotDockerfile {
			paths = append(paths, "svc/Dockerfile"+ext, "Dockerfile.prod"+ext)
		}
		for _, p := range paths {
			picked := files.MatchString(p) && !exclude.MatchString(p)
			assert.Equal(t, discover.IsDockerfileName(filepath.Base(p)), picked, "%s: %s", h.ID, p)
		}
	}
	assert.Equal(t, map[string]string{"dfopt-fix": "dfopt fix --write", "dfopt-diff": "dfopt diff"}, entries)
}

func TestGitHubAction(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	require.NoError(t, err)
	var action struct {
		Name   string
		Inputs map[string]struct{ Default string }
		Runs   struct {
			Using string
			Steps []struct{ Uses, Run, Shell string }
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	assert.Equal(t, "composite", action.Runs.Using)
	var script strings.Builder
	for _, s := range action.Runs.Steps {
		if s.Run != "" {
			assert.Equal(t, "bash", s.Shell)
		}
		script.WriteString(s.Run)
	}
	check, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "action", "check.sh")) // the check step runs it
	require.NoError(t, err)
	script.Write(check)
	assert.Contains(t, script.String(), `go install "github.com/dfopt/dfopt/cmd/dfopt@${DFOPT_VERSION}"`)
	assert.Contains(t, script.String(), "dfopt check --format github")
	assert.Equal(t, "latest", action.Inputs["version"].Default)
}

// dfopt's own Dockerfile is already as dfopt would write it.
func TestOwnDockerfile(t *testing.T) {
	out, errs, code := dfopt(t, "", "diff", "--no-config", filepath.Join(repoRoot, "Dockerfile"))
	assert.Equal(t, 0, code, errs)
	assert.Empty(t, out)
	out, errs, code = dfopt(t, "", "diff", "--no-config", "--unsafe", filepath.Join(repoRoot, "Dockerfile"))
	assert.Equal(t, 0, code, errs)
	assert.Empty(t, out, "unsafe rules included")
}
