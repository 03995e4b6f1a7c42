package reorder

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/moves"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMovable: which steps after `WORKDIR /app` + `COPY . .` may move
// above the COPY.
func TestMovable(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{"apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*", true},
		{"apk add --no-cache git openssh", true},
		{"apt-get install -y ./local.deb", false},
		{"useradd --create-home app", true},
		{"useradd -m -d /app app", false},
		{"adduser -D -h /app app", false},
		{"groupadd -r app && useradd -r -g app app", true},
		{"mkdir -p /var/log/app && chown app /var/log/app", true},
		{"mkdir -p logs", false},
		{"mkdir -p /app/logs", false},
		{"chown -R app /", false},
		{"chmod +x /app/run.sh", false},
		{"curl -fsSLo /usr/local/bin/tool https://example.com/tool && chmod +x /usr/local/bin/tool", true},
		{"curl -fsSL https://example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/x.gpg", true},
		{"curl -fsSL https://example.com/install.sh | sh", false},
		{"curl -O https://example.com/x.tgz", false},
		{"cd /tmp && curl -O https://example.com/x.tgz && tar -xzf x.tgz -C /opt && rm x.tgz", true},
		{"wget -q https://example.com/x.tgz", false},
		{"wget -qO- https://example.com/x.tgz | tar -xz -C /opt", true},
		{"wget -O /tmp/x.tgz https://example.com/x.tgz && tar xzf /tmp/x.tgz -C /opt", true},
		{"tar xzf /tmp/x.tgz", false},
		{"echo 'deb https://example.com stable main' > /etc/apt/sources.list.d/x.list", true},
		{"echo hello > greeting.txt", false},
		{"ln -sf /usr/share/zoneinfo/$TZ /etc/localtime", true},
		{"cp /etc/app.conf.example /etc/app.conf", true},
		{"cp config.example /etc/app.conf", false},
		{"sed -i 's/a/b/' /etc/ssh/sshd_config", true},
		{"sed -i 's#/app#/srv#' /etc/nginx/nginx.conf", false},
		{"pip install flask", true},
		{"make", false},
		{"ls", false},
		{"ls /etc", true},
		{"if true; then apt-get install -y curl; fi", false},
		{"apt-get install -y $(cat packages.txt)", false},
		{"echo $(uname -m)", true},
		{"git config --global --add safe.directory /app", false},
		{"git config --global user.name ci", true},
		{"GIT_CONFIG_GLOBAL=/app/gitconfig git config --global user.name ci", false},
		{"DEBIAN_FRONTEND=noninteractive apt-get install -y curl", true},
		{"cd /app/sub && apt-get install -y gcc", false}, // the folder comes with the COPY
		{"cd sub && apt-get install -y gcc", false},
		{"cd /tmp && apt-get install -y gcc", true},
	} {
		src := "FROM debian\nWORKDIR /app\nCOPY . .\nRUN " + tc.body + "\n"
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		envs := d.Envs()
		c, x := d.Instructions[2], d.Instructions[3]
		fe := moves.FreeEnv{Protected: []string{transform.CopyDest(d, &envs[c.Index], c)}}
		why, _ := fe.Movable(d, transform.NewScripts(d), x, &envs[x.Index], &envs[c.Index])
		assert.Equal(t, tc.want, why == "", "%s: %s", tc.body, why)
	}
}

// TestReorderUnknownWorkdir: without a WORKDIR the copy may land in the
// image's root; only package-manager state is certainly elsewhere.
func TestReorderUnknownWorkdir(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", true},
		{"mkdir -p /opt/tool", false},
		{"rm -rf /tmp/*", false},
	} {
		src := "FROM debian\nCOPY . .\nRUN " + tc.body + "\n"
		res, err := (&transform.Chain{Transforms: []*transform.Transform{Rule}}).Run("Dockerfile", []byte(src), nil)
		require.NoError(t, err)
		assert.Equal(t, tc.want, res.Changed(), tc.body)
	}
}

func TestReorderKeepsOrderAndStops(t *testing.T) {
	src := "FROM debian\nWORKDIR /app\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y curl\nRUN make\nRUN apt-get install -y jq\n"
	want := "FROM debian\nWORKDIR /app\nRUN apt-get update\nRUN apt-get install -y curl\nCOPY . .\nRUN make\nRUN apt-get install -y jq\n"
	res, err := (&transform.Chain{Transforms: []*transform.Transform{Rule}}).Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	assert.Equal(t, want, string(res.Out))

	// A file without a final newline keeps none.
	src = "FROM debian\nWORKDIR /app\nCOPY . .\nRUN apt-get update"
	want = "FROM debian\nWORKDIR /app\nRUN apt-get update\nCOPY . ."
	res, err = (&transform.Chain{Transforms: []*transform.Transform{Rule}}).Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	assert.Equal(t, want, string(res.Out))
}
