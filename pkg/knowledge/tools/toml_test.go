package tools

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCargoManifestSource(t *testing.T) {
	tests := map[string]string{
		"[package]\nname = \"a\" # build = \"x\"\n[dependencies]\nserde = \"1\" # path = \"../x\"\n": "",
		"[package]\nname = \"a\"\n[dependencies]\nlocal = { path = \"../local\" }\n":                 "Cargo.toml has a path dependency (`dependencies.local.path`)",
		"[package]\nname = \"a\"\n[target.'cfg(unix)'.dependencies.u]\npath = 'u'\n":                 "Cargo.toml has a path dependency (`target.cfg(unix).dependencies.u.path`)",
		"[workspace]\nmembers = [\"a\"]\n":                                                           "Cargo.toml declares a workspace",
		"[package]\nname = \"a\"\n[[bin]]\nname = \"b\"\n":                                           "Cargo.toml declares its own targets (`[[bin]]`)",
		"[package]\nname = \"a\"\nbuild = \"build.rs\"\n":                                            "Cargo.toml declares its own targets (`build =`)",
		"[package]\nname = \"a\"\nlib = 1\n[lib\n":                                                   "Cargo.toml is not valid TOML",
	}
	for in, want := range tests {
		got := cargoManifestSource([]byte(in))
		if want == "" {
			require.Empty(t, got, in)
			continue
		}
		require.True(t, strings.HasPrefix(got, want), "%q: got %q, want %q", in, got, want)
	}
}

func TestPyprojectSource(t *testing.T) {
	poetry := map[string]string{
		"": "",
		"[tool.poetry.dependencies]\npython = \"^3.12\" # path = \"x\"\n":               "",
		"[tool.poetry.dependencies]\nmylib = { path = \"../mylib\", develop = true }\n": "pyproject.toml has a path or editable dependency (`tool.poetry.dependencies.mylib.develop`)",
		"[tool.poetry\n": "pyproject.toml is not valid TOML",
	}
	for in, want := range poetry {
		got := TOMLManifestSource("pyproject.toml", in)
		require.True(t, strings.HasPrefix(got, want) && (want != "" || got == ""), "%q: got %q, want %q", in, got, want)
	}
	uv := map[string]string{
		"[project]\nname = \"a\"\ndependencies = [\"flask\"]\n":             "",
		"[tool.uv.workspace]\nmembers = [\"packages/*\"]\n":                 "pyproject.toml declares a uv workspace",
		"[tool.uv.sources]\nlib = { workspace = true }\n":                   "pyproject.toml uses workspace sources (`tool.uv.sources.lib.workspace`)",
		"[tool.uv.sources]\nlib = { path = 'libs/lib', editable = true }\n": "pyproject.toml has a path or editable dependency (`tool.uv.sources.lib.editable`)",
		"[project]\nname = \"a\" # workspace = true\n":                      "",
	}
	for in, want := range uv {
		got := uvManifestSource(in)
		require.True(t, strings.HasPrefix(got, want) && (want != "" || got == ""), "%q: got %q, want %q", in, got, want)
	}
}
