package report

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// SARIF 2.1.0 (OASIS), the format code-scanning services read.
const (
	SARIFVersion = "2.1.0"
	SARIFSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
)

// SARIF document types (the subset dfopt writes).
type (
	SARIFLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []SARIFRun `json:"runs"`
	}
	SARIFRun struct {
		Tool               SARIFTool                        `json:"tool"`
		OriginalURIBaseIDs map[string]SARIFArtifactLocation `json:"originalUriBaseIds,omitempty"`
		Results            []SARIFResult                    `json:"results"`
		Invocations        []SARIFInvocation                `json:"invocations,omitempty"`
	}
	// SARIFInvocation says whether the run processed every file; the
	// files it could not (unreadable, not a Dockerfile, a broken
	// configuration) are its notifications.
	SARIFInvocation struct {
		ExecutionSuccessful        bool                `json:"executionSuccessful"`
		ToolExecutionNotifications []SARIFNotification `json:"toolExecutionNotifications,omitempty"`
	}
	SARIFNotification struct {
		Level     string          `json:"level"`
		Message   SARIFMessage    `json:"message"`
		Locations []SARIFLocation `json:"locations,omitempty"`
	}
	SARIFTool struct {
		Driver SARIFDriver `json:"driver"`
	}
	SARIFDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri,omitempty"`
		Rules          []SARIFRule `json:"rules"`
	}
	SARIFRule struct {
		ID                   string           `json:"id"`
		ShortDescription     SARIFMessage     `json:"shortDescription"`
		HelpURI              string           `json:"helpUri,omitempty"`
		DefaultConfiguration *SARIFRuleConfig `json:"defaultConfiguration,omitempty"`
		Properties           map[string]any   `json:"properties,omitempty"`
	}
	SARIFRuleConfig struct {
		Level string `json:"level"`
	}
	SARIFMessage struct {
		Text string `json:"text"`
	}
	SARIFResult struct {
		RuleID     string          `json:"ruleId"`
		RuleIndex  *int            `json:"ruleIndex,omitempty"`
		Level      string          `json:"level"`
		Message    SARIFMessage    `json:"message"`
		Locations  []SARIFLocation `json:"locations"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	SARIFLocation struct {
		PhysicalLocation SARIFPhysicalLocation `json:"physicalLocation"`
	}
	SARIFPhysicalLocation struct {
		ArtifactLocation SARIFArtifactLocation `json:"artifactLocation"`
		Region           *SARIFRegion          `json:"region,omitempty"`
	}
	SARIFArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
	}
	SARIFRegion struct {
		StartLine int `json:"startLine"`
		EndLine   int `json:"endLine,omitempty"`
	}
)

// srcRoot names the folder that relative artifact URIs start from.
const srcRoot = "%SRCROOT%"

// sarifWriter streams one run: the tool and its rules first, then each
// result as its file is done, then the closing brackets.
type sarifWriter struct {
	w         io.Writer
	n         int
	ruleIndex map[string]int
	rules     []SARIFRule
	failures  []SARIFNotification
}

func newSARIFWriter(w io.Writer, tool Tool) (*sarifWriter, error) {
	s := &sarifWriter{w: w, ruleIndex: map[string]int{}}
	for _, t := range transform.All() {
		s.addRule(tool, t.Name, t.Doc, !t.Unsafe)
	}
	run := SARIFRun{Tool: SARIFTool{Driver: SARIFDriver{
		Name: tool.Name, Version: tool.Version, InformationURI: tool.InformationURI, Rules: s.rules,
	}}}
	if wd, err := os.Getwd(); err == nil {
		run.OriginalURIBaseIDs = map[string]SARIFArtifactLocation{srcRoot: {URI: fileURI(wd) + "/"}}
	}
	// Everything up to the results array, from the real encoder so the
	// head cannot drift from the types.
	data, err := marshal(SARIFLog{Schema: SARIFSchema, Version: SARIFVersion, Runs: []SARIFRun{run}})
	if err != nil {
		return nil, err
	}
	var indented bytes.Buffer
	if err := json.Indent(&indented, data, "", "  "); err != nil {
		return nil, err
	}
	head := indented.String()
	cut := strings.LastIndex(head, `"results": null`)
	if _, err := io.WriteString(w, head[:cut]+`"results": [`); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *sarifWriter) addRule(tool Tool, id, doc string, safe bool) {
	s.ruleIndex[id] = len(s.rules)
	fix := "safe"
	if !safe {
		fix = "unsafe"
	}
	s.rules = append(s.rules, SARIFRule{
		ID: id, ShortDescription: SARIFMessage{Text: doc}, HelpURI: tool.HelpURI(id),
		DefaultConfiguration: &SARIFRuleConfig{Level: "warning"},
		Properties:           map[string]any{"fix": fix},
	})
}

func (s *sarifWriter) File(f *File) error {
	var b strings.Builder
	for _, x := range f.Findings {
		var idx *int
		if i, ok := s.ruleIndex[x.Rule]; ok {
			idx = &i
		} // else a rule the registry does not know: its id alone
		start := max(x.Line, 1) // file-level findings point at line 1
		level := "warning"
		if !x.Fixable && !x.Applied {
			level = "note" // nothing to change: advice
		}
		r := SARIFResult{
			RuleID: x.Rule, RuleIndex: idx, Level: level,
			Message: SARIFMessage{Text: x.Message},
			Locations: []SARIFLocation{{PhysicalLocation: SARIFPhysicalLocation{
				ArtifactLocation: artifact(f.URI),
				Region:           &SARIFRegion{StartLine: start},
			}}},
			Properties: map[string]any{"fix": strings.TrimSuffix(Class(x), " fix"), "applied": x.Applied},
		}
		if x.EndLine > start {
			r.Locations[0].PhysicalLocation.Region.EndLine = x.EndLine
		}
		if err := element(&b, &s.n, "        ", r); err != nil {
			return err
		}
	}
	_, err := io.WriteString(s.w, b.String())
	return err
}

// Failed records a file that could not be processed.
func (s *sarifWriter) Failed(uri, message string) error {
	n := SARIFNotification{Level: "error", Message: SARIFMessage{Text: message}}
	if uri != "" {
		n.Locations = []SARIFLocation{{PhysicalLocation: SARIFPhysicalLocation{ArtifactLocation: artifact(uri)}}}
	}
	s.failures = append(s.failures, n)
	return nil
}

func (s *sarifWriter) Close() error {
	end := "\n      ]"
	if s.n == 0 {
		end = "]"
	}
	data, err := marshal([]SARIFInvocation{{
		ExecutionSuccessful: len(s.failures) == 0, ToolExecutionNotifications: s.failures,
	}})
	if err != nil {
		return err
	}
	var inv bytes.Buffer
	if err := json.Indent(&inv, data, "      ", "  "); err != nil {
		return err
	}
	_, err = io.WriteString(s.w, end+",\n      \"invocations\": "+inv.String()+"\n    }\n  ]\n}\n")
	return err
}

// artifact locates a file: a relative URI against %SRCROOT% (the working
// directory), or an absolute file: URI.
func artifact(path string) SARIFArtifactLocation {
	if filepath.IsAbs(path) {
		return SARIFArtifactLocation{URI: fileURI(path)}
	}
	return SARIFArtifactLocation{URI: escapePath(filepath.ToSlash(path)), URIBaseID: srcRoot}
}

func fileURI(abs string) string {
	p := escapePath(filepath.ToSlash(abs))
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // C:/x on Windows
	}
	return "file://" + p
}

// escapePath percent-encodes each segment of a slash path.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(url.PathEscape(s), ":", "%3A")
	}
	return strings.Join(parts, "/")
}
