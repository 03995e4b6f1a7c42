package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// perRun is a test rule: one finding per RUN, named rule.
func perRun(rule string) *Transform {
	return &Transform{Name: rule, Run: func(p *Pass) []Finding {
		var out []Finding
		for _, ins := range p.Doc.Instructions {
			if ins.Cmd == "run" {
				out = append(out, p.Finding(rule, ins, "run"))
			}
		}
		return out
	}}
}

// spanRuns is a test rule: one finding spanning every RUN, like merge-runs.
func spanRuns(rule string) *Transform {
	return &Transform{Name: rule, Run: func(p *Pass) []Finding {
		var first, last int
		for _, ins := range p.Doc.Instructions {
			if ins.Cmd == "run" {
				if first == 0 {
					first = ins.StartLine
				}
				last = ins.EndLine
			}
		}
		if first == 0 {
			return nil
		}
		return []Finding{{Rule: rule, Message: "span", Line: first, EndLine: last}}
	}}
}

func findingLines(t *testing.T, ts []*Transform, src string) []string {
	t.Helper()
	res, err := (&Chain{Transforms: ts, Options: Options{Syntax: "auto"}}).Run("Dockerfile", []byte(src), nil)
	require.NoError(t, err)
	var out []string
	for _, f := range res.Findings {
		out = append(out, fmt.Sprintf("%d:%s", f.Line, f.Rule))
	}
	return out
}

func TestInlinePragmas(t *testing.T) {
	rules := []*Transform{perRun("apt-hygiene"), perRun("cache-mounts"), perRun("merge-runs")}
	tests := []struct {
		name, src string
		want      []string
	}{
		{"none", "FROM a\nRUN x\n", []string{"2:apt-hygiene", "2:cache-mounts", "2:merge-runs"}},
		{"dfopt line", "FROM a\n# dfopt:ignore=cache-mounts,merge-runs\nRUN x\nRUN y\n",
			[]string{"3:apt-hygiene", "4:apt-hygiene", "4:cache-mounts", "4:merge-runs"}},
		{"dfopt line, several comment lines", "FROM a\n# dfopt:ignore=apt-hygiene\n# why: vendor image\nRUN x\n",
			[]string{"4:cache-mounts", "4:merge-runs"}},
		{"blank line breaks the block", "FROM a\n# dfopt:ignore=apt-hygiene\n\nRUN x\n",
			[]string{"4:apt-hygiene", "4:cache-mounts", "4:merge-runs"}},
		{"dfopt line all", "FROM a\n# dfopt:ignore=all\nRUN x\n", nil},
		{"dfopt file", "FROM a\nRUN x\n# dfopt:ignore-file=merge-runs, apt-hygiene\n", []string{"2:cache-mounts"}},
		{"dfopt file every rule", "# dfopt:ignore-file\nFROM a\nRUN x\n", nil},
		{"hadolint line DL3059", "FROM a\n# hadolint ignore=DL3059\nRUN x\nRUN y\n",
			[]string{"3:apt-hygiene", "3:cache-mounts", "4:apt-hygiene", "4:cache-mounts", "4:merge-runs"}},
		{"hadolint line several codes", "FROM a\n  # hadolint ignore=DL3009,DL3059\nRUN x\n", []string{"3:cache-mounts"}},
		{"hadolint code for a part leaves the rule on", "FROM a\n# hadolint ignore=DL3042\nRUN x\n",
			[]string{"3:apt-hygiene", "3:cache-mounts", "3:merge-runs"}},
		{"dfopt pragma takes hadolint codes", "FROM a\n# dfopt:ignore=DL3059\nRUN x\n", []string{"3:apt-hygiene", "3:cache-mounts"}},
		{"hadolint unmapped code", "FROM a\n# hadolint ignore=DL3008,SC2086\nRUN x\n",
			[]string{"3:apt-hygiene", "3:cache-mounts", "3:merge-runs"}},
		{"hadolint global", "# hadolint global ignore=DL3015\nFROM a\nRUN x\n", []string{"3:cache-mounts", "3:merge-runs"}},
		{"BOM before pragma", "\ufeff# hadolint global ignore=DL3059\nFROM a\nRUN x\n", []string{"3:apt-hygiene", "3:cache-mounts"}},
		{"not a pragma", "FROM a\n# see dfopt:ignore=apt-hygiene docs\nRUN x\n",
			[]string{"3:apt-hygiene", "3:cache-mounts", "3:merge-runs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, findingLines(t, rules, tt.src))
		})
	}
}

