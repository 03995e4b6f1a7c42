package verify

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	cdlog "github.com/containerd/log"
	"github.com/moby/buildkit/client"

	// The connection helpers buildctl knows, for --addr's schemes
	// docker-container://, kube-pod://, podman-container://,
	// nerdctl-container:// and ssh://. unix:// and tcp:// are the
	// client's own.
	_ "github.com/moby/buildkit/client/connhelper/dockercontainer"
	_ "github.com/moby/buildkit/client/connhelper/kubepod"
	_ "github.com/moby/buildkit/client/connhelper/nerdctlcontainer"
	_ "github.com/moby/buildkit/client/connhelper/podmancontainer"
	_ "github.com/moby/buildkit/client/connhelper/ssh"
)

// DefaultAddr is where a local buildkitd listens by default.
const DefaultAddr = "unix:///run/buildkit/buildkitd.sock"

// Addr returns the daemon address to use: flag, then $BUILDKIT_HOST, then
// DefaultAddr.
func Addr(flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv("BUILDKIT_HOST"); v != "" {
		return v
	}
	return DefaultAddr
}

// TLS is how to reach a daemon over TLS, as buildctl's flags say it.
type TLS struct {
	CACert     string // --tlscacert: the CA that signed the daemon's certificate
	Cert, Key  string // --tlscert, --tlskey: this client's certificate and key
	ServerName string // --tlsservername (default: the address's host)
	// Dir holds ca.pem, cert.pem, key.pem (or ca.crt, tls.crt, tls.key),
	// as buildctl's --tlsdir; it excludes the three files above.
	Dir string
}

// clientOpts are the BuildKit client options for t at addr, resolved as
// buildctl resolves them.
func (t TLS) clientOpts(addr string) ([]client.ClientOpt, error) {
	if t.Dir != "" {
		if t.CACert != "" || t.Cert != "" || t.Key != "" {
			return nil, errors.New("--tlsdir excludes --tlscacert, --tlscert and --tlskey")
		}
		var err error
		if t, err = t.fromDir(); err != nil {
			return nil, err
		}
	}
	if (t.Cert == "") != (t.Key == "") {
		return nil, errors.New("--tlscert and --tlskey go together")
	}
	var opts []client.ClientOpt
	if t.CACert != "" {
		name := t.ServerName
		if name == "" {
			if u, err := url.Parse(addr); err == nil {
				name = u.Hostname()
			}
		}
		opts = append(opts, client.WithServerConfig(name, t.CACert))
	} else if t.ServerName != "" {
		opts = append(opts, client.WithServerConfigSystem(t.ServerName))
	}
	if t.Cert != "" {
		opts = append(opts, client.WithCredentials(t.Cert, t.Key))
	}
	return opts, nil
}

// fromDir finds the three files in t.Dir.
func (t TLS) fromDir() (TLS, error) {
	pick := func(names ...string) (string, error) {
		for _, n := range names {
			p := filepath.Join(t.Dir, n)
			if _, err := os.Stat(p); err == nil {
				return p, nil
			}
		}
		return "", fmt.Errorf("--tlsdir %s: has neither %s", t.Dir, strings.Join(names, " nor "))
	}
	var err error
	if t.CACert, err = pick("ca.pem", "ca.crt"); err != nil {
		return t, err
	}
	if t.Cert, err = pick("cert.pem", "tls.crt"); err != nil {
		return t, err
	}
	t.Key, err = pick("key.pem", "tls.key")
	return t, err
}

// UnreachableError is a daemon that cannot be reached.
type UnreachableError struct {
	Addr string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach BuildKit at %s: %v", e.Addr, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Connect opens a connection to the daemon at addr (unix://, tcp:// with
// tls, or a connection helper's scheme) and checks that it answers (it
// lists its workers) within timeout.
func Connect(ctx context.Context, addr string, tls TLS, timeout time.Duration) (*Daemon, error) {
	// The content store logs warnings (fsverity support) through
	// containerd's logger; dfopt's output is its own.
	_ = cdlog.SetLevel("error")
	opts, err := tls.clientOpts(addr)
	if err != nil {
		return nil, err
	}
	c, err := client.New(ctx, addr, opts...)
	if err != nil {
		return nil, &UnreachableError{Addr: addr, Err: shortGRPC(err)}
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ws, err := c.ListWorkers(cctx)
	if err != nil {
		c.Close()
		return nil, &UnreachableError{Addr: addr, Err: shortGRPC(err)}
	}
	if len(ws) == 0 {
		c.Close()
		return nil, &UnreachableError{Addr: addr, Err: errors.New("the daemon has no workers")}
	}
	return &Daemon{Addr: addr, c: c}, nil
}

// Close closes the connection.
func (d *Daemon) Close() error { return d.c.Close() }

// shortGRPC keeps the last, most specific part of a gRPC error chain.
func shortGRPC(err error) error {
	s := err.Error()
	if i := strings.LastIndex(s, "desc = "); i >= 0 {
		s = s[i+len("desc = "):]
	}
	s = strings.ReplaceAll(strings.Trim(strings.TrimSpace(s), `"`), `\"`, "")
	s = strings.TrimPrefix(s, "transport: ")
	s = strings.TrimPrefix(s, "Error while dialing: ")
	s = strings.TrimPrefix(s, "error while dialing: ")
	return errors.New(s)
}
