package transform

import (
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
)

// The stage model lives in pkg/ast/stage. These aliases keep the names the
// rules of this package use while they move to it.

// StageEnv is stage.Env.
type StageEnv = stage.Env

// StageState is stage.State.
type StageState = stage.State

// EnvValue is stage.Value.
type EnvValue = stage.Value

// RunUser is stage.RunUser.
type RunUser = stage.RunUser

// NewStageEnv is stage.New.
func NewStageEnv(d *ast.Document) *StageEnv { return stage.New(d) }

func LitValue(s string) EnvValue { return stage.Lit(s) }

func StripWrappers(args []ast.Word) []ast.Word { return stage.StripWrappers(args) }

func VarNameByte(c byte) bool { return stage.VarNameByte(c) }
