package verify

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/tlstest"
	controlapi "github.com/moby/buildkit/api/services/control"
	apitypes "github.com/moby/buildkit/api/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// fakeControl answers ListWorkers as a daemon with one worker does: what
// Connect asks before it says the daemon is there.
type fakeControl struct {
	controlapi.UnimplementedControlServer
}

func (fakeControl) ListWorkers(context.Context, *controlapi.ListWorkersRequest) (*controlapi.ListWorkersResponse, error) {
	return &controlapi.ListWorkersResponse{Record: []*apitypes.WorkerRecord{{ID: "fake"}}}, nil
}

// tlsDaemon serves BuildKit's control API on 127.0.0.1 over TLS that
// requires a client certificate, and returns its tcp:// address.
func tlsDaemon(t *testing.T, certs *tlstest.Files) string {
	t.Helper()
	cfg, err := certs.ServerConfig()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)))
	controlapi.RegisterControlServer(srv, fakeControl{})
	go srv.Serve(ln)
	t.Cleanup(srv.Stop)
	return "tcp://" + ln.Addr().String()
}

func TestConnectTLS(t *testing.T) {
	certs, err := tlstest.Write(t.TempDir())
	require.NoError(t, err)
	addr := tlsDaemon(t, certs)
	ctx := context.Background()

	good := TLS{CACert: certs.CACert, Cert: certs.ClientCert, Key: certs.ClientKey}
	d, err := Connect(ctx, addr, good, 5*time.Second)
	require.NoError(t, err)
	assert.Equal(t, addr, d.Address())
	d.Close()

	// --tlsdir finds ca.pem, cert.pem and key.pem.
	d, err = Connect(ctx, addr, TLS{Dir: certs.Dir}, 5*time.Second)
	require.NoError(t, err)
	d.Close()

	// The server name defaults to the address's host (127.0.0.1 is in the
	// certificate); another name that is not is refused.
	_, err = Connect(ctx, addr, TLS{CACert: certs.CACert, Cert: certs.ClientCert, Key: certs.ClientKey, ServerName: "buildkit.example"}, 5*time.Second)
	var ue *UnreachableError
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Contains(t, err.Error(), "buildkit.example")

	// Another CA: the daemon's certificate is not trusted.
	other, err := tlstest.Write(t.TempDir())
	require.NoError(t, err)
	_, err = Connect(ctx, addr, TLS{CACert: other.CACert, Cert: certs.ClientCert, Key: certs.ClientKey}, 5*time.Second)
	require.True(t, errors.As(err, &ue), "%v", err)
	assert.Contains(t, err.Error(), "certificate")
	assert.NotContains(t, err.Error(), "\n")

	// No client certificate: the daemon refuses the connection.
	_, err = Connect(ctx, addr, TLS{CACert: certs.CACert}, 5*time.Second)
	require.Error(t, err)
}

func TestTLSFlags(t *testing.T) {
	dir := t.TempDir()
	_, err := TLS{Dir: dir, CACert: "ca.pem"}.clientOpts("tcp://h:1")
	assert.ErrorContains(t, err, "--tlsdir excludes")
	_, err = TLS{Cert: "c.pem"}.clientOpts("tcp://h:1")
	assert.ErrorContains(t, err, "--tlscert and --tlskey go together")
	_, err = TLS{Dir: dir}.clientOpts("tcp://h:1")
	assert.ErrorContains(t, err, "has neither ca.pem nor ca.crt")
	// Kubernetes secret names work as well.
	for _, n := range []string{"ca.crt", "tls.crt", "tls.key"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o600))
	}
	got, err := TLS{Dir: dir}.fromDir()
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "tls.key"), got.Key)
	opts, err := TLS{}.clientOpts("unix:///x.sock")
	require.NoError(t, err)
	assert.Empty(t, opts, "no TLS flags: no TLS")
}

// The connection helpers of buildctl are registered: their schemes are
// dialled (and fail here for want of docker or kubectl), never refused as
// unknown.
func TestConnectHelpersRegistered(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for addr, prog := range map[string]string{
		"docker-container://buildkitd":        "docker",
		"kube-pod://buildkitd-0?namespace=ci": "kubectl",
		"podman-container://buildkitd":        "podman",
		"nerdctl-container://buildkitd":       "nerdctl",
		"ssh://builder@build-host.example:22": "ssh",
	} {
		_, err := Connect(context.Background(), addr, TLS{}, 2*time.Second)
		require.Error(t, err, addr)
		assert.Equal(t, "cannot reach BuildKit at "+addr+": exec: "+prog+": executable file not found in $PATH", err.Error())
	}
}
