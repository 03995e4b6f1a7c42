package transform

import (
	"testing"

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
