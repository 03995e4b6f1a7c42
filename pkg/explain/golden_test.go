package explain

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/*/expected")

// TestGolden runs the cases in testdata/: each folder holds
//
//	Dockerfile   the Dockerfile (or context/Dockerfile, inside the context)
//	context/     optional: the build context
//	args         optional: flags as for `dfopt explain`, whitespace-separated:
//	             --changed=PATH --changed-arg=NAME --compare --target=STAGE
//	             --build-arg=K=V --named-context=IMAGE, and --rules=R1,R2
//	             (the rules of --compare's rewrite; default: dockerignore)
//	expected     the text output
//
// `go test ./pkg/explain -update` rewrites expected.
func TestGolden(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	require.NoError(t, err)
	n := 0
	for _, e := range entries {
		dir := filepath.Join("testdata", e.Name())
		df := filepath.Join(dir, "Dockerfile")
		if _, err := os.Stat(df); err != nil {
			df = filepath.Join(dir, "context", "Dockerfile")
			if _, err := os.Stat(df); err != nil {
				continue
			}
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			src, err := os.ReadFile(df)
			require.NoError(t, err)
			req := Request{Path: df, Name: "Dockerfile", Src: src}
			if rel, _ := filepath.Rel(dir, df); rel != "Dockerfile" {
				req.Name = filepath.ToSlash(rel)
			}
			ctx := filepath.Join(dir, "context")
			if st, err := os.Stat(ctx); err == nil && st.IsDir() {
				req.ContextDir, req.ContextName = ctx, "context"
			}
			args, err := os.ReadFile(filepath.Join(dir, "args"))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			rules := []string{"dockerignore"}
			for _, a := range strings.Fields(string(args)) {
				name, val, _ := strings.Cut(a, "=")
				switch name {
				case "--changed":
					req.Changed = append(req.Changed, val)
				case "--changed-arg":
					req.ChangedArgs = append(req.ChangedArgs, val)
				case "--compare":
					req.Compare = true
				case "--target":
					req.Options.Target = val
				case "--build-arg":
					k, v, _ := strings.Cut(val, "=")
					if req.Options.BuildArgs == nil {
						req.Options.BuildArgs = map[string]string{}
					}
					req.Options.BuildArgs[k] = v
				case "--named-context":
					req.Options.NamedContexts = append(req.Options.NamedContexts, val)
				case "--rules":
					rules = transform.SplitList(val)
				default:
					t.Fatalf("%s/args: unknown flag %q", dir, a)
				}
			}
			req.Predict = len(req.Changed) > 0 || len(req.ChangedArgs) > 0
			if req.Compare {
				req.Rules, err = transform.Select(rules, nil)
				require.NoError(t, err)
			}
			rep, err := Run(req)
			require.NoError(t, err)
			var out bytes.Buffer
			require.NoError(t, rep.WriteText(&out))
			want := filepath.Join(dir, "expected")
			if *update {
				require.NoError(t, os.WriteFile(want, out.Bytes(), 0o644))
				return
			}
			exp, err := os.ReadFile(want)
			require.NoError(t, err, "run `go test ./pkg/explain -update` to create it")
			require.Equal(t, string(exp), out.String())

			// The JSON form carries the same prediction.
			var js bytes.Buffer
			require.NoError(t, rep.WriteJSON(&js))
			require.Contains(t, js.String(), `"stages"`)
			for _, esc := range []string{`\u0026`, `\u003c`, `\u003e`} {
				require.NotContains(t, js.String(), esc, "&, < and > are written as they are")
			}
			if strings.Contains(string(src), "&&") {
				require.Contains(t, js.String(), "&&")
			}
		})
	}
	require.GreaterOrEqual(t, n, 8, "golden cases")
}
