package transform

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	for name, want := range map[string]Ref{
		"all":          {All: true},
		"merge-runs":   {Rule: "merge-runs"},
		"DL3059":       {Rule: "merge-runs"},
		"dl3059":       {Rule: "merge-runs"},
		"DL3042":       {Rule: "cache-mounts", Part: "pip"},
		"DL3060":       {Rule: "cache-mounts", Part: "yarn"},
		"DL3015":       {Rule: "apt-hygiene"},
		"cache-mounts": {Rule: "cache-mounts"},
	} {
		got, err := ParseRef(name)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, name)
	}
	_, err := ParseRef("DL3008")
	assert.EqualError(t, err, "hadolint DL3008 maps to no dfopt rule (see `dfopt rules`)")
	_, err = ParseRef("merge-run")
	assert.EqualError(t, err, "unknown rule \"merge-run\" (see `dfopt rules`)")
}

func refs(t *testing.T, names ...string) []Ref {
	t.Helper()
	r, err := ParseRefs(names)
	require.NoError(t, err)
	return r
}

func TestSelectionNarrow(t *testing.T) {
	on := Selection{On: true}
	cm := "cache-mounts"
	assert.Equal(t, Selection{On: true, Parts: Parts{Only: []string{"pip"}}}, on.Narrow(cm, refs(t, "DL3042"), nil))
	assert.Equal(t, Selection{On: true}, on.Narrow(cm, refs(t, "DL3042", "cache-mounts"), nil), "the whole rule wins over a part")
	assert.Equal(t, Selection{On: true}, on.Narrow(cm, refs(t, "cache-mounts", "DL3042"), nil))
	assert.Equal(t, Selection{On: true, Parts: Parts{Off: []string{"pip"}}}, on.Narrow(cm, nil, refs(t, "DL3042")))
	assert.Equal(t, Selection{On: false}, on.Narrow(cm, refs(t, "merge-runs"), nil))
	assert.Equal(t, Selection{On: false, Parts: Parts{Off: []string{"pip"}}}, on.Narrow(cm, nil, refs(t, "DL3042", "all")))
	// A later layer's select starts afresh but keeps the parts switched off.
	s := on.Narrow(cm, nil, refs(t, "DL3060")).Narrow(cm, refs(t, "all"), nil)
	assert.Equal(t, Selection{On: true, Parts: Parts{Off: []string{"yarn"}}}, s)

	p := Parts{Only: []string{"pip"}, Off: []string{"yarn"}}
	assert.False(t, p.off("pip"))
	assert.True(t, p.off("npm"))
	assert.True(t, Parts{Off: []string{"yarn"}}.off("yarn"))
	assert.False(t, Parts{}.off("yarn"))
}

func TestSelectTakesHadolintCodes(t *testing.T) {
	rules, err := Select([]string{"DL3059", "DL3042"}, nil)
	require.NoError(t, err)
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	assert.ElementsMatch(t, []string{"merge-runs", "cache-mounts"}, names)
	rules, err = Select(nil, []string{"DL3059", "DL3042"})
	require.NoError(t, err)
	assert.Len(t, rules, len(All())-1, "DL3042 names a part: cache-mounts stays on")
	_, err = Select([]string{"DL3008"}, nil)
	assert.Error(t, err)
}
