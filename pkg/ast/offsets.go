package ast

import "sort"

// offsets maps each byte of a text assembled from pieces of Src — an
// instruction's logical line, a shell script — to its offset in Src. It
// holds one run per piece (bytes consecutive in Src, or bytes that all
// stand at one place), not one entry per byte, and a base added to every
// offset, so that the text moving in Src is a change of base: its size
// follows the number of lines, and moving it costs nothing.
type offsets struct {
	runs []offRun // by at
	n    int      // the bytes mapped
	base int
}

// offRun maps the bytes from at on to src, src+1, …, or all of them to
// src when fixed.
type offRun struct {
	at, src int
	fixed   bool
}

// add maps the next n bytes to src, src+1, …; it is called while the
// text is assembled (base 0).
func (o *offsets) add(src, n int) {
	if n <= 0 {
		return
	}
	if k := len(o.runs) - 1; k >= 0 && !o.runs[k].fixed && o.runs[k].src+o.n-o.runs[k].at == src {
		o.n += n
		return
	}
	o.runs = append(o.runs, offRun{at: o.n, src: src})
	o.n += n
}

// addFixed maps the next n bytes all to src.
func (o *offsets) addFixed(src, n int) {
	if n > 0 {
		o.runs = append(o.runs, offRun{at: o.n, src: src, fixed: true})
		o.n += n
	}
}

// appendRange maps the next bytes as other maps its bytes [from, to).
func (o *offsets) appendRange(other offsets, from, to int) {
	for i := from; i < to; {
		k := other.run(i)
		r := other.runs[k]
		end := to
		if k+1 < len(other.runs) && other.runs[k+1].at < end {
			end = other.runs[k+1].at
		}
		if r.fixed {
			o.addFixed(other.base+r.src, end-i)
		} else {
			o.add(other.base+r.src+i-r.at, end-i)
		}
		i = end
	}
}

// run is the index of the run that holds byte i.
func (o offsets) run(i int) int {
	if len(o.runs) <= 8 {
		// Most texts have a few runs (one per line): the same answer
		// as the search, read in order.
		k := 0
		for k < len(o.runs) && o.runs[k].at <= i {
			k++
		}
		return max(k-1, 0)
	}
	return max(sort.Search(len(o.runs), func(k int) bool { return o.runs[k].at > i })-1, 0)
}

// at is the Src offset of byte i; past the last byte, the last run goes
// on.
func (o offsets) at(i int) int {
	r := o.runs[o.run(i)]
	if r.fixed {
		return o.base + r.src
	}
	return o.base + r.src + i - r.at
}

func (o offsets) len() int { return o.n }

// moved is the same text delta bytes further in Src.
func (o offsets) moved(delta int) offsets {
	o.base += delta
	return o
}

// all lists the offset of every byte, for comparisons.
func (o offsets) all() []int {
	out := make([]int, o.n)
	for i := range out {
		out[i] = o.at(i)
	}
	return out
}
