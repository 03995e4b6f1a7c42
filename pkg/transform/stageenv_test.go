package transform

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// lastRun is the last RUN of a Dockerfile.
func lastRun(t *testing.T, src string) (*ast.Document, *ast.Instruction) {
	t.Helper()
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	var run *ast.Instruction
	for _, ins := range d.Instructions {
		if ins.Cmd == "run" {
			run = ins
		}
	}
	require.NotNil(t, run)
	return d, run
}
