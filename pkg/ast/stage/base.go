package stage

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
)

// Well-known base images: the variables their documentation promises and
// the default user.
type knownBase struct {
	env  map[string]string
	user *Account // a non-root user the image creates
}

var knownBases = map[string]knownBase{
	"golang":   {env: map[string]string{"GOPATH": "/go"}},
	"rust":     {env: map[string]string{"CARGO_HOME": "/usr/local/cargo", "RUSTUP_HOME": "/usr/local/rustup"}},
	"composer": {env: map[string]string{"COMPOSER_HOME": "/tmp"}},
	"ruby":     {env: map[string]string{"GEM_HOME": "/usr/local/bundle", "BUNDLE_APP_CONFIG": "/usr/local/bundle"}},
	"node":     {user: &Account{Name: "node", UID: Lit("1000"), GID: Lit("1000"), Home: Lit("/home/node")}},
}

// nonRootImages run as a non-root user by default: a RUN there is not root
// unless the Dockerfile says USER root.
var nonRootImages = []string{
	"jupyter/", "quay.io/jupyter/", "bitnami/", "docker.io/bitnami/", "cgr.dev/", "chainguard/",
	"cimg/", "circleci/", "mambaorg/micromamba", "jenkins/", "selenium/", "gitpod/",
	"nginxinc/nginx-unprivileged", "registry.access.redhat.com/ubi8/", "registry.access.redhat.com/ubi9/",
	"registry.access.redhat.com/ubi10/", "quay.io/centos7/", "quay.io/sclorg/",
}

// rootUBI are the Red Hat UBI images that do run as root.
var rootUBI = map[string]bool{"ubi": true, "ubi-minimal": true, "ubi-micro": true, "ubi-init": true, "toolbox": true}

// ImageRepo returns the repository of an image reference without registry
// defaults, tag or digest: "docker.io/library/golang:1.22" → "golang".
func ImageRepo(ref string) string {
	r := baseimage.Split(strings.ToLower(ref))
	repo := r.Repository()
	if r.Hub() {
		repo = strings.TrimPrefix(r.Path, "library/")
	}
	return repo
}

// ImageTag returns the tag of an image reference ("" when none).
func ImageTag(ref string) string {
	return baseimage.Split(strings.ToLower(ref)).Tag
}

// baseFacts is what applyBaseImage reads of an image reference.
type baseFacts struct {
	repo, tag, workdir string
	known              bool // baseimage.DefaultsOf knows the image
}

// baseMemo holds baseFacts by reference for the whole process (at most
// maxBaseMemo of them): they depend on the reference alone, and every
// Env of every file and pass starts its stages from a few images.
var (
	baseMemo  sync.Map
	baseCount atomic.Int64
)

const maxBaseMemo = 4096

func factsOf(ref string) baseFacts {
	if f, ok := baseMemo.Load(ref); ok {
		return f.(baseFacts)
	}
	f := baseFacts{repo: ImageRepo(ref), tag: ImageTag(ref)}
	if d, ok := baseimage.DefaultsOf(ref); ok {
		f.workdir, f.known = d.Workdir, true
	}
	if baseCount.Add(1) <= maxBaseMemo {
		baseMemo.Store(ref, f)
	}
	return f
}

func applyBaseImage(e *State, ref string) {
	f := factsOf(ref)
	repo, tag := f.repo, f.tag
	if f.known {
		e.Workdir = f.workdir
	}
	if b, ok := knownBases[repo]; ok {
		if len(b.env) > 0 {
			e.own(sharedVars)
		}
		for k, v := range b.env {
			e.Vars[k] = Var{Name: k, Value: v, Set: true}
		}
		if b.user != nil {
			e.own(sharedAccounts)
			a := *b.user
			e.Accounts[a.Name] = &a
		}
	}
	if strings.Contains(tag, "nonroot") || strings.Contains(tag, "rootless") || strings.Contains(tag, "chiseled") {
		e.BaseUser = "?"
		return
	}
	for _, p := range nonRootImages {
		if strings.HasPrefix(repo, p) {
			if strings.HasPrefix(p, "registry.access.redhat.com/ubi") {
				name := repo[strings.LastIndexByte(repo, '/')+1:]
				if rootUBI[name] {
					return
				}
			}
			e.BaseUser = "?"
			return
		}
	}
}

// accounts records the users and groups a RUN creates.

// BaseImage is what dfopt knows of the image the stage is built on,
// following `FROM <stage>` to the first FROM of an image. The reference
// is read as written: a build argument's default is not taken for the
// image, since --build-arg can change it. The second result names the
// default, " (the default is IMAGE)", when the reference uses build
// arguments that all have one.
func (e *State) BaseImage() (baseimage.Image, string) {
	if e == nil || e.Stage == nil || e.se == nil {
		return baseimage.Image{Minor: -1, Why: "the stage's base image is unknown"}, ""
	}
	root := e.se.Lineage(e.Stage)[0]
	im := baseimage.Lookup(root.Base)
	if !strings.Contains(root.Base, "$") {
		return im, ""
	}
	// Name the default when every argument the reference uses has one.
	global := e.se.globalEnv()
	for _, name := range ExprRefs(root.Base) {
		if v, ok := global.Vars[name]; !ok || !v.Set || v.Value == "" {
			return im, ""
		}
	}
	return im, " (the default is " + e.Base + ")"
}
