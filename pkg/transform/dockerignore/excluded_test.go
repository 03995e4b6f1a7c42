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

// A shared matcher of diMatcher answers as a matcher made for the call,
// from several goroutines at once (go test -race: it is only read).
func TestSharedMatcher(t *testing.T) {
	patterns := []string{"**/node_modules", "**/__pycache__", "**/*.pyc", ".venv", "target", "**/target", ".git", "**/.DS_Store"}
	paths := []string{"node_modules", "a/node_modules/x", "x.pyc", "a/b/c.pyc", ".venv/bin", "target", "a/target", ".git/HEAD", "src/main.go", ".DS_Store", "a/.DS_Store"}
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			defer func() { done <- true }()
			for _, pt := range patterns {
				fresh, err := patternmatcher.New([]string{pt})
				require.NoError(t, err)
				shared, err := diMatcher(pt, true)
				require.NoError(t, err)
				for _, p := range paths {
					want, _ := fresh.MatchesOrParentMatches(p)
					got, _ := shared.MatchesOrParentMatches(p)
					assert.Equal(t, want, got, "%s on %s", pt, p)
				}
			}
		}()
	}
	for g := 0; g < 4; g++ {
		<-done
	}
}
