package report

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// validate checks a document against a vendored published schema.
func validate(t *testing.T, schemaFile, doc string) {
	t.Helper()
	require.NoError(t, schemaError(t, schemaFile, doc), doc)
}

func schemaError(t *testing.T, schemaFile, doc string) error {
	t.Helper()
	f, err := os.Open("testdata/schema/" + schemaFile)
	require.NoError(t, err)
	defer f.Close()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource(schemaFile, schemaDoc))
	sch, err := c.Compile(schemaFile)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
	require.NoError(t, err, doc)
	return sch.Validate(inst)
}

func TestSARIFSchema(t *testing.T) {
	validate(t, "sarif-schema-2.1.0.json", render(t, "sarif", sample()))
	validate(t, "sarif-schema-2.1.0.json", render(t, "sarif", nil))
	// The schema is strict enough to catch a wrong level.
	bad := strings.Replace(render(t, "sarif", sample()), `"level":"warning"`, `"level":"bogus"`, 1)
	assert.Error(t, schemaError(t, "sarif-schema-2.1.0.json", bad))
}

// A file that could not be processed is a notification of a run that
// did not succeed; findings without a fix are notes.
func TestSARIFInvocations(t *testing.T) {
	var b strings.Builder
	w, err := NewWriter("sarif", &b, testTool)
	require.NoError(t, err)
	for _, f := range sample() {
		require.NoError(t, w.File(f))
	}
	require.NoError(t, w.(FailureWriter).Failed("bad/Dockerfile", "bad/Dockerfile: dockerfile parse error on line 2: unknown instruction: FORM"))
	require.NoError(t, w.Close())
	validate(t, "sarif-schema-2.1.0.json", b.String())
	var doc SARIFLog
	require.NoError(t, json.Unmarshal([]byte(b.String()), &doc))
	run := doc.Runs[0]
	require.Len(t, run.Invocations, 1)
	inv := run.Invocations[0]
	assert.False(t, inv.ExecutionSuccessful)
	require.Len(t, inv.ToolExecutionNotifications, 1)
	n := inv.ToolExecutionNotifications[0]
	assert.Equal(t, "error", n.Level)
	assert.Contains(t, n.Message.Text, "unknown instruction")
	assert.Equal(t, "bad/Dockerfile", n.Locations[0].PhysicalLocation.ArtifactLocation.URI)
	assert.Equal(t, []string{"warning", "note", "warning"}, []string{run.Results[0].Level, run.Results[1].Level, run.Results[2].Level})

	var ok SARIFLog
	require.NoError(t, json.Unmarshal([]byte(render(t, "sarif", sample())), &ok))
	assert.True(t, ok.Runs[0].Invocations[0].ExecutionSuccessful)
	assert.Empty(t, ok.Runs[0].Invocations[0].ToolExecutionNotifications)
}

func TestRDJSONSchema(t *testing.T) {
	files := sample()
	files[0].Suggestions = map[int]Suggestion{0: {Start: 3, End: 5, Text: "RUN a && \\\n    b <c> & d"}}
	out := render(t, "rdjson", files)
	validate(t, "rdjson-DiagnosticResult.json", out)
	validate(t, "rdjson-DiagnosticResult.json", render(t, "rdjson", nil))
	bad := strings.Replace(out, `"severity":"INFO"`, `"severity":"NOTICE"`, 1)
	assert.Error(t, schemaError(t, "rdjson-DiagnosticResult.json", bad))
	assert.Contains(t, out, "b <c> & d", "no HTML escaping")
	var doc RDResult
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	require.Len(t, doc.Diagnostics, 3)
	d := doc.Diagnostics[0]
	assert.Equal(t, "svc/api/Dockerfile", d.Location.Path)
	assert.Equal(t, lineRange(3, 5), d.Location.Range)
	assert.Equal(t, "syntax-header", d.Code.Value)
	assert.Equal(t, []RDSuggestion{{Range: lineRange(3, 5), Text: "RUN a && \\\n    b <c> & d"}}, d.Suggestions)
	assert.Equal(t, "INFO", doc.Diagnostics[1].Severity, "no fix")
	assert.Equal(t, lineRange(1, 1), doc.Diagnostics[1].Location.Range, "file-level: line 1")
	assert.Equal(t, "WARNING", doc.Diagnostics[2].Severity)
}

// GitLab documents the Code Quality fields it reads: description,
// check_name, fingerprint (unique), severity (info, minor, major,
// critical, blocker), location.path, location.lines.begin.
func TestCodeClimate(t *testing.T) {
	files := sample()
	files[0].Findings = append(files[0].Findings, files[0].Findings[0]) // the same finding twice
	out := render(t, "codeclimate", files)
	var issues []map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &issues), out)
	require.Len(t, issues, 4)
	prints := map[string]bool{}
	for _, is := range issues {
		for _, k := range []string{"description", "check_name", "fingerprint", "severity"} {
			assert.IsType(t, "", is[k], k)
			assert.NotEmpty(t, is[k], k)
		}
		assert.Contains(t, []string{"info", "minor", "major", "critical", "blocker"}, is["severity"])
		loc := is["location"].(map[string]any)
		assert.NotEmpty(t, loc["path"])
		assert.GreaterOrEqual(t, loc["lines"].(map[string]any)["begin"], 1.0)
		prints[is["fingerprint"].(string)] = true
	}
	assert.Len(t, prints, 4, "fingerprints are unique")
	assert.Equal(t, "info", issues[1]["severity"])
	assert.Equal(t, "[]\n", render(t, "codeclimate", nil))
}

// Checkstyle's XML: <checkstyle><file name><error line column severity
// message source/></file></checkstyle>, as checkstyle writes it.
func TestCheckstyle(t *testing.T) {
	out := render(t, "checkstyle", sample())
	assert.True(t, strings.HasPrefix(out, `<?xml version="1.0" encoding="UTF-8"?>`), out)
	var doc struct {
		XMLName xml.Name `xml:"checkstyle"`
		Files   []struct {
			Name   string `xml:"name,attr"`
			Errors []struct {
				Line     int    `xml:"line,attr"`
				Severity string `xml:"severity,attr"`
				Message  string `xml:"message,attr"`
				Source   string `xml:"source,attr"`
			} `xml:"error"`
		} `xml:"file"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &doc), out)
	require.Len(t, doc.Files, 2, "files without findings are left out")
	assert.Equal(t, "svc/api/Dockerfile", doc.Files[0].Name)
	e := doc.Files[0].Errors
	require.Len(t, e, 2)
	assert.Equal(t, 3, e[0].Line)
	assert.Equal(t, "warning", e[0].Severity)
	assert.Equal(t, "dfopt.syntax-header", e[0].Source)
	assert.Equal(t, "file-level, with a comma, a colon: and\na newline 100% (no fix)", e[1].Message, "attribute escaping round-trips")
	assert.Equal(t, "info", e[1].Severity)
	assert.Equal(t, 1, e[1].Line)
	empty := render(t, "checkstyle", nil)
	assert.Equal(t, xml.Header+"<checkstyle version=\"4.3\">\n</checkstyle>\n", empty)
}
