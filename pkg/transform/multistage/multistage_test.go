package multistage

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// msRun runs the multi-stage rule alone, with --unsafe, on src with an
// optional build context and rule options. Chain.Run also checks that the
// output parses and that a second run changes nothing.
func msRun(t *testing.T, src string, files map[string]string, opts map[string]string) (string, []string) {
	t.Helper()
	var bctx *transform.BuildContext
	if files != nil {
		dir := t.TempDir()
		for name, data := range files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(data), 0o644))
		}
		var err error
		bctx, err = transform.NewBuildContext(dir, filepath.Join(dir, "Dockerfile"))
		require.NoError(t, err)
	}
	chain := &transform.Chain{Transforms: []*transform.Transform{Rule}, Options: transform.Options{Unsafe: true, RuleOptions: map[string]map[string]string{"multi-stage": opts}}}
	res, err := chain.Run("Dockerfile", []byte(src), bctx)
	require.NoError(t, err)
	var msgs []string
	for _, f := range res.Findings {
		msgs = append(msgs, f.Message)
	}
	return string(res.Out), msgs
}

func TestMultiStageSplits(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		files map[string]string
		opts  map[string]string
		want  string
	}{{
		name: "python build at the end of a file without final newline",
		src:  "FROM python:3.12-slim-bookworm\nRUN apt-get update && apt-get install -y gcc\nRUN pip install uwsgi",
		want: "FROM python:3.12-slim-bookworm AS build\nRUN apt-get update && apt-get install -y gcc\nRUN python -m venv /opt/venv\nENV PATH=\"/opt/venv/bin:$PATH\"\nRUN pip install uwsgi\n\n" +
			"FROM python:3.12-slim-bookworm\nCOPY --from=build /opt/venv /opt/venv\nENV PATH=\"/opt/venv/bin:$PATH\"",
	}, {
		name: "a stage named build already exists",
		src:  "FROM alpine AS build\nRUN echo hi > /x\nFROM golang:1.22-alpine\nCOPY --from=build /x /x\nRUN CGO_ENABLED=0 go build -o /app github.com/example/app@latest\nCMD [\"/app\"]\n",
		want: "FROM alpine AS build\nRUN echo hi > /x\nFROM golang:1.22-alpine AS build-2\nCOPY --from=build /x /x\nRUN CGO_ENABLED=0 go build -o /app github.com/example/app@latest\n\n" +
			"FROM alpine:latest\nWORKDIR /go\nCOPY --from=build-2 /app /app\nCMD [\"/app\"]\n",
	}, {
		name: "an ARG used after the split is declared again",
		src:  "FROM golang:1.22-bookworm\nARG PORT=8080\nARG UNUSED=1\nRUN go build -o /srv/app example.com/app\nEXPOSE ${PORT}\nCMD [\"/srv/app\"]\n",
		want: "FROM golang:1.22-bookworm AS build\nARG PORT=8080\nARG UNUSED=1\nRUN go build -o /srv/app example.com/app\n\n" +
			"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\nWORKDIR /go\nARG PORT=8080\nCOPY --from=build /srv/app /srv/app\nEXPOSE ${PORT}\nCMD [\"/srv/app\"]\n",
	}, {
		name: "distroless asked for, but the runtime creates a user",
		src:  "FROM golang:1.22-bookworm\nWORKDIR /src\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app example.com/app\nRUN useradd app\nUSER app\nCMD [\"app\"]\n",
		opts: map[string]string{"distroless": "true"},
		want: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app example.com/app\n\n" +
			"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nCOPY --from=build /usr/local/bin/app /usr/local/bin/app\nRUN useradd app\nUSER app\nCMD [\"app\"]\n",
	}, {
		name: "metadata before the build moves with its comment",
		src:  "FROM golang:1.22-bookworm\n\n# ports\nEXPOSE 80\n\nRUN go build -o /app example.com/app\nCMD [\"/app\"]\n",
		want: "FROM golang:1.22-bookworm AS build\n\nRUN go build -o /app example.com/app\n\n" +
			"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\nWORKDIR /go\n# ports\nEXPOSE 80\nCOPY --from=build /app /app\nCMD [\"/app\"]\n",
	}, {
		name: "setup commands of a build RUN run again, scaffolding does not",
		src:  "FROM golang:1.22-bookworm\nWORKDIR /src\nRUN mkdir -p /data && touch main.go && go build -o /app example.com/app && chmod 0555 /app\nVOLUME /data\nCMD [\"/app\"]\n",
		want: "FROM golang:1.22-bookworm AS build\nWORKDIR /src\nRUN mkdir -p /data && touch main.go && go build -o /app example.com/app && chmod 0555 /app\n\n" +
			"FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nRUN mkdir -p /data\nCOPY --from=build /app /app\nRUN chmod 0555 /app\nVOLUME /data\nCMD [\"/app\"]\n",
	}, {
		name: "a binary built as a non-root user keeps its owner",
		src:  "FROM golang:1.22-alpine3.20\nRUN adduser -D dev\nUSER dev\nWORKDIR /home/dev\nRUN go build -o bin/tool example.com/tool\nCMD [\"bin/tool\"]\n",
		want: "FROM golang:1.22-alpine3.20 AS build\nRUN adduser -D dev\nUSER dev\nWORKDIR /home/dev\nRUN go build -o bin/tool example.com/tool\n\n" +
			"FROM alpine:3.20\nRUN adduser -D dev\nUSER dev\nWORKDIR /home/dev\nCOPY --from=build --chown=dev /home/dev/bin/tool /home/dev/bin/tool\nCMD [\"bin/tool\"]\n",
	}, {
		name:  ".NET worker gets the runtime image",
		src:   "FROM mcr.microsoft.com/dotnet/sdk:8.0.204-alpine3.19\nWORKDIR /src\nCOPY . .\nRUN dotnet publish Worker.csproj -c Release -o /app\nWORKDIR /app\nENTRYPOINT [\"dotnet\", \"Worker.dll\"]\n",
		files: map[string]string{"Worker.csproj": `<Project Sdk="Microsoft.NET.Sdk.Worker"></Project>`},
		want: "FROM mcr.microsoft.com/dotnet/sdk:8.0.204-alpine3.19 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet publish Worker.csproj -c Release -o /app\n\n" +
			"FROM mcr.microsoft.com/dotnet/runtime:8.0-alpine3.19\nCOPY --from=build /app /app\nWORKDIR /app\nENTRYPOINT [\"dotnet\", \"Worker.dll\"]\n",
	}, {
		name: ".NET self-contained gets runtime-deps",
		src:  "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -r linux-x64 --self-contained -o /app\nENTRYPOINT [\"/app/Api\"]\n",
		want: "FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nWORKDIR /src\nCOPY . .\nRUN dotnet publish -r linux-x64 --self-contained -o /app\n\n" +
			"FROM mcr.microsoft.com/dotnet/runtime-deps:8.0\nWORKDIR /src\nCOPY . .\nCOPY --from=build /app /app\nENTRYPOINT [\"/app/Api\"]\n",
	}, {
		name: "node with pnpm and a global tool",
		src:  "FROM node:22-alpine\nRUN corepack enable\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile\nCOPY . .\nRUN pnpm build\nCMD [\"pnpm\", \"start\"]\n",
		files: map[string]string{
			"package.json":   `{"scripts": {"build": "vite build", "start": "node server.js"}, "devDependencies": {"vite": "5"}}`,
			"pnpm-lock.yaml": "lockfileVersion: '9.0'\n",
		},
		want: "FROM node:22-alpine AS build\nRUN corepack enable\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile\nCOPY . .\nRUN pnpm build\n\n" +
			"FROM node:22-alpine\nRUN corepack enable\nWORKDIR /app\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile --prod\nCOPY . .\nCOPY --from=build /app/dist /app/dist\nCMD [\"pnpm\", \"start\"]\n",
	}, {
		name:  "node 14 uses --production",
		src:   "FROM node:14\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build\nCMD [\"node\", \"build/index.js\"]\n",
		files: map[string]string{"package.json": `{"scripts": {"build": "react-scripts build"}}`},
		want: "FROM node:14 AS build\nWORKDIR /app\nCOPY . .\nRUN npm install && npm run build\n\n" +
			"FROM node:14\nWORKDIR /app\nCOPY . .\nRUN npm install --production\nCOPY --from=build /app/build /app/build\nCMD [\"node\", \"build/index.js\"]\n",
	}, {
		name: "python with an existing venv and alpine packages",
		src:  "FROM python:3.12-alpine3.20\nRUN apk add --no-cache gcc musl-dev postgresql-dev\nENV VIRTUAL_ENV=/venv\nRUN python -m venv $VIRTUAL_ENV\nENV PATH=\"$VIRTUAL_ENV/bin:$PATH\"\nRUN pip install psycopg2\nCMD [\"python\", \"-m\", \"app\"]\n",
		want: "FROM python:3.12-alpine3.20 AS build\nRUN apk add --no-cache gcc musl-dev postgresql-dev\nENV VIRTUAL_ENV=/venv\nRUN python -m venv $VIRTUAL_ENV\nENV PATH=\"$VIRTUAL_ENV/bin:$PATH\"\nRUN pip install psycopg2\n\n" +
			"FROM python:3.12-alpine3.20\nRUN apk add --no-cache libpq\nENV VIRTUAL_ENV=/venv\nENV PATH=\"$VIRTUAL_ENV/bin:$PATH\"\nCOPY --from=build /venv /venv\nCMD [\"python\", \"-m\", \"app\"]\n",
	}, {
		name: "java glob without a pom in the context",
		src:  "FROM eclipse-temurin:21-jdk-jammy\nWORKDIR /w\nCOPY . .\nRUN ./mvnw -B package\nWORKDIR /\nCMD [\"sh\", \"-c\", \"java -jar /w/target/*.jar\"]\n",
		want: "FROM eclipse-temurin:21-jdk-jammy AS build\nWORKDIR /w\nCOPY . .\nRUN ./mvnw -B package\n\n" +
			"FROM eclipse-temurin:21-jre-jammy\nCOPY --from=build /w/target/*.jar /w/target/\nWORKDIR /\nCMD [\"sh\", \"-c\", \"java -jar /w/target/*.jar\"]\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, msgs := msRun(t, tt.src, tt.files, tt.opts)
			require.Equal(t, tt.want, out, "messages: %q", msgs)
			again, _ := msRun(t, out, tt.files, tt.opts)
			require.Equal(t, out, again, "a split file is not split again")
			require.Len(t, msgs, 1)
		})
	}
}

