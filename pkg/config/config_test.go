package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRules registers rules for these tests when the real ones are not
// linked in yet (config only reads names from the registry).
func init() {
	for _, name := range []string{"syntax-header", "cache-mounts", "merge-runs", "multi-stage"} {
		if transform.Lookup(name) == nil {
			transform.Register(&transform.Transform{Name: name, Doc: "test", Run: func(*transform.Pass) []transform.Finding { return nil }})
		}
	}
}

func write(t *testing.T, path, data string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(data), 0o644))
	return path
}

func names(ts []*transform.Transform) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

func allBut(skip ...string) []string {
	var out []string
	for _, t := range transform.All() {
		keep := true
		for _, s := range skip {
			keep = keep && t.Name != s
		}
		if keep {
			out = append(out, t.Name)
		}
	}
	return out
}

const full = `# every key
select: [syntax-header, cache-mounts, merge-runs]
ignore: merge-runs
unsafe: true
syntax: never
rules:
  multi-stage:
    runtime-image:
      go: gcr.io/distroless/static-debian12
      node: gcr.io/distroless/nodejs22-debian12
    distroless: true
  syntax-header:
overrides:
  - files: ["legacy/**", "**/Dockerfile.test"]
    ignore: [all]
  - files: tools/
    unsafe: false
    rules:
      multi-stage: {distroless: false}
`

func TestParseFull(t *testing.T) {
	f, err := Parse("dir/.dfopt.yaml", []byte(full))
	require.NoError(t, err)
	assert.Equal(t, []string{"syntax-header", "cache-mounts", "merge-runs"}, f.Select)
	assert.Equal(t, []string{"merge-runs"}, f.Ignore)
	require.NotNil(t, f.Unsafe)
	assert.True(t, *f.Unsafe)
	assert.Equal(t, "never", f.Syntax)
	assert.Equal(t, map[string]map[string]string{
		"multi-stage": {
			"runtime-image.go":   "gcr.io/distroless/static-debian12",
			"runtime-image.node": "gcr.io/distroless/nodejs22-debian12",
			"distroless":         "true",
		},
		"syntax-header": {},
	}, f.Rules)
	require.Len(t, f.Overrides, 2)
	assert.Equal(t, []string{"legacy/**", "**/Dockerfile.test"}, f.Overrides[0].Files)
	assert.Equal(t, []string{"tools/"}, f.Overrides[1].Files)
	assert.Equal(t, "false", f.Overrides[1].Rules["multi-stage"]["distroless"])
}

func TestParseEmpty(t *testing.T) {
	for _, data := range []string{"", "# only comments\n", "---\n"} {
		f, err := Parse(".dfopt.yaml", []byte(data))
		require.NoError(t, err, "%q", data)
		assert.Empty(t, f.Overrides)
	}
}

// Unknown keys and bad values name the file, the line and the key.
func TestParseErrors(t *testing.T) {
	tests := []struct{ data, want string }{
		{"select: [cache-mounts]\nselct: [x]\n", `cfg.yaml:2: unknown key "selct" (known keys: select, ignore, unsafe, syntax, rules, overrides)`},
		{"overrides:\n  - files: a/\n    unsafe: true\n    jobs: 3\n", `cfg.yaml:4: unknown key "jobs" (known keys: files, select, ignore, unsafe, syntax, rules)`},
		{"select: [no-such-rule]\n", `cfg.yaml:1: select: unknown rule "no-such-rule"`},
		{"ignore: cache-mounts, nope\n", `cfg.yaml:1: ignore: unknown rule "nope"`},
		{"rules:\n  mulit-stage: {a: b}\n", `cfg.yaml:2: rules: unknown rule "mulit-stage"`},
		{"ignore: [DL3059, DL3008]\n", `cfg.yaml:1: ignore: hadolint DL3008 maps to no dfopt rule`},
		{"unsafe: sometimes\n", `cfg.yaml:1: unsafe must be true or false`},
		{"syntax: maybe\n", `cfg.yaml:1: syntax must be auto, always or never, not "maybe"`},
		{"select: [a\n", `cfg.yaml:1: invalid YAML: did not find expected`},
		{"- a\n- b\n", `cfg.yaml:1: the file must be a mapping`},
		{"overrides:\n  - ignore: [all]\n", `cfg.yaml:2: an override needs files`},
		{"overrides:\n  - files: \"[abc\"\n", `cfg.yaml:2: files: bad pattern "[abc"`},
		{"select: [cache-mounts]\nselect: [merge-runs]\n", `cfg.yaml:2: key "select" appears twice`},
		{"rules:\n  cache-mounts: [a, b]\n", `cfg.yaml:2: options of a rule are a mapping of keys`},
		// Rule options: only the keys the rule declares, with values of their kind.
		{"rules:\n  multi-stage:\n    distroles: true\n", `cfg.yaml:3: rules: unknown option multi-stage.distroles (did you mean distroless?)`},
		{"rules:\n  multi-stage:\n    distroless: yes\n", `cfg.yaml:3: rules: option multi-stage.distroless must be true or false, not "yes"`},
		{"rules:\n  multi-stage:\n    runtime-image:\n      golang: gcr.io/distroless/static\n", `cfg.yaml:4: rules: unknown option multi-stage.runtime-image.golang (did you mean runtime-image.go?)`},
		{"rules:\n  multi-stage:\n    runtime-image:\n      go: \"Debian:12\"\n", `cfg.yaml:4: rules: option multi-stage.runtime-image.go: "Debian:12" is not an image reference`},
		{"rules:\n  cache-mounts:\n    extra-dirs: [/root/.cache/a]\n", `cfg.yaml:3: rules: unknown option cache-mounts.extra-dirs (cache-mounts has no options)`},
		{"overrides:\n  - files: a/\n    rules:\n      multi-stage: {distroless: true, runtime: x}\n", `cfg.yaml:4: rules: unknown option multi-stage.runtime (`},
	}
	for _, tt := range tests {
		_, err := Parse("cfg.yaml", []byte(tt.data))
		require.Error(t, err, tt.data)
		assert.Contains(t, err.Error(), tt.want, tt.data)
		var ce *Error
		assert.ErrorAs(t, err, &ce)
	}
}

