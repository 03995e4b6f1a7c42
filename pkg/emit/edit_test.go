package emit

import (
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		src   string
		edits []Edit
		want  string
	}{
		{name: "nil edits", src: "FROM alpine\n", edits: nil, want: "FROM alpine\n"},
		{name: "empty edit list", src: "FROM alpine\n", edits: []Edit{}, want: "FROM alpine\n"},
		{name: "empty src no edits", src: "", edits: nil, want: ""},
		{name: "insert into empty src", src: "", edits: []Edit{{Start: 0, End: 0, New: "FROM scratch\n"}}, want: "FROM scratch\n"},
		{name: "insert at start", src: "bcd", edits: []Edit{{Start: 0, End: 0, New: "a"}}, want: "abcd"},
		{name: "insert at end", src: "abc", edits: []Edit{{Start: 3, End: 3, New: "d"}}, want: "abcd"},
		{name: "insert in middle", src: "abde", edits: []Edit{{Start: 2, End: 2, New: "c"}}, want: "abcde"},
		{name: "empty insertion is a no-op", src: "abc", edits: []Edit{{Start: 1, End: 1, New: ""}}, want: "abc"},
		{name: "replace", src: "FROM alpine:3.18\n", edits: []Edit{{Start: 12, End: 16, New: "3.20"}}, want: "FROM alpine:3.20\n"},
		{name: "replace whole", src: "abc", edits: []Edit{{Start: 0, End: 3, New: "xyz!"}}, want: "xyz!"},
		{name: "replace with longer", src: "a-c", edits: []Edit{{Start: 1, End: 2, New: "BBBB"}}, want: "aBBBBc"},
		{name: "delete", src: "RUN a && b\n", edits: []Edit{{Start: 5, End: 10, New: ""}}, want: "RUN a\n"},
		{name: "delete everything", src: "abc", edits: []Edit{{Start: 0, End: 3, New: ""}}, want: ""},
		{
			name:  "several edits given out of order",
			src:   "0123456789",
			edits: []Edit{{Start: 8, End: 9, New: "H"}, {Start: 0, End: 1, New: "A"}, {Start: 4, End: 6, New: ""}, {Start: 2, End: 2, New: "+"}},
			want:  "A1+2367H9",
		},
		{
			name:  "adjacent replacements",
			src:   "aabbcc",
			edits: []Edit{{Start: 2, End: 4, New: "BB"}, {Start: 0, End: 2, New: "AA"}, {Start: 4, End: 6, New: "CC"}},
			want:  "AABBCC",
		},
		{
			name:  "several insertions at one offset keep their order",
			src:   "ab",
			edits: []Edit{{Start: 1, End: 1, New: "1"}, {Start: 1, End: 1, New: "2"}, {Start: 1, End: 1, New: "3"}},
			want:  "a123b",
		},
		{
			name:  "insertions at one offset keep order when mixed with other edits",
			src:   "abc",
			edits: []Edit{{Start: 2, End: 2, New: "x"}, {Start: 0, End: 1, New: "A"}, {Start: 2, End: 2, New: "y"}, {Start: 1, End: 1, New: "m"}, {Start: 2, End: 2, New: "z"}},
			want:  "Ambxyzc",
		},
		{
			name:  "insertion at start of replacement goes before it",
			src:   "abcd",
			edits: []Edit{{Start: 1, End: 3, New: "X"}, {Start: 1, End: 1, New: "i"}},
			want:  "aiXd",
		},
		{
			name:  "insertion at end of replacement goes after it",
			src:   "abcd",
			edits: []Edit{{Start: 3, End: 3, New: "e"}, {Start: 1, End: 3, New: "X"}},
			want:  "aXed",
		},
		{
			name:  "insertions at both ends of a replacement",
			src:   "abcd",
			edits: []Edit{{Start: 3, End: 3, New: "e1"}, {Start: 1, End: 3, New: "X"}, {Start: 1, End: 1, New: "s1"}, {Start: 3, End: 3, New: "e2"}, {Start: 1, End: 1, New: "s2"}},
			want:  "as1s2Xe1e2d",
		},
		{
			name:  "insertion at start of a deletion",
			src:   "abcd",
			edits: []Edit{{Start: 1, End: 3, New: ""}, {Start: 1, End: 1, New: "i"}},
			want:  "aid",
		},
		{
			name:  "insertion between two adjacent replacements",
			src:   "abcd",
			edits: []Edit{{Start: 2, End: 4, New: "Y"}, {Start: 0, End: 2, New: "X"}, {Start: 2, End: 2, New: "|"}},
			want:  "X|Y",
		},
		{
			name:  "multi-byte text",
			src:   "FROM ünïcode\n",
			edits: []Edit{{Start: 5, End: 14, New: "ascii"}},
			want:  "FROM ascii\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			srcCopy := slices.Clone(src)
			editsCopy := slices.Clone(tt.edits)

			got, err := Apply(src, tt.edits)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
			assert.Equal(t, len(got), cap(got), "output should be built in one exactly pre-sized buffer")
			assert.Equal(t, srcCopy, src, "src must not be modified")
			assert.Equal(t, editsCopy, tt.edits, "the caller's edits must not be reordered")

			// The result never aliases src.
			if len(got) > 0 && len(src) > 0 {
				got[0] ^= 0xff
				assert.Equal(t, srcCopy, src, "result must not share memory with src")
			}
		})
	}
}

