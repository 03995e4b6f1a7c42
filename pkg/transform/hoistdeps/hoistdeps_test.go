package hoistdeps

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"mvdan.cc/sh/v3/syntax"
)

// TestRecognise: which command lines are dependency installs, and their
// dependency-only forms.
func TestRecognise(t *testing.T) {
	for _, tc := range []struct {
		body, eco, dep, source string
	}{
		{"pip install -r requirements.txt", "pip", "pip install -r requirements.txt", ""},
		{"pip3 install --no-cache-dir -rrequirements/prod.txt", "pip", "pip3 install --no-cache-dir -rrequirements/prod.txt", ""},
		{"python3 -m pip install --requirement=requirements.txt", "pip", "python3 -m pip install --requirement=requirements.txt", ""},
		{"uv pip install --system -r requirements.txt", "pip", "uv pip install --system -r requirements.txt", ""},
		{"pip install .", "pip", "", "`pip install .` installs the project itself"},
		{"pip install -e .[dev]", "pip", "", "`-e .[dev]` is an editable install of local source"},
		{"pip install -r $REQS", "pip", "", "the requirements file is not named literally"},
		{"pip install --upgrade pip", "", "", ""},
		{"poetry install --no-interaction", "poetry", "poetry install --no-root --no-interaction", ""},
		{"poetry install --no-root", "poetry", "poetry install --no-root", ""},
		{"pipenv install --system --deploy", "pipenv", "pipenv install --system --deploy", ""},
		{"pipenv install requests", "", "", ""},
		{"uv sync --locked", "uv", "uv sync --no-install-project --frozen", ""},
		{"uv sync", "uv", "uv sync --frozen --no-install-project", ""},
		{"npm ci", "npm", "npm ci", ""},
		{"npm install express", "", "", ""},
		{"npm install -g pnpm", "", "", ""},
		{"yarn", "yarn", "yarn", ""},
		{"yarn install --frozen-lockfile", "yarn", "yarn install --frozen-lockfile", ""},
		{"yarn build", "", "", ""},
		{"pnpm install --frozen-lockfile", "pnpm", "pnpm fetch", ""},
		{"pnpm i --prod", "pnpm", "pnpm fetch --prod", ""},
		{"CGO_ENABLED=0 go build -o /bin/app ./cmd/app", "go", "CGO_ENABLED=0 go mod download", ""},
		{"go mod download", "go", "go mod download", ""},
		{"go install golang.org/x/tools/gopls@latest", "", "", ""},
		{"go build -mod=vendor .", "go", "", ""},
		{"cargo build --release --locked", "cargo", "mkdir src && touch src/main.rs && cargo fetch --locked && rm -r src", ""},
		{"cargo install ripgrep", "", "", ""},
		{"mvn -B package -DskipTests", "maven", "mvn -B -DskipTests dependency:go-offline", ""},
		{"./mvnw clean package", "maven", "./mvnw -B dependency:go-offline", ""},
		{"mvn -pl api -am package", "maven", "", "the build selects modules of a multi-module project"},
		{"./gradlew build --no-daemon -x test", "gradle", "./gradlew --no-daemon dependencies", ""},
		{"bundle install --jobs 4", "bundler", "bundle install --jobs 4", ""},
		{"bundle exec rake", "", "", ""},
		{"composer install --no-dev", "composer", "composer install --no-scripts --no-autoloader --no-dev", ""},
		{"dotnet publish src/Api/Api.csproj -c Release -r linux-x64 -o /out", "dotnet", "dotnet restore src/Api/Api.csproj -r linux-x64", ""},
		{"dotnet restore", "dotnet", "dotnet restore", ""},
		{"dotnet build --no-restore", "", "", ""},
	} {
		d, err := ast.Parse("Dockerfile", []byte("FROM a\nRUN "+tc.body+"\n"))
		require.NoError(t, err)
		sc := d.Shell(d.Instructions[1])
		require.NotNil(t, sc)
		call := sc.File.Stmts[0].Cmd.(*syntax.CallExpr)
		in := transform.Recognise(call)
		if tc.eco == "" {
			assert.Nil(t, in, tc.body)
			continue
		}
		require.NotNil(t, in, tc.body)
		assert.Equal(t, tc.eco, in.Eco.Name, tc.body)
		assert.Equal(t, tc.source, in.NeedsSource, tc.body)
		if tc.dep == "" {
			continue
		}
		require.NotNil(t, in.Dep, tc.body)
		tx := &transform.TextOf{Doc: d, Script: sc, Span: transform.StmtSpan(sc, sc.File.Stmts[0]), Args: in.Args}
		assert.Equal(t, tc.dep, in.Dep(tx), tc.body)
	}
}

