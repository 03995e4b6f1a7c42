// Package action tests the GitHub Action's check step (check.sh) with a
// stand-in dfopt and reviewdog that record how they were called.
package action

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// fake writes a program that records its arguments (one a line) and its
// standard input, prints out and exits with status.
func fake(t *testing.T, dir, name, out string, status int) {
	t.Helper()
	script := "#!/usr/bin/env bash\n" +
		"printf '%s\\n' \"$@\" >\"$(dirname \"$0\")/" + name + ".args\"\n" +
		"[ -t 0 ] || cat >\"$(dirname \"$0\")/" + name + ".stdin\"\n" +
		"printf '%s' '" + out + "'\n" +
		"exit " + string(rune('0'+status)) + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755))
}

type run struct {
	code           int
	stdout         string
	dfopt, revdog  []string
	reviewdogStdin string
}

func check(t *testing.T, dfoptOut string, dfoptStatus int, env ...string) run {
	t.Helper()
	bin := t.TempDir()
	fake(t, bin, "dfopt", dfoptOut, dfoptStatus)
	fake(t, bin, "reviewdog", "", 0)
	marker := filepath.Join(bin, "expanded")
	cmd := exec.Command("bash", "check.sh")
	cmd.Env = append([]string{"PATH=" + bin + ":" + os.Getenv("PATH"), "ALL_FILES=true", "MARKER=" + marker}, env...)
	cmd.Stdin = strings.NewReader("")
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	err := cmd.Run()
	r := run{stdout: stdout.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	lines := func(name string) []string {
		data, err := os.ReadFile(filepath.Join(bin, name))
		if err != nil {
			return nil
		}
		return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	}
	r.dfopt, r.revdog = lines("dfopt.args"), lines("reviewdog.args")
	if data, err := os.ReadFile(filepath.Join(bin, "reviewdog.stdin")); err == nil {
		r.reviewdogStdin = string(data)
	}
	_, err = os.Stat(marker)
	assert.True(t, os.IsNotExist(err), "args must never be expanded")
	return r
}

func TestArgsQuoting(t *testing.T) {
	r := check(t, "", 0, `DFOPT_ARGS=--select "cache-mounts,hoist-deps" --option 'multi-stage.runtime-image.go=gcr.io/distroless/base:nonroot' a\ b $(touch $MARKER) ${MARKER}`)
	assert.Equal(t, 0, r.code, r.stdout)
	assert.Equal(t, []string{"check", "--format", "github", "--summary",
		"--select", "cache-mounts,hoist-deps", "--option", "multi-stage.runtime-image.go=gcr.io/distroless/base:nonroot",
		"a b", "$(touch", "$MARKER)", "${MARKER}", "--", "."}, r.dfopt)

	r = check(t, "", 0, `DFOPT_ARGS=--select "unbalanced`)
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stdout, "::error title=dfopt::args:")
	assert.Nil(t, r.dfopt, "dfopt does not run")

	r = check(t, "", 0)
	assert.Equal(t, []string{"check", "--format", "github", "--summary", "--", "."}, r.dfopt)
}

func TestAnnotationLimit(t *testing.T) {
	out := strings.Repeat("::warning file=Dockerfile,line=1::x\n", 11)
	r := check(t, out, 1)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stdout, "::notice title=dfopt::11 warning findings; GitHub shows 10 warning annotations per step")

	r = check(t, strings.Repeat("::warning file=Dockerfile,line=1::x\n", 10), 1, "FAIL_ON_FINDINGS=false")
	assert.Equal(t, 0, r.code)
	assert.NotContains(t, r.stdout, "::notice")
}

func TestSuggest(t *testing.T) {
	rd := `{"source":{"name":"dfopt"},"diagnostics":[]}`
	r := check(t, rd, 1, "DFOPT_MODE=suggest", "PR_NUMBER=7", "DFOPT_ARGS=--unsafe")
	assert.Equal(t, 1, r.code, r.stdout)
	assert.Equal(t, []string{"check", "--format", "rdjson", "--unsafe", "--", "."}, r.dfopt)
	assert.Equal(t, []string{"-f=rdjson", "-name=dfopt", "-reporter=github-pr-review", "-filter-mode=diff_context", "-fail-level=none"}, r.revdog)
	assert.Equal(t, rd, r.reviewdogStdin)

	// Not a pull request: annotations instead.
	r = check(t, "", 0, "DFOPT_MODE=suggest")
	assert.Contains(t, r.stdout, "mode suggest needs a pull_request event")
	assert.Equal(t, "github", r.dfopt[2])
	assert.Nil(t, r.revdog)

	// dfopt fails: reviewdog gets nothing.
	r = check(t, "", 2, "DFOPT_MODE=suggest", "PR_NUMBER=7")
	assert.Equal(t, 2, r.code)
	assert.Nil(t, r.revdog)
}

// action.yml installs dfopt once per resolved version (the cache key)
// and runs this script with its inputs in the environment, never in the
// script's text.
func TestActionFile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "action.yml"))
	require.NoError(t, err)
	var action struct {
		Inputs map[string]struct{ Default string }
		Runs   struct {
			Steps []struct {
				ID, Uses, Run, If string
				With              map[string]string
				Env               map[string]string
			}
		}
	}
	require.NoError(t, yaml.Unmarshal(data, &action))
	assert.Equal(t, "annotate", action.Inputs["mode"].Default)
	var cache, install, check bool
	for _, s := range action.Runs.Steps {
		assert.NotContains(t, s.Run, "${{", "inputs reach scripts through env only")
		switch {
		case strings.HasPrefix(s.Uses, "actions/cache@"):
			cache = true
			assert.Contains(t, s.With["key"], "steps.resolve.outputs.version")
		case strings.Contains(s.Run, "go install"):
			install = true
			assert.Equal(t, "steps.cache.outputs.cache-hit != 'true'", s.If, "built only when not cached")
		case strings.Contains(s.Run, "scripts/action/check.sh"):
			check = true
			for _, k := range []string{"DFOPT_ARGS", "DFOPT_MODE", "ALL_FILES", "FAIL_ON_FINDINGS", "FILTER_MODE", "PR_NUMBER", "BASE_SHA", "REVIEWDOG_GITHUB_API_TOKEN"} {
				assert.Contains(t, s.Env, k)
			}
		}
	}
	assert.True(t, cache && install && check)
}
