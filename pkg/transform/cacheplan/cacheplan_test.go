package cacheplan

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/require"
)

func TestFindInvocations(t *testing.T) {
	for _, tc := range []struct {
		cmd     string
		manager string // "" when no manager uses its cache
		sub     string
		user    string
		sudo    bool
	}{
		{cmd: "pip install flask", manager: "pip", sub: "install"},
		{cmd: "pip3.12 install -r r.txt", manager: "pip", sub: "install"},
		{cmd: "/opt/venv/bin/pip --disable-pip-version-check install x", manager: "pip", sub: "install"},
		{cmd: "python3 -m pip install x", manager: "pip", sub: "install"},
		{cmd: "python -I -m pip wheel .", manager: "pip", sub: "wheel"},
		{cmd: "pip freeze", manager: ""},
		{cmd: "pip cache purge", manager: "pip", sub: "cache"},
		{cmd: "sudo -E pip install x", manager: "pip", sub: "install", user: "sudo -E", sudo: true},
		{cmd: "sudo apt-get install -y curl", manager: "apt", sub: "install", sudo: true},
		{cmd: "sudo -u app npm ci", manager: "npm", sub: "ci", user: "app", sudo: true},
		{cmd: "gosu app yarn install", manager: "yarn", sub: "install", user: "app"},
		{cmd: "env CI=1 npm ci", manager: "npm", sub: "ci"},
		{cmd: "xargs -r apt-get install -y", manager: "apt", sub: "install"},
		{cmd: "apt-get -o Acquire::Retries=3 -qq install curl", manager: "apt", sub: "install"},
		{cmd: "apt-get clean", manager: "apt", sub: "clean"},
		{cmd: "apk --no-cache add curl", manager: "apk", sub: "add"},
		{cmd: "apk -X https://mirror add curl", manager: "apk", sub: "add"},
		{cmd: "apk info", manager: ""},
		{cmd: "yarn", manager: "yarn", sub: ""},
		{cmd: "yarn --frozen-lockfile", manager: "yarn", sub: ""},
		{cmd: "yarn build", manager: ""},
		{cmd: "yarn global add serve", manager: "yarn", sub: "global"},
		{cmd: "npm run build", manager: ""},
		{cmd: "go build ./...", manager: "go", sub: "build"},
		{cmd: "go mod download", manager: "go", sub: "mod"},
		{cmd: "go mod init example.com/x", manager: ""},
		{cmd: "go version", manager: ""},
		{cmd: "go clean -modcache", manager: "go", sub: "clean"},
		{cmd: "go clean -i ./...", manager: ""},
		{cmd: "cargo +nightly build --release", manager: "cargo", sub: "build"},
		{cmd: "cargo new app", manager: ""},
		{cmd: "./mvnw -B package", manager: "maven", sub: "package"},
		{cmd: "sh mvnw verify", manager: "maven", sub: "verify"},
		{cmd: "mvn -v", manager: ""},
		{cmd: "bash ./gradlew build", manager: "gradle", sub: "build"},
		{cmd: "gradle --version", manager: ""},
		{cmd: "bundle", manager: "bundler", sub: ""},
		{cmd: "bundle exec rake", manager: ""},
		{cmd: "php composer.phar install", manager: "composer", sub: "install"},
		{cmd: "composer -d app install", manager: "composer", sub: "install"},
		{cmd: "dotnet restore", manager: "dotnet", sub: "restore"},
		{cmd: "dotnet App.dll", manager: ""},
		{cmd: "dotnet nuget locals all --clear", manager: "dotnet", sub: "nuget"},
		{cmd: "uv pip install x", manager: "uv", sub: "pip"},
		{cmd: "uv pip list", manager: ""},
		{cmd: "uv venv", manager: ""},
		{cmd: "poetry install --no-root", manager: "poetry", sub: "install"},
		{cmd: "poetry config virtualenvs.create false", manager: ""},
		{cmd: "pnpm install --frozen-lockfile", manager: "pnpm", sub: "install"},
		{cmd: "bun install", manager: "bun", sub: "install"},
		{cmd: "dnf -y --setopt=tsflags=nodocs install gcc", manager: "dnf", sub: "install"},
		{cmd: "yum clean all", manager: "dnf", sub: "clean"},
		{cmd: "microdnf install -y tar", manager: "microdnf", sub: "install"},
		{cmd: "zypper -n in curl", manager: "zypper", sub: "in"},
		{cmd: "runuser -u app -- pip install x", manager: ""},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			d, run := ruletest.LastRun(t, "FROM debian\nRUN "+tc.cmd+"\n")
			s := d.Shell(run)
			require.NotNil(t, s)
			invs := FindInvocations(nil, s.Commands)
			if tc.manager == "" {
				require.Empty(t, invs)
				return
			}
			require.Len(t, invs, 1)
			inv := invs[0]
			require.Equal(t, tc.manager, inv.Manager.Name)
			sub := ""
			if len(inv.Sub) > 0 {
				sub = inv.Sub[0]
			}
			require.Equal(t, tc.sub, sub)
			require.Equal(t, tc.user, inv.User)
			require.Equal(t, tc.sudo, inv.Sudo)
		})
	}
}

