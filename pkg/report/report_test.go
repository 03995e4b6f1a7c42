package report

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testTool = Tool{Name: "dfopt", Version: "v1.2.3", InformationURI: "https://github.com/dfopt/dfopt"}

// A registered rule, so SARIF can index it.
const rule = "syntax-header"

func sample() []*File {
	return []*File{
		{Path: "svc/api/Dockerfile", URI: "svc/api/Dockerfile", Findings: []transform.Reported{
			{Finding: transform.Finding{Rule: rule, Message: "uses RUN --mount", Line: 3, EndLine: 5}, Applied: true, Fixable: true},
			{Finding: transform.Finding{Rule: rule, Message: "file-level, with a comma, a colon: and\na newline 100%", Line: 0}},
		}},
		{Path: "clean/Dockerfile", URI: "clean/Dockerfile"},
		{Path: "with space/Dockerfile", URI: "with space/Dockerfile", Findings: []transform.Reported{
			{Finding: transform.Finding{Rule: "not-registered", Message: "m", Line: 2, Unsafe: true}, Fixable: true},
		}},
	}
}

func render(t *testing.T, format string, files []*File) string {
	t.Helper()
	var b bytes.Buffer
	w, err := NewWriter(format, &b, testTool)
	require.NoError(t, err)
	for _, f := range files {
		require.NoError(t, w.File(f))
	}
	require.NoError(t, w.Close())
	return b.String()
}

func TestText(t *testing.T) {
	assert.Equal(t, "svc/api/Dockerfile:3: syntax-header: uses RUN --mount (safe fix)\n"+
		"svc/api/Dockerfile:0: syntax-header: file-level, with a comma, a colon: and\na newline 100% (no fix)\n"+
		"with space/Dockerfile:2: not-registered: m (unsafe fix)\n", render(t, "text", sample()))
}

func TestUnknownFormat(t *testing.T) {
	_, err := NewWriter("xml", &bytes.Buffer{}, testTool)
	assert.EqualError(t, err, `--format must be one of text, json, sarif, github, rdjson, checkstyle, codeclimate, not "xml"`)
}

func TestJSON(t *testing.T) {
	files := sample()
	files[0].Fixes = []string{"--- a/svc/api/Dockerfile\n+++ b/svc/api/Dockerfile\n@@ -1 +1,2 @@\n+# syntax=docker/dockerfile:1\n FROM a\n", ""}
	out := render(t, "json", files)
	var got []JSONFinding
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	require.Len(t, got, 3)
	assert.Equal(t, JSONFinding{Path: "svc/api/Dockerfile", Line: 3, EndLine: 5, Rule: rule, Message: "uses RUN --mount",
		Safe: true, Applied: true, Fix: &files[0].Fixes[0]}, got[0])
	assert.Nil(t, got[1].Fix, "no fix: null")
	assert.False(t, got[2].Safe)
	assert.Equal(t, 2, got[2].EndLine, "end line defaults to the line")
	assert.Equal(t, 3, strings.Count(out, "\n{"), "one object per line")
	assert.Contains(t, out, `"fix":null`)
	assert.Equal(t, "[]\n", render(t, "json", nil))
}

func TestGitHub(t *testing.T) {
	assert.Equal(t,
		"::warning file=svc/api/Dockerfile,line=3,endLine=5,title=dfopt/syntax-header::uses RUN --mount (safe fix)\n"+
			"::warning file=svc/api/Dockerfile,line=1,title=dfopt/syntax-header::file-level, with a comma, a colon: and%0Aa newline 100%25 (no fix)\n"+
			"::warning file=with space/Dockerfile,line=2,title=dfopt/not-registered::m (unsafe fix)\n",
		render(t, "github", sample()))
	assert.Equal(t, "a%3Ab%2Cc%25", ghProperty("a:b,c%"))
}

