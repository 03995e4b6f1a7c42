package verify

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sort"
)

// Difference kinds.
const (
	DiffOnlyOriginal  = "only-in-original"
	DiffOnlyRewritten = "only-in-rewritten"
	DiffType          = "type"
	DiffMode          = "mode"
	DiffOwner         = "owner"
	DiffLink          = "symlink-target"
	DiffContent       = "content"
)

// Difference is one path that is not the same in both filesystems.
type Difference struct {
	Path      string `json:"path"`
	Kind      string `json:"kind"`
	Original  string `json:"original,omitempty"`
	Rewritten string `json:"rewritten,omitempty"`
}

func (d Difference) String() string {
	switch d.Kind {
	case DiffOnlyOriginal:
		return fmt.Sprintf("- /%s (only in the original image)", d.Path)
	case DiffOnlyRewritten:
		return fmt.Sprintf("+ /%s (only in the rewritten image)", d.Path)
	case DiffContent:
		return fmt.Sprintf("~ /%s: content differs (%s → %s)", d.Path, d.Original, d.Rewritten)
	default:
		return fmt.Sprintf("~ /%s: %s %s → %s", d.Path, d.Kind, d.Original, d.Rewritten)
	}
}

// Comparison is the result of comparing two filesystems.
type Comparison struct {
	Compared    int          `json:"compared"` // paths compared
	Ignored     int          `json:"ignored"`  // paths skipped by the ignore list
	Differences []Difference `json:"differences"`
	// IgnoredDiffering counts, per ignore pattern, the paths it covered
	// that exist in only one image or differ: what the list hid.
	IgnoredDiffering map[string]int `json:"ignoredDiffering,omitempty"`
}

// Equivalent reports whether the filesystems are the same outside the
// ignore list.
func (c *Comparison) Equivalent() bool { return len(c.Differences) == 0 }

// Compare compares two scanned filesystems: the same paths, types, modes,
// owners, symlink targets and file contents, except for the paths that
// ign matches. Modification times are never compared.
func Compare(orig, rewr *Tree, ign *IgnoreList) (*Comparison, error) {
	c := &Comparison{Differences: []Difference{}}
	paths := map[string]bool{}
	for p := range orig.Entries {
		paths[p] = true
	}
	for p := range rewr.Entries {
		paths[p] = true
	}
	sorted := make([]string, 0, len(paths))
	for p := range paths {
		sorted = append(sorted, p)
	}
	sort.Strings(sorted)
	for _, p := range sorted {
		a, b := orig.Entries[p], rewr.Entries[p]
		var diffs []Difference
		switch {
		case a == nil:
			diffs = []Difference{{Path: p, Kind: DiffOnlyRewritten, Rewritten: string(b.Type)}}
		case b == nil:
			diffs = []Difference{{Path: p, Kind: DiffOnlyOriginal, Original: string(a.Type)}}
		default:
			var err error
			if diffs, err = compareEntries(a, b); err != nil {
				return nil, err
			}
		}
		if r := ign.Match(p); r != nil {
			c.Ignored++
			if len(diffs) > 0 {
				if c.IgnoredDiffering == nil {
					c.IgnoredDiffering = map[string]int{}
				}
				c.IgnoredDiffering[r.Pattern]++
			}
			continue
		}
		c.Compared++
		c.Differences = append(c.Differences, diffs...)
	}
	return c, nil
}

// compareEntries compares two entries of the same path; content last and
// only when everything else matches.
func compareEntries(a, b *Entry) ([]Difference, error) {
	if a.Type != b.Type {
		return []Difference{{Path: a.Path, Kind: DiffType, Original: string(a.Type), Rewritten: string(b.Type)}}, nil
	}
	var out []Difference
	if a.Mode != b.Mode {
		out = append(out, Difference{Path: a.Path, Kind: DiffMode, Original: fmtMode(a), Rewritten: fmtMode(b)})
	}
	if a.UID != b.UID || a.GID != b.GID {
		out = append(out, Difference{Path: a.Path, Kind: DiffOwner,
			Original: fmt.Sprintf("%d:%d", a.UID, a.GID), Rewritten: fmt.Sprintf("%d:%d", b.UID, b.GID)})
	}
	switch a.Type {
	case TypeSymlink:
		if a.Link != b.Link {
			out = append(out, Difference{Path: a.Path, Kind: DiffLink, Original: a.Link, Rewritten: b.Link})
		}
	case TypeFile:
		same := a.Size == b.Size
		if same {
			var err error
			if same, err = sameContent(a, b); err != nil {
				return nil, err
			}
		}
		if !same {
			out = append(out, Difference{Path: a.Path, Kind: DiffContent,
				Original: fmt.Sprintf("%d bytes", a.Size), Rewritten: fmt.Sprintf("%d bytes", b.Size)})
		}
	}
	return out, nil
}

func fmtMode(e *Entry) string { return fmt.Sprintf("%#o", uint32(e.Mode.Perm())|specialBits(e)) }

func specialBits(e *Entry) uint32 {
	var m uint32
	if e.Mode&os.ModeSetuid != 0 {
		m |= 0o4000
	}
	if e.Mode&os.ModeSetgid != 0 {
		m |= 0o2000
	}
	if e.Mode&os.ModeSticky != 0 {
		m |= 0o1000
	}
	return m
}

func openContent(e *Entry) (io.ReadCloser, error) {
	if e.abs == "" && e.hash != nil {
		return nil, fmt.Errorf("/%s: only a digest of its content is known", e.Path)
	}
	if e.abs == "" {
		return io.NopCloser(bytes.NewReader(e.content)), nil
	}
	return os.Open(e.abs)
}

// sameContent compares two files of equal size: by digest when both have
// one, else byte by byte.
func sameContent(a, b *Entry) (bool, error) {
	if a.hash != nil && b.hash != nil {
		return bytes.Equal(a.hash, b.hash), nil
	}
	fa, err := openContent(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := openContent(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	bufA := make([]byte, 64<<10)
	bufB := make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(fa, bufA)
		nb, errB := io.ReadFull(fb, bufB)
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		if errA != nil && !endA {
			return false, errA
		}
		if errB != nil && !endB {
			return false, errB
		}
		if endA || endB {
			return endA == endB, nil
		}
	}
}
