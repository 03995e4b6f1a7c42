package syntaxheader

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestImplied(t *testing.T) {
	for _, tc := range []struct {
		feat *transform.Feature
		have []*transform.Feature
		want bool
	}{
		{transform.FeatRunMount, nil, false},
		{transform.FeatRunMount, []*transform.Feature{transform.FeatRunMount}, true},
		{transform.FeatRunMount, []*transform.Feature{transform.FeatHeredoc}, true},        // 1.2 <= 1.4
		{transform.FeatCopyExclude, []*transform.Feature{transform.FeatHeredoc}, false},    // 1.19 > 1.4
		{transform.FeatCopyExclude, []*transform.Feature{transform.FeatCopyParents}, true}, // 1.19 <= 1.20
		{transform.FeatCopyChmod, []*transform.Feature{transform.FeatRunMount}, false},     // 1.3 > 1.2
		{transform.FeatRunMount, []*transform.Feature{transform.FeatRunDevice}, false},     // labs only: no stable release known
		{transform.FeatRunDevice, []*transform.Feature{transform.FeatCopyParents}, false},  // labs only
		{transform.FeatRunDevice, []*transform.Feature{transform.FeatRunDevice}, true},     // the same feature
		{transform.FeatCacheMountIDs, []*transform.Feature{transform.FeatRunMount}, true},  // 1.2 <= 1.2
		{transform.FeatAddChecksum, []*transform.Feature{transform.FeatCopyLink}, false},   // 1.6 > 1.4
		{transform.FeatAddChecksum, []*transform.Feature{transform.FeatCopyExclude}, true}, // 1.6 <= 1.19
	} {
		assert.Equal(t, tc.want, transform.Implied(tc.feat, tc.have), "%s given %v", tc.feat.Name, tc.have)
	}
}

// addFlag is a stand-in for a rule that writes a COPY flag: it adds flag
// to the first COPY.
func addFlag(flag string) *transform.Transform {
	return &transform.Transform{Name: "add-flag", Run: func(p *transform.Pass) []transform.Finding {
		for _, ins := range p.Doc.Instructions {
			if ins.Cmd == "copy" && !strings.Contains(string(p.Doc.Src[ins.Span.Start:ins.Span.End]), flag) {
				at := ins.Span.Start + len("COPY")
				return []transform.Finding{p.Finding("add-flag", ins, "add "+flag, emit.Edit{Start: at, End: at, New: " " + flag})}
			}
		}
		return nil
	}}
}

// The header follows the newest feature the input already uses: a fix
// that writes a newer one still needs it.
func TestHeaderFollowsFeatureVersions(t *testing.T) {
	for _, tc := range []struct {
		name, src, flag string
		header          bool
	}{
		{"no BuildKit syntax, fix adds --link", "FROM alpine\nCOPY a /a\n", "--link", true},
		{"heredoc (1.4), fix adds --link (1.4)", "FROM alpine\nRUN <<EOF\ntrue\nEOF\nCOPY a /a\n", "--link", false},
		{"heredoc (1.4), fix adds --exclude (1.19)", "FROM alpine\nRUN <<EOF\ntrue\nEOF\nCOPY a /a\n", "--exclude=*.md", true},
		{"RUN --mount (1.2), fix adds --chmod (1.3)", "FROM alpine\nRUN --mount=type=bind,target=/x true\nCOPY a /a\n", "--chmod=755", true},
		{"COPY --parents (1.20), fix adds --exclude (1.19)", "FROM alpine\nCOPY a /a\nCOPY --parents b /b\n", "--exclude=*.md", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &transform.Chain{Transforms: []*transform.Transform{addFlag(tc.flag), Rule}, Options: transform.Options{Syntax: "auto"}}
			res, err := c.Run("Dockerfile", []byte(tc.src), nil)
			require.NoError(t, err)
			assert.Contains(t, string(res.Out), tc.flag)
			assert.Equal(t, tc.header, strings.HasPrefix(string(res.Out), SyntaxLine+"\n"), "%s", res.Out)
		})
	}
}
