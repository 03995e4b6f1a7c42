package mergeruns

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runScript parses `FROM scratch` plus one RUN and returns its analysis.
func runScript(t *testing.T, body string) *ast.Script {
	t.Helper()
	d, err := ast.Parse("Dockerfile", []byte("FROM alpine\nRUN "+body+"\n"))
	require.NoError(t, err)
	sc := d.Shell(d.Instructions[1])
	require.NotNil(t, sc, body)
	return sc
}

func TestShellStateChange(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{"apt-get update && apt-get install -y curl", false},
		{"cd /tmp", true},
		{"mkdir -p /src && cd /src && make", true},
		{"(cd /tmp && make)", false},
		{"export PATH=/opt/bin:$PATH", true},
		{"PATH=/opt/bin:$PATH make", false},
		{"FOO=bar", true},
		{"FOO=bar :", true},
		{"set -e", true},
		{"set -o pipefail && make", true},
		{". /etc/profile", true},
		{"source venv/bin/activate && pip install x", true},
		{"umask 002", true},
		{"ulimit -n 4096", true},
		{"exec nginx", true},
		{"exit 0", true},
		{"sleep 10 &", true},
		{"(sleep 10 &)", true},
		{"trap 'rm -f /tmp/x' EXIT", true},
		{"f() { echo hi; }", true},
		{"for f in a b; do echo $f; done", true},
		{"if [ -f /x ]; then cd /x; fi", true},
		{"if [ -f /x ]; then echo yes; fi", false},
		{"echo ${X:=default}", true},
		{"echo $(cd /tmp && pwd)", false},
		{"$CMD --version", true},
		{"sudo cd /x", true},
		{"service mysql start", true},
		{"/etc/init.d/postgresql start && psql -c 'select 1'", true},
		{"printf -v x %s y", true},
		{"echo hi | tee /tmp/x", false},
	} {
		got := transform.ShellStateChange(runScript(t, tc.body))
		assert.Equal(t, tc.want, got != "", "%q: %q", tc.body, got)
	}
}

func TestRunKind(t *testing.T) {
	for _, tc := range []struct {
		body string
		want transform.WorkKind
	}{
		{"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", transform.KindSystem},
		{"rm -rf /var/lib/apt/lists/*", transform.KindSystem},
		{"apk add --no-cache git", transform.KindSystem},
		{"yum -y update; yum clean all", transform.KindSystem},
		{"pip install -r requirements.txt", transform.KindDeps},
		{"python -m pip install --upgrade pip", transform.KindDeps},
		{"npm ci", transform.KindDeps},
		{"yarn", transform.KindDeps},
		{"yarn build", transform.KindBuild},
		{"npm run build", transform.KindBuild},
		{"go mod download", transform.KindDeps},
		{"go build -o /app .", transform.KindBuild},
		{"go install golang.org/x/tools/gopls@latest", transform.KindDeps},
		{"cargo fetch", transform.KindDeps},
		{"cargo build --release", transform.KindBuild},
		{"mvn -B dependency:go-offline", transform.KindDeps},
		{"mvn -B package", transform.KindBuild},
		{"./gradlew dependencies", transform.KindDeps},
		{"./gradlew build", transform.KindBuild},
		{"bundle install", transform.KindDeps},
		{"composer install", transform.KindDeps},
		{"dotnet restore", transform.KindDeps},
		{"dotnet publish -c Release", transform.KindBuild},
		{"make -j4", transform.KindBuild},
		{"useradd app && mkdir -p /srv", transform.KindOther},
		{"curl -fsSL https://x/$(dpkg --print-architecture)/y -o /usr/local/bin/y", transform.KindOther},
		{"apt-get install -y python3-pip && pip install flask", transform.KindMixed},
		{"npm ci && npm run build", transform.KindMixed},
	} {
		assert.Equal(t, tc.want, transform.RunKind(runScript(t, tc.body)), tc.body)
	}
}

func TestJoinRunsBodies(t *testing.T) {
	for _, tc := range []struct {
		src, want string
		ok        bool
	}{
		{"FROM a\nRUN a\nRUN b\n", "RUN a && \\\n    b", true},
		{"FROM a\nRUN a\nRUN b; c\n", "RUN a && \\\n    { b; c; }", true},
		{"FROM a\nRUN a\nRUN b; c;\nRUN d\n", "RUN a && \\\n    { b; c; } && \\\n    d", true},
		{"FROM a\nRUN a\nRUN b;\nRUN d\n", "RUN a && \\\n    { b; } && \\\n    d", true},
		{"FROM a\nRUN a;\nRUN b\n", "", false},
		{"FROM a\nRUN a\n  # why b\n\nRUN b\n", "RUN a && \\\n    # why b\n    b", true},
		{"FROM a\nRUN a # note\nRUN b\n", "", false},
		{"FROM a\nRUN [\"a\"]\nRUN b\n", "", false},
	} {
		d, err := ast.Parse("Dockerfile", []byte(tc.src))
		require.NoError(t, err)
		var runs []*ast.Instruction
		for _, ins := range d.Instructions {
			if ins.Cmd == "run" {
				runs = append(runs, ins)
			}
		}
		e, ok := transform.JoinRuns(d, runs)
		assert.Equal(t, tc.ok, ok, tc.src)
		if ok {
			assert.Equal(t, tc.want, e.New, tc.src)
		}
	}
}

// TestMergeRuns runs the rule on small files: what merges and what not.
func TestMergeRuns(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"FROM a\nRUN apt-get update\nRUN apt-get install -y curl\n",
			"FROM a\nRUN apt-get update && \\\n    apt-get install -y curl\n"},
		// Different kinds of work stay apart.
		{"FROM a\nRUN apt-get install -y python3-pip\nRUN pip install flask\nRUN python -m compileall /app\n", ""},
		// Different flags stay apart.
		{"FROM a\nRUN --mount=type=cache,target=/root/.cache pip install a\nRUN pip install b\n", ""},
		// The same mounts, in another order, merge.
		{"FROM a\nRUN --network=host --mount=type=cache,target=/c pip install a\nRUN --mount=type=cache,target=/c --network=host pip install b\n",
			"FROM a\nRUN --network=host --mount=type=cache,target=/c pip install a && \\\n    pip install b\n"},
		// Not across stages or other instructions.
		{"FROM a\nRUN echo a\nFROM b\nRUN echo b\n", ""},
		{"FROM a\nRUN echo a\nENV X=1\nRUN echo b\n", ""},
		// A pragma between the RUNs keeps them apart.
		{"FROM a\nRUN echo a\n# hadolint ignore=DL3059\nRUN echo b\n", ""},
		// A heredoc RUN is not merged.
		{"FROM a\nRUN echo a\nRUN <<EOF\necho b\nEOF\n", ""},
		// A non-POSIX shell is not merged.
		{"FROM a\nSHELL [\"pwsh\", \"-Command\"]\nRUN echo a\nRUN echo b\n", ""},
	} {
		chain := &transform.Chain{Transforms: []*transform.Transform{Rule}}
		res, err := chain.Run("Dockerfile", []byte(tc.src), nil)
		require.NoError(t, err, tc.src)
		want := tc.want
		if want == "" {
			want = tc.src
		}
		assert.Equal(t, want, string(res.Out), tc.src)
	}
}
