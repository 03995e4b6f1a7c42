package multistage

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/knowledge/baseimage"
)

func TestImageFamily(t *testing.T) {
	require.Equal(t, "none", imageFamily("gcr.io/distroless/base-debian12"))
	require.Equal(t, "debian", imageFamily("eclipse-temurin:21-jre"))
	require.Equal(t, "alpine", imageFamily("alpine:3.20"))
	require.Contains(t, baseimage.FamilyPrograms["debian"], "sh")
}

// The stage walker resolves relative paths against the image's WORKDIR.
func TestStageEnvImageWorkdir(t *testing.T) {
	for ref, want := range map[string]string{"gradle:8-jdk17": "/home/gradle", "golang:1.22": "/go", "node:20": "/", "example.com/x": "/"} {
		d, err := ast.Parse("Dockerfile", []byte("FROM "+ref+"\nRUN true\n"))
		require.NoError(t, err)
		env := stage.New(d).At(d.Stages[0].Instructions[1])
		require.Equal(t, want, env.Workdir, ref)
	}
}

func TestMsPrograms(t *testing.T) {
	tests := []struct {
		argv []string
		want string // program names, a script marked with !, an unknown name as ?
	}{
		{[]string{"/app/server"}, "/app/server"},
		{[]string{"/bin/sh", "-c", "exec java $JAVA_OPTS -jar app.jar"}, "/bin/sh java"},
		{[]string{"/sbin/tini", "--", "app", "--port", "80"}, "/sbin/tini app"},
		{[]string{"dumb-init", "jap", "-http", ":8080"}, "dumb-init jap"},
		{[]string{"gosu", "app", "/usr/local/bin/srv"}, "gosu /usr/local/bin/srv"},
		{[]string{"env", "-i", "A=1", "srv"}, "env srv"},
		{[]string{"TZ=UTC", "srv"}, "srv"},
		{[]string{"sh", "docker/start.sh", "x"}, "sh docker/start.sh!"},
		{[]string{"sh", "-c", "cd /srv && ./run || exit 1"}, "sh ./run"},
		{[]string{"sh", "-c", ". ./env.sh; $BIN --x"}, "sh ./env.sh! ?"},
		{[]string{"bash", "-c", "command -v curl >/dev/null && curl -f localhost"}, "bash curl curl"},
		{[]string{"sh", "-c", "reflex -s -- sh -c 'go run .'"}, "sh reflex"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.argv, " "), func(t *testing.T) {
			var got []string
			for _, p := range msPrograms(nil, tt.argv, 0) {
				switch {
				case p.name == "":
					got = append(got, "?")
				case p.script:
					got = append(got, p.name+"!")
				default:
					got = append(got, p.name)
				}
			}
			require.Equal(t, tt.want, strings.Join(got, " "))
		})
	}
}

