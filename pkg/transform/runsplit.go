package transform

import (
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/equiv"
	"github.com/dfopt/dfopt/pkg/emit"
)

// SplitRun is the inverse of JoinRuns: RUN x, whose body is a top-level
// sequence of steps (TopSteps), becomes two RUNs, the steps before step
// k and the steps from k on. It returns the text of the first RUN (the
// keyword and flags of x, then the first steps; no line terminator) and
// the edit that removes the first steps from x, or why the split is
// refused: a body dfopt cannot cut as text (JSON form, heredocs, shell
// comments), shell state that the first steps leave to the rest (a `cd`,
// an `export`, a variable, `set`, a function, a trap: ShellStateChange),
// or the shell-equivalence check failing to prove that the two RUNs one
// after another run the same commands with the same final status as x
// (after a `;` the rest runs even when the first steps fail, unless the
// shell runs with -e).
func SplitRun(d *ast.Document, x *ast.Instruction, k int) (first string, del emit.Edit, why string) {
	if x.Cmd != "run" || x.JSON || len(x.Heredocs) > 0 {
		return "", emit.Edit{}, "the RUN cannot be cut as text"
	}
	sc := d.Shell(x)
	if sc == nil || sc.Comments {
		return "", emit.Edit{}, "the RUN cannot be cut as text"
	}
	steps := TopSteps(sc.File)
	if k <= 0 || k >= len(steps) {
		return "", emit.Edit{}, "no step to split at"
	}
	start := StmtSpan(sc, steps[0].Stmt).Start
	cut := StmtSpan(sc, steps[k-1].Stmt).End
	rest := StmtSpan(sc, steps[k].Stmt).Start
	for _, line := range strings.Split(string(d.Src[cut:rest]), "\n")[1:] {
		if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
			return "", emit.Edit{}, "a comment line at the split point would be lost"
		}
	}
	head := string(d.Src[x.Span.Start:start])
	first = head + string(d.Src[start:cut])
	second := head + string(d.Src[rest:x.Span.End])
	src, _ := runDocument(d, d.ShellOf(x), []byte(first+"\n"+second))
	nd, err := ast.Parse(d.Path, src)
	if err != nil || len(nd.Instructions) < 3 {
		return "", emit.Edit{}, "the split RUNs do not parse"
	}
	runs := nd.Instructions[len(nd.Instructions)-2:]
	fs := nd.Shell(runs[0])
	if fs == nil || nd.Shell(runs[1]) == nil {
		return "", emit.Edit{}, "the split RUNs do not parse"
	}
	if w := ShellStateChange(fs); w != "" {
		return "", emit.Edit{}, w + " before the split point would not reach the rest"
	}
	if v := checkSplit(d, x, nd, runs); !v.Same {
		return "", emit.Edit{}, v.Reason()
	}
	return first, emit.Edit{Start: start, End: rest}, ""
}

// checkSplit proves that RUNs runs of nd, one after another, behave as
// RUN x of d.
func checkSplit(d *ast.Document, x *ast.Instruction, nd *ast.Document, runs []*ast.Instruction) equiv.Verdict {
	orig := program(d, x)
	if orig == nil {
		return equiv.Verdict{Unknown: "the RUN is not a POSIX shell script the check can run"}
	}
	var split []equiv.Program
	for _, r := range runs {
		p := program(nd, r)
		if p == nil {
			return equiv.Verdict{Unknown: "a split RUN is not a POSIX shell script the check can run"}
		}
		split = append(split, *p)
	}
	v := equiv.Check([]equiv.Program{*orig}, split)
	observe(Observation{Kind: "split", Line: x.StartLine, Verdict: v, Applied: v.Same})
	return v
}
