package transform_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckPragmas(t *testing.T) {
	src := "FROM alpine\n" +
		"# dfopt:ignore=merge-runs,DL3059\n" + // fine
		"# dfopt:ignore=merge-run\n" + // unknown rule
		"\ufeff# dfopt:ignore-file\n" + // fine
		"# dfopt:ignore-file=DL9999\n" + // a code that maps to nothing
		"# dfopt: ignore merge-runs\r\n" + // malformed
		"# dfopt:ignore=\n" + // malformed
		"# hadolint ignore=DL9999\n" + // hadolint's own: not ours to judge
		"RUN echo hi # dfopt:ignore=x\n"
	got := transform.CheckPragmas([]byte(src))
	var lines []int
	for _, p := range got {
		lines = append(lines, p.Line)
	}
	assert.Equal(t, []int{3, 5, 6, 7}, lines, "%v", got)
	assert.Contains(t, got[0].Message, `unknown rule "merge-run"`)
	assert.Contains(t, got[1].Message, "DL9999 maps to no dfopt rule")
	assert.Contains(t, got[2].Message, "malformed pragma")
	assert.Empty(t, transform.CheckPragmas([]byte("FROM alpine\nRUN echo dfopt\n")))
}

// A bad pattern in an ignore file is named with its file and line.
func TestIgnoreFileBadPatternLine(t *testing.T) {
	dir := t.TempDir()
	df := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(df, []byte("FROM alpine\n"), 0o644))
	require.NoError(t, os.WriteFile(df+".dockerignore", []byte("# c\n\nnode_modules\n[\n"), 0o644))
	_, err := transform.NewBuildContext(dir, df)
	require.Error(t, err)
	assert.Equal(t, df+".dockerignore:4: syntax error in pattern", err.Error())
}
