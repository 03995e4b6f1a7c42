package verify

import (
	"archive/tar"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"tmp/**", "tmp/x", true},
		{"tmp/**", "tmp/a/b/c", true},
		{"tmp/**", "tmp", false}, // the folder itself is still compared
		{"tmp/**", "tmpx/a", false},
		{"tmp/**", "var/tmp/a", false},
		{"var/lib/dpkg/*-old", "var/lib/dpkg/status-old", true},
		{"var/lib/dpkg/*-old", "var/lib/dpkg/status", false},
		{"var/lib/dpkg/*-old", "var/lib/dpkg/info/x-old", false},
		{"home/*/.cache/**", "home/app/.cache/pip/http/x", true},
		{"home/*/.cache/**", "home/app/.cache", false},
		{"home/*/.cache/**", "home/app/src/.cache/x", false},
		{"**/__pycache__/**", "usr/lib/python3/dist-packages/foo/__pycache__/a.cpython-311.pyc", true},
		{"**/__pycache__/**", "__pycache__/a.pyc", true},
		{"**/__pycache__/**", "app/__pycache__", false},
		{"**/*.pyc", "app/x.pyc", true},
		{"**/*.pyc", "x.pyc", true},
		{"**/*.pyc", "app/x.py", false},
		{"etc/ld.so.cache", "etc/ld.so.cache", true},
		{"etc/ld.so.cache", "etc/ld.so.cache.d", false},
		{"a/**/b", "a/b", true},
		{"a/**/b", "a/x/y/b", true},
		{"a/**/b", "a/x/y/c", false},
		{"[", "[", false}, // a bad pattern matches nothing
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Match(tt.pattern, tt.path), "Match(%q, %q)", tt.pattern, tt.path)
	}
}

// TestDefaultIgnore pins what the documented list covers and, as much, what
// it must never cover: application files, binaries, configuration.
func TestDefaultIgnore(t *testing.T) {
	l, err := NewIgnoreList()
	require.NoError(t, err)
	ignored := []string{
		"tmp/npm-1234/x",
		"var/tmp/x",
		"var/log/apt/term.log",
		"var/log/dpkg.log",
		"var/cache/apt/pkgcache.bin",
		"var/cache/debconf/config.dat",
		"var/cache/ldconfig/aux-cache",
		"var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease",
		"var/lib/dpkg/status-old",
		"etc/ld.so.cache",
		"root/.cache/pip/http-v2/a/b",
		"root/.cache/go-build/00/x-d",
		"home/app/.cache/pip/selfcheck.json",
		"root/.npm/_cacache/index-v5/aa/bb",
		"home/node/.npm/_logs/2024-debug-0.log",
		"usr/local/share/.cache/yarn/v6/x",
		"go/pkg/mod/cache/download/x/@v/list",
		"go/pkg/mod/github.com/x/y@v1.0.0/y.go",
		"root/go/pkg/mod/golang.org/x/text@v0.3.0/LICENSE",
		"usr/lib/python3/dist-packages/foo/__pycache__/bar.cpython-311.pyc",
		"app/__pycache__/main.cpython-311.pyc",
		"usr/local/lib/python3.11/site-packages/x.pyc",
		"app/node_modules/.cache/babel-loader/x.json",
		"root/.config/go/telemetry/local/go@go1.26.8-go1.26.8-linux-amd64-2026-11-22.v1.count",
		// the cache folders themselves: a cache mount leaves none
		"root/.cache", "home/app/.cache", "root/.npm", "home/node/.npm", "go/pkg", "go/pkg/mod",
		"root/go", "root/go/pkg/mod", "app/__pycache__",
	}
	for _, p := range ignored {
		assert.NotNil(t, l.Match(p), "%s should be ignored", p)
	}
	compared := []string{
		"tmp", "var/tmp", "var/log", "var/cache", "root", "home/app", "root/go/bin/tool", "go/bin/app",
		"root/.m2/settings.xml", "root/.cargo/bin/cargo", "root/.config",
		"app/main.py", "app/server.js", "app/node_modules/left-pad/index.js",
		"app/node_modules/.package-lock.json", "usr/local/bin/app",
		"usr/bin/curl", "etc/passwd", "etc/group", "etc/shadow",
		"var/lib/dpkg/status", "var/lib/dpkg/info/curl.list",
		"var/lib/apt/extended_states", "usr/lib/python3/dist-packages/foo/__init__.py",
		"home/app/.npmrc", "root/.config/pip/pip.conf", "go/bin/app", "usr/local/go/bin/go",
		"etc/apt/sources.list.d/debian.sources",
	}
	for _, p := range compared {
		assert.Nil(t, l.Match(p), "%s must be compared", p)
	}
	for _, r := range DefaultIgnore {
		assert.NotEmpty(t, r.Why, "rule %s needs a reason", r.Pattern)
	}
}