// A finding spanning several instructions is off when the pragma stands
// above any of them: hadolint reports DL3059 on the second RUN.
func TestPragmaInsideFindingSpan(t *testing.T) {
	rules := []*Transform{spanRuns("merge-runs")}
	assert.Equal(t, []string{"2:merge-runs"}, findingLines(t, rules, "FROM a\nRUN x\nRUN y\n"))
	assert.Empty(t, findingLines(t, rules, "FROM a\nRUN x\n# hadolint ignore=DL3059\nRUN y\n"))
	assert.Empty(t, findingLines(t, rules, "FROM a\nRUN x\n# dfopt:ignore=merge-runs\nRUN y\n"))
	assert.Equal(t, []string{"2:merge-runs"}, findingLines(t, rules, "FROM a\nRUN x\n# dfopt:ignore=cache-mounts\nRUN y\n"))
}

func TestHadolintTable(t *testing.T) {
	assert.Equal(t, "merge-runs", HadolintRule("DL3059"))
	assert.Equal(t, "apt-hygiene", HadolintRule("DL3009"))
	assert.Equal(t, "apt-hygiene", HadolintRule("DL3015"))
	assert.Equal(t, "cache-mounts", HadolintRule("DL3042"))
	assert.Equal(t, "", HadolintRule("DL3008"), "pinning versions is not dfopt's business")
	assert.Equal(t, []string{"DL3009", "DL3014", "DL3015", "DL3019", "DL3030", "DL3032", "DL3034", "DL3036", "DL3038", "DL3040"}, HadolintCodes("apt-hygiene"))
	assert.Equal(t, []string{"DL3042", "DL3060"}, HadolintCodes("cache-mounts"))
	table := HadolintTable()
	for i, h := range table {
		assert.True(t, strings.HasPrefix(h.Code, "DL"), h.Code)
		assert.NotEmpty(t, h.Why)
		if i > 0 {
			assert.Less(t, table[i-1].Code, h.Code, "sorted, no duplicates")
		}
	}
}

// The pragma lookups match only the lines that hold each pragma's
// literal: they answer as matching every line does (the long way), on
// the corpus with pragma lines of every kind added at its top, in the
// middle of a continued RUN and at its end.
func TestPragmaLiteralsAsEveryLine(t *testing.T) {
	pragmas := []string{"# hadolint global ignore=DL3059", "#dfopt:ignore-file", "# dfopt:ignore-file=cache-mounts,DL3009",
		"# hadolint ignore=DL3015", "  # dfopt:ignore=apt-hygiene", "# hadolint global ignore=SC2086", "# global dfopt:ignore-file=x"}
	longFile := func(d *ast.Document, rule, part string) bool {
		for n := 1; n <= len(d.Lines); n++ {
			if m := ignoreFile.FindStringSubmatch(pragmaText(d, n)); m != nil && (m[1] == "" || names(m[1], rule, part)) {
				return true
			}
			if m := hadolintFile.FindStringSubmatch(pragmaText(d, n)); m != nil && names(m[1], rule, part) {
				return true
			}
		}
		return false
	}
	longLine := func(d *ast.Document, n int, rule, part string) bool {
		m, h := ignoreLine.FindStringSubmatch(pragmaText(d, n)), hadolintLine.FindStringSubmatch(pragmaText(d, n))
		return m != nil && names(m[1], rule, part) || h != nil && names(h[1], rule, part)
	}
	asks := [][2]string{{"merge-runs", ""}, {"cache-mounts", ""}, {"apt-hygiene", ""}, {"apt-hygiene", "DL3015"}, {"cache-mounts", "DL3060"}}
	docs := corpustest.Docs(t)
	if testing.Short() && len(docs) > 100 {
		docs = docs[:100]
	}
	checked := 0
	for i, d := range docs {
		p := pragmas[i%len(pragmas)]
		src := p + "\n" + string(d.Src) + "\n" + pragmas[(i+3)%len(pragmas)] + "\n"
		if k := strings.Index(src, "\\\n"); k >= 0 {
			src = src[:k+2] + pragmas[(i+5)%len(pragmas)] + "\n" + src[k+2:]
		}
		for _, text := range []string{string(d.Src), src} {
			doc, err := ast.Parse(d.Path, []byte(text))
			if err != nil {
				continue
			}
			for _, a := range asks {
				require.Equal(t, longFile(doc, a[0], a[1]), fileIgnoresPart(doc, a[0], a[1]), "%s %v", d.Path, a)
				for n := 1; n <= len(doc.Lines); n++ {
					require.Equal(t, longLine(doc, n, a[0], a[1]), lineIgnores(doc, n, a[0], a[1]), "%s:%d %v", d.Path, n, a)
				}
			}
			checked++
		}
	}
	t.Logf("%d documents", checked)
}
