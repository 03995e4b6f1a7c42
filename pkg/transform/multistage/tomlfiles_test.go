package multistage

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCargoManifestParse(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want msCargo
		err  string
	}{
		{"comment after a value", "[package]\nname = \"hello\" # the demo binary\n", msCargo{name: "hello", autobins: true}, ""},
		{"single-quoted strings", "[package]\nname = 'hello'\n[[bin]]\nname = 'tool' # a tool\npath = 'src/tool.rs'\n", msCargo{name: "hello", bins: []string{"tool"}, autobins: true}, ""},
		{"package and bins", "[package]\nname = \"ledger\"\nversion = \"0.3.1\"\nautobins = false\n\n[[bin]]\nname = \"ledger-migrate\"\npath = \"tools/migrate.rs\"\n\n[[bin]]\nname = \"ledger-worker\"\n", msCargo{name: "ledger", bins: []string{"ledger-migrate", "ledger-worker"}, autobins: false}, ""},
		{"inline tables", "package = { name = \"hello\", version = \"1.0.0\" }\nbin = [{ name = \"a\" }, { name = \"b\", path = \"src/b.rs\" }]\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\n", msCargo{name: "hello", bins: []string{"a", "b"}, autobins: true}, ""},
		{"hash inside a string", "[package]\nname = \"hash#tag\"\n", msCargo{name: "hash#tag", autobins: true}, ""},
		{"workspace", "[workspace]\nmembers = [\"app\", \"lib\"]\nresolver = \"2\"\n", msCargo{autobins: true, workspace: true}, ""},
		{"workspace sub-table only", "[package]\nname = \"root\"\n[workspace.dependencies]\nserde = \"1\"\n", msCargo{name: "root", autobins: true, workspace: true}, ""},
		{"invalid TOML", "[package\nname = \"hello\"\n", msCargo{}, "Cargo.toml is not valid TOML (line 1:"},
		{"wrong type", "[package]\nname = 5\n", msCargo{}, "Cargo.toml cannot be read: a value has an unexpected type (line 2: `package.name` is an integer)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := msParseCargo("Cargo.toml", []byte(tt.toml))
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestCargoLockCrates(t *testing.T) {
	got, err := cargoLockCrates([]byte("# generated\nversion = 3\n\n[[package]]\nname = \"a\"\nversion = \"1\"\n\n[[package]]\nname = 'openssl-sys' # native\n"))
	require.NoError(t, err)
	require.Equal(t, []string{"a", "openssl-sys"}, got)
	_, err = cargoLockCrates([]byte("[[package]\nname = \"a\"\n"))
	require.ErrorContains(t, err, "Cargo.lock is not valid TOML")
}

// TestMultiStageCargoToml runs the rule on Cargo.toml files a line
// reader got wrong, and on one that is not TOML.
func TestMultiStageCargoToml(t *testing.T) {
	src := "FROM rust:1.78-slim-bookworm\nWORKDIR /app\nCOPY . .\nRUN cargo build --release --locked\nCMD [\"/app/target/release/hello\"]\n"
	lock := "version = 3\n\n[[package]]\nname = \"hello\"\nversion = \"0.1.0\"\n"
	for name, manifest := range map[string]string{
		"comment":       "[package]\nname = \"hello\" # the demo binary\nversion = \"0.1.0\"\n",
		"single quotes": "[package]\nname = 'hello'\n",
		"inline table":  "package = { name = \"hello\", version = \"0.1.0\" }\n",
	} {
		t.Run(name, func(t *testing.T) {
			out, msgs := msRun(t, src, map[string]string{"Cargo.toml": manifest, "Cargo.lock": lock, "src/main.rs": "fn main() {}\n"}, nil)
			require.Len(t, msgs, 1, "%q", msgs)
			require.Contains(t, out, "COPY --from=build /app/target/release/hello /app/target/release/hello\n")
			require.NotContains(t, out, "#")
		})
	}
	t.Run("invalid TOML", func(t *testing.T) {
		out, msgs := msRun(t, src, map[string]string{"Cargo.toml": "[package\nname = \"hello\"\n", "Cargo.lock": lock, "src/main.rs": ""}, nil)
		require.Equal(t, src, out)
		require.Len(t, msgs, 1)
		require.Contains(t, msgs[0], "Cargo.toml is not valid TOML")
	})
	t.Run("invalid Cargo.lock", func(t *testing.T) {
		out, msgs := msRun(t, src, map[string]string{"Cargo.toml": "[package]\nname = \"hello\"\n", "Cargo.lock": "[[package]\n", "src/main.rs": ""}, nil)
		require.Equal(t, src, out)
		require.Len(t, msgs, 1)
		require.Contains(t, msgs[0], "Cargo.lock is not valid TOML")
	})
	t.Run("cargo config moves the target folder", func(t *testing.T) {
		_, msgs := msRun(t, src, map[string]string{"Cargo.toml": "[package]\nname = \"hello\"\n", "Cargo.lock": lock, "src/main.rs": "",
			".cargo/config.toml": "[build]\ntarget-dir = \"out\"\n"}, nil)
		require.Len(t, msgs, 1)
		require.Contains(t, msgs[0], ".cargo/config.toml changes the target folder")
	})
}