// TestHoistNeedsSource: what in the context makes an install need the
// whole source (each case is one context).
func TestHoistNeedsSource(t *testing.T) {
	for _, tc := range []struct {
		run   string
		files map[string]string
		want  string // "" when hoisted
	}{
		{"npm ci", map[string]string{"package.json": `{"workspaces":["a"]}`, "package-lock.json": "{}"}, "package.json declares workspaces"},
		{"npm ci", map[string]string{"package.json": `{"dependencies":{"x":"file:../x"}}`}, "local dependency"},
		{"npm ci", map[string]string{"package.json": `{"scripts":{"postinstall":"node s.js"}}`}, "`postinstall` script"},
		{"npm ci --ignore-scripts", map[string]string{"package.json": `{"scripts":{"postinstall":"node s.js"}}`, "package-lock.json": "{}"}, ""},
		{"npm ci", map[string]string{"package.json": `{}`, "node_modules/x/index.js": ""}, "node_modules is in the build context"},
		{"poetry install", map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\nlib = { path = \"../lib\" }\n"}, "path or editable dependency"},
		{"uv sync", map[string]string{"pyproject.toml": "[tool.uv.workspace]\nmembers = [\"p/*\"]\n", "uv.lock": ""}, "uv workspace"},
		{"go build .", map[string]string{"go.mod": "module x\nreplace y => ../y\n", "go.sum": ""}, "local folder"},
		{"go build .", map[string]string{"go.mod": "module x\n", "go.sum": "", "vendor/modules.txt": ""}, "-"},
		{"cargo build", map[string]string{"Cargo.toml": "[workspace]\nmembers = [\"a\"]\n", "Cargo.lock": ""}, "workspace"},
		{"cargo build", map[string]string{"Cargo.toml": "[package]\nname = \"x\"\n[[bin]]\nname = \"y\"\n", "Cargo.lock": ""}, "its own targets"},
		{"mvn package", map[string]string{"pom.xml": "<project><modules><module>a</module></modules></project>"}, "multi-module"},
		{"gradle build", map[string]string{"build.gradle": "", "settings.gradle": "include 'app'\n"}, "`include`"},
		{"bundle install", map[string]string{"Gemfile": "source 'https://rubygems.org'\ngemspec\n"}, "`gemspec`"},
		{"composer install", map[string]string{"composer.json": `{"repositories":[{"type": "path","url":"../lib"}]}`}, "`path` repository"},
		{"dotnet publish", map[string]string{"App.csproj": `<Project><Import Project="../common.props" /></Project>`}, "imports"},
		{"dotnet publish", map[string]string{"a.csproj": "<Project/>", "b.csproj": "<Project/>"}, "several project"},
		{"pip install -r requirements.txt", map[string]string{"requirements.txt": "-r base.txt\n", "base.txt": "./libs/x\n"}, "installs a local path"},
		{"pip install -r requirements.txt", map[string]string{"requirements.txt": "-r missing.txt\n"}, "missing.txt is not in the build context"},
	} {
		dir := t.TempDir()
		for name, text := range tc.files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		}
		bctx, err := transform.NewBuildContext(dir, "")
		require.NoError(t, err)
		src := "FROM a\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\n"
		res, err := (&transform.Chain{Transforms: []*transform.Transform{Rule}}).Run("Dockerfile", []byte(src), bctx)
		require.NoError(t, err, tc.run)
		switch tc.want {
		case "":
			assert.True(t, res.Changed(), "%s %v", tc.run, tc.files)
		case "-":
			assert.False(t, res.Changed(), tc.run)
			assert.Empty(t, res.Findings, tc.run)
		default:
			assert.False(t, res.Changed(), tc.run)
			require.Len(t, res.Findings, 1, tc.run)
			assert.Contains(t, res.Findings[0].Message, tc.want)
		}
	}
}
