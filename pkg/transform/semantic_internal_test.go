package transform

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"

	"github.com/stretchr/testify/require"
)

func TestShellFlags(t *testing.T) {
	for _, c := range []struct {
		sh   []string
		want []string
		ok   bool
	}{
		{[]string{"/bin/sh", "-c"}, nil, true},
		{[]string{"/bin/bash", "-o", "pipefail", "-c"}, []string{"-o", "pipefail"}, true},
		{[]string{"/bin/ash", "-eo", "pipefail", "-c"}, []string{"-e", "-o", "pipefail"}, true},
		{[]string{"/bin/bash", "-xec"}, []string{"-x", "-e"}, true},
		{[]string{"/bin/bash", "-euxo", "pipefail", "-c"}, []string{"-e", "-u", "-x", "-o", "pipefail"}, true},
		{[]string{"/bin/bash", "--login", "-c"}, nil, false},
		{[]string{"/bin/bash", "-c", "extra"}, nil, false},
		{[]string{"/bin/sh"}, nil, false},
	} {
		got, ok := shellFlags(c.sh)
		require.Equal(t, c.ok, ok, "%v", c.sh)
		if ok {
			require.Equal(t, c.want, got, "%v", c.sh)
		}
	}
}

// A heredoc fed to a shell is checked with that shell's options: dropping
// -e changes what runs after a failure, a mount flag changes nothing.
func TestHeredocInterpreterChecked(t *testing.T) {
	src := "FROM debian\nRUN <<EOT bash -e\nfalse\necho hi\nEOT\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	ins := d.Instructions[1]
	require.NotNil(t, d.Shell(ins))
	at := strings.Index(src, " -e")
	require.False(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at + 3}))
	at = strings.Index(src, "<<EOT")
	require.True(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at, New: "--mount=type=cache,target=/root/.cache "}))
	at = strings.Index(src, "echo hi")
	require.True(t, keepsBehaviour(d, ins, emit.Edit{Start: at, End: at, New: "true\n"}), "adding `true` before echo keeps the behaviour")
}
