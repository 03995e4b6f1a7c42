package transform_test

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// BenchmarkRule runs each rule alone over the corpus, as the chain's
// first pass would if the rule came first: every RUN's shell is parsed
// before the timer runs (in the chain the first rule to read a RUN pays
// for it), and each file gets fresh documents and analyses per
// iteration. It shows what one rule costs, apart from the others:
//
//	DFOPT_CORPUS=… go test -run '^$' -bench 'Rule/apt-hygiene' ./pkg/transform
func BenchmarkRule(b *testing.B) {
	timed(b)
	files := loadCorpus(b)
	rules, err := transform.Select(nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	opts := &transform.Options{Syntax: "auto"}
	inChain := transform.RuleNames(rules)
	for _, t := range rules {
		b.Run(t.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				docs := parsedWithShells(files)
				b.StartTimer()
				for _, d := range docs {
					t.Run(&transform.Pass{Doc: d, Options: opts, InChain: inChain})
				}
			}
			report(b, len(files))
		})
	}
}

// parsedWithShells parses the files BuildKit accepts, and their RUNs' shells.
func parsedWithShells(files [][]byte) []*ast.Document {
	var out []*ast.Document
	for _, src := range files {
		d, err := ast.Parse("Dockerfile", src)
		if err != nil {
			continue
		}
		for _, ins := range d.Instructions {
			if ins.Cmd == "run" {
				d.Shell(ins)
			}
		}
		out = append(out, d)
	}
	return out
}