func TestApplyEmptyEditsReturnsCopy(t *testing.T) {
	src := []byte("FROM alpine\nRUN true\n")
	got, err := Apply(src, nil)
	require.NoError(t, err)
	require.Equal(t, src, got)
	got[0] = 'X'
	assert.Equal(t, byte('F'), src[0], "Apply must return a copy, not src itself")
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		edits   []Edit
		wantErr []string // substrings the error must contain
	}{
		{name: "overlapping replacements", src: "0123456789", edits: []Edit{{Start: 0, End: 3, New: "a"}, {Start: 2, End: 5, New: "b"}}, wantErr: []string{"[0,3)", "[2,5)", "overlap"}},
		{name: "overlap given in reverse order", src: "0123456789", edits: []Edit{{Start: 2, End: 5, New: "b"}, {Start: 0, End: 3, New: "a"}}, wantErr: []string{"[0,3)", "[2,5)", "overlap"}},
		{name: "identical replacements", src: "0123456789", edits: []Edit{{Start: 1, End: 3, New: "a"}, {Start: 1, End: 3, New: "b"}}, wantErr: []string{"[1,3)", "overlap"}},
		{name: "identical deletions", src: "0123456789", edits: []Edit{{Start: 1, End: 3, New: ""}, {Start: 1, End: 3, New: ""}}, wantErr: []string{"[1,3)", "overlap"}},
		{name: "nested replacement", src: "0123456789", edits: []Edit{{Start: 0, End: 6, New: "a"}, {Start: 2, End: 3, New: "b"}}, wantErr: []string{"[0,6)", "[2,3)", "overlap"}},
		{name: "same start, different ends", src: "0123456789", edits: []Edit{{Start: 2, End: 4, New: "a"}, {Start: 2, End: 6, New: "b"}}, wantErr: []string{"[2,4)", "[2,6)", "overlap"}},
		{name: "same end, different starts", src: "0123456789", edits: []Edit{{Start: 1, End: 6, New: "a"}, {Start: 4, End: 6, New: "b"}}, wantErr: []string{"[1,6)", "[4,6)", "overlap"}},
		{name: "insertion strictly inside a replacement", src: "0123456789", edits: []Edit{{Start: 1, End: 4, New: "a"}, {Start: 2, End: 2, New: "b"}}, wantErr: []string{"[1,4)", "[2,2)", "overlap"}},
		{name: "insertion inside a deletion", src: "0123456789", edits: []Edit{{Start: 3, End: 3, New: "x"}, {Start: 1, End: 8, New: ""}}, wantErr: []string{"[1,8)", "[3,3)", "overlap"}},
		{name: "overlap far apart in the list", src: "0123456789", edits: []Edit{{Start: 8, End: 9, New: "z"}, {Start: 0, End: 1, New: "a"}, {Start: 5, End: 8, New: "y"}, {Start: 7, End: 7, New: "x"}}, wantErr: []string{"[5,8)", "[7,7)"}},
		{name: "negative start", src: "abc", edits: []Edit{{Start: -1, End: 1, New: "x"}}, wantErr: []string{"[-1,1)", "out of range"}},
		{name: "end past source", src: "abc", edits: []Edit{{Start: 1, End: 4, New: "x"}}, wantErr: []string{"[1,4)", "out of range"}},
		{name: "insertion past source", src: "abc", edits: []Edit{{Start: 4, End: 4, New: "x"}}, wantErr: []string{"[4,4)", "out of range"}},
		{name: "edit on empty source", src: "", edits: []Edit{{Start: 0, End: 1, New: ""}}, wantErr: []string{"[0,1)", "out of range"}},
		{name: "inverted range", src: "abcdef", edits: []Edit{{Start: 4, End: 2, New: "x"}}, wantErr: []string{"[4,2)", "inverted"}},
		{name: "bad edit after good ones", src: "abcdef", edits: []Edit{{Start: 0, End: 1, New: "x"}, {Start: 5, End: 9, New: "y"}}, wantErr: []string{"edit 1", "[5,9)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := []byte(tt.src)
			srcCopy := slices.Clone(src)
			got, err := Apply(src, tt.edits)
			require.Error(t, err)
			assert.Nil(t, got)
			for _, s := range tt.wantErr {
				assert.Contains(t, err.Error(), s)
			}
			assert.Equal(t, srcCopy, src, "src must not be modified")
		})
	}
}

