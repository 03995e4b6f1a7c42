package hoistdeps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/ast/stage"
	"github.com/dfopt/dfopt/pkg/transform"
)

// TestNpmLockFixed: the lock files under testdata/npmlock were written by
// npm 11 (`npm install`, run twice: the second run left them byte for
// byte), except sorted (keys in byte order: npm rewrites it) and extra (an
// unknown top-level key, which npm keeps).
func TestNpmLockFixed(t *testing.T) {
	read := func(c, f string) string {
		b, err := os.ReadFile(filepath.Join("testdata", "npmlock", c, f))
		require.NoError(t, err)
		return string(b)
	}
	for _, tc := range []struct {
		dir, folder string
		npm         int
		want        string // "" when npm writes the lock back as it is
	}{
		{"app", "/app", 10, ""},
		{"v2", "/app", 7, ""},
		{"tabs", "/app", 10, ""},
		{"crlf", "/app", 10, ""},
		{"mini", "/app", 10, ""},
		{"noname", "/srv/noname", 10, ""},
		{"extra", "/app", 10, ""},
		{"noname", "/app", 10, "the folder's name `app`"},
		{"sorted", "/app", 10, `npm sorts "name" before "lockfileVersion"`},
		{"app", "/app", 8, "npm 7 and 8 may write"},
		{"v2", "/app", 6, "npm 6 rewrites"},
	} {
		got := npmLockFixed(read(tc.dir, "package.json"), read(tc.dir, "package-lock.json"), "package-lock.json", tc.folder, tc.npm)
		if tc.want == "" {
			assert.Empty(t, got, tc.dir)
		} else {
			assert.Contains(t, got, tc.want, tc.dir)
		}
	}

	// Edits of the npm-written files that npm would undo.
	pkg, lock := read("app", "package.json"), read("app", "package-lock.json")
	for _, tc := range []struct {
		name, pkg, lock, want string
	}{
		{"version", strings.Replace(pkg, `"version": "1.0.0"`, `"version": "1.0.1"`, 1), lock, "writes package.json's version"},
		{"dependency", strings.Replace(pkg, `"ms": "^2.1.3"`, `"ms": "^2.1.0"`, 1), lock, `packages[""]`},
		{"four spaces", pkg, strings.ReplaceAll(lock, "  ", "    "), "not spaced, indented"},
		{"no final newline", pkg, strings.TrimSuffix(lock, "\n"), "not spaced, indented"},
		{"escaped slash", pkg, strings.Replace(lock, "https://registry", `https:\/\/registry`, 1), "not spaced, indented"},
		{"no requires", pkg, strings.Replace(lock, "  \"requires\": true,\n", "", 1), "requires"},
		{"v1", pkg, strings.Replace(lock, `"lockfileVersion": 3`, `"lockfileVersion": 1`, 1), "lockfile version 1"},
		{"bin string", strings.Replace(pkg, `"license": "MIT"`, `"license": "MIT", "bin": "cli.js"`, 1), lock, "bin"},
		{"install script", strings.Replace(pkg, `"license": "MIT"`, `"license": "MIT", "scripts": {"postinstall": "x"}`, 1), lock, "postinstall"},
		{"lock not JSON", pkg, "{", "does not parse"},
	} {
		assert.Contains(t, npmLockFixed(tc.pkg, tc.lock, "package-lock.json", "/app", 10), tc.want, tc.name)
	}
}

// TestLocaleCompare: the collation order npm sorts lock keys with.
func TestLocaleCompare(t *testing.T) {
	for _, tc := range [][2]string{
		{"string_decoder", "string-width"}, // _ before -
		{"string-width", "string-width-cjs"},
		{"@types/node", "JSONStream"}, // punctuation before letters
		{"JSONStream", "ms"},          // case is a tie-break only
		{"abc", "ABC"},                // lower case first
		{"es-abstract", "es6-shim"},   // - before digits
		{"lodash.merge", "lodash/fp"}, // . before /
		{"", "node_modules/a"},
	} {
		c, ok := localeCompare(tc[0], tc[1])
		assert.True(t, ok && c < 0, "%q < %q", tc[0], tc[1])
		c, ok = localeCompare(tc[1], tc[0])
		assert.True(t, ok && c > 0, "%q > %q", tc[1], tc[0])
	}
	_, ok := localeCompare("a~b", "ab")
	assert.False(t, ok, "characters beyond the model are not ordered")
}

func TestNpmOfNode(t *testing.T) {
	d := func(base string) (int, string) {
		w := &writeCheck{env: &stage.State{Base: base}, h: &hoister{}}
		w.run = nil
		return w.npmImageVersion()
	}
	for base, want := range map[string]int{
		"node:14": 6, "node:16-alpine": 7, "node:18.19.0-bookworm-slim": 8, "node:20": 9,
		"node:22-alpine": 10, "node:lts-alpine": 10, "node:iron": 9, "node:24": 11,
		"docker.io/library/node:22": 10, "public.ecr.aws/docker/library/node:20-slim": 9,
	} {
		got, why := d(base)
		assert.Empty(t, why, base)
		assert.Equal(t, want, got, base)
	}
	for _, base := range []string{"registry.example.com/node:22", "ubuntu:24.04", "node:${NODE_VERSION}", "cimg/node:20.1"} {
		_, why := d(base)
		assert.Contains(t, why, "not known", base)
	}
}

