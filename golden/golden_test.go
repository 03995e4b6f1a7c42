// Package golden runs dfopt's golden cases: one folder per case under
// golden/, holding
//
//	Dockerfile   the input (any bytes: CRLF, BOM, tabs are kept as they are)
//	expected     the wanted output of the chain
//	findings     the wanted findings, one `LINE: RULE: MESSAGE (CLASS)` per line;
//	             for a file the command line leaves alone (marked as generated,
//	             without --include-generated), `warning: MESSAGE` and the
//	             input as expected
//	flags        optional: --unsafe, --select=R1,R2, --ignore=R, --syntax=MODE,
//	             --option=RULE.KEY=VALUE, --include-generated (one per line or
//	             space-separated)
//	context/     optional: the build context (otherwise there is none, as with stdin)
//	expected-files/
//	             optional: the other files the chain creates or replaces (an
//	             ignore file), each at its path relative to the case folder
//	             (expected-files/context/.dockerignore); without this folder
//	             the chain must write no other file
//
// `go test ./golden -update` rewrites expected and findings; review the
// diff by reading it before committing.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/config"
	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/dfopt/dfopt/pkg/report"
	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
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
		case "--include-generated": // read by leftAlone
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
	if err := opts.Validate(transform.All()); err != nil {
		return nil, fmt.Errorf("%s/flags: %v", dir, err)
	}
	if _, err := transform.Select(sel, ign); err != nil {
		return nil, err
	}
	// The selection as the CLI resolves it (hadolint codes narrow rules
	// to parts).
	rules, resolved := config.Resolve([]*config.Settings{{Select: sel, Ignore: ign}})
	opts.Parts = resolved.Parts
	return &transform.Chain{Transforms: rules, Options: opts}, nil
}

// setup reads a case: its input, the chain its flags select, and its
// build context (nil without context/).
func setup(t *testing.T, c Case) ([]byte, *transform.Chain, *transform.BuildContext) {
	t.Helper()
	path := filepath.Join(c.Dir, "Dockerfile")
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	chain, err := parseFlags(t, c.Dir)
	require.NoError(t, err)
	var bctx *transform.BuildContext
	if st, err := os.Stat(filepath.Join(c.Dir, "context")); err == nil && st.IsDir() {
		bctx, err = transform.NewBuildContext(filepath.Join(c.Dir, "context"), path)
		require.NoError(t, err)
	}
	return src, chain, bctx
}

func formatFindings(r *transform.Result) string {
	var b strings.Builder
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "%d: %s: %s (%s)\n", f.Line, f.Rule, f.Message, report.Class(f))
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	cases := Cases(t)
	require.GreaterOrEqual(t, len(cases), 20, "golden cases")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			src, chain, bctx := setup(t, c)
			if msg := leftAlone(t, c.Dir, src); msg != "" {
				checkLeftAlone(t, c.Dir, src, msg)
				return
			}
			// The real path: rules that write files beside the Dockerfile
			// (`Dockerfile.dockerignore`) need it.
			dfPath := filepath.Join(c.Dir, "Dockerfile")
			res, err := chain.Run(dfPath, src, bctx)
			require.NoError(t, err)
			got, gotFindings := res.Out, formatFindings(res)
			gotFiles := otherFiles(t, c.Dir, res)
			wantPath, findPath := filepath.Join(c.Dir, "expected"), filepath.Join(c.Dir, "findings")
			if *update {
				require.NoError(t, os.WriteFile(wantPath, got, 0o644))
				require.NoError(t, os.WriteFile(findPath, []byte(gotFindings), 0o644))
				writeExpectedFiles(t, c.Dir, gotFiles)
				return
			}
			want, err := os.ReadFile(wantPath)
			require.NoError(t, err, "run `go test ./golden -update` to create it")
			require.Equal(t, string(want), string(got), "output")
			wantFindings, err := os.ReadFile(findPath)
			require.NoError(t, err)
			require.Equal(t, string(wantFindings), gotFindings, "findings")
			require.Equal(t, readExpectedFiles(t, c.Dir), gotFiles, "other files (expected-files/)")

			// Every output parses and a second run changes nothing.
			_, err = ast.Parse("Dockerfile", got)
			require.NoError(t, err, "output parses")
			again, err := chain.Run(dfPath, got, bctx)
			require.NoError(t, err)
			require.Equal(t, string(got), string(again.Out), "idempotent")
			if len(gotFiles) > 0 {
				secondRunWithFiles(t, c.Dir, chain, got, gotFiles)
			}

			// With no transform at all, the input comes back byte for byte.
			none := &transform.Chain{Options: chain.Options}
			same, err := none.Run(dfPath, src, bctx)
			require.NoError(t, err)
			require.Equal(t, string(src), string(same.Out), "identity")
		})
	}
}

