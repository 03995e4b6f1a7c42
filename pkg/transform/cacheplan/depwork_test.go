package cacheplan

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func depWorkOf(t *testing.T, run string) string {
	t.Helper()
	doc, err := ast.Parse("Dockerfile", []byte("FROM debian\nRUN "+run+"\n"))
	require.NoError(t, err, run)
	var out []string
	for _, w := range DependencyWork(doc.Shell(doc.Instructions[1])) {
		s := w.Command + ":" + w.Ecosystem
		if w.Implicit {
			s += " (implicit)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}

func TestDependencyWork(t *testing.T) {
	for run, want := range map[string]string{
		// explicit installs
		"apt-get update && apt-get install -y jq":      "apt-get:apt, apt-get:apt",
		"apt-get clean && rm -rf /var/lib/apt/lists/*": "",
		"apk add --no-cache git":                       "apk:apk",
		"dnf install -y gcc && dnf clean all":          "dnf:dnf",
		"npm ci --omit=dev":                            "npm:npm",
		"npm install express":                          "npm:npm",
		"yarn":                                         "yarn:yarn",
		"pip install --no-cache-dir flask":             "pip:pip",
		"python -m pip install -r requirements.txt":    "python:pip",
		"go mod download":                              "go:go",
		"cargo fetch":                                  "cargo:cargo",
		"mvn -B dependency:go-offline":                 "mvn:maven",
		"./gradlew dependencies":                       "gradlew:gradle",
		"dotnet restore":                               "dotnet:dotnet",
		"bundle install":                               "bundle:bundler",
		"gem install rails":                            "gem:gem",
		// implicit downloads
		"go build -o /app .":                      "go:go (implicit)",
		"CGO_ENABLED=0 go test ./...":             "go:go (implicit)",
		"cargo build --release":                   "cargo:cargo (implicit)",
		"mvn -B package -DskipTests":              "mvn:maven (implicit)",
		"./mvnw package":                          "mvnw:maven (implicit)",
		"gradle build --no-daemon":                "gradle:gradle (implicit)",
		"dotnet publish -c Release -o /out":       "dotnet:dotnet (implicit)",
		"go mod download && go build -o /app .":   "go:go, go:go (implicit)",
		"go build -mod=vendor -o /app .":          "",
		"dotnet build --no-restore":               "",
		"npm run build":                           "",
		"make install":                            "",
		"echo yarnball":                           "",
		"go version":                              "",
		"go install example.com/tool@v1.2.3":      "go:go",
		"sudo apt-get install -y curl":            "apt-get:apt",
		"[ -f go.mod ] && go build ./... || true": "go:go (implicit)",
	} {
		assert.Equal(t, want, depWorkOf(t, run), run)
	}
}

func TestDependencyManifests(t *testing.T) {
	m := DependencyManifests()
	pos := map[string]int{}
	for i, n := range m {
		_, dup := pos[n]
		require.False(t, dup, "listed twice: %s", n)
		pos[n] = i
	}
	// What people edit comes before the lock files.
	for _, pair := range [][2]string{{"package.json", "package-lock.json"}, {"go.mod", "go.sum"}, {"Cargo.toml", "Cargo.lock"}, {"pyproject.toml", "poetry.lock"}} {
		assert.Less(t, pos[pair[0]], pos[pair[1]], fmt.Sprint(pair))
	}
	for _, yes := range []string{"package.json", "sub/go.sum", "requirements-dev.txt", "app/App.csproj", "x.gemspec", ".mvn/wrapper/maven-wrapper.properties", "mix.exs", "build.gradle.kts"} {
		assert.True(t, IsDependencyManifest(yes), yes)
	}
	for _, no := range []string{"server.js", "main.go", "src/app.py", "README.md", "Dockerfile"} {
		assert.False(t, IsDependencyManifest(no), no)
	}
}
