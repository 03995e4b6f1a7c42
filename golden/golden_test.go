// Package golden runs dfopt's golden cases: one folder per case under
// golden/, holding
//
//	Dockerfile   the input (any bytes: CRLF, BOM, tabs are kept as they are)
//	expected     the wanted output of the chain
//	findings     the wanted findings, one `LINE: RULE: MESSAGE (CLASS)` per line
//	flags        optional: --unsafe, --select=R1,R2, --ignore=R, --syntax=MODE,
//	             --option=RULE.KEY=VALUE (one per line or space-separated)
//	context/     optional: the build context (otherwise there is none, as with stdin)
//
// `go test ./golden -update` rewrites expected and findings; review the
// diff by reading it before committing.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the expected files")

// Case is one golden case folder.
type Case struct {
	Name, Dir string
}

// Cases lists the golden case folders.
func Cases(t testing.TB) []Case {
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var out []Case
	for _, e := range entries {
		if e.IsDir() {
			if _, err := os.Stat(filepath.Join(e.Name(), "Dockerfile")); err == nil {
				out = append(out, Case{Name: e.Name(), Dir: e.Name()})
			}
		}
	}
	return out
}

func parseFlags(t *testing.T, dir string) (*transform.Chain, error) {
	opts := transform.Options{Syntax: "auto", RuleOptions: map[string]map[string]string{}}
	var sel, ign []string
	data, err := os.ReadFile(filepath.Join(dir, "flags"))
	if err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	for _, f := range strings.Fields(string(data)) {
		name, val, _ := strings.Cut(f, "=")
		switch name {
		case "--unsafe":
			opts.Unsafe = true
		case "--select":
			sel = transform.SplitList(val)
		case "--ignore":
			ign = transform.SplitList(val)
		case "--syntax":
			opts.Syntax = val
		case "--option":
			rk, v, _ := strings.Cut(val, "=")
			rule, key, _ := strings.Cut(rk, ".")
			if opts.RuleOptions[rule] == nil {
				opts.RuleOptions[rule] = map[string]string{}
			}
			opts.RuleOptions[rule][key] = v
		default:
			return nil, fmt.Errorf("%s/flags: unknown flag %q", dir, f)
		}
	}
	rules, err := transform.Select(sel, ign)
	if err != nil {
		return nil, err
	}
	return &transform.Chain{Transforms: rules, Options: opts}, nil
}

func formatFindings(r *transform.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		class := "no fix"
		if f.HasFix() || f.Applied {
			class = "safe fix"
			if t := transform.Lookup(f.Rule); f.Unsafe || (t != nil && t.Unsafe) {
				class = "unsafe fix"
			}
		}
		fmt.Fprintf(&b, "%d: %s: %s (%s)\n", f.Line, f.Rule, f.Message, class)
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	cases := Cases(t)
	require.GreaterOrEqual(t, len(cases), 20, "golden cases")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(c.Dir, "Dockerfile"))
			require.NoError(t, err)
			chain, err := parseFlags(t, c.Dir)
			require.NoError(t, err)
			var bctx *transform.BuildContext
			if st, err := os.Stat(filepath.Join(c.Dir, "context")); err == nil && st.IsDir() {
				bctx, err = transform.NewBuildContext(filepath.Join(c.Dir, "context"), filepath.Join(c.Dir, "Dockerfile"))
				require.NoError(t, err)
			}
			res, err := chain.Run("Dockerfile", src, bctx)
			require.NoError(t, err)
			got, gotFindings := res.Out, formatFindings(res)
			wantPath, findPath := filepath.Join(c.Dir, "expected"), filepath.Join(c.Dir, "findings")
			if *update {
				require.NoError(t, os.WriteFile(wantPath, got, 0o644))
				require.NoError(t, os.WriteFile(findPath, []byte(gotFindings), 0o644))
				return
			}
			want, err := os.ReadFile(wantPath)
			require.NoError(t, err, "run `go test ./golden -update` to create it")
			require.Equal(t, string(want), string(got), "output")
			wantFindings, err := os.ReadFile(findPath)
			require.NoError(t, err)
			require.Equal(t, string(wantFindings), gotFindings, "findings")

			// Every output parses and a second run changes nothing.
			_, err = ast.Parse("Dockerfile", got)
			require.NoError(t, err, "output parses")
			again, err := chain.Run("Dockerfile", got, bctx)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again.Out), "idempotent")

			// With no transform at all, the input comes back byte for byte.
			none := &transform.Chain{Options: chain.Options}
			same, err := none.Run("Dockerfile", src, bctx)
			require.NoError(t, err)
			require.Equal(t, string(src), string(same.Out), "identity")
		})
	}
}