// Members of the classes beyond the golden cases: each is refused with
// the reason, or split as shown.
func TestMultiStageClassMembers(t *testing.T) {
	goMod := map[string]string{"go.mod": "module example.com/app\n\ngo 1.22\n", "main.go": "package main\n"}
	node := func(build string, more map[string]string) map[string]string {
		m := map[string]string{
			"package.json":      `{"scripts": {"build": "` + build + `"}, "dependencies": {"express": "4"}, "devDependencies": {"typescript": "5"}}`,
			"package-lock.json": `{"lockfileVersion": 3}`,
		}
		for k, v := range more {
			m[k] = v
		}
		return m
	}
	const goSrc = "FROM golang:1.22-bookworm\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /usr/local/bin/app .\n"
	const nodeSrc = "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"node\", \"out/index.js\"]\n"
	tests := []struct {
		name, src string
		files     map[string]string
		opts      map[string]string
		msg       string // a refusal containing this, or
		out       string // a split whose output contains this
	}{
		{name: "CompileDaemon", src: goSrc + "CMD CompileDaemon --command=./app\n", files: goMod, msg: "starts `CompileDaemon`, which runs the Go toolchain at run time"},
		{name: "go run in sh -c", src: goSrc + "CMD [\"sh\", \"-c\", \"go run . --port $PORT\"]\n", files: goMod, msg: "starts `go`, which only the builder image has"},
		{name: "make at start", src: goSrc + "CMD [\"make\", \"serve\"]\n", files: goMod, msg: "starts `make`, which runs the Go toolchain"},
		{name: "a program the runtime image lacks", src: goSrc + "CMD [\"git\", \"daemon\"]\n", files: goMod, msg: "starts `git`, which neither the build makes nor `debian:bookworm-slim` has"},
		{name: "shell-form CMD keeps a shell under distroless", src: goSrc + "CMD app --port 80\n", files: goMod, opts: map[string]string{"distroless": "true"}, out: "distroless was asked for, but the runtime stage runs commands"},
		{name: "gradle bootRun", src: "FROM gradle:8-jdk17\nWORKDIR /w\nCOPY . .\nRUN gradle build\nCMD [\"gradle\", \"bootRun\"]\n", msg: "starts `gradle`, which only the builder image has"},
		{name: "cargo watch", src: "FROM rust:1.78\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"cargo\", \"watch\", \"-x\", \"run\"]\n", files: map[string]string{"Cargo.toml": "[package]\nname = \"a\"\n", "Cargo.lock": "", "src/main.rs": ""}, msg: "starts `cargo`, which only the builder image has"},
		{name: "dotnet watch", src: "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /s\nCOPY . .\nRUN dotnet publish -o /app\nENTRYPOINT [\"dotnet\", \"watch\", \"run\"]\n", msg: "starts `dotnet watch`, which needs the SDK"},
		{name: "tsc -b with references", src: nodeSrc, files: node("tsc -b", map[string]string{"tsconfig.json": `{"compilerOptions": {"outDir": "out"}, "references": [{"path": "./shared"}]}`}), msg: "`tsc -b` also builds the projects tsconfig.json references"},
		{name: "tsc --project names a folder", src: nodeSrc, files: node("tsc --project src", map[string]string{"src/tsconfig.json": `{"compilerOptions": {"outDir": "../out"}}`}), out: "COPY --from=build /app/out /app/out"},
		{name: "tsconfig with extends but its own outDir", src: nodeSrc, files: node("tsc", map[string]string{"tsconfig.json": `{"extends": "@tsconfig/node20/tsconfig.json", "compilerOptions": {"outDir": "out"}}`}), out: "COPY --from=build /app/out /app/out"},
		{name: "tsconfig without outDir", src: nodeSrc, files: node("tsc", map[string]string{"tsconfig.json": `{"extends": "./base.json"}`, "base.json": `{"compilerOptions": {"strict": true}}`}), msg: "tsconfig.json has no outDir: tsc writes beside the sources"},
		{name: "yarn --cwd", src: "FROM node:20-slim\nWORKDIR /app\nCOPY web/package.json web/yarn.lock web/\nRUN yarn --cwd web install\nCOPY . .\nRUN cd web && yarn build\nCMD [\"node\", \"web/out/index.js\"]\n", files: map[string]string{"web/package.json": `{"scripts": {"build": "tsc --outDir out"}}`, "web/yarn.lock": ""}, out: "COPY web/package.json web/yarn.lock web/\nRUN yarn --cwd web install --production\n"},
		{name: "install after a cd back", src: "FROM node:20-slim\nWORKDIR /app\nCOPY . .\nRUN cd /tmp && npm ci --prefix /app && cd /app && npm run build\nCMD [\"node\", \"out/index.js\"]\n", files: node("tsc --outDir out", nil), out: "RUN cd /tmp && npm ci --prefix /app --omit=dev\n"},
		{name: "python replays a bundle install with its Gemfile", src: "FROM python:3.12-slim-bookworm\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc ruby-bundler\nCOPY Gemfile Gemfile.lock ./\nRUN bundle install --without development\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n", files: map[string]string{"Gemfile": "source 'https://rubygems.org'\n", "Gemfile.lock": "", "requirements.txt": "flask\n"}, out: "COPY Gemfile Gemfile.lock ./\nRUN bundle install --without development\n"},
		{name: "ENV PATH keeps its GOPATH", src: "FROM golang:1.22-bookworm\nENV GOPATH=/work\nENV PATH=$GOPATH/bin:$PATH\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go install .\nCMD [\"app\"]\n", files: goMod, out: "ENV GOPATH=/work\nENV PATH=$GOPATH/bin:$PATH\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, msgs := msRun(t, tt.src, tt.files, tt.opts)
			require.Len(t, msgs, 1, "%q", msgs)
			if tt.msg != "" {
				require.Equal(t, tt.src, out, "no fix")
				require.Contains(t, msgs[0], tt.msg)
				return
			}
			require.NotEqual(t, tt.src, out, "%s", msgs[0])
			require.Contains(t, out+msgs[0], tt.out)
		})
	}
}
