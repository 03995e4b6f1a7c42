package verify

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// manifests are the dependency manifests verify knows, in the order it
// prefers them for the dependency-change measurement. Lock files count as
// manifests (a code-only change must not touch them) but are not
// preferred: the manifest is what a person edits.
var manifests = []string{
	"package.json", "go.mod", "requirements.txt", "pyproject.toml", "Pipfile", "setup.py", "setup.cfg",
	"Gemfile", "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts", "composer.json", "mix.exs",
	"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb", "go.sum",
	"Pipfile.lock", "poetry.lock", "uv.lock", "Gemfile.lock", "Cargo.lock", "composer.lock", "mix.lock",
	"gradle.lockfile",
}

// isManifest reports whether a context file is a dependency manifest.
func isManifest(rel string) bool {
	base := path.Base(rel)
	for _, m := range manifests {
		if base == m {
			return true
		}
	}
	return (strings.HasPrefix(base, "requirements") && strings.HasSuffix(base, ".txt")) ||
		strings.HasSuffix(base, ".csproj") || strings.HasSuffix(base, ".gemspec")
}

// sourceExt are file name endings that mark source code: preferred for
// the code-only change.
var sourceExt = []string{
	".go", ".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx", ".py", ".rb", ".rs", ".java", ".kt", ".scala",
	".c", ".cc", ".cpp", ".h", ".hpp", ".cs", ".php", ".ex", ".exs", ".swift", ".sh", ".html", ".css",
}

func isDockerfileName(base string) bool {
	l := strings.ToLower(base)
	return l == "dockerfile" || strings.HasPrefix(l, "dockerfile.") || strings.HasSuffix(l, ".dockerfile") ||
		strings.HasSuffix(l, ".dockerignore") || l == ".dockerignore" || l == "containerfile"
}

// contextFiles lists the regular files of a context folder that a build
// can see (its ignore file applied), as slash paths.
func contextFiles(dir, dockerfile string) ([]string, error) {
	var pm *patternmatcher.PatternMatcher
	candidates := []string{filepath.Join(dir, ".dockerignore")}
	if dockerfile != "" {
		candidates = append([]string{dockerfile + ".dockerignore"}, candidates...)
	}
	for _, f := range candidates {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pats, err := ignorefile.ReadAll(strings.NewReader(string(data)))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		if pm, err = patternmatcher.New(pats); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		break
	}
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		if pm != nil {
			if ok, _ := pm.MatchesOrParentMatches(rel); ok {
				if d.IsDir() && !pm.Exclusions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.Type().IsRegular() {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// pickCodeFile chooses the file a code-only change modifies: a source file
// that is not a manifest, a Dockerfile or an ignore file, preferring
// source-code endings, then files near the context root, then by name.
func pickCodeFile(files []string) string {
	type cand struct {
		rel   string
		score int
	}
	var cs []cand
	for _, f := range files {
		base := path.Base(f)
		if isManifest(f) || isDockerfileName(base) {
			continue
		}
		score := 100 * strings.Count(f, "/")
		if strings.HasPrefix(base, ".") || strings.Contains(f, "/.") {
			score += 10000
		}
		src := false
		for _, e := range sourceExt {
			if strings.HasSuffix(base, e) {
				src = true
			}
		}
		if !src {
			score += 1000
		}
		cs = append(cs, cand{f, score})
	}
	if len(cs) == 0 {
		return ""
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].score != cs[j].score {
			return cs[i].score < cs[j].score
		}
		return cs[i].rel < cs[j].rel
	})
	return cs[0].rel
}

// pickManifest chooses the manifest a dependency change touches: the
// preferred kind nearest the context root.
func pickManifest(files []string) string {
	best, bestRank := "", 0
	for _, f := range files {
		rank := -1
		for i, m := range manifests {
			if path.Base(f) == m {
				rank = i
			}
		}
		if rank < 0 {
			if !isManifest(f) {
				continue
			}
			rank = len(manifests)
		}
		rank += 1000 * strings.Count(f, "/")
		if best == "" || rank < bestRank || (rank == bestRank && f < best) {
			best, bestRank = f, rank
		}
	}
	return best
}

// whitespaceMarker returns a blank line unique to this call: a line
// break, then 32 spaces and tabs that spell random bits, then a line break.
// Appended to a file it changes the content (and so the cache keys of
// every step that reads the file) without changing its meaning in any
// language or manifest format verify knows, and it differs from every
// earlier run: a daemon that kept its cache from an earlier verify of the
// same files must not find the "changed" file already built.
func whitespaceMarker() string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on Linux
	}
	bits := binary.BigEndian.Uint32(b[:])
	var sb strings.Builder
	sb.WriteByte('\n')
	for i := 0; i < 32; i++ {
		if bits&(1<<i) != 0 {
			sb.WriteByte('\t')
		} else {
			sb.WriteByte(' ')
		}
	}
	sb.WriteByte('\n')
	return sb.String()
}

// appendText appends text to a file.
func appendText(file, text string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyTree copies a folder: files, folders, symlinks, modes, and owners
// where the process may set them.
func copyTree(src, dst string) error {
	var dirs []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := os.MkdirAll(target, 0o700); err != nil {
				return err
			}
			dirs = append(dirs, p)
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(l, target); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			if err := copyFile(p, target, fi.Mode()); err != nil {
				return err
			}
		default:
			return nil // sockets, devices: not build input
		}
		chownLike(target, fi)
		return nil
	})
	if err != nil {
		return err
	}
	// Folder modes last: a read-only folder must be filled first.
	for _, p := range dirs {
		rel, _ := filepath.Rel(src, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		if err := os.Chmod(filepath.Join(dst, rel), fi.Mode()&(fs.ModePerm|fs.ModeSetgid|fs.ModeSticky)); err != nil {
			return err
		}
	}
	return nil
}

// chownLike gives target the owner of fi, when the process may.
func chownLike(target string, fi fs.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 {
		_ = os.Lchown(target, int(st.Uid), int(st.Gid))
	}
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
}