// TestApplyRandom checks Apply against a straightforward reference on random
// non-overlapping edit sets given in shuffled order.
func TestApplyRandom(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for iter := 0; iter < 2000; iter++ {
		src := []byte(strings.Repeat("abcdefghij", 3)[:rng.Intn(31)])

		// Generate edits left to right; record the expected output as we go.
		var edits []Edit
		var want strings.Builder
		pos := 0
		for rng.Intn(4) != 0 {
			start := pos + rng.Intn(len(src)-pos+1)
			end := start
			if rng.Intn(2) == 0 {
				end = start + rng.Intn(len(src)-start+1)
			}
			want.Write(src[pos:start])
			// Zero or more insertions at start, then the edit itself.
			for k := rng.Intn(3); k > 0; k-- {
				s := string(rune('A' + rng.Intn(26)))
				edits = append(edits, Edit{Start: start, End: start, New: s})
				want.WriteString(s)
			}
			s := strings.Repeat("#", rng.Intn(3))
			edits = append(edits, Edit{Start: start, End: end, New: s})
			want.WriteString(s)
			pos = end
		}
		want.Write(src[pos:])

		// Shuffle, but keep insertions at the same offset in their relative
		// order, since that order is meaningful.
		shuffled := shuffleKeepingInsertionOrder(rng, edits)

		srcCopy := slices.Clone(src)
		got, err := Apply(src, shuffled)
		require.NoError(t, err, "src=%q edits=%v", src, shuffled)
		require.Equal(t, want.String(), string(got), "src=%q edits=%v", src, shuffled)
		require.Equal(t, srcCopy, src)
	}
}

func shuffleKeepingInsertionOrder(rng *rand.Rand, edits []Edit) []Edit {
	// Group insertions by offset (in order); everything else moves freely.
	type group struct{ edits []Edit }
	var groups []*group
	byOffset := map[int]*group{}
	for _, e := range edits {
		if e.Start == e.End {
			if g, ok := byOffset[e.Start]; ok {
				g.edits = append(g.edits, e)
				continue
			}
			g := &group{edits: []Edit{e}}
			byOffset[e.Start] = g
			groups = append(groups, g)
			continue
		}
		groups = append(groups, &group{edits: []Edit{e}})
	}
	rng.Shuffle(len(groups), func(i, j int) { groups[i], groups[j] = groups[j], groups[i] })
	// Interleave groups randomly while keeping each group's internal order.
	var out []Edit
	for len(groups) > 0 {
		i := rng.Intn(len(groups))
		out = append(out, groups[i].edits[0])
		groups[i].edits = groups[i].edits[1:]
		if len(groups[i].edits) == 0 {
			groups = append(groups[:i], groups[i+1:]...)
		}
	}
	return out
}
