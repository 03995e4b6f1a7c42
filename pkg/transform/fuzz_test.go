package transform_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// FuzzChain: parse → chain never panics, a transform never breaks a file
// (a *ChainError is a bug), the output parses, and with no transform the
// input comes back byte for byte. Seeded from the golden inputs.
func FuzzChain(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "golden", "*", "Dockerfile"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	rules, err := transform.Select(nil, nil)
	if err != nil {
		f.Fatal(err)
	}
	chain := &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "auto", Unsafe: true}}
	none := &transform.Chain{Options: chain.Options}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := ast.Parse("Dockerfile", src); err != nil {
			if _, err := chain.Run("Dockerfile", src, nil); err == nil {
				t.Fatal("chain accepted a file the parser rejects")
			}
			return
		}
		same, err := none.Run("Dockerfile", src, nil)
		if err != nil {
			t.Fatal(err)
		}
		if string(same.Out) != string(src) {
			t.Fatal("no-transform chain changed the file")
		}
		res, err := chain.Run("Dockerfile", src, nil)
		var ce *transform.ChainError
		if errors.As(err, &ce) {
			t.Fatalf("transform broke the file: %v\n%s", err, src)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ast.Parse("Dockerfile", res.Out); err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
	})
}
