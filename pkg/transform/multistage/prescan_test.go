package multistage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
)

// walkBuilds is the long way mayBuild stands for: walk the stage and
// classify every command it lists, under every row.
func walkBuilds(s *msSplit) bool {
	s.walk()
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if s.buildsAny(c) {
				return true
			}
		}
	}
	return false
}

// mayBuild is true whenever walk's commands hold a build: checked on the
// golden Dockerfiles and on cases where the two ways list different
// commands (substitutions, `|| true`, assignments alone, exec form).
func TestMayBuildCoversWalk(t *testing.T) {
	srcs := []string{
		"FROM golang:1.22\nRUN go build -o /app .\nCMD [\"/app\"]\n",
		"FROM golang:1.22\nRUN echo $(go build -o /app .)\n",
		"FROM golang:1.22\nRUN X=1 && go build . || true\n",
		"FROM golang:1.22\nRUN X=1\nRUN [\"go\", \"build\", \".\"]\n",
		"FROM golang:1.22\nRUN [\"echo\"]\nRUN []\n",
		"FROM rust:1\nRUN if true; then cargo build --release; fi\n",
		"FROM node:20\nRUN cd /app && npm ci && npm run build\n",
		"FROM python:3.12\nRUN apt-get install -y gcc && pip install -r r.txt\n",
		"FROM alpine\nRUN echo hi\nCMD [\"sh\"]\n",
	}
	dirs, err := filepath.Glob("../../../golden/*/Dockerfile")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		srcs = append(srcs, string(b))
	}
	builds := 0
	for _, src := range srcs {
		d, err := ast.Parse("Dockerfile", []byte(src))
		if err != nil {
			continue
		}
		st := d.Stages[len(d.Stages)-1]
		mk := func() *msSplit {
			s := &msSplit{p: &transform.Pass{Doc: d, Options: &transform.Options{}}, d: d, st: st, ins: st.Instructions[1:], end: msStageEnd{args: map[string]bool{}}}
			s.imageRow()
			return s
		}
		long := walkBuilds(mk())
		if long {
			builds++
		}
		require.True(t, mk().mayBuild() || !long, "mayBuild misses a build in:\n%s", src)
	}
	require.Greater(t, builds, 10)
}
