package apthygiene

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAptPackages(t *testing.T) {
	for cmd, want := range map[string][]string{
		"apt-get install -y curl git":                                 {"curl", "git"},
		"apt-get install -y -o Dpkg::Options::=--force-confold curl":  {"curl"},
		"apt-get install -y -t bookworm-backports git=1:2.39.2-1 jq":  {"git", "jq"},
		"apt-get install -y libssl-dev:arm64 g++":                     {"libssl-dev", "g++"},
		"apt-get -q install --no-install-suggests -y ca-certificates": {"ca-certificates"},
		"apt-get install -y $PKGS":                                    nil,
		`apt-get install -y cassandra="$V" tools=$V`:                  {"cassandra", "tools"},
		`apt-get install -y "pg-$MAJOR=$V"`:                           nil,
		"apt-get install -f -y":                                       nil,
		"apt-get install -y ./tool.deb":                               nil,
		"apt-get install -y 'libfoo*'":                                nil,
	} {
		d, run := ruletest.LastRun(t, "FROM debian\nRUN "+cmd+"\n")
		invs := cacheplan.FindInvocations(nil, d.Shell(run).Commands)
		require.Len(t, invs, 1, cmd)
		got, _, ok := aptPackages(invs[0])
		assert.Equal(t, want != nil, ok, cmd)
		if want != nil {
			assert.Equal(t, want, got, cmd)
		}
	}
}

func TestLaterUses(t *testing.T) {
	for cmd, want := range map[string]laterUses{
		"curl -fsSL $URL | sh":                                     {tls: true},
		"git clone https://github.com/a/b":                         {tls: true},
		"git clone git@github.com:a/b.git":                         {tls: true, ssh: true},
		"ssh-keyscan github.com >> /etc/ssh/ssh_known_hosts":       {ssh: true},
		"gpg --batch --keyserver keys.openpgp.org --recv-keys ABC": {keyserver: true},
		"apt-key adv --keyserver keyserver.ubuntu.com --recv 1234": {keyserver: true},
		"python3 -m pip install flask":                             {pip: true},
		"go build ./...":                                           {tls: true},
		"make && ./configure":                                      {},
		"echo done":                                                {},
	} {
		d, run := ruletest.LastRun(t, "FROM debian\nRUN "+cmd+"\n")
		u := &laterUses{}
		for _, c := range d.Shell(run).Commands {
			u.command(c.Args)
		}
		u.tls = u.tls || tlsURL.MatchString(cmd)
		u.ssh = u.ssh || sshURL.MatchString(cmd)
		assert.Equal(t, want, *u, cmd)
	}
}
