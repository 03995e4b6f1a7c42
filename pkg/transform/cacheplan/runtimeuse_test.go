package cacheplan

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStartPrograms(t *testing.T) {
	cases := []struct {
		argv []string
		want [][]string
	}{
		{[]string{"/app/server"}, [][]string{{"/app/server"}}},
		{[]string{"tini", "--", "go", "run", "."}, [][]string{{"go", "run", "."}}},
		{[]string{"/usr/bin/dumb-init", "--single-child", "--", "air"}, [][]string{{"air"}}},
		{[]string{"sh", "-c", "go mod download && exec air -c .air.toml"}, [][]string{{"go", "mod", "download"}, {"air", "-c", ".air.toml"}}},
		{[]string{"/bin/sh", "-c", "gosu app reflex -s -- go run ."}, [][]string{{"reflex", "-s", "--", "go", "run", "."}}},
		{[]string{"docker-entrypoint.sh", "dotnet", "watch"}, [][]string{{"docker-entrypoint.sh", "dotnet", "watch"}, {"dotnet", "watch"}}},
		{[]string{"env", "PORT=80", "node", "server.js"}, [][]string{{"node", "server.js"}}},
		{[]string{"bash", "start.sh"}, [][]string{{"bash", "start.sh"}}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, startPrograms(c.argv, 0), "%q", c.argv)
	}
}

func TestRuntimeReader(t *testing.T) {
	byName := map[string]*Manager{}
	for _, m := range Managers {
		byName[m.Name] = m
	}
	cases := []struct {
		manager string
		words   []string
		reads   bool
	}{
		{"go", []string{"go", "run", "."}, true},
		{"go", []string{"/go/bin/air"}, true},
		{"go", []string{"CompileDaemon", "--build=go build"}, true},
		{"go", []string{"/app/server"}, false},
		{"npm", []string{"npx", "nodemon"}, true},
		{"npm", []string{"npm", "exec", "vite"}, true},
		{"npm", []string{"npm", "start"}, false},
		{"npm", []string{"node", "server.js"}, false},
		{"uv", []string{"uvx", "ruff"}, true},
		{"uv", []string{"uv", "run", "app.py"}, false},
		{"pip", []string{"python", "app.py"}, false},
		{"cargo", []string{"cargo", "run"}, true},
		{"dotnet", []string{"dotnet", "watch", "run"}, true},
		{"maven", []string{"mvn", "spring-boot:run"}, true},
		{"gradle", []string{"./gradlew", "bootRun"}, true},
		{"bundler", []string{"bundle", "exec", "puma"}, false},
	}
	for _, c := range cases {
		got := runtimeReader(byName[c.manager], c.words) != ""
		assert.Equal(t, c.reads, got, "%s %q", c.manager, c.words)
	}
}

func TestGoInstallName(t *testing.T) {
	for pkg, want := range map[string]string{
		"github.com/air-verse/air@latest":              "air",
		"github.com/go-delve/delve/cmd/dlv@v1.22.0":    "dlv",
		"github.com/golang-migrate/migrate/v4@v4.17.0": "migrate",
		"./cmd/server": "server",
		".":            "",
		"./...":        "",
	} {
		assert.Equal(t, want, goInstallName(pkg), pkg)
	}
}
