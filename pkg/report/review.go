package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// marshal encodes v as JSON without escaping &, < and > (a shell command
// in a message stays readable).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// element writes v as the next element of a JSON array streamed into b,
// on a line of its own after indent; n counts the elements written.
func element(b *strings.Builder, n *int, indent string, v any) error {
	data, err := marshal(v)
	if err != nil {
		return err
	}
	if *n > 0 {
		b.WriteByte(',')
	}
	b.WriteString("\n" + indent)
	b.Write(data)
	*n++
	return nil
}

// rdjson: reviewdog's Diagnostic Format, one DiagnosticResult. Each fix
// is a line-based suggestion (see Suggestions), which reviewdog's
// github-pr-review reporter posts as a GitHub suggested change.
type (
	RDResult struct {
		Source      RDSource       `json:"source"`
		Severity    string         `json:"severity"`
		Diagnostics []RDDiagnostic `json:"diagnostics"`
	}
	RDSource struct {
		Name string `json:"name"`
		URL  string `json:"url,omitempty"`
	}
	RDDiagnostic struct {
		Message     string         `json:"message"`
		Location    RDLocation     `json:"location"`
		Severity    string         `json:"severity"`
		Code        RDCode         `json:"code"`
		Suggestions []RDSuggestion `json:"suggestions,omitempty"`
	}
	RDLocation struct {
		Path  string  `json:"path"`
		Range RDRange `json:"range"`
	}
	RDCode struct {
		Value string `json:"value"`
		URL   string `json:"url,omitempty"`
	}
	// RDRange without columns is line-based: lines Start..End inclusive.
	RDRange struct {
		Start RDPosition `json:"start"`
		End   RDPosition `json:"end"`
	}
	RDPosition struct {
		Line int `json:"line"`
	}
	RDSuggestion struct {
		Range RDRange `json:"range"`
		Text  string  `json:"text"`
	}
)

type rdjsonWriter struct {
	w    io.Writer
	tool Tool
	n    int
}

func newRDJSONWriter(w io.Writer, tool Tool) (*rdjsonWriter, error) {
	head, err := marshal(RDSource{Name: tool.Name, URL: tool.InformationURI})
	if err != nil {
		return nil, err
	}
	_, err = fmt.Fprintf(w, "{\"source\": %s, \"severity\": \"WARNING\", \"diagnostics\": [", head)
	return &rdjsonWriter{w: w, tool: tool}, err
}

func (r *rdjsonWriter) File(f *File) error {
	var b strings.Builder
	for i, x := range f.Findings {
		line := max(x.Line, 1)
		d := RDDiagnostic{
			Message:  x.Message + " (" + Class(x) + ")",
			Location: RDLocation{Path: f.URI, Range: lineRange(line, max(x.EndLine, line))},
			Severity: "WARNING",
			Code:     RDCode{Value: x.Rule, URL: r.tool.HelpURI(x.Rule)},
		}
		if !x.Fixable && !x.Applied {
			d.Severity = "INFO"
		}
		if s, ok := f.Suggestions[i]; ok {
			d.Suggestions = []RDSuggestion{{Range: lineRange(s.Start, s.End), Text: s.Text}}
		}
		if err := element(&b, &r.n, "  ", d); err != nil {
			return err
		}
	}
	_, err := io.WriteString(r.w, b.String())
	return err
}

func lineRange(start, end int) RDRange {
	return RDRange{Start: RDPosition{start}, End: RDPosition{end}}
}

func (r *rdjsonWriter) Close() error {
	_, err := io.WriteString(r.w, "\n]}\n")
	return err
}

// codeclimate: GitLab's Code Quality report, a JSON array of Code Climate
// issues. Fixable findings are "minor", the others "info".
type (
	CCIssue struct {
		Type        string     `json:"type"`
		CheckName   string     `json:"check_name"`
		Description string     `json:"description"`
		Categories  []string   `json:"categories"`
		Severity    string     `json:"severity"`
		Fingerprint string     `json:"fingerprint"`
		Location    CCLocation `json:"location"`
	}
	CCLocation struct {
		Path  string  `json:"path"`
		Lines CCLines `json:"lines"`
	}
	CCLines struct {
		Begin int `json:"begin"`
		End   int `json:"end"`
	}
)

type codeclimateWriter struct {
	w io.Writer
	n int
}

func (c *codeclimateWriter) File(f *File) error {
	var b strings.Builder
	seen := map[string]int{}
	for _, x := range f.Findings {
		line := max(x.Line, 1)
		// The fingerprint names the finding without its line, so that a
		// finding keeps it when lines above it change; the same finding
		// twice in a file is told apart by its rank.
		key := f.URI + "\x00" + x.Rule + "\x00" + x.Message
		sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d", key, seen[key]))
		seen[key]++
		issue := CCIssue{
			Type: "issue", CheckName: x.Rule, Description: x.Rule + ": " + x.Message + " (" + Class(x) + ")",
			Categories: []string{"Performance"}, Severity: "minor", Fingerprint: hex.EncodeToString(sum[:16]),
			Location: CCLocation{Path: f.URI, Lines: CCLines{Begin: line, End: max(x.EndLine, line)}},
		}
		if !x.Fixable && !x.Applied {
			issue.Severity = "info"
		}
		data, err := marshal(issue)
		if err != nil {
			return err
		}
		if c.n == 0 {
			b.WriteString("[\n")
		} else {
			b.WriteString(",\n")
		}
		c.n++
		b.Write(data)
	}
	_, err := io.WriteString(c.w, b.String())
	return err
}

func (c *codeclimateWriter) Close() error {
	end := "\n]\n"
	if c.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(c.w, end)
	return err
}

// checkstyle: the XML that Jenkins, reviewdog (-f=checkstyle) and many CI
// tools read: one <file> per file with findings, one <error> per finding.
type checkstyleWriter struct {
	w       io.Writer
	started bool
}

// CSError is one <error> element.
type CSError struct {
	XMLName  xml.Name `xml:"error"`
	Line     int      `xml:"line,attr"`
	Column   int      `xml:"column,attr"`
	Severity string   `xml:"severity,attr"`
	Message  string   `xml:"message,attr"`
	Source   string   `xml:"source,attr"`
}

func (c *checkstyleWriter) start() error {
	if c.started {
		return nil
	}
	c.started = true
	_, err := io.WriteString(c.w, xml.Header+"<checkstyle version=\"4.3\">\n")
	return err
}

func (c *checkstyleWriter) File(f *File) error {
	if err := c.start(); err != nil || len(f.Findings) == 0 {
		return err
	}
	var b strings.Builder
	b.WriteString("  <file name=\"")
	if err := xml.EscapeText(&b, []byte(f.Path)); err != nil {
		return err
	}
	b.WriteString("\">\n")
	for _, x := range f.Findings {
		e := CSError{
			Line: max(x.Line, 1), Column: 1, Severity: "warning",
			Message: x.Message + " (" + Class(x) + ")", Source: "dfopt." + x.Rule,
		}
		if !x.Fixable && !x.Applied {
			e.Severity = "info"
		}
		data, err := xml.Marshal(e)
		if err != nil {
			return err
		}
		b.WriteString("    ")
		b.Write(data)
		b.WriteString("\n")
	}
	b.WriteString("  </file>\n")
	_, err := io.WriteString(c.w, b.String())
	return err
}

func (c *checkstyleWriter) Close() error {
	if err := c.start(); err != nil {
		return err
	}
	_, err := io.WriteString(c.w, "</checkstyle>\n")
	return err
}
