package mergeruns

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// TestRepeatedRefreshes counts the commands a join of the RUNs drops.
func TestRepeatedRefreshes(t *testing.T) {
	for _, tc := range []struct {
		runs []string
		want int
	}{
		{[]string{"apt-get update && apt-get install -y a", "apt-get update && apt-get install -y b"}, 1},
		{[]string{"apt-get update && apt-get install -y a", "apt update && apt install -y b"}, 1},
		{[]string{"apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/*", "apt-get update && apt-get install -y b"}, 2},
		{[]string{"apt-get update && apt-get install -y a && rm -rf /tmp/*", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y a", "sudo apt-get update && apt-get install -y b"}, 1},
		{[]string{"apt-get update", "apt-get update && apt-get install -y b"}, 1},
		{[]string{"apt-get update && apt-get install -y a", "apt-get -q update && apt-get install -y b"}, 1},
		{[]string{"apt-get update && apt-get install -y a", "apt-get -o Acquire::Check-Valid-Until=false update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y gnupg && add-apt-repository ppa:x/y", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y x-archive-keyring", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y ./x.deb", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y $P", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get remove -y a", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update; apt-get install -y a", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y a && rm -rf /var/lib/apt/lists/* && apt-get install -y c", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && APT_CONFIG=/x apt-get install -y a", "apt-get update && apt-get install -y b"}, 0},
		{[]string{"apt-get update && apt-get install -y a && apt-get update && apt-get install -y b"}, 0},
		{[]string{"apk update && apk add a", "apk update && apk add b"}, 1},
		{[]string{"apk update && apk add alpine-keys", "apk update && apk add b"}, 0},
		{[]string{"apt-get update && apt-get install -y a", "apk update && apk add b", "apt-get update && apt-get install -y c"}, 0},
	} {
		src := "FROM debian\nRUN " + strings.Join(tc.runs, "\nRUN ") + "\n"
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		drops := repeatedRefreshes(transform.NewScripts(d), d.Instructions[1:])
		require.Len(t, drops, tc.want, src)
	}
}
