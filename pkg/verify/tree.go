package verify

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// FileType is the kind of a filesystem entry.
type FileType string

// File types as the comparison reports them.
const (
	TypeFile    FileType = "file"
	TypeDir     FileType = "dir"
	TypeSymlink FileType = "symlink"
	TypeChar    FileType = "char-device"
	TypeBlock   FileType = "block-device"
	TypeFIFO    FileType = "fifo"
	TypeSocket  FileType = "socket"
)

// Entry is one path of an exported image filesystem.
type Entry struct {
	Path string      // slash path relative to the root, no leading slash
	Type FileType    //
	Mode fs.FileMode // permission bits plus setuid, setgid and sticky
	UID  uint32
	GID  uint32
	Size int64  // regular files
	Link string // symlink target

	abs    string // the file on disk, for content comparison
	hash   []byte // SHA-256 of the content (trees read from a tar stream)
	linkOf string // a hard link: the path it links to (tar streams)
	inode  uint64 // hard links share it (trees scanned on disk)
	dev    uint64
	// content is used instead of the file on disk when abs is empty
	// (trees built in tests).
	content []byte
}

// Tree is a scanned filesystem.
type Tree struct {
	Root    string
	Entries map[string]*Entry
}

// Paths returns the tree's paths in sorted order.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.Entries))
	for p := range t.Entries {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Size is the number of bytes of the tree's regular files, hard links
// counted once.
func (t *Tree) Size() int64 {
	var n int64
	type key struct{ dev, ino uint64 }
	seen := map[key]bool{}
	for _, e := range t.Entries {
		if e.Type != TypeFile || e.linkOf != "" {
			continue
		}
		if e.inode != 0 {
			k := key{e.dev, e.inode}
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		n += e.Size
	}
	return n
}

// Scan walks root and records every entry below it (root itself is not
// an entry).
func Scan(root string) (*Tree, error) {
	t := &Tree{Root: root, Entries: map[string]*Entry{}}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == root {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := &Entry{Path: filepath.ToSlash(rel), abs: p}
		fillEntry(e, fi)
		if e.Type == TypeSymlink {
			if e.Link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		t.Entries[e.Path] = e
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scanning %s: %w", root, err)
	}
	return t, nil
}

func fillEntry(e *Entry, fi fs.FileInfo) {
	m := fi.Mode()
	switch {
	case m.IsRegular():
		e.Type = TypeFile
		e.Size = fi.Size()
	case m.IsDir():
		e.Type = TypeDir
	case m&fs.ModeSymlink != 0:
		e.Type = TypeSymlink
	case m&fs.ModeCharDevice != 0:
		e.Type = TypeChar
	case m&fs.ModeDevice != 0:
		e.Type = TypeBlock
	case m&fs.ModeNamedPipe != 0:
		e.Type = TypeFIFO
	case m&fs.ModeSocket != 0:
		e.Type = TypeSocket
	}
	e.Mode = m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	if e.Type == TypeSymlink {
		e.Mode = 0 // a symlink's own mode means nothing on Linux
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		e.UID, e.GID = st.Uid, st.Gid
		e.inode, e.dev = st.Ino, uint64(st.Dev)
	}
}

// ScanTar reads a tar stream of a filesystem (what BuildKit's tar
// exporter sends) into a tree. File contents are kept as SHA-256 digests.
// It reads r to its end.
func ScanTar(r io.Reader) (*Tree, error) {
	t := &Tree{Entries: map[string]*Entry{}}
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading the exported filesystem: %w", err)
		}
		p := cleanTarPath(hdr.Name)
		if p == "" {
			continue
		}
		e := &Entry{Path: p, UID: uint32(hdr.Uid), GID: uint32(hdr.Gid)}
		m := hdr.FileInfo().Mode()
		e.Mode = m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		switch hdr.Typeflag {
		case tar.TypeReg:
			e.Type, e.Size = TypeFile, hdr.Size
			h := sha256.New()
			if _, err := io.Copy(h, tr); err != nil {
				return nil, fmt.Errorf("reading /%s: %w", p, err)
			}
			e.hash = h.Sum(nil)
		case tar.TypeLink:
			target := t.Entries[cleanTarPath(hdr.Linkname)]
			if target == nil || target.Type != TypeFile {
				return nil, fmt.Errorf("/%s: hard link to %s, which is not a file before it", p, hdr.Linkname)
			}
			// A hard link is the same file: same content, mode, owner.
			e.Type, e.Size, e.hash, e.Mode, e.UID, e.GID = TypeFile, target.Size, target.hash, target.Mode, target.UID, target.GID
			e.linkOf = target.Path
		case tar.TypeDir:
			e.Type = TypeDir
		case tar.TypeSymlink:
			e.Type, e.Link, e.Mode = TypeSymlink, hdr.Linkname, 0
		case tar.TypeChar:
			e.Type = TypeChar
		case tar.TypeBlock:
			e.Type = TypeBlock
		case tar.TypeFifo:
			e.Type = TypeFIFO
		default:
			continue // pax headers and the like carry no entry
		}
		t.Entries[p] = e
	}
	// Drain what follows the end-of-archive marker, so the writer finishes.
	_, _ = io.Copy(io.Discard, r)
	return t, nil
}

func cleanTarPath(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}