func TestNewIgnoreListExtra(t *testing.T) {
	l, err := NewIgnoreList("/srv/state/**", " opt/x ")
	require.NoError(t, err)
	assert.NotNil(t, l.Match("srv/state/db"))
	assert.NotNil(t, l.Match("opt/x"))
	assert.Nil(t, l.Match("srv/other"))
	_, err = NewIgnoreList("/")
	assert.Error(t, err)
	_, err = NewIgnoreList("a/[")
	assert.Error(t, err)
}

// fsSpec describes a folder to create: path → content; a value starting
// with "->" makes a symlink, a path ending in "/" a folder.
type fsSpec map[string]string

func makeTree(t *testing.T, spec fsSpec, modes map[string]fs.FileMode) string {
	t.Helper()
	root := t.TempDir()
	for p, v := range spec {
		abs := filepath.Join(root, filepath.FromSlash(p))
		switch {
		case strings.HasSuffix(p, "/"):
			require.NoError(t, os.MkdirAll(abs, 0o755))
		case strings.HasPrefix(v, "->"):
			require.NoError(t, os.MkdirAll(filepath.Dir(abs), 0o755))
			require.NoError(t, os.Symlink(strings.TrimPrefix(v, "->"), abs))
		default:
			require.NoError(t, os.MkdirAll(filepath.Dir(abs), 0o755))
			require.NoError(t, os.WriteFile(abs, []byte(v), 0o644))
		}
	}
	for p, m := range modes {
		require.NoError(t, os.Chmod(filepath.Join(root, filepath.FromSlash(p)), m))
	}
	return root
}

func compareDirs(t *testing.T, a, b string, extra ...string) *Comparison {
	t.Helper()
	ta, err := Scan(a)
	require.NoError(t, err)
	tb, err := Scan(b)
	require.NoError(t, err)
	l, err := NewIgnoreList(extra...)
	require.NoError(t, err)
	c, err := Compare(ta, tb, l)
	require.NoError(t, err)
	return c
}

func kinds(c *Comparison) []string {
	var out []string
	for _, d := range c.Differences {
		out = append(out, d.Kind+" "+d.Path)
	}
	return out
}

func TestCompareIdentical(t *testing.T) {
	spec := fsSpec{
		"app/main.py":         "print('hi')\n",
		"app/lib/":            "",
		"usr/bin/python":      "->python3",
		"usr/bin/python3":     "ELF",
		"etc/passwd":          "root:x:0:0::/root:/bin/sh\n",
		"var/log/apt/history": "a",
	}
	a := makeTree(t, spec, map[string]fs.FileMode{"usr/bin/python3": 0o755})
	b := makeTree(t, spec, map[string]fs.FileMode{"usr/bin/python3": 0o755})
	c := compareDirs(t, a, b)
	assert.True(t, c.Equivalent(), "%v", kinds(c))
	assert.Empty(t, c.IgnoredDiffering)
	assert.Equal(t, 2, c.Ignored) // var/log/apt and var/log/apt/history; var/log itself is compared
}

func TestCompareDifferences(t *testing.T) {
	a := makeTree(t, fsSpec{
		"app/main.py":    "print('hi')\n",
		"app/same-size":  "aaaa",
		"app/gone":       "x",
		"app/kind":       "file",
		"usr/bin/python": "->python3",
		"app/script.sh":  "#!/bin/sh\n",
	}, map[string]fs.FileMode{"app/script.sh": 0o755})
	b := makeTree(t, fsSpec{
		"app/main.py":    "print('hello')\n",
		"app/same-size":  "aaab",
		"app/new":        "x",
		"app/kind/":      "",
		"usr/bin/python": "->python3.11",
		"app/script.sh":  "#!/bin/sh\n",
	}, map[string]fs.FileMode{"app/script.sh": 0o644})
	c := compareDirs(t, a, b)
	assert.False(t, c.Equivalent())
	assert.Equal(t, []string{
		"only-in-original app/gone",
		"type app/kind",
		"content app/main.py",
		"only-in-rewritten app/new",
		"content app/same-size",
		"mode app/script.sh",
		"symlink-target usr/bin/python",
	}, kinds(c))
	for _, d := range c.Differences {
		if d.Kind == DiffMode {
			assert.Equal(t, "0755", d.Original)
			assert.Equal(t, "0644", d.Rewritten)
		}
		assert.NotEmpty(t, d.String())
	}
}

