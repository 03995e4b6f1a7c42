package stage

import (
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/require"
)

// lastRun is the last RUN of a Dockerfile.
func lastRun(t *testing.T, src string) (*ast.Document, *ast.Instruction) {
	t.Helper()
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	var run *ast.Instruction
	for _, ins := range d.Instructions {
		if ins.Cmd == "run" {
			run = ins
		}
	}
	require.NotNil(t, run)
	return d, run
}

func TestEnvIdentity(t *testing.T) {
	for _, tc := range []struct {
		name, src           string
		root                bool
		uid, gid, home, why string
		uidExpr, homeExpr   string
	}{
		{name: "root by default", src: "FROM debian\nRUN true\n", root: true, uid: "0", gid: "0", home: "/root"},
		{name: "USER root", src: "FROM debian\nUSER root\nRUN true\n", root: true, uid: "0", gid: "0", home: "/root"},
		{name: "ENV HOME for root", src: "FROM debian\nENV HOME=/srv\nRUN true\n", root: true, uid: "0", gid: "0", home: "/srv"},
		{
			name: "useradd -u",
			src:  "FROM debian\nRUN useradd --create-home -u 1000 app\nUSER app\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/app",
		},
		{
			name: "useradd clustered flags and a named group",
			src:  "FROM debian\nRUN groupadd -g 3000 staff2 && useradd -ms /bin/bash -g staff2 -u 3001 -d /opt/svc svc\nUSER svc\nRUN true\n",
			uid:  "3001", gid: "3000", home: "/opt/svc",
		},
		{
			name: "busybox adduser",
			src:  "FROM alpine\nRUN addgroup -g 1001 -S app && adduser -S -D -u 1001 -G app -h /srv/app app\nUSER app\nRUN true\n",
			uid:  "1001", gid: "1001", home: "/srv/app",
		},
		{
			name: "debian adduser with --uid",
			src:  "FROM debian\nRUN adduser --disabled-password --gecos '' --uid 1500 dev\nUSER dev:dev\nRUN true\n",
			uid:  "1500", home: "/home/dev", why: "",
		},
		{
			name: "adduser --system has no known home",
			src:  "FROM debian\nRUN adduser --system --uid 200 svc\nUSER svc\nRUN true\n",
			uid:  "200", why: "USER svc: its home is unknown (`adduser --system` without --home)",
		},
		{
			name: "unknown uid",
			src:  "FROM debian\nRUN useradd -m app\nUSER app\nRUN true\n",
			home: "/home/app", why: "USER app: its uid is unknown (create it with `useradd -u UID`, or use a numeric USER)",
		},
		{
			name: "unknown user",
			src:  "FROM debian\nUSER www-data\nRUN true\n",
			why:  "USER www-data: dfopt does not know its uid (no `useradd`/`adduser` earlier in the stage)",
		},
		{
			name: "numeric USER with a known account",
			src:  "FROM debian\nRUN useradd -m -u 1000 app\nUSER 1000:1000\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/app",
		},
		{
			name: "numeric USER without an account",
			src:  "FROM debian\nUSER 1000\nRUN true\n",
			uid:  "1000", why: "USER 1000: its home is unknown (no `useradd -u 1000` earlier in the stage, and no ENV HOME)",
		},
		{
			name: "numeric USER with ENV HOME",
			src:  "FROM debian\nENV HOME=/work\nUSER 1000:1000\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/work",
		},
		{
			name: "uid from a build argument",
			src:  "FROM debian\nARG UID=1000\nRUN useradd -m -u $UID app\nUSER app\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/app", uidExpr: "${UID}",
		},
		{
			name: "USER from build arguments",
			src:  "FROM debian\nARG UID=1234\nARG GID=1234\nENV HOME=/home/x\nUSER ${UID}:${GID}\nRUN true\n",
			uid:  "1234", gid: "1234", home: "/home/x", uidExpr: "${UID}",
		},
		{
			name: "user name from a build argument",
			src:  "FROM debian\nARG USERNAME=dev\nRUN useradd -m -u 1000 $USERNAME\nUSER $USERNAME\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/dev", homeExpr: "/home/${USERNAME}",
		},
		{
			name: "usermod changes the uid",
			src:  "FROM debian\nRUN useradd -m -u 1000 app && usermod -u 1200 app\nUSER app\nRUN true\n",
			uid:  "1200", gid: "1000", home: "/home/app",
		},
		{
			name: "node image user",
			src:  "FROM node:20-alpine\nUSER node\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/node",
		},
		{
			name: "non-root base image",
			src:  "FROM bitnami/python:3.12\nRUN true\n",
			why:  "the base image bitnami/python:3.12 runs as a non-root user that dfopt does not know",
		},
		{
			name: "USER and accounts through FROM <stage>",
			src:  "FROM debian AS base\nRUN useradd -m -u 1000 app\nUSER app\nFROM base\nRUN true\n",
			uid:  "1000", gid: "1000", home: "/home/app",
		},
		{
			name: "a later FROM of an image resets",
			src:  "FROM debian AS base\nRUN useradd -m -u 1000 app\nUSER app\nFROM debian\nRUN true\n",
			root: true, uid: "0", gid: "0", home: "/root",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, run := lastRun(t, tc.src)
			id := New(d).At(run).Identity()
			require.Equal(t, tc.root, id.Root, "root")
			require.Equal(t, tc.uid, id.UID.Val, "uid")
			if tc.gid != "" {
				require.Equal(t, tc.gid, id.GID.Val, "gid")
			}
			require.Equal(t, tc.home, id.Home.Val, "home")
			require.Equal(t, tc.why, id.Why, "why")
			if tc.uidExpr != "" {
				require.Equal(t, tc.uidExpr, id.UID.Expr, "uid expr")
				require.True(t, id.UID.Arg)
			}
			if tc.homeExpr != "" {
				require.Equal(t, tc.homeExpr, id.Home.Expr, "home expr")
				require.True(t, id.Home.Arg)
			}
		})
	}
}