func TestResolveLayers(t *testing.T) {
	yes, no := true, false
	base := &Settings{Ignore: []string{"merge-runs"}, Unsafe: &yes, Rules: map[string]map[string]string{"multi-stage": {"a": "1", "b": "2"}}}
	over := &Settings{Syntax: "never", Rules: map[string]map[string]string{"multi-stage": {"b": "3"}}}
	cli := &Settings{Ignore: []string{"cache-mounts"}, Unsafe: &no}

	rules, opts := Resolve([]*Settings{base, over, cli})
	assert.Equal(t, allBut("merge-runs", "cache-mounts"), names(rules), "--ignore adds to the config's ignore")
	assert.False(t, opts.Unsafe, "the command line wins")
	assert.Equal(t, "never", opts.Syntax)
	assert.Equal(t, map[string]string{"a": "1", "b": "3"}, opts.RuleOptions["multi-stage"])

	rules, _ = Resolve([]*Settings{base, {Select: []string{"merge-runs", "cache-mounts"}}})
	assert.ElementsMatch(t, []string{"merge-runs", "cache-mounts"}, names(rules), "--select starts afresh")

	rules, opts = Resolve(nil)
	assert.Equal(t, allBut(), names(rules))
	assert.Equal(t, "auto", opts.Syntax)

	rules, _ = Resolve([]*Settings{{Ignore: []string{"all"}}})
	assert.Empty(t, rules)

	// hadolint codes: DL3059 is merge-runs; DL3042 is pip's part of
	// cache-mounts, which stays on for the other managers.
	rules, opts = Resolve([]*Settings{{Ignore: []string{"DL3059", "DL3042"}}})
	assert.Equal(t, allBut("merge-runs"), names(rules))
	assert.Equal(t, []string{"pip"}, opts.Parts["cache-mounts"].Off)
	rules, opts = Resolve([]*Settings{{Select: []string{"DL3042"}}})
	assert.Equal(t, []string{"cache-mounts"}, names(rules))
	assert.Equal(t, []string{"pip"}, opts.Parts["cache-mounts"].Only)
}