// leftAlone is the warning with which the command line leaves the case's
// input unchanged without running the chain ("" when it runs it): a file
// marked as generated, without --include-generated in flags.
func leftAlone(t *testing.T, dir string, src []byte) string {
	flags, err := os.ReadFile(filepath.Join(dir, "flags"))
	if err != nil && !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	gen := discover.Inspect(src).Generated
	if gen == nil || slices.Contains(strings.Fields(string(flags)), "--include-generated") {
		return ""
	}
	return gen.Message()
}

func checkLeftAlone(t *testing.T, dir string, src []byte, msg string) {
	wantPath, findPath := filepath.Join(dir, "expected"), filepath.Join(dir, "findings")
	if *update {
		require.NoError(t, os.WriteFile(wantPath, src, 0o644))
		require.NoError(t, os.WriteFile(findPath, []byte("warning: "+msg+"\n"), 0o644))
		return
	}
	want, err := os.ReadFile(wantPath)
	require.NoError(t, err)
	require.Equal(t, string(want), string(src), "a file left alone is its own output")
	wantFindings, err := os.ReadFile(findPath)
	require.NoError(t, err)
	require.Equal(t, string(wantFindings), "warning: "+msg+"\n", "findings")
}

// otherFiles maps the files a chain run writes besides the Dockerfile to
// their content, by slash path relative to the case folder.
func otherFiles(t *testing.T, dir string, res *transform.Result) map[string]string {
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range res.Files {
		rel, err := filepath.Rel(abs, f.Path)
		require.NoError(t, err)
		require.False(t, rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)), "%s: written outside the case folder", f.Path)
		old, err := os.ReadFile(f.Path)
		if os.IsNotExist(err) {
			require.Nil(t, f.Old, "%s: Old is nil for a new file", rel)
		} else {
			require.NoError(t, err)
			require.Equal(t, string(old), string(f.Old), "%s: Old is the current content", rel)
		}
		out[filepath.ToSlash(rel)] = string(f.New)
	}
	return out
}

// readExpectedFiles reads expected-files/ (empty when absent).
func readExpectedFiles(t *testing.T, dir string) map[string]string {
	out := map[string]string{}
	root := filepath.Join(dir, "expected-files")
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) && p == root {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		out[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	require.NoError(t, err)
	return out
}

func writeExpectedFiles(t *testing.T, dir string, files map[string]string) {
	root := filepath.Join(dir, "expected-files")
	require.NoError(t, os.RemoveAll(root))
	for rel, content := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
}

// secondRunWithFiles copies the case to a temporary folder, writes the
// files the chain created there, and checks that the chain then has
// nothing left to do: neither the Dockerfile nor the files change.
func secondRunWithFiles(t *testing.T, dir string, chain *transform.Chain, out []byte, files map[string]string) {
	tmp := t.TempDir()
	require.NoError(t, os.CopyFS(tmp, os.DirFS(dir)))
	require.NoError(t, os.RemoveAll(filepath.Join(tmp, "expected-files")))
	for rel, content := range files {
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	df := filepath.Join(tmp, "Dockerfile")
	require.NoError(t, os.WriteFile(df, out, 0o644))
	bctx, err := transform.NewBuildContext(filepath.Join(tmp, "context"), df)
	require.NoError(t, err)
	again, err := chain.Run(df, out, bctx)
	require.NoError(t, err)
	require.Equal(t, string(out), string(again.Out), "idempotent with the files written")
	require.Empty(t, again.Files, "no other file changes once the files are written")
}
