package golden

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/dfopt/dfopt/pkg/report"
	"github.com/stretchr/testify/require"
)

// TestRDJSONSuggestionsGiveFix: for every golden case, the suggestions of
// `dfopt check --format rdjson`, read back from the JSON and applied to
// the input as reviewdog applies line-based suggestions, give exactly the
// output of `dfopt fix`. They never overlap, and a finding carries at most
// one (GitHub posts one suggestion per review comment).
func TestRDJSONSuggestionsGiveFix(t *testing.T) {
	for _, c := range Cases(t) {
		t.Run(c.Name, func(t *testing.T) {
			res, input := runCase(t, c)
			src := input.Src

			var buf bytes.Buffer
			w, err := report.NewWriter("rdjson", &buf, report.Tool{Name: "dfopt"})
			require.NoError(t, err)
			require.NoError(t, w.File(&report.File{Path: "Dockerfile", URI: "Dockerfile", Findings: res.Findings, Suggestions: report.Suggestions(res)}))
			require.NoError(t, w.Close())
			var doc report.RDResult
			require.NoError(t, json.Unmarshal(buf.Bytes(), &doc), buf.String())
			require.Len(t, doc.Diagnostics, len(res.Findings))

			var ss []report.Suggestion
			for _, d := range doc.Diagnostics {
				require.LessOrEqual(t, len(d.Suggestions), 1, "one suggestion per diagnostic")
				for _, s := range d.Suggestions {
					ss = append(ss, report.Suggestion{Start: s.Range.Start.Line, End: s.Range.End.Line, Text: s.Text})
				}
			}
			slices.SortFunc(ss, func(a, b report.Suggestion) int { return a.Start - b.Start })
			for i := 1; i < len(ss); i++ {
				require.Greater(t, ss[i].Start, ss[i-1].End, "suggestions overlap")
			}
			if bytes.Equal(res.Src, res.Out) {
				require.Empty(t, ss, "no change, no suggestion")
				return
			}
			require.NotEmpty(t, ss, "the change is suggested")
			got, err := report.ApplySuggestions(src, ss)
			require.NoError(t, err)
			require.Equal(t, string(res.Out), string(got), "suggestions applied = dfopt fix")
		})
	}
}
