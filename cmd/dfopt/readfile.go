package main

import (
	"errors"
	"io"
	"os"
)

// errNotRegular is the error for a path that is not a regular file.
var errNotRegular = errors.New("not a regular file")

// readFile reads a file named by the user, up to maxFileSize+1 bytes.
// It stats the path first: opening a FIFO would block, and opening a
// device may do something.
func readFile(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, cleanPathErr(err)
	}
	if !st.Mode().IsRegular() {
		return nil, errNotRegular
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, cleanPathErr(err)
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxFileSize+1))
}

// readFound reads a file the search found: regular says it was a regular
// file then (its folder's listing, or a stat of the argument), so it is
// opened without a stat first (readRegular); otherwise readFile. Both give
// the same bytes and the same errors.
func readFound(path string, regular bool) ([]byte, error) {
	if regular {
		return readRegular(path)
	}
	return readFile(path)
}