// The nearest .dfopt.yaml wins; the search stops at the repository root.
func TestDiscoveryNearestWins(t *testing.T) {
	top := t.TempDir()
	write(t, filepath.Join(top, FileName), "unsafe: true\n") // above the repository: never read
	repo := filepath.Join(top, "repo")
	require.NoError(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	write(t, filepath.Join(repo, FileName), "ignore: [merge-runs]\n")
	write(t, filepath.Join(repo, "svc", "legacy", FileName), "syntax: never\n")

	l, err := NewLoader("", false, nil)
	require.NoError(t, err)
	f, err := l.Find(filepath.Join(repo, "svc", "api", "Dockerfile"))
	require.NoError(t, err)
	require.NotNil(t, f)
	assert.Equal(t, filepath.Join(repo, FileName), f.Path)
	f, _ = l.Find(filepath.Join(repo, "svc", "legacy", "deep", "Dockerfile"))
	assert.Equal(t, filepath.Join(repo, "svc", "legacy", FileName), f.Path, "nearest wins")
	c, _, _ := l.Chain(filepath.Join(repo, "svc", "legacy", "Dockerfile"))
	assert.Equal(t, "never", c.Options.Syntax)
	assert.Contains(t, names(c.Transforms), "merge-runs", "files are not merged")

	// Outside any repository the search goes up to the file system root.
	other := filepath.Join(top, "plain", "x")
	f, _ = l.Find(filepath.Join(other, "Dockerfile"))
	require.NotNil(t, f)
	assert.Equal(t, filepath.Join(top, FileName), f.Path)

	// A repository without a config file gets none, even with one above.
	bare := filepath.Join(top, "bare")
	require.NoError(t, os.MkdirAll(filepath.Join(bare, ".git"), 0o755))
	f, err = l.Find(filepath.Join(bare, "Dockerfile"))
	require.NoError(t, err)
	assert.Nil(t, f)

	// --no-config
	l, _ = NewLoader("", true, nil)
	f, _ = l.Find(filepath.Join(repo, "Dockerfile"))
	assert.Nil(t, f)
}

func TestDiscoveryError(t *testing.T) {
	repo := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	cfg := write(t, filepath.Join(repo, FileName), "unsafe: true\nnot-a-key: 1\n")
	l, _ := NewLoader("", false, nil)
	_, _, err := l.Chain(filepath.Join(repo, "a", "Dockerfile"))
	require.Error(t, err)
	assert.Equal(t, cfg+`:2: unknown key "not-a-key" (known keys: select, ignore, unsafe, syntax, rules, overrides)`, err.Error())
}

func TestExplicitConfig(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "svc", FileName), "syntax: always\n")
	cfg := write(t, filepath.Join(dir, "ci.yaml"), "syntax: never\noverrides:\n  - files: svc/legacy\n    ignore: [all]\n")
	l, err := NewLoader(cfg, false, nil)
	require.NoError(t, err)
	c, f, err := l.Chain(filepath.Join(dir, "svc", "Dockerfile"))
	require.NoError(t, err)
	assert.Equal(t, cfg, f.Path, "--config beats discovery")
	assert.Equal(t, "never", c.Options.Syntax)
	assert.NotEmpty(t, c.Transforms)
	c, _, _ = l.Chain(filepath.Join(dir, "svc", "legacy", "x", "Dockerfile"))
	assert.Empty(t, c.Transforms, "globs are relative to the config file's folder")

	_, err = NewLoader(filepath.Join(dir, "missing.yaml"), false, nil)
	assert.EqualError(t, err, filepath.Join(dir, "missing.yaml")+": no such file or directory")
	_, err = NewLoader(filepath.Join(dir, "missing.yaml"), true, nil)
	assert.NoError(t, err, "--no-config wins over $DFOPT_CONFIG")
}

func TestOverrides(t *testing.T) {
	dir := t.TempDir()
	cfg := write(t, filepath.Join(dir, FileName), `
ignore: [merge-runs]
overrides:
  - files: ["services/legacy/**", "**/Dockerfile.test"]
    ignore: [all]
  - files: [tools/, "!tools/keep/"]
    unsafe: true
  - files: [services/legacy/special/Dockerfile]
    select: [cache-mounts]
`)
	f, err := Load(cfg)
	require.NoError(t, err)
	for path, want := range map[string][]int{
		"services/api/Dockerfile":             nil,
		"services/legacy/Dockerfile":          {0},
		"services/legacy/special/Dockerfile":  {0, 2},
		"web/Dockerfile.test":                 {0},
		"Dockerfile.test":                     {0},
		"tools/x/Dockerfile":                  {1},
		"tools/keep/Dockerfile":               nil,
		"services/legacy-not/Dockerfile":      nil,
		"other/services/legacy/Dockerfile.db": nil,
	} {
		assert.Equal(t, want, f.Matching(filepath.Join(dir, filepath.FromSlash(path))), path)
	}
	l, _ := NewLoader("", false, nil)
	c, _, err := l.Chain(filepath.Join(dir, "services", "legacy", "special", "Dockerfile"))
	require.NoError(t, err)
	assert.Equal(t, []string{"cache-mounts"}, names(c.Transforms), "a later select brings rules back")
	c, _, _ = l.Chain(filepath.Join(dir, "tools", "x", "Dockerfile"))
	assert.True(t, c.Options.Unsafe)
	assert.NotContains(t, names(c.Transforms), "merge-runs")
	c2, _, _ := l.Chain(filepath.Join(dir, "tools", "y", "Dockerfile"))
	assert.Same(t, c, c2, "one chain per distinct set of layers")
}

func TestCommandLineBeatsConfig(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, FileName), "unsafe: true\nsyntax: never\nselect: [cache-mounts]\n")
	no := false
	l, _ := NewLoader("", false, &Settings{Unsafe: &no, Syntax: "always", Select: []string{"merge-runs"}})
	c, _, err := l.Chain(filepath.Join(dir, "Dockerfile"))
	require.NoError(t, err)
	assert.False(t, c.Options.Unsafe)
	assert.Equal(t, "always", c.Options.Syntax)
	assert.Equal(t, []string{"merge-runs"}, names(c.Transforms))
}
