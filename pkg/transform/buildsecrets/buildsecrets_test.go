package buildsecrets

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// runRule runs build-secrets alone, unsafe fixes on, with a context
// holding a .npmrc of the given text; it returns the output and the
// messages.
func runRule(t *testing.T, src, npmrc string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".npmrc"), []byte(npmrc), 0o644))
	df := filepath.Join(dir, "Dockerfile")
	bctx, err := transform.NewBuildContext(dir, df)
	require.NoError(t, err)
	c := &transform.Chain{Transforms: []*transform.Transform{Rule}, Options: transform.Options{Unsafe: true, Syntax: "never"}}
	res, err := c.Run(df, []byte(src), bctx)
	require.NoError(t, err)
	var msgs []string
	for _, f := range res.Findings {
		msgs = append(msgs, f.Message)
	}
	return string(res.Out), strings.Join(msgs, "\n")
}

func TestBuildSecrets(t *testing.T) {
	const token = "//registry.npmjs.org/:_authToken=abc\n"
	for _, tc := range []struct {
		name, in, npmrc, want, msg string
	}{
		{"non-root install reads it with mode 0444",
			"FROM node:20\nUSER node\nWORKDIR /home/node/app\nCOPY .npmrc ./\nRUN npm ci\n", token,
			"FROM node:20\nUSER node\nWORKDIR /home/node/app\nRUN --mount=type=secret,id=npmrc,target=/home/node/app/.npmrc,mode=0444 npm ci\n", "secret mount"},
		{"configuration without credentials", "FROM node:20\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci\n", "legacy-peer-deps=true\n", "", ""},
		{"another command reads it", "FROM node:20\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci && cat .npmrc\n", token, "", "`cat .npmrc` on line 4 reads it too"},
		{"npx reads it", "FROM node:20\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci\nRUN npx prisma generate\n", token, "", "`npx prisma generate` on line 5 reads it too"},
		{"a later RUN writes it", "FROM node:20\nWORKDIR /app\nCOPY .npmrc ./\nRUN echo x >> .npmrc\nRUN npm ci\n", token, "", "writes it"},
		{"another stage copies it", "FROM node:20 AS b\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci\nFROM node:20\nCOPY --from=b /app /app\n", token, "", "may copy it into another stage"},
		{"a stage builds on it", "FROM node:20 AS b\nWORKDIR /app\nCOPY .npmrc ./\nRUN npm ci\nFROM b\nRUN echo\n", token, "", "builds on this one"},
		{"destination may be a folder", "FROM node:20\nCOPY .npmrc /app\nRUN npm ci\n", token, "", "may be a folder or a file"},
		{"the user's home", "FROM node:20\nCOPY .npmrc /root/.npmrc\nWORKDIR /app\nRUN npm install\n", token,
			"FROM node:20\nWORKDIR /app\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm install\n", "secret mount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, msg := runRule(t, tc.in, tc.npmrc)
			want := tc.want
			if want == "" {
				want = tc.in
			}
			require.Equal(t, want, out)
			require.Contains(t, msg, tc.msg)
			if tc.msg == "" {
				require.Empty(t, msg)
			}
		})
	}
}

// The quick test's names: each credentials file name is one of them or
// contains one, and none contains another.
func TestSecretNames(t *testing.T) {
	for _, n := range tools.SecretFileNames() {
		require.True(t, slices.ContainsFunc(secretNames, func(m string) bool { return strings.Contains(n, m) }), n)
	}
	for i, n := range secretNames {
		for j, m := range secretNames {
			require.False(t, i != j && strings.Contains(n, m), n+" holds "+m)
		}
	}
}