// The SARIF document has the 2.1.0 structure code-scanning services check:
// version, $schema, runs[].tool.driver with rules, and a physical location
// with a line for every result.
func TestSARIFStructure(t *testing.T) {
	out := render(t, "sarif", sample())
	var doc map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &doc), out)
	assert.Equal(t, "2.1.0", doc["version"])
	assert.Equal(t, SARIFSchema, doc["$schema"])
	runs := doc["runs"].([]any)
	require.Len(t, runs, 1)
	run := runs[0].(map[string]any)
	driver := run["tool"].(map[string]any)["driver"].(map[string]any)
	assert.Equal(t, "dfopt", driver["name"])
	assert.Equal(t, "v1.2.3", driver["version"])
	assert.Equal(t, "https://github.com/dfopt/dfopt", driver["informationUri"])
	rules := driver["rules"].([]any)
	require.Len(t, rules, len(transform.All()))
	ids := map[string]int{}
	for i, r := range rules {
		r := r.(map[string]any)
		id := r["id"].(string)
		ids[id] = i
		assert.NotEmpty(t, r["shortDescription"].(map[string]any)["text"], id)
		assert.Equal(t, "https://github.com/dfopt/dfopt#"+id, r["helpUri"])
	}
	results := run["results"].([]any)
	require.Len(t, results, 3)
	for _, r := range results {
		r := r.(map[string]any)
		id := r["ruleId"].(string)
		if idx, ok := r["ruleIndex"]; ok {
			assert.Equal(t, float64(ids[id]), idx, "ruleIndex points at its rule")
		} else {
			assert.NotContains(t, ids, id, "only unknown rules lack an index")
		}
		assert.Contains(t, []string{"none", "note", "warning", "error"}, r["level"])
		assert.NotEmpty(t, r["message"].(map[string]any)["text"])
		locs := r["locations"].([]any)
		require.Len(t, locs, 1, "every result has a location")
		pl := locs[0].(map[string]any)["physicalLocation"].(map[string]any)
		art := pl["artifactLocation"].(map[string]any)
		assert.NotEmpty(t, art["uri"])
		assert.Equal(t, "%SRCROOT%", art["uriBaseId"])
		start := pl["region"].(map[string]any)["startLine"].(float64)
		assert.GreaterOrEqual(t, start, 1.0, "file-level findings point at line 1")
	}
	first := results[0].(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	assert.Equal(t, map[string]any{"startLine": 3.0, "endLine": 5.0}, first["region"])
	last := results[2].(map[string]any)["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)
	assert.Equal(t, "with%20space/Dockerfile", last["artifactLocation"].(map[string]any)["uri"])
	base := run["originalUriBaseIds"].(map[string]any)["%SRCROOT%"].(map[string]any)["uri"].(string)
	assert.True(t, strings.HasPrefix(base, "file:///") && strings.HasSuffix(base, "/"), base)

	// No findings: still a complete document with an empty results array.
	var empty SARIFLog
	require.NoError(t, json.Unmarshal([]byte(render(t, "sarif", nil)), &empty))
	require.Len(t, empty.Runs, 1)
	assert.NotNil(t, empty.Runs[0].Results)
	assert.Empty(t, empty.Runs[0].Results)
}

func TestSARIFAbsolutePath(t *testing.T) {
	loc := artifact("/tmp/a b/Dockerfile")
	assert.Equal(t, SARIFArtifactLocation{URI: "file:///tmp/a%20b/Dockerfile"}, loc)
	assert.Equal(t, "x%3Ay/Dockerfile", artifact("x:y/Dockerfile").URI, "a colon would read as a scheme")
}

func TestColorDiff(t *testing.T) {
	d := "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n FROM a\n--- not a header\n+++ not one either\r\n ctx\n\\ No newline at end of file\n"
	want := "\x1b[1m--- a/Dockerfile\x1b[0m\n\x1b[1m+++ b/Dockerfile\x1b[0m\n\x1b[36m@@ -1,3 +1,3 @@\x1b[0m\n FROM a\n" +
		"\x1b[31m--- not a header\x1b[0m\n\x1b[32m+++ not one either\x1b[0m\r\n ctx\n\\ No newline at end of file\n"
	assert.Equal(t, want, string(ColorDiff([]byte(d))))
	assert.Empty(t, ColorDiff(nil))
}

func TestDiffStat(t *testing.T) {
	var s DiffStat
	s.Add("svc/Dockerfile", []byte("a\nb\n"), []byte("a\nc\nd\n"))
	s.Add("same/Dockerfile", []byte("x\n"), []byte("x\n"))
	var o DiffStat
	o.Add("svc/.dockerignore", nil, []byte(".git\n"))
	s.Merge(&o)
	var b bytes.Buffer
	require.NoError(t, s.Write(&b, false))
	assert.Equal(t, " svc/Dockerfile    | 3 ++-\n svc/.dockerignore | 1 +\n 2 files changed, 3 insertions(+), 1 deletion(-)\n", b.String())

	var big DiffStat
	big.Add("Dockerfile", []byte(strings.Repeat("x\n", 200)), nil)
	b.Reset()
	require.NoError(t, big.Write(&b, true))
	assert.Equal(t, " Dockerfile | 200 \x1b[31m"+strings.Repeat("-", 50)+"\x1b[0m\n 1 file changed, 200 deletions(-)\n", b.String())

	b.Reset()
	require.NoError(t, (&DiffStat{}).Write(&b, false))
	assert.Empty(t, b.String())
}

func TestStatisticsAndSummary(t *testing.T) {
	st := NewStatistics()
	s := NewSummary()
	a := []transform.Reported{
		{Finding: transform.Finding{Rule: "b-rule"}, Applied: true, Fixable: true},
		{Finding: transform.Finding{Rule: "b-rule"}, Applied: true, Fixable: true},
		{Finding: transform.Finding{Rule: "a-rule"}, Fixable: true},
	}
	st.Add(a)
	st.Add(a[:1])
	s.AddResult(true, a)
	s.AddResult(false, nil)
	s.AddError("bad/Dockerfile: binary data, not a text file")
	var b bytes.Buffer
	require.NoError(t, st.Write(&b))
	assert.Equal(t, "rule                        files findings\n"+
		"b-rule                          2        3\n"+
		"a-rule                          1        1\n", b.String())
	b.Reset()
	require.NoError(t, s.Write(&b, true))
	assert.Equal(t, "dfopt: 3 files scanned, 1 changed, 1 error\n"+
		"  fixes per rule:\n    b-rule                          2\n"+
		"  unsafe fixes not applied (use --unsafe):\n    a-rule                          1\n"+
		"  errors:\n    bad/Dockerfile: binary data, not a text file\n", b.String())
	for range 30 {
		s.AddError("x")
	}
	b.Reset()
	require.NoError(t, s.Write(&b, false))
	assert.Contains(t, b.String(), "1 would change, 31 errors")
	assert.Contains(t, b.String(), "… and 11 more\n")
}

// Test rules for FindingFixes: one finding per RUN that appends a comment
// to it; a rule whose finding only exists after the first one ran; and a
// rule that edits the comment the first one wrote.
var (
	tagRuns = &transform.Transform{Name: "tag-runs", Run: func(p *transform.Pass) []transform.Finding {
		var out []transform.Finding
		for _, ins := range p.Doc.Instructions {
			if ins.Cmd == "run" && !strings.HasSuffix(ins.Text(p.Doc), "# tagged") {
				out = append(out, p.Finding("tag-runs", ins, "tag this RUN",
					emit.Edit{Start: ins.Span.End, End: ins.Span.End, New: " # tagged"}))
			}
		}
		return out
	}}
	afterTags = &transform.Transform{Name: "after-tags", Run: func(p *transform.Pass) []transform.Finding {
		if !bytes.Contains(p.Doc.Src, []byte("# tagged")) || bytes.HasPrefix(p.Doc.Src, []byte("# seen")) {
			return nil
		}
		ins := p.Doc.Instructions[len(p.Doc.Instructions)-1]
		return []transform.Finding{p.Finding("after-tags", ins, "mark the file", emit.Edit{Start: 0, End: 0, New: "# seen\n"})}
	}}
	retag = &transform.Transform{Name: "retag", Run: func(p *transform.Pass) []transform.Finding {
		i := bytes.Index(p.Doc.Src, []byte("# tagged"))
		if i < 0 || bytes.Contains(p.Doc.Src, []byte("# TAGGED")) {
			return nil
		}
		return []transform.Finding{p.Finding("retag", p.Doc.Instructions[1], "shout the tag", emit.Edit{Start: i, End: i + 8, New: "# TAGGED"})}
	}}
	reportOnly = &transform.Transform{Name: "report-only", Run: func(p *transform.Pass) []transform.Finding {
		return []transform.Finding{{Rule: "report-only", Message: "just so", Line: 1}}
	}}
)

func TestFindingFixes(t *testing.T) {
	dir := t.TempDir()
	src := "FROM alpine\nRUN a\nRUN b\n"
	path := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	chain := &transform.Chain{Transforms: []*transform.Transform{tagRuns, afterTags, retag, reportOnly}, Options: transform.Options{Syntax: "never"}}
	res, err := chain.Run(path, []byte(src), nil)
	require.NoError(t, err)
	name := func(p string) string { return "Dockerfile" }
	fixes := FindingFixes(res, name)
	require.Len(t, fixes, len(res.Findings))
	byMsg := map[string][]string{}
	for i, f := range res.Findings {
		byMsg[f.Message] = append(byMsg[f.Message], fixes[i])
	}
	assert.Equal(t, []string{""}, byMsg["just so"], "no fix: none")
	tags := byMsg["tag this RUN"]
	require.Len(t, tags, 2)
	assert.Equal(t, "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n FROM alpine\n-RUN a\n+RUN a # tagged\n RUN b\n", tags[0], "the finding's own edit")
	assert.Equal(t, "--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,3 @@\n FROM alpine\n RUN a\n-RUN b\n+RUN b # tagged\n", tags[1])
	assert.Equal(t, []string{"--- a/Dockerfile\n+++ b/Dockerfile\n@@ -1,3 +1,4 @@\n+# seen\n FROM alpine\n RUN a\n RUN b\n"}, byMsg["mark the file"],
		"a finding born of another rule's edits whose own edit changes only the input: that edit")
	assert.Equal(t, []string{string(Diff(res, name))}, byMsg["shout the tag"], "an edit of another rule's text: the whole diff")
	for _, f := range res.Findings {
		if f.Rule == "retag" {
			assert.Equal(t, "tag-runs", f.BuildsOn)
			assert.Nil(t, f.Edits)
		}
	}

	if _, err := exec.LookPath("git"); err == nil {
		for _, fix := range tags {
			repo := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(repo, "Dockerfile"), []byte(src), 0o644))
			cmd := exec.Command("git", "apply", "-")
			cmd.Dir, cmd.Stdin = repo, strings.NewReader(fix)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
		}
	}
}

func TestDiffWithOtherFiles(t *testing.T) {
	res := &transform.Result{Path: "svc/Dockerfile", Src: []byte("FROM a\n"), Out: []byte("FROM a\n"), Files: []transform.FileChange{
		{Path: "/abs/svc/.dockerignore", New: []byte(".git\n")},
		{Path: "/abs/svc/Dockerfile.dockerignore", Old: []byte("a\n"), New: []byte("a\nb\n")},
	}}
	name := func(p string) string { return strings.TrimPrefix(p, "/abs/") }
	assert.Equal(t, "--- /dev/null\n+++ b/svc/.dockerignore\n@@ -0,0 +1 @@\n+.git\n"+
		"--- a/svc/Dockerfile.dockerignore\n+++ b/svc/Dockerfile.dockerignore\n@@ -1 +1,2 @@\n a\n+b\n", string(Diff(res, name)))
}
