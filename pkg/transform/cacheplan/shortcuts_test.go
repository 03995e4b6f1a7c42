package cacheplan

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// The shortcuts of the plan give what the long way gives.
func TestShortcutsAgree(t *testing.T) {
	src := "FROM python:3.12\nENV XDG=/root/.cache X=1\nWORKDIR /app\nRUN pip install x && echo hi\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	c := planCacheMounts(&transform.Pass{Doc: d})
	r := c.Runs[0]
	for _, w := range []string{"/root/.cache/pip", "/var/lib/apt/lists/*", "a?b", "[x]", "plain", "~", "~/.cache",
		"$XDG/pip", "${XDG}", "$HOME/.cache", `"/root/.cache"`, `'/x'`, `\/root`, "`pwd`", "a\\", "$(pip cache dir)"} {
		require.Equal(t, expandStaged(w, r), expandPathWord(w, r), w)
	}
	env := c.se.At(r.Ins)
	for _, ref := range []string{"build", "golang:1.22", "ghcr.io/x/y@sha256:abc", "a-b_c.d"} {
		require.True(t, plainRef(ref), ref)
		v, err := env.Expand(ref)
		require.NoError(t, err)
		require.Equal(t, ref, v.Val, ref)
	}
	// copyDest's shortcut: a plain absolute destination.
	for _, dest := range []string{"/app", "/usr/local/bin/", "/a/b@c:d", "/x/./y/../z", "/"} {
		require.True(t, plainRef(dest), dest)
		v, err := env.Expand(dest)
		require.NoError(t, err)
		require.Equal(t, absIn(env.Workdir, v.Val), path.Clean(dest), dest)
	}
	for _, ref := range []string{"$STAGE", "${S}", `"b"`, "a b"} {
		require.False(t, plainRef(ref), ref)
	}
}

// mentions finds a directory through a variable, and its shortcut (the
// RUN's resolved text) does not hide it.
func TestMentionsThroughVariable(t *testing.T) {
	src := "FROM python:3.12\nENV C=/root/.cache\nRUN pip install x\nRUN du -sh $C/pip && touch ~/.cache/pip/x\nRUN cp -r /root/.cache/pip /out\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	c := planCacheMounts(&transform.Pass{Doc: d})
	require.Equal(t, "`touch` in the RUN at line 4 uses /root/.cache/pip", c.mentions(c.Runs[1], "/root/.cache/pip", false))
	require.Equal(t, "`cp` in the RUN at line 5 uses /root/.cache/pip", c.mentions(c.Runs[2], "/root/.cache/pip", false))
	require.Empty(t, c.mentions(c.Runs[2], "/root/.npm", false))
}

// syntaxWord's walk finds the word its index holds.
func TestSyntaxWordWalkAgreesWithIndex(t *testing.T) {
	src := "FROM python:3.12\nRUN pip install x && rm -rf \"$(pip cache dir)\"/http `echo /x` $HOME/y && echo \"a $(b c)\" d\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	c := newPlan(&transform.Pass{Doc: d})
	walked, indexed := c.Runs[0], &Run{script: c.Runs[0].script, wordWalks: wordWalksBeforeIndex}
	n := 0
	for _, cmd := range walked.script.Commands {
		for _, w := range cmd.Args {
			got := walked.findWord(w.Span)
			require.NotNil(t, got, w.Value)
			require.Same(t, indexed.syntaxWord(w.Span), got, w.Value)
			n++
		}
	}
	require.Greater(t, n, 8)
	require.Nil(t, walked.findWord(ast.Span{Start: 1, End: 2}))
}

// ProgBase's plain-name shortcut gives what the long way gives.
func TestProgBaseShortcut(t *testing.T) {
	for _, v := range []string{"pip", "pip3.12", "", "/usr/bin/pip", "./mvnw", `"pip"`, `'apt-get'`, "a/", "/", "x.y-z_1", `p"q`, "$VENV/bin/pip"} {
		require.Equal(t, path.Base(strings.Trim(v, `"'`)), ProgBase(ast.Word{Value: v}), v)
	}
}

// Dedupe's scan and its map give the same list.
func TestDedupeScanAgreesWithMap(t *testing.T) {
	long := make([]string, 0, 3*dedupeScan)
	for i := range 3 * dedupeScan {
		long = append(long, strconv.Itoa(i%7))
	}
	for _, list := range [][]string{nil, {"a"}, {"a", "b", "a", "c", "b"}, long[:dedupeScan], long} {
		var want []string
		seen := map[string]bool{}
		for _, s := range list {
			if !seen[s] {
				seen[s] = true
				want = append(want, s)
			}
		}
		require.Equal(t, want, Dedupe(list))
	}
}

// A RUN's other words read without resolving the plain ones give what
// resolvedWord gives for every word.
func TestOtherWordsAgreeWithResolvedWord(t *testing.T) {
	src := "FROM python:3.12\nENV C=/root/.cache\nRUN pip install x && du -sh $C/pip ~/.npm plain \"q\" && ls /a /b && echo ${C}\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	c := planCacheMounts(&transform.Pass{Doc: d})
	r := c.Runs[0]
	n := 0
	for _, oc := range r.otherWords().cmds {
		for i, w := range oc.args[1:] {
			require.Equal(t, resolvedWord(w.Value, r), oc.word(i), w.Value)
			n++
		}
	}
	require.Equal(t, 8, n)
	require.True(t, r.otherWords().hold("/root/.cache/pip"))
	require.True(t, r.otherWords().hold("/root/.npm"))
	require.False(t, r.otherWords().hold("/root/.m2"))
}