func TestMultiStageFindings(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		files map[string]string
		msg   string // "" = no finding at all
	}{
		{"already split", "FROM golang:1.22 AS build\nRUN go build -o /app example.com/app\n\nFROM debian:bookworm-slim\nCOPY --from=build /app /app\nCMD [\"/app\"]\n", nil, ""},
		{"built on an earlier stage", "FROM golang:1.22 AS base\nFROM base\nRUN go build -o /app example.com/app\n", nil, ""},
		{"windows", "FROM golang:1.22-windowsservercore-ltsc2022\nRUN go build -o C:/app.exe .\n", nil, ""},
		{"onbuild image", "FROM golang:onbuild\nCMD [\"app\"]\n", nil, ""},
		{"runtime image", "FROM eclipse-temurin:17-jre\nCOPY app.jar /app.jar\nCMD [\"java\", \"-jar\", \"/app.jar\"]\n", nil, ""},
		{"python without a toolchain", "FROM python:3.12-slim\nRUN pip install flask\nCMD [\"flask\", \"run\"]\n", nil, ""},
		{"toolchain removed again", "FROM python:3.12-alpine\nRUN apk add --virtual .build gcc musl-dev && pip install uwsgi && apk del .build\n", nil, ""},
		{"unknown image", "FROM ubuntu:22.04\nRUN go build -o /app .\n", nil, "which is not a Go builder image dfopt knows"},
		{"two languages", "FROM golang:1.22\nRUN go build -o /app . && npm run build\n", nil, "builds Go and Node"},
		{"no start command", "FROM golang:1.22-bookworm\nRUN go install github.com/air-verse/air@latest\n", nil, "sets no CMD or ENTRYPOINT"},
		{"toolchain image without build", "FROM golang:1.22\nCOPY . /src\nCMD [\"go\", \"run\", \"/src/main.go\"]\n", nil, "no `go build` / `go install` was found"},
		{"onbuild", "FROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\nONBUILD RUN echo\nCMD [\"/app\"]\n", nil, "would run on the runtime image"},
		{"old go get", "FROM golang:1.12\nRUN go get github.com/example/tool\nCMD [\"tool\"]\n", nil, "`go get` also builds and installs binaries"},
		{"go run at start", "FROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\nCMD go run main.go\n", nil, "starts `go`, which only the builder image has"},
		{"output in a cache mount", "FROM golang:1.22-bookworm\nRUN --mount=type=cache,target=/out go build -o /out/app example.com/app\nCMD [\"/out/app\"]\n", nil, "inside the mount at /out"},
		{"artifact removed", "FROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\nRUN rm /app && go vet ./...\nCMD [\"/app\"]\n", nil, "removes what the build made"},
		{"user of the builder image", "FROM gradle:8.7-jdk21\nWORKDIR /home/gradle/p\nCOPY . .\nRUN gradle build\nUSER gradle\nCMD [\"java\", \"-jar\", \"build/libs/p.jar\"]\n", nil, "user gradle comes from the builder image"},
		{"image variable", "FROM golang:1.22-bookworm\nENV APP=$GOPATH/src/app\nRUN go build -o /app example.com/app\nCMD [\"/app\"]\n", nil, "reads $GOPATH, which only the builder image sets"},
		{"unknown tool after the build", "FROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\nRUN ./post-install.sh\nCMD [\"/app\"]\n", nil, "`./post-install.sh` runs after the build"},
		{"war", "FROM maven:3.9-eclipse-temurin-17\nWORKDIR /app\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/a-1.jar\"]\n", map[string]string{"pom.xml": "<project><artifactId>a</artifactId><version>1</version><packaging>war</packaging></project>"}, "packages a war"},
		{"no JDK version in the tag", "FROM maven:3.9\nWORKDIR /app\nCOPY . .\nRUN mvn package\nCMD [\"java\", \"-jar\", \"target/a.jar\"]\n", nil, "does not name its JDK version (set runtime-image.java)"},
		{"rust without context", "FROM rust:1.78\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"target/release/a\"]\n", nil, "the build context has no Cargo.toml"},
		{"rust without lock file", "FROM rust:1.78\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"target/release/a\"]\n", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\n", "src/main.rs": ""}, "the build context has no Cargo.lock"},
		{"rust crate from crates.io", "FROM rust:1.78\nRUN cargo install ripgrep\nCMD [\"rg\"]\n", nil, "installs a crate from crates.io"},
		{"rust unknown native library", "FROM rust:1.78\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"target/release/a\"]\n", map[string]string{"Cargo.toml": "[package]\nname = \"a\"\n", "src/main.rs": "", "Cargo.lock": "[[package]]\nname = \"rdkafka-sys\"\n"}, "crate rdkafka-sys links a native library dfopt does not know"},
		{"dotnet without -o", "FROM mcr.microsoft.com/dotnet/sdk:8.0\nRUN dotnet publish -c Release\nCMD [\"dotnet\", \"a.dll\"]\n", nil, "has no -o"},
		{"dotnet run", "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /s\nRUN dotnet publish -o /app\nCMD [\"dotnet\", \"run\"]\n", nil, "starts `dotnet run`, which needs the SDK"},
		{"node without context", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n", nil, "package.json is not in the build context"},
		{"node starts a devDependency", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"run\", \"preview\"]\n", map[string]string{"package.json": `{"scripts": {"build": "vite build", "preview": "vite preview"}, "devDependencies": {"vite": "5"}}`}, "the image starts `vite`, a devDependency"},
		{"node unknown build tool", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n", map[string]string{"package.json": `{"scripts": {"build": "rollup -c"}}`}, "cannot tell where `rollup -c` writes its output"},
		{"node output folder moved by config", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n", map[string]string{"package.json": `{"scripts": {"build": "vite build"}}`, "vite.config.ts": "export default { build: { outDir: 'public' } }"}, "vite.config.ts may move the output folder"},
		{"yarn berry", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN yarn install && yarn build\n", map[string]string{"package.json": `{"packageManager": "yarn@4.1.0", "scripts": {"build": "tsc"}}`}, "yarn 2+ has no production-only install"},
		{"node step the runtime cannot redo", "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npx prisma generate\nRUN npm run build\n", map[string]string{"package.json": `{"scripts": {"build": "tsc --outDir out"}}`}, "cannot tell whether the runtime needs what `npx prisma generate` does"},
		{"pip --user", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc\nRUN pip install --user uwsgi\n", nil, "`pip --user` installs outside a virtual environment"},
		{"poetry", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y build-essential\nRUN poetry install\n", nil, "installs with poetry"},
		{"python 2", "FROM python:2.7\nRUN apt-get update && apt-get install -y gcc\nRUN pip install uwsgi\n", nil, "Python 2 has no venv module"},
		{"release-dependent library", "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc libffi-dev\nRUN pip install cffi\n", nil, "the runtime library of libffi-dev depends on the distribution release"},
		{"unknown -dev package", "FROM python:3.12-slim-bookworm\nRUN apt-get update && apt-get install -y gcc libfoo-dev\nRUN pip install foo\n", nil, "dfopt does not know the runtime library of libfoo-dev"},
		{"bad override", "FROM golang:1.22\nRUN go build -o /app example.com/app\nCMD [\"/app\"]\n", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, msgs := msRun(t, tt.src, tt.files, nil)
			if tt.name == "bad override" {
				_, msgs = msRun(t, tt.src, tt.files, map[string]string{"runtime-image.go": "Debian:12"})
				require.Len(t, msgs, 1)
				require.Contains(t, msgs[0], "runtime-image.go=Debian:12")
				return
			}
			require.Equal(t, tt.src, out, "no fix: the file is unchanged")
			if tt.msg == "" {
				require.Empty(t, msgs)
				return
			}
			require.Len(t, msgs, 1, "%q", msgs)
			require.Contains(t, msgs[0], tt.msg)
		})
	}
}

func TestMultiStageIgnorePragma(t *testing.T) {
	src := "# dfopt:ignore=multi-stage\nFROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\n"
	out, msgs := msRun(t, src, nil, nil)
	require.Equal(t, src, out)
	require.Empty(t, msgs)
}

func TestMultiStageSafeModeReports(t *testing.T) {
	src := "FROM golang:1.22-bookworm\nRUN go build -o /app example.com/app\nCMD [\"/app\"]\n"
	chain := &transform.Chain{Transforms: []*transform.Transform{Rule}}
	res, err := chain.Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	require.Equal(t, src, string(res.Out))
	require.Len(t, res.Findings, 1)
	require.True(t, res.Findings[0].Fixable)
	require.False(t, res.Findings[0].Applied)
	require.Contains(t, res.Findings[0].Message, "debian:bookworm-slim")
}

func TestMultiStageRuntimeImages(t *testing.T) {
	tests := []struct{ row, base, want string }{
		{"go", "golang:1.22", "debian:stable-slim"},
		{"go", "golang:1.22-bookworm", "debian:bookworm-slim"},
		{"go", "golang:1.21.6-bullseye", "debian:bullseye-slim"},
		{"go", "golang:1.22-alpine3.19", "alpine:3.19"},
		{"go", "public.ecr.aws/docker/library/golang:1.22-trixie", "public.ecr.aws/docker/library/debian:trixie-slim"},
		{"rust", "rust:1.78-slim-bookworm", "debian:bookworm-slim"},
		{"rust", "rust:1.78-alpine", "alpine:latest"},
		{"java", "maven:3.9.6-eclipse-temurin-21-alpine", "eclipse-temurin:21-jre-alpine"},
		{"java", "maven:3-openjdk-11-slim", "eclipse-temurin:11-jre"},
		{"java", "maven:3.8.4-jdk-8", "eclipse-temurin:8-jre"},
		{"java", "gradle:8.5-jdk17-jammy", "eclipse-temurin:17-jre-jammy"},
		{"java", "eclipse-temurin:17-jdk-noble", "eclipse-temurin:17-jre-noble"},
		{"java", "openjdk:8u342-jdk", "eclipse-temurin:8-jre"},
		{"node", "node:20-alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "node:20-alpine@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			ref, err := transform.ParseImageRef(tt.base)
			require.NoError(t, err)
			var row *msPattern
			for _, r := range msPatterns {
				if r.Key == tt.row {
					row = r
				}
			}
			require.True(t, row.Image(ref))
			s := &msSplit{ref: ref, st: nil, p: &transform.Pass{Options: &transform.Options{}}}
			if tt.row == "node" {
				require.Equal(t, tt.want, ref.Raw)
				return
			}
			got, err := row.Runtime(s)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestMultiStageTables(t *testing.T) {
	// Every row is complete, and keys are unique.
	keys := map[string]bool{}
	for _, r := range msPatterns {
		require.False(t, keys[r.Key], r.Key)
		keys[r.Key] = true
		require.NotNil(t, r.Image, r.Key)
		require.NotNil(t, r.Classify, r.Key)
		require.NotNil(t, r.Artifacts, r.Key)
		require.NotNil(t, r.Runtime, r.Key)
		require.NotEmpty(t, r.Lang+r.Build+r.Saving, r.Key)
	}
	// Every -dev mapping names a -dev package, and no runtime library is a -dev package.
	for fam, m := range msDevRuntime {
		for dev, rels := range m {
			require.True(t, msDevPackage(dev), "%s: %s", fam, dev)
			for rel, lib := range rels {
				require.False(t, msDevPackage(lib), "%s %s %s", fam, dev, rel)
				if rel != "" && rel != "?" && fam == "debian" {
					_, known := baseimage.DebianReleases[rel]
					require.True(t, known, "%s: unknown release %s", dev, rel)
				}
			}
		}
	}
	for crate, dev := range msCrateLibs {
		if dev != "" {
			_, ok := msDevRuntime["debian"][dev]
			require.True(t, ok, "%s → %s has no runtime mapping", crate, dev)
		}
	}
	lib, ok := msRuntimeLib("debian", "", "libpq-dev")
	require.True(t, ok)
	require.Equal(t, "libpq5", lib)
	lib, _ = msRuntimeLib("debian", "", "libssl-dev")
	require.Equal(t, "openssl", lib, "any release: a package that depends on the right library")
	_, ok = msRuntimeLib("debian", "", "libffi-dev")
	require.False(t, ok, "release-dependent")
	lib, _ = msRuntimeLib("debian", "trixie", "libssl-dev")
	require.Equal(t, "libssl3t64", lib)
	require.True(t, strings.HasPrefix(msInstallLine("alpine", []string{"libpq"}, false), "apk add --no-cache"))
}

// FuzzMultiStage: the rule alone, with --unsafe, never panics, and what it
// writes parses and is not split again (Chain.Run checks both).
func FuzzMultiStage(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "golden", "multistage-*", "Dockerfile"))
	for _, s := range seeds {
		if data, err := os.ReadFile(s); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("FROM golang:1.22\nRUN cd x && go build -o ../y . && mv ../y /z && chmod +x /z\nCMD [\"/z\"]\n"))
	f.Add([]byte("FROM python:3.11-slim\nRUN apt-get install -y gcc\nRUN pip install -r r.txt\nRUN python -c 1 > /out\n"))
	chain := &transform.Chain{Transforms: []*transform.Transform{Rule}, Options: transform.Options{Unsafe: true}}
	f.Fuzz(func(t *testing.T, src []byte) {
		if _, err := ast.Parse("Dockerfile", src); err != nil {
			return
		}
		if _, err := chain.Run("Dockerfile", src, nil); err != nil {
			t.Fatalf("%v\n%s", err, src)
		}
	})
}