// TestCompareIgnored: what the ignore list covers may differ freely, and
// the comparison says how much it hid.
func TestCompareIgnored(t *testing.T) {
	a := makeTree(t, fsSpec{
		"app/main.js":                     "x",
		"var/lib/apt/lists/InRelease":     "lists",
		"var/cache/apt/pkgcache.bin":      "cache",
		"root/.npm/_cacache/index":        "npm",
		"app/__pycache__/m.cpython-3.pyc": "pyc",
		"tmp/":                            "",
	}, nil)
	b := makeTree(t, fsSpec{
		"app/main.js":               "x",
		"var/lib/apt/lists/":        "",
		"var/cache/apt/":            "",
		"root/.npm/":                "",
		"app/__pycache__/":          "",
		"tmp/build-123/obj.o":       "obj",
		"var/lib/dpkg/status-old":   "old",
		"var/log/apt/term.log":      "log",
		"home/app/.cache/pip/x.whl": "wheel",
	}, nil)
	c := compareDirs(t, a, b)
	// Folders that exist on one side only are still reported, what is
	// inside the ignored ones is not.
	assert.Equal(t, []string{
		"only-in-rewritten home",
		"only-in-rewritten home/app",
		"only-in-rewritten var/lib/dpkg",
		"only-in-rewritten var/log",
	}, kinds(c))
	assert.Equal(t, map[string]int{
		"var/lib/apt/lists/**": 1,
		"var/cache/**":         1,
		"root/.npm/**":         2,
		"**/__pycache__/**":    1,
		"tmp/**":               2,
		"var/lib/dpkg/*-old":   1,
		"var/log/**":           2,
		"home/*/.cache":        1, // the cache folder itself may be missing
		"home/*/.cache/**":     2,
	}, c.IgnoredDiffering)

	// With the folders on both sides, the trees are equivalent.
	for _, d := range []string{"home/app/.cache", "var/lib/dpkg", "var/log"} {
		require.NoError(t, os.MkdirAll(filepath.Join(a, d), 0o755))
	}
	c = compareDirs(t, a, b)
	assert.True(t, c.Equivalent(), "%v", kinds(c))

	// An extra pattern hides more; without it the difference shows.
	require.NoError(t, os.WriteFile(filepath.Join(b, "app", "build-id"), []byte("1"), 0o644))
	assert.Equal(t, []string{"only-in-rewritten app/build-id"}, kinds(compareDirs(t, a, b)))
	assert.True(t, compareDirs(t, a, b, "app/build-id").Equivalent())
}

// TestCompareOwners uses synthetic trees: changing owners on disk needs root.
func TestCompareOwners(t *testing.T) {
	mk := func(uid, gid uint32, content string) *Tree {
		return &Tree{Entries: map[string]*Entry{
			"home/app":        {Path: "home/app", Type: TypeDir, Mode: 0o755, UID: uid, GID: gid},
			"home/app/run.sh": {Path: "home/app/run.sh", Type: TypeFile, Mode: 0o755 | fs.ModeSetuid, UID: uid, GID: gid, Size: int64(len(content)), content: []byte(content)},
		}}
	}
	l, err := NewIgnoreList()
	require.NoError(t, err)
	c, err := Compare(mk(1000, 1000, "a"), mk(1000, 1000, "a"), l)
	require.NoError(t, err)
	assert.True(t, c.Equivalent())
	assert.Equal(t, 2, c.Compared)

	c, err = Compare(mk(1000, 1000, "a"), mk(0, 0, "b"), l)
	require.NoError(t, err)
	assert.Equal(t, []string{"owner home/app", "owner home/app/run.sh", "content home/app/run.sh"}, kinds(c))
	assert.Equal(t, "1000:1000", c.Differences[0].Original)
	assert.Equal(t, "0:0", c.Differences[0].Rewritten)

	b := mk(1000, 1000, "a")
	b.Entries["home/app/run.sh"].Mode = 0o755
	c, err = Compare(mk(1000, 1000, "a"), b, l)
	require.NoError(t, err)
	require.Equal(t, []string{"mode home/app/run.sh"}, kinds(c))
	assert.Equal(t, "04755", c.Differences[0].Original)
	assert.Equal(t, "0755", c.Differences[0].Rewritten)
}

