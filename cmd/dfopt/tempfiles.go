package main

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// tempFiles are the temporary files being written: an interrupted run
// removes them, so that no `.Dockerfile.dfopt-NNN` is left for a later
// `COPY . .` to put in an image.
type tempFiles struct {
	mu    sync.Mutex
	paths map[string]bool
}

var temps = &tempFiles{paths: map[string]bool{}}

func (t *tempFiles) add(p string) {
	t.mu.Lock()
	t.paths[p] = true
	t.mu.Unlock()
}

func (t *tempFiles) remove(p string) {
	t.mu.Lock()
	delete(t.paths, p)
	t.mu.Unlock()
}

// removeAll deletes every temporary file still registered; it keeps the
// lock, so no new one is started after it.
func (t *tempFiles) removeAll() {
	t.mu.Lock()
	for p := range t.paths {
		os.Remove(p)
	}
	t.paths = map[string]bool{}
}

// cleanupOnSignal removes the temporary files on SIGINT or SIGTERM, then
// exits as the signal would (128 + its number). The returned function
// stops watching.
func cleanupOnSignal() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	quit := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			temps.removeAll()
			code := 130
			if sig == syscall.SIGTERM {
				code = 143
			}
			os.Exit(code)
		case <-quit:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(quit)
	}
}
