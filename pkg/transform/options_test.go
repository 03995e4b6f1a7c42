package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateOptions(t *testing.T) {
	env := &Transform{Name: "env-rule", Options: []Option{{Name: "env.*"}, {Name: "strict", Kind: BoolOption}}}
	rules := append(All(), env)
	tests := []struct {
		name string
		opts map[string]map[string]string
		want string // "" for no error
	}{
		{"none", nil, ""},
		{"empty rule", map[string]map[string]string{"multi-stage": {}}, ""},
		{"every multi-stage key", map[string]map[string]string{"multi-stage": {
			"distroless": "false", "runtime-image.go": "gcr.io/distroless/static-debian12", "runtime-image.rust": "debian:12-slim",
			"runtime-image.java": "eclipse-temurin:21-jre", "runtime-image.dotnet": "mcr.microsoft.com/dotnet/aspnet:8.0",
			"runtime-image.node": "node:22-slim", "runtime-image.python": "python:3.12-slim",
		}}, ""},
		{"empty image: the rule's own choice", map[string]map[string]string{"multi-stage": {"runtime-image.go": ""}}, ""},
		{"prefix without a suffix list", map[string]map[string]string{"env-rule": {"env.ANY_NAME": "x", "strict": "true"}}, ""},
		{"unknown rule", map[string]map[string]string{"mulit-stage": {"distroless": "true"}}, `unknown rule "mulit-stage" (see ` + "`dfopt rules`)"},
		{"misspelled key", map[string]map[string]string{"multi-stage": {"distroles": "true"}}, "unknown option multi-stage.distroles (did you mean distroless?)"},
		{"misspelled suffix", map[string]map[string]string{"multi-stage": {"runtime-image.golang": "alpine"}}, "unknown option multi-stage.runtime-image.golang (did you mean runtime-image.go?)"},
		{"glob is not a suffix", map[string]map[string]string{"multi-stage": {"runtime-image.node*": "alpine"}}, "unknown option multi-stage.runtime-image.node* (did you mean runtime-image.node?)"},
		{"prefix alone", map[string]map[string]string{"multi-stage": {"runtime-image": "alpine"}}, "unknown option multi-stage.runtime-image (did you mean runtime-image.go?)"},
		{"far from any key", map[string]map[string]string{"multi-stage": {"cache": "1"}}, "unknown option multi-stage.cache (multi-stage reads runtime-image.*, distroless)"},
		{"rule without options", map[string]map[string]string{"cache-mounts": {"extra-dirs": "/root/.cache/a"}}, "unknown option cache-mounts.extra-dirs (cache-mounts has no options)"},
		{"empty suffix", map[string]map[string]string{"env-rule": {"env.": "x"}}, "unknown option env-rule.env."},
		{"bool: yes", map[string]map[string]string{"multi-stage": {"distroless": "yes"}}, `option multi-stage.distroless must be true or false, not "yes"`},
		{"bool: empty", map[string]map[string]string{"env-rule": {"strict": ""}}, `option env-rule.strict must be true or false, not ""`},
		{"bad image", map[string]map[string]string{"multi-stage": {"runtime-image.go": "Debian:12"}}, `option multi-stage.runtime-image.go: "Debian:12" is not an image reference`},
		{"first bad option in sorted order", map[string]map[string]string{"multi-stage": {"zz": "1", "distroless": "no"}}, "option multi-stage.distroless must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Options{RuleOptions: tt.opts}.Validate(rules)
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), tt.want), "got %q, want %q", err, tt.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	// A rule left out of the chain is not a rule to configure.
	err := Options{RuleOptions: map[string]map[string]string{"multi-stage": {"distroless": "true"}}}.Validate([]*Transform{Lookup("syntax-header")})
	assert.EqualError(t, err, "unknown rule \"multi-stage\" (see `dfopt rules`)")
}

func TestOptionUsage(t *testing.T) {
	assert.Equal(t, []string{"runtime-image.{go,rust,java,dotnet,node,python}=IMAGE", "distroless=true|false"},
		[]string{Lookup("multi-stage").Options[0].Usage(), Lookup("multi-stage").Options[1].Usage()})
	assert.Equal(t, "env.*=TEXT", Option{Name: "env.*"}.Usage())
}

// A rule reads only the option keys it declares: Get panics on any other,
// whether or not the user set it, and on a nil *Options too.
func TestGetPanicsOnUndeclaredKey(t *testing.T) {
	opts := &Options{RuleOptions: map[string]map[string]string{"multi-stage": {"distroless": "true", "extra": "x"}}}
	assert.Equal(t, "true", opts.Get("multi-stage", "distroless"))
	assert.Equal(t, "", opts.Get("multi-stage", "runtime-image.go"))
	assert.Equal(t, "", (*Options)(nil).Get("multi-stage", "distroless"))
	assert.PanicsWithValue(t, "transform: rule multi-stage reads option extra but does not declare it", func() { opts.Get("multi-stage", "extra") })
	assert.Panics(t, func() { (*Options)(nil).Get("multi-stage", "runtime-image.golang") })
	assert.Panics(t, func() { opts.Get("cache-mounts", "extra-dirs") })
}

// Every option read in multi-stage's code is declared: the rule runs over
// the multi-stage goldens (which reach every read: distroless, each
// ecosystem's runtime-image, dotnet's) with every declared key set, and an
// undeclared read would panic in Get and fail the chain.
func TestRuleOptionReadsAreDeclared(t *testing.T) {
	dirs, err := filepath.Glob("../../golden/multistage-*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	set := map[string]string{"distroless": "true"}
	for _, k := range Lookup("multi-stage").Options[0].Suffixes() {
		set["runtime-image."+k] = ""
	}
	opts := Options{Unsafe: true, RuleOptions: map[string]map[string]string{"multi-stage": set}}
	require.NoError(t, opts.Validate(All()))
	for _, dir := range dirs {
		src, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		require.NoError(t, err)
		var bctx *BuildContext
		if st, err := os.Stat(filepath.Join(dir, "context")); err == nil && st.IsDir() {
			ctx := filepath.Join(dir, "context")
			bctx, err = NewBuildContext(ctx, filepath.Join(dir, "Dockerfile"))
			require.NoError(t, err)
		}
		chain := &Chain{Transforms: []*Transform{Lookup("multi-stage")}, Options: opts}
		_, err = chain.Run("Dockerfile", src, bctx)
		if err != nil {
			assert.NotContains(t, err.Error(), "does not declare", dir)
		}
	}
}
