package ast

import (
	"math/rand"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
)

// offsets answers as the list of every byte's offset it replaces, for
// pieces that continue one another or not, bytes at one place, ranges of
// another mapping and moves.
func TestOffsets(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 200; round++ {
		var o offsets
		var want []int
		src := rng.Intn(50)
		for p := rng.Intn(8); p >= 0; p-- {
			n := rng.Intn(6)
			switch rng.Intn(4) {
			case 0: // bytes that all stand at one place
				o.addFixed(src, n)
				for range n {
					want = append(want, src)
				}
			case 1: // a range of another mapping, moved
				var other offsets
				other.add(src, 4)
				other.addFixed(src+9, 2)
				other.add(src+4, 3)
				other = other.moved(7)
				from := rng.Intn(9)
				to := from + rng.Intn(10-from)
				o.appendRange(other, from, to)
				want = append(want, other.all()[from:to]...)
			default: // a piece, often where the last one ended
				if rng.Intn(2) == 0 {
					src += rng.Intn(5) + 1
				}
				o.add(src, n)
				for i := range n {
					want = append(want, src+i)
				}
				src += n
			}
		}
		require.Equal(t, len(want), o.len())
		if len(want) == 0 {
			continue
		}
		require.Equal(t, want, o.all())
		d := rng.Intn(100) - 50
		m := o.moved(d)
		for i, w := range want {
			require.Equal(t, w+d, m.at(i))
		}
		require.Equal(t, want, o.all(), "moving a copy leaves the original")
	}
}

// run finds the same run by a scan (few runs) as by the search (many).
func TestOffsetsRun(t *testing.T) {
	for k := 0; k <= 20; k++ {
		var o offsets
		for r := 0; r < k; r++ {
			o.add(100*r, r%3+1) // never consecutive: one run each
		}
		require.Len(t, o.runs, k)
		for i := -1; i <= o.len()+2; i++ {
			want := max(sort.Search(len(o.runs), func(j int) bool { return o.runs[j].at > i })-1, 0)
			require.Equal(t, want, o.run(i), "%d runs, byte %d", k, i)
		}
	}
}
