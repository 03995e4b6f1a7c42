// Package ruletest holds helpers the tests of the rules share.
package ruletest

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// The rules' tests (the only importers) also prove ast.Reparse's
// shortcut on every edit they apply.
func init() { ast.CheckReparse = true }

// LastRun parses a Dockerfile and returns it with its last RUN.
func LastRun(t *testing.T, src string) (*ast.Document, *ast.Instruction) {
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