// withValue is strings.HasPrefix(v, name+"=").
func TestWithValue(t *testing.T) {
	for _, v := range []string{"", "-o", "-o=", "-o=x", "-ox", "--output=/a", "--outputs=/a", "=", "x=y"} {
		for _, name := range []string{"-o", "--output", "", "x"} {
			require.Equal(t, strings.HasPrefix(v, name+"="), withValue(v, name), "%q %q", v, name)
		}
	}
}

// forManager, which makes the invocation only when the row takes the
// command, gives what making it first and asking IsClean first gives.
func TestForManagerAgreesWithLongWay(t *testing.T) {
	long := func(r *rawInvocation, m *Manager) *Invocation {
		inv := r.Invocation
		inv.Manager, inv.Args = m, r.Args
		pos := m.spec.ParseValues(wordValues(r.Args), 0).Pos
		pos = pos[:min(3, len(pos))]
		if len(pos) > 0 {
			inv.SubIdx = slices.Clip(pos)
			for _, i := range pos {
				inv.Sub = append(inv.Sub, inv.Args[i].Value)
			}
		}
		if inv.IsClean() || subsMatch(m, inv.Args, pos) {
			return &inv
		}
		return nil
	}
	lines := []string{"install x", "cache purge", "cache clean --force", "clean all", "-y install a b c", "mod download", "mod tidy",
		"pip install x", "", "--version", "ci", "run build", "add --no-cache x", "update", "-o a=b install -y x", "-- install", "store prune", "cache dir"}
	n, kept := 0, 0
	for _, m := range Managers {
		for _, line := range lines {
			words := []ast.Word{{Value: m.Progs[0], Lit: true}}
			for _, f := range strings.Fields(line) {
				words = append(words, ast.Word{Value: f, Lit: true})
			}
			r := matchCommand(words)
			require.NotNil(t, r, line)
			want, got := long(r, m), r.forManager(m)
			if want != nil {
				want.clean, kept = 0, kept+1
			}
			if got != nil {
				got.clean = 0
			}
			require.Equal(t, want, got, "%s %s", m.Name, line)
			n++
		}
	}
	require.Greater(t, kept, 30)
	require.Greater(t, n, 300)
}

func wordValues(ws []ast.Word) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Value
	}
	return out
}

// argsContain is strings.Contains of the words joined as managerOptions
// joined them, for a text without a blank.
func TestArgsContainAgreesWithJoin(t *testing.T) {
	for _, line := range []string{"", "install -y x", "-o Dir::Cache::Archives=/x install", "-oDir::Cache=1", "Dir:: Cache", "a Keep-Downloaded-Packages", "Keep- Downloaded"} {
		var args []ast.Word
		joined := ""
		for _, f := range strings.Fields(line) {
			args = append(args, ast.Word{Value: f})
			joined += " " + f
		}
		for _, s := range []string{"Dir::Cache", "Keep-Downloaded-Packages", "x"} {
			require.Equal(t, strings.Contains(joined, s), argsContain(args, s), "%q %q", line, s)
		}
	}
}

// substPathOnce, which walks only to a word that may start with a
// command substitution, gives what the walk gives for every word of
// every RUN of the goldens and of words written for it.
func TestSubstPathShortcut(t *testing.T) {
	files, err := filepath.Glob("../../../golden/*/Dockerfile")
	require.NoError(t, err)
	var srcs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		srcs = append(srcs, string(b))
	}
	srcs = append(srcs, "FROM python:3.12\nRUN pip install x && rm -rf \"$(pip cache dir)\"/http `pip cache dir` \"`npm config get cache`\" $(go env GOCACHE) ${HOME}/x $HOME \"$HOME/$(pip cache dir)\" x$(pip cache dir) \"\"$(pip cache dir)/a $\"$(pip cache dir)\" ''$(pip cache dir) \"\"\"$(pip cache dir)\" $1$(pip cache dir) $((1+2))\n")
	n, found := 0, 0
	for _, src := range srcs {
		d, err := ast.Parse("Dockerfile", []byte(src))
		if err != nil {
			continue
		}
		c := planCacheMounts(&transform.Pass{Doc: d})
		for _, r := range c.Runs {
			if r.script == nil {
				continue
			}
			for _, cmd := range r.script.Commands {
				for _, w := range cmd.Args {
					p1, why1, m1 := c.substPathOnce(r, w)
					p2, why2, m2 := c.substPathWalk(r, w)
					require.Equal(t, []any{p2, why2, m2}, []any{p1, why1, m1}, w.Value)
					if p2 != "" || why2 != "" {
						found++
					}
					n++
				}
			}
		}
	}
	require.Greater(t, n, 1000)
	require.GreaterOrEqual(t, found, 8)
}
