package dockerignore

import (
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// diExcludedNamed answers what diExcludedBy answers over the copied
// sources and the manifests, the first time and from its memo.
func TestExcludedNamed(t *testing.T) {
	copied := []string{"src", "./app/main.py", "pkg/"}
	patterns := []string{"**/node_modules", "**/__pycache__", "**/*.pyc", ".venv", "target", "**/target", ".git", "src", "app", "Dockerfile", "**/package.json", "requirements*.txt"}
	for _, pt := range patterns {
		m, err := patternmatcher.New([]string{pt})
		require.NoError(t, err)
		want := diExcludedBy(m, append(append([]string(nil), copied...), diManifests()...))
		for _, fixed := range []bool{false, true, true} {
			assert.Equal(t, want, diExcludedNamed(m, pt, fixed, diCleaned(copied)), "%s (fixed %v)", pt, fixed)
		}
	}
}
