package ast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShellOptions(t *testing.T) {
	for _, c := range []struct {
		argv   []string
		flags  string
		script string
		ok     bool
	}{
		{[]string{"bash"}, "", "", true},
		{[]string{"/bin/sh", "-eux"}, "-e -u -x", "", true},
		{[]string{"bash", "-o", "pipefail", "-e"}, "-o pipefail -e", "", true},
		{[]string{"sh", "-c", "pip install x", "sh"}, "", "pip install x", true},
		{[]string{"/bin/bash", "-lc", "npm ci"}, "-l", "npm ci", true},
		{[]string{"busybox", "sh", "-e"}, "-e", "", true},
		{[]string{"bash", "build.sh"}, "", "", false},
		{[]string{"bash", "--login"}, "", "", false},
		{[]string{"bash", "-s", "x"}, "", "", false},
		{[]string{"sh", "-c"}, "", "", false},
		{[]string{"python3"}, "", "", false},
	} {
		flags, script, _, ok := ShellOptions(c.argv)
		assert.Equal(t, c.ok, ok, "%q", c.argv)
		if ok {
			assert.Equal(t, c.flags, strings.Join(flags, " "), "%q", c.argv)
			assert.Equal(t, c.script, script, "%q", c.argv)
		}
	}
}

// A heredoc fed to a shell is read like RUN <<EOF: its body, with the
// shell's options; the words' spans are theirs in the file.
func TestShellHeredocInterpreter(t *testing.T) {
	src := "FROM debian\nRUN <<EOT bash -e\napt-get update\nEOT\nRUN sh <<'EOF'\necho $HOME\nEOF\nRUN <<EOT bash\necho $HOME\nEOT\nRUN <<EOT bash\napt-get install -y \\\n  curl\nEOT\nRUN <<-EOT sh\n\tpip install x\n\tEOT\nRUN <<EOT bash -c 'echo hi'\nx\nEOT\n"
	d := parse(t, src)
	s := d.Shell(d.Instructions[1])
	require.NotNil(t, s)
	assert.Equal(t, []string{"bash", "-e"}, s.Interp)
	assert.Equal(t, []string{"-e"}, s.Flags)
	require.Len(t, s.Commands, 1)
	w := s.Commands[0].Args[1]
	assert.Equal(t, "update", src[w.Span.Start:w.Span.End])

	s = d.Shell(d.Instructions[2])
	require.NotNil(t, s, "a quoted delimiter keeps $ for the inner shell")
	assert.Equal(t, "echo", s.Commands[0].Name)

	s = d.Shell(d.Instructions[3])
	require.NotNil(t, s)
	assert.Nil(t, s.Interp, "the outer shell expands $HOME first: only the outer script is known")
	_, why := d.Reading(d.Instructions[3])
	assert.Contains(t, why, "after the outer shell expands it")

	s = d.Shell(d.Instructions[4])
	require.NotNil(t, s)
	require.Len(t, s.Commands, 1)
	assert.Equal(t, "curl", s.Commands[0].Args[3].Value, "backslash-newline is removed by the outer shell")

	s = d.Shell(d.Instructions[5])
	require.NotNil(t, s)
	assert.Equal(t, "pip install x\n", s.Text, "<<- drops leading tabs")

	s = d.Shell(d.Instructions[6])
	require.NotNil(t, s)
	assert.Nil(t, s.Interp, "bash -c does not read the heredoc")
}

func TestReadingExecForm(t *testing.T) {
	d := parse(t, "FROM golang\nRUN [\"go\", \"build\", \"-o\", \"/out/a b\", \".\"]\nRUN [\"sh\", \"-ec\", \"go mod download && go build .\"]\nRUN [\"bash\", \"build.sh\"]\nRUN [\"echo\", \"$HOME\"]\n")
	s, why := d.Reading(d.Instructions[1])
	require.NotNil(t, s)
	assert.Empty(t, why)
	assert.Equal(t, "an exec-form RUN", s.ReadOnly)
	require.Len(t, s.Commands, 1)
	var got []string
	for _, w := range s.Commands[0].Args {
		got = append(got, w.Value)
		assert.True(t, w.Lit)
	}
	assert.Equal(t, []string{"go", "build", "-o", "/out/a b", "."}, got)
	assert.Nil(t, d.Shell(d.Instructions[1]), "Shell stays the editable script only")

	s, _ = d.Reading(d.Instructions[2])
	require.NotNil(t, s)
	require.Len(t, s.Commands, 2)
	assert.Equal(t, "download", s.Commands[0].Args[2].Value)

	s, why = d.Reading(d.Instructions[3])
	assert.Nil(t, s)
	assert.Contains(t, why, "without a -c script")

	s, _ = d.Reading(d.Instructions[4])
	require.NotNil(t, s)
	assert.Equal(t, "$HOME", s.Commands[0].Args[1].Value, "exec form expands nothing")
	assert.True(t, s.Commands[0].Args[1].Lit)
}

func TestReadingPythonHeredoc(t *testing.T) {
	read := func(body string) (*Script, string) {
		d := parse(t, "FROM python\nRUN <<EOF python3\n"+body+"EOF\n")
		return d.Reading(d.Instructions[1])
	}
	s, why := read("import subprocess, sys\nsubprocess.run([sys.executable, \"-m\", \"pip\", \"install\", \"-r\", \"r.txt\"], check=True)\nprint('done')\n")
	require.NotNil(t, s)
	assert.Empty(t, why)
	assert.Equal(t, "a Python heredoc", s.ReadOnly)
	require.Len(t, s.Commands, 1)
	assert.Equal(t, "python3 -m pip install -r r.txt", commandWords(s.Commands[0]))

	s, why = read("import os\nos.system('pip install flask && pip install gunicorn')\n")
	require.NotNil(t, s)
	assert.Empty(t, why)
	assert.Len(t, s.Commands, 2)

	for _, body := range []string{
		"import subprocess\npkgs = ['x']\nsubprocess.run(['pip', 'install'] + pkgs)\n",
		"import subprocess\nsubprocess.run(['pip', 'install', 'x'], env={'PIP_CACHE_DIR': '/c'})\n",
		"import os\nos.environ['PIP_CACHE_DIR'] = '/c'\nos.system('pip install x')\n",
		"from subprocess import run\nrun(['pip', 'install', 'x'])\n",
	} {
		_, why = read(body)
		assert.Contains(t, why, "cannot tell what the script runs", body)
	}

	s, why = read("print('hello')\n")
	require.NotNil(t, s)
	assert.Empty(t, why)
	assert.Empty(t, s.Commands, "a script that starts nothing runs no command")
}

func commandWords(c Command) string {
	var ws []string
	for _, w := range c.Args {
		ws = append(ws, w.Value)
	}
	return strings.Join(ws, " ")
}

func TestShellHeredocWhy(t *testing.T) {
	d := parse(t, "FROM debian\nRUN <<EOT bash --norc\npip install x\nEOT\nRUN <<EOT bash\npip install x (\nEOT\nRUN <<EOT bash -c 'cat > /x'\npip install x\nEOT\n")
	_, why := d.Reading(d.Instructions[1])
	assert.Contains(t, why, "whose options dfopt does not know")
	_, why = d.Reading(d.Instructions[2])
	assert.Contains(t, why, "cannot parse")
	_, why = d.Reading(d.Instructions[3])
	assert.Empty(t, why, "the heredoc is the input of a -c script")
}
