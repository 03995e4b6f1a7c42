//go:build linux || darwin

package main

import (
	"io/fs"
	"syscall"
)

// readRegular reads a file that was a regular file when the search found
// it, in four system calls: open, fstat, one read, close (readFile takes
// ten: a stat, then os.Open
// registers the file with the runtime's poller, four fcntl and an
// epoll_ctl). The open does not block: O_NONBLOCK, should a FIFO have
// taken the file's place since, and fstat then refuses anything but a
// regular file, as readFile's stat does. An open that fails is left to
// readFile, so that the error is the one it gives.
func readRegular(path string) ([]byte, error) {
	fd, err := openNonblock(path)
	if err != nil {
		return readFile(path)
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		return readFile(path)
	}
	if uint32(st.Mode)&syscall.S_IFMT != syscall.S_IFREG {
		return nil, errNotRegular
	}
	// Room for the whole file and one byte more: the read that returns 0
	// (or shows a file that grew) needs no second buffer.
	buf := make([]byte, 0, min(max(st.Size, 0), maxFileSize)+1)
	for len(buf) <= maxFileSize {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // the file grew: more room
		}
		room := buf[len(buf):min(cap(buf), maxFileSize+1)]
		n, err := syscall.Read(fd, room)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return nil, &fs.PathError{Op: "read", Path: path, Err: err}
		case n == 0:
			return buf, nil
		}
		buf = buf[:len(buf)+n]
		if n < len(room) && int64(len(buf)) == st.Size {
			// A read of a regular file that gives less than it was
			// asked for has reached the end; and this one holds every
			// byte fstat counted (a read cut short by a signal would
			// not): no read for the end of file.
			return buf, nil
		}
	}
	return buf, nil
}

func openNonblock(path string) (int, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK|syscall.O_NOCTTY, 0)
		if err != syscall.EINTR {
			return fd, err
		}
	}
}
