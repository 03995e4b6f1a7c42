package cachemounts_test

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cachemounts"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
	"github.com/dfopt/dfopt/pkg/transform/internal/ruletest"
	"github.com/stretchr/testify/require"
)

// TestCacheMountsIdempotent runs the rule twice on the golden-style
// inputs of the package-manager table and checks that the second run has
// nothing left to do.
func TestCacheMountsIdempotent(t *testing.T) {
	srcs := []string{
		"FROM python:3.12\nRUN pip install --no-cache-dir -r r.txt && rm -rf /root/.cache/pip\n",
		"FROM debian\nRUN apt-get update && apt-get install -y curl && apt-get clean && rm -rf /var/lib/apt/lists/*\n",
		"FROM alpine\nRUN apk add --no-cache curl && rm -rf /var/cache/apk/*\n",
		"FROM golang:1.23 AS b\nRUN go mod download\nRUN go build -o /x .\nFROM scratch\nCOPY --from=b /x /x\n",
		"FROM node:20\nUSER node\nRUN npm ci && npm cache clean --force\n",
	}
	rules, err := transform.Select([]string{transform.CacheMountsRule, transform.AptHygieneRule}, nil)
	require.NoError(t, err)
	chain := &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "never"}}
	for _, src := range srcs {
		res, err := chain.Run("Dockerfile", []byte(src), nil)
		require.NoError(t, err, src)
		require.True(t, res.Changed(), src)
		again, err := chain.Run("Dockerfile", res.Out, nil)
		require.NoError(t, err)
		require.Equal(t, string(res.Out), string(again.Out))
	}
}

// RUNs of one text in one file are each fixed in the first pass, with
// their own edits: each finding names the removal, and the output holds
// no rm (the second RUN used to be given the first one's removal, so one
// RUN was fixed per pass and the third pass still changed the file).
func TestCacheMountsRunsOfOneText(t *testing.T) {
	const run = "RUN apt-get update && apt-get install -y ca-certificates && \\\n    rm -rf /var/lib/apt/lists/*\n"
	rules, err := transform.Select([]string{transform.CacheMountsRule}, nil)
	require.NoError(t, err)
	chain := &transform.Chain{Transforms: rules, Options: transform.Options{Syntax: "never"}}
	res, err := chain.Run("Dockerfile", []byte("FROM debian\n"+run+run+run), nil)
	require.NoError(t, err)
	require.Len(t, res.Findings, 3)
	for _, f := range res.Findings {
		require.Contains(t, f.Message, "remove rm -rf /var/lib/apt/lists/*", "line %d", f.Line)
		require.True(t, f.Applied)
	}
	require.NotContains(t, string(res.Out), "rm -rf")
}

// In a later pass the rule gives the fixes the long way gives (its
// findings with edits), and nothing else: on every golden input, on the
// corpus when it is present, and on their outputs, where the RUNs have
// the cache mounts whose uses the later pass does not settle.
func TestLaterFixes(t *testing.T) {
	mounted := 0
	for _, doc := range ruletest.PassDocs(t) {
		if strings.Contains(string(doc.Src), "--mount=type=cache") {
			mounted++
		}
		opts := &transform.Options{Syntax: "auto"}
		var want []transform.Finding
		for _, fd := range cachemounts.RunAs(&transform.Pass{Doc: doc, Options: opts}, false) {
			if len(fd.Edits) > 0 {
				want = append(want, fd)
			}
		}
		got := cachemounts.RunAs(&transform.Pass{Doc: doc, Options: opts}, true)
		require.Equal(t, want, got, "%s:\n%s", doc.Path, doc.Src)
	}
	require.Greater(t, mounted, 20, "documents with cache mounts")
}
