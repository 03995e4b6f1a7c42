package main

import "sync"

// ordered runs work on n workers over the values read from in and calls
// done with the results in input order, each as soon as it and every
// result before it are ready. At most window values are being worked on
// or waiting for an earlier one at any time, so memory stays bounded
// however many values come in; done runs on the calling goroutine only.
func ordered[T, R any](in <-chan T, n, window int, work func(T) R, done func(R)) {
	n = max(n, 1)
	window = max(window, n)
	type task struct {
		seq int
		v   T
	}
	type result struct {
		seq int
		r   R
	}
	tasks := make(chan task)
	results := make(chan result, window)
	slots := make(chan struct{}, window) // a slot is freed when its result is done
	go func() {
		seq := 0
		for v := range in {
			slots <- struct{}{}
			tasks <- task{seq, v}
			seq++
		}
		close(tasks)
	}()
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				results <- result{t.seq, work(t.v)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()
	waiting := make(map[int]R, window)
	next := 0
	for res := range results {
		waiting[res.seq] = res.r
		for {
			r, ok := waiting[next]
			if !ok {
				break
			}
			delete(waiting, next)
			done(r)
			<-slots
			next++
		}
	}
}
