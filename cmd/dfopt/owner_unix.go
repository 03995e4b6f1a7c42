//go:build unix

package main

import (
	"os"
	"syscall"
)

// keepOwner gives a replacement file the owner and group of the file it
// replaces, when dfopt runs as root (a user's file stays theirs); others
// cannot give files away, and their new file is theirs already.
func keepOwner(f *os.File, old os.FileInfo) error {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok || os.Geteuid() != 0 {
		return nil
	}
	return f.Chown(int(st.Uid), int(st.Gid))
}

// links is the number of hard links of a file (1 when unknown).
func links(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}
