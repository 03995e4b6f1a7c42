package transform_test

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
)

// Every edit the chain's tests make also proves ast.Reparse's shortcut.
func init() { ast.CheckReparse = true }

// timed turns the proof off for a benchmark: it measures what users run.
func timed(b *testing.B) {
	ast.CheckReparse = false
	b.Cleanup(func() { ast.CheckReparse = true })
}
