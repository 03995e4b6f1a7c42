package golden

import "github.com/dfopt/dfopt/pkg/ast"

// Every edit the chain's tests make also proves ast.Reparse's shortcut.
func init() { ast.CheckReparse = true }