// TestHoistWrites: what an install writes decides whether it moves, runs
// again after the COPY, or (npm ci) is not hoisted; each case is one
// context.
func TestHoistWrites(t *testing.T) {
	const lockWithScript = `{"name":"x","lockfileVersion":3,"requires":true,"packages":{"node_modules/husky":{"version":"4.3.8","hasInstallScript":true}}}`
	const lockPlain = `{"name":"x","lockfileVersion":3,"requires":true,"packages":{}}`
	for _, tc := range []struct {
		name, from, run string
		files           map[string]string
		want            string // "moves", "twice", or a part of the "not hoisted" finding
	}{
		{"git and an install script", "node:22", "npm ci", map[string]string{"package.json": "{}", "package-lock.json": lockWithScript, ".git/HEAD": "ref: refs/heads/main\n"}, "the COPY brings .git and node_modules/husky has an install script"},
		{"git, no install script", "node:22", "npm ci", map[string]string{"package.json": "{}", "package-lock.json": lockPlain, ".git/HEAD": "x\n"}, "moves"},
		{"git ignored", "node:22", "npm ci", map[string]string{"package.json": "{}", "package-lock.json": lockWithScript, ".git/HEAD": "x\n", ".dockerignore": ".git\n"}, "moves"},
		{"scripts ignored", "node:22", "npm ci --ignore-scripts", map[string]string{"package.json": "{}", "package-lock.json": lockWithScript, ".git/HEAD": "x\n"}, "moves"},
		{"no lock", "node:22", "npm ci", map[string]string{"package.json": "{}"}, "is not in the build context"},
		{"cache flag in the destination", "node:22", "npm ci --cache .npm-cache", map[string]string{"package.json": "{}", "package-lock.json": lockPlain, ".npm-cache/x": ""}, "the install writes /app/.npm-cache"},
		{"npm install no lock", "node:22", "npm install", map[string]string{"package.json": "{}"}, "twice"},
		{"npm install --no-save", "node:22", "npm install --no-save", map[string]string{"package.json": `{"name":"y"}`, "package-lock.json": lockPlain}, "moves"},
		{"npm install --legacy-peer-deps", "node:22", "npm install --legacy-peer-deps", map[string]string{"package.json": `{"name":"y"}`, "package-lock.json": lockPlain}, "twice"},
		{"pip target unknown", "python:3.12", "PIP_TARGET=$T pip install -r requirements.txt", map[string]string{"requirements.txt": "flask\n"}, "twice"},
		{"pip venv by path", "python:3.12", "./venv/bin/pip install --no-cache-dir -r requirements.txt", map[string]string{"requirements.txt": "flask\n", "venv/bin/pip": ""}, "twice"},
		{"pip plain", "python:3.12", "pip install -r requirements.txt", map[string]string{"requirements.txt": "flask\n"}, "moves"},
		{"pip after an upgrade", "python:3.12", "pip install -U pip && pip install -r requirements.txt && pip cache purge", map[string]string{"requirements.txt": "flask\n"}, "moves"},
		{"pip and more", "python:3.12", "pip install -r requirements.txt && python manage.py collectstatic", map[string]string{"requirements.txt": "flask\n"}, "splits"},
		{"pip and more after ;", "python:3.12", "pip install -r requirements.txt; python manage.py collectstatic", map[string]string{"requirements.txt": "flask\n"}, "twice"},
		{"pip, cd, and more", "python:3.12", "cd /app && pip install -r requirements.txt && python manage.py collectstatic", map[string]string{"requirements.txt": "flask\n"}, "twice"},
		{"npm ci and a build", "node:22", "npm ci && npm run build", map[string]string{"package.json": "{}", "package-lock.json": lockPlain}, "splits"},
	} {
		dir := t.TempDir()
		for name, text := range tc.files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(text), 0o644))
		}
		bctx, err := transform.NewBuildContext(dir, "")
		require.NoError(t, err)
		src := "FROM " + tc.from + "\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\n"
		res, err := (&transform.Chain{Transforms: []*transform.Transform{transform.Lookup("hoist-deps")}}).Run("Dockerfile", []byte(src), bctx)
		require.NoError(t, err, tc.name)
		require.Len(t, res.Findings, 1, tc.name)
		msg := res.Findings[0].Message
		switch tc.want {
		case "moves":
			assert.Contains(t, msg, "the install moves", tc.name)
			assert.Equal(t, 1, strings.Count(string(res.Out), "\nRUN "), tc.name)
		case "splits":
			assert.Contains(t, msg, "the install moves", tc.name)
			assert.Contains(t, msg, "the RUN keeps only what follows it", tc.name)
			assert.Equal(t, 2, strings.Count(string(res.Out), "\nRUN "), tc.name)
			assert.NotContains(t, string(res.Out), "&& python", tc.name)
			assert.NotContains(t, string(res.Out), "&& npm run", tc.name)
		case "twice":
			assert.Contains(t, msg, "the install runs again after it", tc.name)
			assert.Equal(t, 2, strings.Count(string(res.Out), "\nRUN "), tc.name)
		default:
			assert.False(t, res.Changed(), tc.name)
			assert.Contains(t, msg, "not hoisted: ", tc.name)
			assert.Contains(t, msg, tc.want, tc.name)
		}
	}
}
