package verify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/containerd/containerd/v2/core/content"
	"github.com/containerd/containerd/v2/plugins/content/local"
	"github.com/distribution/reference"
	"github.com/moby/buildkit/client"
	"github.com/tonistiigi/fsutil"
)

// Daemon is a connection to buildkitd.
type Daemon struct {
	Addr   string
	c      *client.Client
	mu     sync.Mutex
	stores map[string]content.Store // OCI layouts by folder, opened once
}

// store opens the OCI layout at dir as a content store, once.
func (d *Daemon) store(dir string) (content.Store, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.stores[dir]; ok {
		return s, nil
	}
	s, err := local.NewStore(dir)
	if err != nil {
		return nil, err
	}
	if d.stores == nil {
		d.stores = map[string]content.Store{}
	}
	d.stores[dir] = s
	return s, nil
}

// NamedContext maps a name used in FROM or COPY --from (an image or a
// stage) to another source, like `docker buildx build --build-context`:
//
//	DIR or local:DIR                  a folder on this machine
//	oci-layout://DIR[:TAG][@DIGEST]   an image in an OCI image layout folder
//	docker-image://REF                another image
//	anything else with a scheme       passed to the frontend as is
type NamedContext struct {
	Name  string
	Value string
}

// ParseNamedContext parses NAME=VALUE.
func ParseNamedContext(s string) (NamedContext, error) {
	name, value, ok := strings.Cut(s, "=")
	if !ok || name == "" || value == "" {
		return NamedContext{}, fmt.Errorf("build context %q: want NAME=DIR or NAME=oci-layout://DIR[@DIGEST]", s)
	}
	return NamedContext{Name: name, Value: value}, nil
}

// contextName normalises an image name the way the Dockerfile frontend
// does before it looks a named context up (docker.io/library/node:20 →
// node:20; a trailing :latest is dropped).
func contextName(name string) (string, error) {
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return "", fmt.Errorf("build context name %q: %v", name, err)
	}
	return strings.TrimSuffix(reference.FamiliarString(named), ":latest"), nil
}

// BuildRequest is one build.
type BuildRequest struct {
	Label          string // "original", "rewritten": for messages
	Dockerfile     []byte
	DockerfilePath string // the user's file: its NAME.dockerignore applies
	// DockerIgnore, when not nil, is used as NAME.dockerignore instead of
	// the file beside DockerfilePath (a rewrite that changes it).
	DockerIgnore []byte
	ContextDir   string
	Contexts     []NamedContext
	// Export asks for the final filesystem (BuildResult.FS). It comes as
	// a tar stream read in memory: BuildKit's local exporter, which
	// writes a folder, was seen to stall half-way on large root
	// filesystems, and the tar stream also keeps owners as they are.
	Export   bool
	Progress func(string)
}

// solveOpt turns a request into BuildKit's solve options. The Dockerfile
// is written to dfDir.
func (r *BuildRequest) solveOpt(d *Daemon, dfDir string) (client.SolveOpt, error) {
	if err := os.WriteFile(filepath.Join(dfDir, "Dockerfile"), r.Dockerfile, 0o644); err != nil {
		return client.SolveOpt{}, err
	}
	// BuildKit reads NAME.dockerignore beside the Dockerfile before the
	// context's .dockerignore; keep that working for the copy.
	ignore := r.DockerIgnore
	if ignore == nil && r.DockerfilePath != "" {
		ignore, _ = os.ReadFile(r.DockerfilePath + ".dockerignore")
	}
	if ignore != nil {
		if err := os.WriteFile(filepath.Join(dfDir, "Dockerfile.dockerignore"), ignore, 0o644); err != nil {
			return client.SolveOpt{}, err
		}
	}
	ctxFS, err := fsutil.NewFS(r.ContextDir)
	if err != nil {
		return client.SolveOpt{}, fmt.Errorf("build context: %w", err)
	}
	dfFS, err := fsutil.NewFS(dfDir)
	if err != nil {
		return client.SolveOpt{}, err
	}
	opt := client.SolveOpt{
		Frontend: "dockerfile.v0",
		FrontendAttrs: map[string]string{
			"filename": "Dockerfile",
			// With "cmdline" set, the built-in Dockerfile frontend builds
			// the file itself instead of forwarding to the frontend image
			// a `# syntax=` line names (which would be pulled from a
			// registry). It only checks that the key is present.
			"cmdline": "",
		},
		LocalMounts: map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		OCIStores:   map[string]content.Store{},
	}
	for i, nc := range r.Contexts {
		name, err := contextName(nc.Name)
		if err != nil {
			return client.SolveOpt{}, err
		}
		v := nc.Value
		switch {
		case strings.HasPrefix(v, "oci-layout://"):
			dir, ref, err := parseOCILayout(strings.TrimPrefix(v, "oci-layout://"))
			if err != nil {
				return client.SolveOpt{}, fmt.Errorf("build context %s: %w", nc.Name, err)
			}
			store, err := d.store(dir)
			if err != nil {
				return client.SolveOpt{}, fmt.Errorf("build context %s: %w", nc.Name, err)
			}
			id := fmt.Sprintf("dfopt-store-%d", i)
			opt.OCIStores[id] = store
			opt.FrontendAttrs["context:"+name] = "oci-layout://" + id + "@" + ref
		case strings.Contains(v, "://") || strings.HasPrefix(v, "target:") || strings.HasPrefix(v, "input:"):
			opt.FrontendAttrs["context:"+name] = v
		default:
			dir := strings.TrimPrefix(v, "local:")
			fi, err := os.Stat(dir)
			if err != nil {
				return client.SolveOpt{}, fmt.Errorf("build context %s: %w", nc.Name, err)
			}
			if !fi.IsDir() {
				return client.SolveOpt{}, fmt.Errorf("build context %s: %s is not a folder", nc.Name, dir)
			}
			fs, err := fsutil.NewFS(dir)
			if err != nil {
				return client.SolveOpt{}, fmt.Errorf("build context %s: %w", nc.Name, err)
			}
			key := fmt.Sprintf("dfopt-named-%d", i)
			opt.LocalMounts[key] = fs
			opt.FrontendAttrs["context:"+name] = "local:" + key
		}
	}
	return opt, nil
}

