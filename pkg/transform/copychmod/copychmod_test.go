package copychmod

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// runRule runs copy-chmod alone (unsafe fixes too) on a Dockerfile whose
// context holds the files given with their modes.
func runRule(t *testing.T, src string, files map[string]os.FileMode) string {
	return runRuleSafe(t, src, files, true)
}

func runRuleSafe(t *testing.T, src string, files map[string]os.FileMode, unsafe bool) string {
	t.Helper()
	dir := t.TempDir()
	for name, mode := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte("x\n"), mode))
		require.NoError(t, os.Chmod(p, mode))
	}
	df := filepath.Join(dir, "Dockerfile")
	bctx, err := transform.NewBuildContext(dir, df)
	require.NoError(t, err)
	c := &transform.Chain{Transforms: []*transform.Transform{Rule}, Options: transform.Options{Unsafe: unsafe, Syntax: "never"}}
	res, err := c.Run(df, []byte(src), bctx)
	require.NoError(t, err)
	return string(res.Out)
}

func TestFold(t *testing.T) {
	sh := map[string]os.FileMode{"x.sh": 0o644}
	for _, tc := range []struct {
		name, in, want string
		files          map[string]os.FileMode
	}{
		{"chown kept", "FROM a\nCOPY --chown=app:app x.sh /bin/x\nRUN chmod 750 /bin/x\n",
			"FROM a\nCOPY --chmod=750 --chown=app:app x.sh /bin/x\n", sh},
		{"existing --chmod combined", "FROM a\nCOPY --chmod=600 x.sh /bin/x\nRUN chmod u+x /bin/x\n",
			"FROM a\nCOPY --chmod=700 x.sh /bin/x\n", sh},
		{"chmod -R of a file", "FROM a\nCOPY x.sh /bin/\nRUN chmod -R 755 /bin/x.sh && /bin/x.sh\n",
			"FROM a\nCOPY --chmod=755 x.sh /bin/\nRUN /bin/x.sh\n", sh},
		{"two chmods in order", "FROM a\nCOPY x.sh /bin/x\nRUN chmod 600 /bin/x && chmod +x /bin/x && echo ok\n",
			"FROM a\nCOPY --chmod=711 x.sh /bin/x\nRUN echo ok\n", sh},
		{"a command before the chmod sees the old mode", "FROM a\nCOPY x.sh /bin/x\nRUN test -x /bin/x || echo no && chmod +x /bin/x\n",
			"", sh},
		{"chmod in a branch", "FROM a\nCOPY x.sh /bin/x\nRUN if true; then chmod +x /bin/x; fi\n", "", sh},
		{"variable path", "FROM a\nCOPY x.sh /bin/x\nRUN chmod +x $P\n", "", sh},
		{"setuid refused", "FROM a\nCOPY x.sh /bin/x\nRUN chmod 4755 /bin/x\n", "", sh},
		{"COPY --from refused", "FROM a\nCOPY --from=b /x.sh /bin/x\nRUN chmod 755 /bin/x\n", "", sh},
		{"one of two files changed", "FROM a\nCOPY x.sh y.sh /bin/\nRUN chmod 755 /bin/x.sh\n", "",
			map[string]os.FileMode{"x.sh": 0o644, "y.sh": 0o644}},
		{"files given different modes", "FROM a\nCOPY x.sh y.sh /bin/\nRUN chmod +x /bin/x.sh /bin/y.sh\n", "",
			map[string]os.FileMode{"x.sh": 0o644, "y.sh": 0o600}},
		{"unusual context mode: unsafe, applied here", "FROM a\nCOPY x.sh /bin/x\nRUN chmod +x /bin/x\n",
			"FROM a\nCOPY --chmod=775 x.sh /bin/x\n", map[string]os.FileMode{"x.sh": 0o664}},
		{"relative to WORKDIR", "FROM a\nWORKDIR /app\nCOPY x.sh bin/\nENV A=1\nRUN chmod 755 bin/x.sh\n",
			"FROM a\nWORKDIR /app\nCOPY --chmod=755 x.sh bin/\nENV A=1\n", sh},
		{"a file of a copied folder", "FROM a\nCOPY . /app\nRUN chmod +x /app/x.sh\n", "", sh},
		{"COPY into the WORKDIR", "FROM a\nWORKDIR /w\nCOPY x.sh .\nRUN chmod -R a+w /w\n", "", sh},
		{"another stage", "FROM a AS b\nCOPY x.sh /bin/x\nFROM b\nRUN chmod 755 /bin/x\n", "", sh},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == "" {
				want = tc.in
			}
			require.Equal(t, want, runRule(t, tc.in, tc.files))
		})
	}
}

// TestCreatedFolders: BuildKit gives the folders a COPY creates the
// --chmod mode too, so a mode other than 0755 into a folder that may not
// exist yet is an unsafe fix.
func TestCreatedFolders(t *testing.T) {
	sh := map[string]os.FileMode{"x.sh": 0o644}
	for _, tc := range []struct{ in, want string }{
		{"FROM a\nCOPY x.sh /opt/app/x\nRUN chmod 750 /opt/app/x\n", ""},
		{"FROM a\nCOPY x.sh /opt/app/x\nRUN chmod 755 /opt/app/x\n", "FROM a\nCOPY --chmod=755 x.sh /opt/app/x\n"},
		{"FROM a\nWORKDIR /opt/app\nCOPY x.sh ./x\nRUN chmod 750 x\n", "FROM a\nWORKDIR /opt/app\nCOPY --chmod=750 x.sh ./x\n"},
		{"FROM a\nCOPY x.sh /x\nRUN chmod 700 /x\n", "FROM a\nCOPY --chmod=700 x.sh /x\n"},
		{"FROM a\nCOPY --chmod=600 x.sh /opt/x\nRUN chmod 700 /opt/x\n", ""},
	} {
		want := tc.want
		if want == "" {
			want = tc.in
		}
		require.Equal(t, want, runRuleSafe(t, tc.in, sh, false), tc.in)
	}
}