func TestEnvVars(t *testing.T) {
	src := `ARG GLOBAL=g1
FROM golang:1.23 AS base
ARG GLOBAL
ARG ROOT=/cache
ENV A=$ROOT/a B=plain
ENV C="${A}/c"
WORKDIR /src
WORKDIR sub
FROM base
ENV D=$A/d
RUN true
`
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	se := New(d)

	// In the first stage, before its end.
	first := se.End(d.Stages[0])
	v, ok := first.Lookup("GLOBAL")
	require.True(t, ok)
	require.Equal(t, "g1", v.Value, "a global ARG redeclared in the stage keeps its default")
	require.True(t, v.Arg)
	require.Equal(t, "/src/sub", first.Workdir)

	env := se.At(d.Instructions[len(d.Instructions)-1])
	for name, want := range map[string]string{"A": "/cache/a", "B": "plain", "C": "/cache/a/c", "D": "/cache/a/d", "GOPATH": "/go"} {
		v, ok := env.Lookup(name)
		require.True(t, ok, name)
		require.Equal(t, want, v.Value, name)
	}
	_, ok = env.Lookup("ROOT")
	require.False(t, ok, "ARGs do not cross FROM")
	a, _ := env.Lookup("A")
	require.True(t, a.Arg, "an ENV built from an ARG depends on it")
	b, _ := env.Lookup("B")
	require.False(t, b.Arg)
	gp, _ := env.Lookup("GOPATH")
	require.Zero(t, gp.Line, "the golang image's documented GOPATH")

	val, ok := env.VarValue("A")
	require.True(t, ok)
	require.Equal(t, Value{Val: "/cache/a", Expr: "${A}", Arg: true}, val)
	require.Equal(t, "/src/sub", env.Workdir)

	ev, err := env.Expand("$B/x")
	require.NoError(t, err)
	require.Equal(t, "plain/x", ev.Val)
	require.False(t, ev.Arg)
}

func TestImageRepoTag(t *testing.T) {
	for ref, want := range map[string][2]string{
		"golang:1.23":                       {"golang", "1.23"},
		"docker.io/library/node:20-alpine":  {"node", "20-alpine"},
		"registry:5000/team/img:tag":        {"registry:5000/team/img", "tag"},
		"registry:5000/team/img":            {"registry:5000/team/img", ""},
		"python@sha256:abc":                 {"python", ""},
		"mcr.microsoft.com/dotnet/sdk:8.0":  {"mcr.microsoft.com/dotnet/sdk", "8.0"},
		"index.docker.io/library/rust:1.82": {"rust", "1.82"},
	} {
		require.Equal(t, want[0], ImageRepo(ref), ref)
		require.Equal(t, want[1], ImageTag(ref), ref)
	}
}
