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
		{name: "insert into empty src", src: "", edits: []Edit{{0, 0, "FROM scratch\n"}}, want: "FROM scratch\n"},
		{name: "insert at start", src: "bcd", edits: []Edit{{0, 0, "a"}}, want: "abcd"},
		{name: "insert at end", src: "abc", edits: []Edit{{3, 3, "d"}}, want: "abcd"},
		{name: "insert in middle", src: "abde", edits: []Edit{{2, 2, "c"}}, want: "abcde"},
		{name: "empty insertion is a no-op", src: "abc", edits: []Edit{{1, 1, ""}}, want: "abc"},
		{name: "replace", src: "FROM alpine:3.18\n", edits: []Edit{{12, 16, "3.20"}}, want: "FROM alpine:3.20\n"},
		{name: "replace whole", src: "abc", edits: []Edit{{0, 3, "xyz!"}}, want: "xyz!"},
		{name: "replace with longer", src: "a-c", edits: []Edit{{1, 2, "BBBB"}}, want: "aBBBBc"},
		{name: "delete", src: "RUN a && b\n", edits: []Edit{{5, 10, ""}}, want: "RUN a\n"},
		{name: "delete everything", src: "abc", edits: []Edit{{0, 3, ""}}, want: ""},
		{
			name:  "several edits given out of order",
			src:   "0123456789",
			edits: []Edit{{8, 9, "H"}, {0, 1, "A"}, {4, 6, ""}, {2, 2, "+"}},
			want:  "A1+2367H9",
		},
		{
			name:  "adjacent replacements",
			src:   "aabbcc",
			edits: []Edit{{2, 4, "BB"}, {0, 2, "AA"}, {4, 6, "CC"}},
			want:  "AABBCC",
		},
		{
			name:  "several insertions at one offset keep their order",
			src:   "ab",
			edits: []Edit{{1, 1, "1"}, {1, 1, "2"}, {1, 1, "3"}},
			want:  "a123b",
		},
		{
			name:  "insertions at one offset keep order when mixed with other edits",
			src:   "abc",
			edits: []Edit{{2, 2, "x"}, {0, 1, "A"}, {2, 2, "y"}, {1, 1, "m"}, {2, 2, "z"}},
			want:  "Ambxyzc",
		},
		{
			name:  "insertion at start of replacement goes before it",
			src:   "abcd",
			edits: []Edit{{1, 3, "X"}, {1, 1, "i"}},
			want:  "aiXd",
		},
		{
			name:  "insertion at end of replacement goes after it",
			src:   "abcd",
			edits: []Edit{{3, 3, "e"}, {1, 3, "X"}},
			want:  "aXed",
		},
		{
			name:  "insertions at both ends of a replacement",
			src:   "abcd",
			edits: []Edit{{3, 3, "e1"}, {1, 3, "X"}, {1, 1, "s1"}, {3, 3, "e2"}, {1, 1, "s2"}},
			want:  "as1s2Xe1e2d",
		},
		{
			name:  "insertion at start of a deletion",
			src:   "abcd",
			edits: []Edit{{1, 3, ""}, {1, 1, "i"}},
			want:  "aid",
		},
		{
			name:  "insertion between two adjacent replacements",
			src:   "abcd",
			edits: []Edit{{2, 4, "Y"}, {0, 2, "X"}, {2, 2, "|"}},
			want:  "X|Y",
		},
		{
			name:  "multi-byte text",
			src:   "FROM ünïcode\n",
			edits: []Edit{{5, 14, "ascii"}},
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
		{name: "overlapping replacements", src: "0123456789", edits: []Edit{{0, 3, "a"}, {2, 5, "b"}}, wantErr: []string{"[0,3)", "[2,5)", "overlap"}},
		{name: "overlap given in reverse order", src: "0123456789", edits: []Edit{{2, 5, "b"}, {0, 3, "a"}}, wantErr: []string{"[0,3)", "[2,5)", "overlap"}},
		{name: "identical replacements", src: "0123456789", edits: []Edit{{1, 3, "a"}, {1, 3, "b"}}, wantErr: []string{"[1,3)", "overlap"}},
		{name: "identical deletions", src: "0123456789", edits: []Edit{{1, 3, ""}, {1, 3, ""}}, wantErr: []string{"[1,3)", "overlap"}},
		{name: "nested replacement", src: "0123456789", edits: []Edit{{0, 6, "a"}, {2, 3, "b"}}, wantErr: []string{"[0,6)", "[2,3)", "overlap"}},
		{name: "same start, different ends", src: "0123456789", edits: []Edit{{2, 4, "a"}, {2, 6, "b"}}, wantErr: []string{"[2,4)", "[2,6)", "overlap"}},
		{name: "same end, different starts", src: "0123456789", edits: []Edit{{1, 6, "a"}, {4, 6, "b"}}, wantErr: []string{"[1,6)", "[4,6)", "overlap"}},
		{name: "insertion strictly inside a replacement", src: "0123456789", edits: []Edit{{1, 4, "a"}, {2, 2, "b"}}, wantErr: []string{"[1,4)", "[2,2)", "overlap"}},
		{name: "insertion inside a deletion", src: "0123456789", edits: []Edit{{3, 3, "x"}, {1, 8, ""}}, wantErr: []string{"[1,8)", "[3,3)", "overlap"}},
		{name: "overlap far apart in the list", src: "0123456789", edits: []Edit{{8, 9, "z"}, {0, 1, "a"}, {5, 8, "y"}, {7, 7, "x"}}, wantErr: []string{"[5,8)", "[7,7)"}},
		{name: "negative start", src: "abc", edits: []Edit{{-1, 1, "x"}}, wantErr: []string{"[-1,1)", "out of range"}},
		{name: "end past source", src: "abc", edits: []Edit{{1, 4, "x"}}, wantErr: []string{"[1,4)", "out of range"}},
		{name: "insertion past source", src: "abc", edits: []Edit{{4, 4, "x"}}, wantErr: []string{"[4,4)", "out of range"}},
		{name: "edit on empty source", src: "", edits: []Edit{{0, 1, ""}}, wantErr: []string{"[0,1)", "out of range"}},
		{name: "inverted range", src: "abcdef", edits: []Edit{{4, 2, "x"}}, wantErr: []string{"[4,2)", "inverted"}},
		{name: "bad edit after good ones", src: "abcdef", edits: []Edit{{0, 1, "x"}, {5, 9, "y"}}, wantErr: []string{"edit 1", "[5,9)"}},
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
				edits = append(edits, Edit{start, start, s})
				want.WriteString(s)
			}
			s := strings.Repeat("#", rng.Intn(3))
			edits = append(edits, Edit{start, end, s})
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
