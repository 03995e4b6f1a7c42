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

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// isManifest reports whether a context file is a dependency manifest
// (pkg/transform's tables know which).
func isManifest(rel string) bool { return cacheplan.IsDependencyManifest(rel) }

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

// chooseFiles picks the context files the measurements change: a source
// file and a dependency manifest that the original build reads (a COPY, an
// ADD or a bind mount of a stage the target needs; the ignore file and
// --exclude applied). A file no step reads would measure nothing. The
// notes say what is not measured, and why.
func chooseFiles(o Options, p *plan) (codeFile, manifest string, notes []string) {
	read, known := p.contextReads()
	if !known {
		if o.CodeFile == "" || o.Manifest == "" {
			notes = append(notes, "the original Dockerfile could not be modelled: no file chosen for the measurements")
		}
		return o.CodeFile, o.Manifest, notes
	}
	isRead := map[string]bool{}
	for _, f := range read {
		isRead[f] = true
	}
	codeFile, manifest = o.CodeFile, o.Manifest
	for _, given := range []struct{ flag, file string }{{"--code-file", o.CodeFile}, {"--manifest", o.Manifest}} {
		if given.file != "" && !isRead[transform.Clean(given.file)] {
			notes = append(notes, fmt.Sprintf("%s %s: no COPY, ADD or bind mount of the built stages reads it, so the rebuild shows nothing", given.flag, given.file))
		}
	}
	if codeFile == "" {
		if codeFile = pickCodeFile(read); codeFile == "" {
			notes = append(notes, "no COPY, ADD or bind mount of the built stages reads a source file from the context: no code-only change to measure")
		}
	}
	if manifest == "" {
		if manifest = pickManifest(read); manifest == "" {
			notes = append(notes, "no COPY, ADD or bind mount of the built stages reads a dependency manifest: no dependency change to measure")
		}
	}
	return codeFile, manifest, notes
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
// kind people edit first (transform.DependencyManifests' order), nearest
// the context root.
func pickManifest(files []string) string {
	order := cacheplan.DependencyManifests()
	best, bestRank := "", 0
	for _, f := range files {
		if !isManifest(f) {
			continue
		}
		rank := len(order)
		for i, m := range order {
			if path.Base(f) == m {
				rank = i
				break
			}
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
