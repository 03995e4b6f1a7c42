package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dfopt/dfopt/internal/tlstest"
	"github.com/dfopt/dfopt/pkg/verify"
)

// TestRemoteTLS runs `dfopt verify` against a second buildkitd that the
// test starts listening on tcp://127.0.0.1:PORT with TLS certificates it
// makes (a CA, a server and a client certificate): the way a remote
// builder is reached. One Dockerfile with the TLS flags, two at once with
// --tlsdir and -j 2, and a client without a certificate, which the
// daemon refuses.
func TestRemoteTLS(t *testing.T) {
	needSuite(t)
	buildkitd := os.Getenv("DFOPT_E2E_BUILDKITD")
	if buildkitd == "" {
		t.Skip("DFOPT_E2E_BUILDKITD (the buildkitd binary) is not set: run with `make e2e`")
	}
	certs, err := tlstest.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	addr := startTLSDaemon(t, buildkitd, certs)
	tlsFlags := []string{"--addr", addr, "--tlscacert", certs.CACert, "--tlscert", certs.ClientCert, "--tlskey", certs.ClientKey}

	t.Run("one", func(t *testing.T) {
		args := append(append([]string{}, tlsFlags...), "--no-measure", filepath.Join("fixtures", "merge-grouped", "Dockerfile"))
		r := dfoptVerify(t, args...)
		if r.code != 0 || r.report == nil || r.report.Verdict != verify.VerdictOK {
			t.Fatalf("want verdict ok over TLS, got %s", describe(r))
		}
		if r.report.Addr != addr {
			t.Errorf("report names %q, want %q", r.report.Addr, addr)
		}
	})

	t.Run("many", func(t *testing.T) {
		args := append([]string{"verify", "--format", "json", "--addr", addr, "--tlsdir", certs.Dir, "-j", "2", "--no-measure"}, env.contexts...)
		args = append(args, filepath.Join("fixtures", "merge-grouped"), filepath.Join("fixtures", "merge-fails"))
		code, stdout, stderr := runDfopt(t, args...)
		var b verify.Batch
		if err := json.Unmarshal(stdout, &b); err != nil {
			t.Fatalf("no JSON batch (%v): %s\nstderr:\n%s", err, stdout, tail(string(stderr), 15))
		}
		if code != 0 || b.Verdict != verify.VerdictBothFail || len(b.Results) != 2 {
			t.Fatalf("exit %d, verdict %q, %d results; want 0, both-fail, 2:\n%s\nstderr:\n%s", code, b.Verdict, len(b.Results), stdout, tail(string(stderr), 15))
		}
		want := map[string]string{"merge-grouped": verify.VerdictOK, "merge-fails": verify.VerdictBothFail}
		for _, r := range b.Results {
			name := filepath.Base(filepath.Dir(r.Dockerfile))
			if r.Verdict != want[name] {
				t.Errorf("%s: verdict %q, want %q (%s)", r.Dockerfile, r.Verdict, want[name], r.Error)
			}
		}
	})

	t.Run("no client certificate", func(t *testing.T) {
		code, _, stderr := runDfopt(t, "verify", "--addr", addr, "--tlscacert", certs.CACert,
			filepath.Join("fixtures", "merge-grouped", "Dockerfile"))
		if code != 2 || !bytes.Contains(stderr, []byte("cannot reach BuildKit at "+addr)) {
			t.Fatalf("want exit 2, cannot reach; got %d:\n%s", code, stderr)
		}
	})
}

// startTLSDaemon starts buildkitd on a free port of 127.0.0.1 with the
// server certificate, requiring client certificates signed by the CA, and
// stops it when the test ends.
func startTLSDaemon(t *testing.T, buildkitd string, certs *tlstest.Files) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	addr := "tcp://127.0.0.1:" + strconv.Itoa(port)
	dir, err := os.MkdirTemp("", "dfopt-e2e-tls-")
	if err != nil {
		t.Fatal(err)
	}
	logFile, err := os.Create(filepath.Join(dir, "buildkitd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(buildkitd, "--root", filepath.Join(dir, "root"), "--addr", addr,
		"--tlscacert", certs.CACert, "--tlscert", certs.ServerCert, "--tlskey", certs.ServerKey,
		"--otel-socket-path", filepath.Join(dir, "otel.sock"),
		"--oci-worker=true", "--containerd-worker=false")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		logFile.Close()
		unmountUnder(dir)
		if t.Failed() {
			data, _ := os.ReadFile(logFile.Name())
			t.Logf("buildkitd's log (last lines):\n%s", tail(string(data), 20))
		}
		os.RemoveAll(dir)
	})
	// Ready when it answers over TLS.
	tls := verify.TLS{CACert: certs.CACert, Cert: certs.ClientCert, Key: certs.ClientKey}
	deadline := time.Now().Add(60 * time.Second)
	for {
		d, err := verify.Connect(context.Background(), addr, tls, 2*time.Second)
		if err == nil {
			d.Close()
			return addr
		}
		select {
		case werr := <-exited:
			data, _ := os.ReadFile(logFile.Name())
			t.Fatalf("buildkitd exited at start (%v):\n%s", werr, tail(string(data), 20))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("buildkitd on %s did not answer within 60 s: %v", addr, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// unmountUnder unmounts what the daemon left mounted under dir.
func unmountUnder(dir string) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var mounts []string
	for _, line := range bytes.Split(data, []byte("\n")) {
		f := bytes.Fields(line)
		if len(f) > 4 && bytes.HasPrefix(f[4], []byte(dir+"/")) {
			mounts = append(mounts, string(f[4]))
		}
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		_ = syscall.Unmount(mounts[i], syscall.MNT_DETACH)
	}
}

// runDfopt runs the dfopt under test and returns its exit status and
// output.
func runDfopt(t *testing.T, args ...string) (int, []byte, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.dfopt, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.Bytes(), stderr.Bytes()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.Bytes(), stderr.Bytes()
	}
	t.Fatalf("running dfopt: %v", err)
	return 0, nil, nil
}