// runEdits returns the text of a RUN with edits applied.
func runEdits(t *testing.T, d *ast.Document, ins *ast.Instruction, edits ...emit.Edit) string {
	t.Helper()
	out, err := emit.Apply(d.Src, edits)
	require.NoError(t, err)
	require.True(t, transform.EditedRunParses(d, ins, edits), "the edited RUN parses: %q", out)
	return string(out)
}

func TestRemoveCommand(t *testing.T) {
	for _, tc := range []struct {
		name, src, remove, want string
	}{
		{"last of an and-list", "RUN a && apt-get clean", "apt-get", "RUN a"},
		{"first of an and-list", "RUN apt-get clean && b", "apt-get", "RUN b"},
		{"middle of an and-list", "RUN a && apt-get clean && b", "apt-get", "RUN a && b"},
		{
			"continuation lines",
			"RUN a && \\\n    apt-get clean && \\\n    rm -rf /x",
			"apt-get", "RUN a && \\\n    rm -rf /x",
		},
		{
			"leading operators",
			"RUN a \\\n    && apt-get clean \\\n    && b",
			"apt-get", "RUN a \\\n    && b",
		},
		// The last command decides the status: it becomes `true`.
		{"semicolon list, last", "RUN a; apt-get clean", "apt-get", "RUN a; true"},
		{"semicolon list, middle", "RUN a; apt-get clean; b", "apt-get", "RUN a; b"},
		{
			"semicolon on its own line",
			"RUN set -e; \\\n\tapt-get install -y \\\n\t\tx \\\n\t; \\\n\trm -rf /var/lib/apt/lists/*",
			"rm", "RUN set -e; \\\n\tapt-get install -y \\\n\t\tx",
		},
		{"inside a block", "RUN { a; apt-get clean; }", "apt-get", "RUN { a; true; }"},
		{"inside a block, not last", "RUN { a; apt-get clean; b; }", "apt-get", "RUN { a; b; }"},
		{"inside if", "RUN if true; then a; apt-get clean; fi", "apt-get", "RUN if true; then a; true; fi"},
		{"after a loop", "RUN for f in x y; do t $f; done; rm -rf /var/lib/apt/lists/*", "rm", "RUN for f in x y; do t $f; done; true"},
		{"after a loop, with set -e", "RUN set -e; for f in x y; do t $f; done; rm -rf /var/lib/apt/lists/*", "rm", "RUN set -e; for f in x y; do t $f; done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, run := ruletest.LastRun(t, "FROM debian\n"+tc.src+"\n")
			s := d.Shell(run)
			var target *ast.Command
			for i := range s.Commands {
				if s.Commands[i].Name == tc.remove {
					target = &s.Commands[i]
				}
			}
			require.NotNil(t, target)
			e, ok := transform.RemoveCommand(d, run, s, target.Call)
			require.True(t, ok)
			require.Equal(t, "FROM debian\n"+tc.want+"\n", runEdits(t, d, run, e))
		})
	}
	// A command that cannot go as text becomes `true`, which keeps which
	// commands run and the exit status.
	for _, tc := range []struct{ src, want string }{
		{"RUN apt-get clean", "RUN true"},                         // the only command
		{"RUN a || apt-get clean", "RUN a || true"},               // ||
		{"RUN apt-get clean | cat", "RUN true | cat"},             // a pipe
		{"RUN apt-get clean > /dev/null", "RUN true > /dev/null"}, // a redirection
		{"RUN (apt-get clean) && b", "RUN (true) && b"},           // a subshell with one command
		{"RUN a && ! apt-get clean && b", "RUN a && ! true && b"}, // negation
		{"RUN a && apt-get clean & wait", "RUN a && true & wait"}, // background
	} {
		t.Run("replaced: "+tc.src, func(t *testing.T) {
			d, run := ruletest.LastRun(t, "FROM debian\n"+tc.src+"\n")
			s := d.Shell(run)
			for i := range s.Commands {
				if s.Commands[i].Name == "apt-get" {
					e, ok := transform.RemoveCommand(d, run, s, s.Commands[i].Call)
					require.True(t, ok)
					require.Equal(t, "FROM debian\n"+tc.want+"\n", runEdits(t, d, run, e))
				}
			}
		})
	}
	for _, src := range []string{
		"RUN cat <<EOF && apt-get clean",  // a heredoc in the text
		"RUN a && X=1 apt-get clean && b", // an assignment
	} {
		t.Run("refused: "+src, func(t *testing.T) {
			text := "FROM debian\n" + src + "\n"
			if strings.Contains(src, "<<") {
				text += "EOF\n"
			}
			d, run := ruletest.LastRun(t, text)
			s := d.Shell(run)
			if s == nil {
				return
			}
			for i := range s.Commands {
				if s.Commands[i].Name == "apt-get" {
					_, ok := transform.RemoveCommand(d, run, s, s.Commands[i].Call)
					require.False(t, ok)
				}
			}
		})
	}
}