func TestSize(t *testing.T) {
	root := makeTree(t, fsSpec{"a": "12345", "d/b": "123", "l": "->a"}, nil)
	require.NoError(t, os.Link(filepath.Join(root, "a"), filepath.Join(root, "hard")))
	tr, err := Scan(root)
	require.NoError(t, err)
	assert.Equal(t, int64(8), tr.Size()) // the hard link counts once
	assert.Equal(t, []string{"a", "d", "d/b", "hard", "l"}, tr.Paths())
	assert.Equal(t, TypeSymlink, tr.Entries["l"].Type)
	assert.Equal(t, "a", tr.Entries["l"].Link)
}

func TestScanTar(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if h.Typeflag != tar.TypeReg {
			h.Size = 0
		}
		require.NoError(t, tw.WriteHeader(h))
		if h.Size > 0 {
			_, err := tw.Write([]byte(body))
			require.NoError(t, err)
		}
	}
	add(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "usr/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "usr/bin/", Typeflag: tar.TypeDir, Mode: 0o755}, "")
	add(&tar.Header{Name: "usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755, Uid: 0, Gid: 0}, "ELF-su")
	add(&tar.Header{Name: "usr/bin/su2", Typeflag: tar.TypeLink, Linkname: "usr/bin/su"}, "")
	add(&tar.Header{Name: "usr/bin/sh", Typeflag: tar.TypeSymlink, Linkname: "dash", Mode: 0o777}, "")
	add(&tar.Header{Name: "home/app/", Typeflag: tar.TypeDir, Mode: 0o750, Uid: 1000, Gid: 1000}, "")
	add(&tar.Header{Name: "tmp/", Typeflag: tar.TypeDir, Mode: 0o1777}, "")
	require.NoError(t, tw.Close())
	buf.WriteString("trailing bytes after the archive are drained")

	tr, err := ScanTar(&buf)
	require.NoError(t, err)
	assert.Equal(t, 0, buf.Len(), "ScanTar reads its input to the end")
	assert.Equal(t, []string{"home/app", "tmp", "usr", "usr/bin", "usr/bin/sh", "usr/bin/su", "usr/bin/su2"}, tr.Paths())
	su := tr.Entries["usr/bin/su"]
	assert.Equal(t, TypeFile, su.Type)
	assert.Equal(t, "04755", fmtMode(su))
	assert.Equal(t, su.hash, tr.Entries["usr/bin/su2"].hash)
	assert.Equal(t, int64(6), tr.Size(), "a hard link counts once")
	assert.Equal(t, "dash", tr.Entries["usr/bin/sh"].Link)
	assert.Equal(t, uint32(1000), tr.Entries["home/app"].UID)
	assert.Equal(t, "01777", fmtMode(tr.Entries["tmp"]))

	// Digests compare contents.
	other, err := ScanTar(bytes.NewReader(func() []byte {
		var b bytes.Buffer
		w := tar.NewWriter(&b)
		require.NoError(t, w.WriteHeader(&tar.Header{Name: "usr/bin/su", Typeflag: tar.TypeReg, Mode: 0o4755, Size: 6}))
		_, _ = w.Write([]byte("ELF-sU"))
		require.NoError(t, w.Close())
		return b.Bytes()
	}()))
	require.NoError(t, err)
	l, _ := NewIgnoreList()
	c, err := Compare(&Tree{Entries: map[string]*Entry{"usr/bin/su": su}}, other, l)
	require.NoError(t, err)
	assert.Equal(t, []string{"content usr/bin/su"}, kinds(c))

	_, err = ScanTar(strings.NewReader("not a tar stream at all, and long enough to need a header block"))
	assert.Error(t, err)
}