// parseOCILayout splits DIR[:TAG][@sha256:DIGEST] and finds the digest
// in the layout's index.json when it is not given.
func parseOCILayout(s string) (dir, dgst string, err error) {
	if i := strings.LastIndex(s, "@"); i >= 0 {
		s, dgst = s[:i], s[i+1:]
	}
	tag := ""
	if i := strings.LastIndex(s, ":"); i > strings.LastIndex(s, "/") {
		s, tag = s[:i], s[i+1:]
	}
	dir = s
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return "", "", fmt.Errorf("%s is not an OCI image layout (no index.json)", dir)
	}
	if dgst != "" {
		if !strings.HasPrefix(dgst, "sha256:") {
			return "", "", fmt.Errorf("digest %q: want sha256:HEX", dgst)
		}
		return dir, dgst, nil
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		return "", "", err
	}
	var idx struct {
		Manifests []struct {
			Digest      string            `json:"digest"`
			Annotations map[string]string `json:"annotations"`
		} `json:"manifests"`
	}
	if err := json.Unmarshal(data, &idx); err != nil {
		return "", "", fmt.Errorf("%s/index.json: %v", dir, err)
	}
	var found []string
	for _, m := range idx.Manifests {
		if tag == "" || m.Annotations["org.opencontainers.image.ref.name"] == tag {
			found = append(found, m.Digest)
		}
	}
	switch {
	case len(found) == 1:
		return dir, found[0], nil
	case len(found) == 0 && tag != "":
		return "", "", fmt.Errorf("%s has no image tagged %q", dir, tag)
	case len(found) == 0:
		return "", "", fmt.Errorf("%s holds no image", dir)
	default:
		return "", "", fmt.Errorf("%s holds %d images: name one with :TAG or @DIGEST", dir, len(found))
	}
}

// Build runs one build and collects its steps from the status stream.
// A build that fails returns a result whose Failure is set and a nil
// error; err is for everything else (bad options, a lost daemon).
func (d *Daemon) Build(ctx context.Context, r *BuildRequest) (*BuildResult, error) {
	dfDir, err := os.MkdirTemp("", "dfopt-dockerfile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dfDir)
	opt, err := r.solveOpt(d, dfDir)
	if err != nil {
		return nil, err
	}
	type scanned struct {
		t   *Tree
		err error
	}
	var pw *io.PipeWriter
	var fsDone chan scanned
	if r.Export {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		fsDone = make(chan scanned, 1)
		go func() {
			t, err := ScanTar(pr)
			pr.CloseWithError(err) // a writer still writing gets the error
			fsDone <- scanned{t, err}
		}()
		opt.Exports = []client.ExportEntry{{
			Type:   client.ExporterTar,
			Output: func(map[string]string) (io.WriteCloser, error) { return pw, nil },
		}}
	}
	rec := newRecorder(r.Progress)
	ch := make(chan *client.SolveStatus)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s := range ch {
			rec.add(s)
		}
	}()
	start := time.Now()
	_, solveErr := d.c.Solve(ctx, nil, opt, ch)
	<-done
	wall := time.Since(start)
	var fsys scanned
	if r.Export {
		pw.Close() // a build that failed never wrote: end the reader
		fsys = <-fsDone
	}
	res := rec.result(wall)
	if solveErr != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if res.Failure == nil {
			// No step failed: the Dockerfile or an option is wrong, or
			// the daemon went away.
			res.Failure = &BuildError{Message: shortGRPC(solveErr).Error()}
		}
		if res.Failure.Message == "" {
			res.Failure.Message = shortGRPC(solveErr).Error()
		}
		return res, nil
	}
	if r.Export {
		if fsys.err != nil {
			return nil, fsys.err
		}
		res.FS = fsys.t
	}
	return res, nil
}