func TestRemoveWord(t *testing.T) {
	for _, tc := range []struct {
		name, src, word, want string
	}{
		{"inline", "RUN pip install --no-cache-dir x", "--no-cache-dir", "RUN pip install x"},
		{"first on a line", "RUN pip install \\\n    --no-cache-dir x", "--no-cache-dir", "RUN pip install \\\n    x"},
		{"alone on a line", "RUN pip install \\\n    --no-cache-dir \\\n    x", "--no-cache-dir", "RUN pip install \\\n    x"},
		{"alone on the last line", "RUN pip install x \\\n    --no-cache-dir", "--no-cache-dir", "RUN pip install x"},
		{"an assignment", "RUN PIP_NO_CACHE_DIR=1 pip install x", "PIP_NO_CACHE_DIR=1", "RUN pip install x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, run := ruletest.LastRun(t, "FROM debian\n"+tc.src+"\n")
			i := strings.Index(string(d.Src), tc.word)
			require.GreaterOrEqual(t, i, 0)
			e, ok := transform.RemoveWord(d, run, ast.Span{Start: i, End: i + len(tc.word)})
			require.True(t, ok)
			require.Equal(t, "FROM debian\n"+tc.want+"\n", runEdits(t, d, run, e))
		})
	}
}

func TestMountEdit(t *testing.T) {
	flags := []string{"--mount=type=cache,target=/a", "--mount=type=cache,target=/b"}
	for _, tc := range []struct {
		name, src, want string
	}{
		// Two or more flags: each on a continuation line.
		{"one line", "RUN x", "RUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b \\\n    x"},
		{"one line with a flag", "RUN --network=host x", "RUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b \\\n    --network=host x"},
		{"one line, the file's indentation", "RUN a && \\\n\tb\nRUN x", "RUN --mount=type=cache,target=/a \\\n\t--mount=type=cache,target=/b \\\n\tx"},
		{
			"continuation",
			"RUN a && \\\n\tb",
			"RUN --mount=type=cache,target=/a \\\n\t--mount=type=cache,target=/b \\\n\ta && \\\n\tb",
		},
		{
			"keyword alone on its line",
			"RUN \\\n  a && \\\n  b",
			"RUN \\\n  --mount=type=cache,target=/a \\\n  --mount=type=cache,target=/b \\\n  a && \\\n  b",
		},
		{"heredoc", "RUN <<EOF\na\nEOF", "RUN --mount=type=cache,target=/a \\\n    --mount=type=cache,target=/b \\\n    <<EOF\na\nEOF"},
		{"escape backtick", "# escape=`\nFROM debian\nRUN a && `\n  b", "RUN --mount=type=cache,target=/a `\n  --mount=type=cache,target=/b `\n  a && `\n  b"},
		{"crlf", "RUN a && \\\r\n  b", "RUN --mount=type=cache,target=/a \\\r\n  --mount=type=cache,target=/b \\\r\n  a && \\\r\n  b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := tc.src
			if !strings.Contains(src, "FROM") {
				eol := "\n"
				if strings.Contains(src, "\r\n") {
					eol = "\r\n"
				}
				src = "FROM debian" + eol + src
			}
			d, run := ruletest.LastRun(t, src+"\n")
			got := runEdits(t, d, run, transform.MountEdit(d, run, flags))
			require.True(t, strings.HasSuffix(got, tc.want+"\n"), "got %q", got)
		})
	}
}

