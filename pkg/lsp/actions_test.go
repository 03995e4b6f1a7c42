package lsp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
)

// A finding whose fix edits what another rule wrote has no edit of its
// own: its action is "fix all safe"; an unsafe one has none.
func TestBuildsOnOffersFixAll(t *testing.T) {
	src := []byte("FROM x\nRUN a\nRUN b\n")
	out := []byte("FROM x\nRUN --mount=type=cache,target=/c a && b\n")
	res := &transform.Result{Path: "Dockerfile", Src: src, Out: out, Findings: []transform.Reported{
		{Finding: transform.Finding{Rule: "merge-runs", Message: "merge", Line: 2, EndLine: 3,
			Edits: []emit.Edit{{Start: 7, End: 19, New: "RUN a && b\n"}}}, Applied: true, Fixable: true},
		{Finding: transform.Finding{Rule: "cache-mounts", Message: "mount", Line: 2, EndLine: 3}, Applied: true, Fixable: true, BuildsOn: "merge-runs"},
		{Finding: transform.Finding{Rule: "other", Message: "unsafe", Line: 3}, Fixable: true, BuildsOn: "merge-runs"},
		{Finding: transform.Finding{Rule: "report", Message: "only says", Line: 1}},
	}}
	d := &document{uri: "file:///w/Dockerfile", version: 4, text: src, idx: newLineIndex(src), res: res, safe: res}
	for _, f := range res.Findings {
		d.diagnostics = append(d.diagnostics, d.diagnostic(f))
	}
	assert.Equal(t, protocol.DiagnosticSeverityInformation, *d.diagnostics[3].Severity, "no fix: information")

	all := protocol.Range{End: protocol.Position{Line: 9}}
	var titles []string
	for _, a := range d.actions(all, nil) {
		titles = append(titles, a.Title)
		edits := a.Edit.Changes[d.uri]
		require.Len(t, edits, 1, a.Title)
		if a.Title != "dfopt: fix merge-runs" {
			assert.Equal(t, "RUN --mount=type=cache,target=/c a && b\n", edits[0].NewText, "fix all: lines 2-3 replaced")
			assert.Equal(t, protocol.Range{Start: protocol.Position{Line: 1}, End: protocol.Position{Line: 3}}, edits[0].Range)
		}
	}
	assert.Equal(t, []string{
		"dfopt: fix merge-runs",
		"dfopt: fix all safe (this cache-mounts fix builds on merge-runs's)",
		"dfopt: fix all safe",
	}, titles)

	// Only the lines asked about, only the kinds asked for.
	assert.Empty(t, d.actions(protocol.Range{}, []protocol.CodeActionKind{protocol.CodeActionKindQuickFix}))
	got := d.actions(protocol.Range{}, []protocol.CodeActionKind{"source.fixAll"})
	require.Len(t, got, 1)
	assert.Equal(t, SourceFixAll, *got[0].Kind)
}