// One flag stays on a one-line RUN, unless the line would pass
// transform.MaxAddedLine.
func TestMountEditOneFlag(t *testing.T) {
	flag := []string{"--mount=type=cache,target=/a"}
	d, run := ruletest.LastRun(t, "FROM debian\nRUN x\n")
	require.Equal(t, "FROM debian\nRUN --mount=type=cache,target=/a x\n", runEdits(t, d, run, transform.MountEdit(d, run, flag)))
	long := "RUN echo " + strings.Repeat("y", 130)
	d, run = ruletest.LastRun(t, "FROM debian\n"+long+"\n")
	require.Equal(t, "FROM debian\nRUN --mount=type=cache,target=/a \\\n    echo "+strings.Repeat("y", 130)+"\n", runEdits(t, d, run, transform.MountEdit(d, run, flag)))
	longer := "RUN echo " + strings.Repeat("y", 160)
	d, run = ruletest.LastRun(t, "FROM debian\n"+longer+"\n")
	require.Equal(t, "FROM debian\nRUN --mount=type=cache,target=/a echo "+strings.Repeat("y", 160)+"\n", runEdits(t, d, run, transform.MountEdit(d, run, flag)), "a line already long stays one line")
}

func TestRmRelation(t *testing.T) {
	for _, tc := range []struct {
		p, key string
		want   int
	}{
		{"/var/lib/apt/lists/*", "/var/lib/apt/lists", rmInside},
		{"/var/lib/apt/lists", "/var/lib/apt/lists", rmEqual},
		{"/var/lib/apt", "/var/lib/apt/lists", rmAncestor},
		{"/var/cache/apt/archives/*.deb", "/var/cache/apt", rmInside},
		{"/root/.cache/*", "/root/.cache/pip", rmAncestor},
		{"/root/.*", "/root/.cache/pip", rmAncestor},
		{"/tmp/*", "/var/cache/apt", rmNone},
		{"/root/.cache/pip/*", "/root/.cache/pip", rmInside},
		{"", "/root/.cache/pip", rmNone},
	} {
		require.Equal(t, tc.want, rmRelation(tc.p, tc.key), "%s vs %s", tc.p, tc.key)
	}
}
