// Package report writes dfopt's findings for people and machines: text,
// JSON, SARIF 2.1.0, GitHub workflow annotations, reviewdog's rdjson (with
// suggested changes), checkstyle XML and GitLab Code Quality (Code
// Climate JSON), plus statistics, the
// end-of-run summary, colored diffs and diffstats.
//
// Writers stream: a file's findings are written as soon as the file is
// done, so memory does not grow with the number of files.
package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
)

// Tool describes dfopt in machine-readable reports.
type Tool struct {
	Name           string // dfopt
	Version        string
	InformationURI string // the project page; rule help links are InformationURI#rule-name
}

// HelpURI is the documentation of a rule: its section of the README.
func (t Tool) HelpURI(rule string) string { return t.InformationURI + "#" + rule }

// File is one file's findings, in the order they are reported.
type File struct {
	Path     string // as the user named it (text and JSON)
	URI      string // slash path relative to the working directory (SARIF, GitHub)
	Findings []transform.Reported
	// Fixes are the findings' fixes as unified diffs, index for index
	// ("" for none); only the JSON format uses them (see FindingFixes).
	Fixes []string
	// Suggestions are the fix as line-based suggestions, by finding
	// index; only the rdjson format uses them (see Suggestions).
	Suggestions map[int]Suggestion
}

// Writer writes findings file after file.
type Writer interface {
	File(f *File) error
	Close() error // ends the document
}

// FailureWriter is a Writer that records the files that could not be
// processed (SARIF's toolExecutionNotifications).
type FailureWriter interface {
	Failed(uri, message string) error
}

// Formats are the names NewWriter accepts.
var Formats = []string{"text", "json", "sarif", "github", "rdjson", "checkstyle", "codeclimate"}

// NewWriter starts a report in format.
func NewWriter(format string, w io.Writer, tool Tool) (Writer, error) {
	switch format {
	case "text", "":
		return &textWriter{w: w}, nil
	case "json":
		return &jsonWriter{w: w}, nil
	case "sarif":
		return newSARIFWriter(w, tool)
	case "github":
		return &githubWriter{w: w}, nil
	case "rdjson":
		return newRDJSONWriter(w, tool)
	case "checkstyle":
		return &checkstyleWriter{w: w}, nil
	case "codeclimate":
		return &codeclimateWriter{w: w}, nil
	}
	return nil, fmt.Errorf("--format must be one of %s, not %q", strings.Join(Formats, ", "), format)
}

// Class is how a finding's fix is described: "safe fix", "unsafe fix"
// (it changes the image: applied only with --unsafe) or "no fix".
func Class(f transform.Reported) string {
	switch {
	case !f.Fixable && !f.Applied:
		return "no fix"
	case !Safe(f):
		return "unsafe fix"
	}
	return "safe fix"
}

// Safe reports whether a finding's fix cannot change the image: neither
// the fix nor its rule is unsafe.
func Safe(f transform.Reported) bool {
	if f.Unsafe {
		return false
	}
	t := transform.Lookup(f.Rule)
	return t == nil || !t.Unsafe
}

// textWriter: `path:line: rule: message (safe fix)`.
type textWriter struct{ w io.Writer }

func (t *textWriter) File(f *File) error {
	var b strings.Builder
	for _, x := range f.Findings {
		fmt.Fprintf(&b, "%s:%d: %s: %s (%s)\n", f.Path, x.Line, x.Rule, x.Message, Class(x))
	}
	_, err := io.WriteString(t.w, b.String())
	return err
}

func (t *textWriter) Close() error { return nil }

// JSONFinding is one object of the JSON report.
type JSONFinding struct {
	Path    string `json:"path"`
	Line    int    `json:"line"`
	EndLine int    `json:"end_line"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// Safe: the fix cannot change what the image contains.
	Safe bool `json:"safe"`
	// Applied: the fix is in what dfopt fix writes with these options
	// (unsafe fixes need --unsafe).
	Applied bool `json:"applied"`
	// Fix is the finding's fix as a unified diff; null when it has none.
	Fix *string `json:"fix"`
	// BuildsOn names the rule whose edits the fix changes: the fix cannot
	// be shown alone, and Fix is the file's whole diff (when applied).
	BuildsOn string `json:"builds_on,omitempty"`
}

// jsonWriter writes one JSON array, one finding object per line.
type jsonWriter struct {
	w io.Writer
	n int
}

func (j *jsonWriter) File(f *File) error {
	var b strings.Builder
	for i, x := range f.Findings {
		o := JSONFinding{
			Path: f.Path, Line: x.Line, EndLine: max(x.EndLine, x.Line), Rule: x.Rule, Message: x.Message,
			Safe: Safe(x), Applied: x.Applied, BuildsOn: x.BuildsOn,
		}
		if i < len(f.Fixes) && f.Fixes[i] != "" {
			o.Fix = &f.Fixes[i]
		}
		data, err := marshal(o)
		if err != nil {
			return err
		}
		if j.n == 0 {
			b.WriteString("[\n")
		} else {
			b.WriteString(",\n")
		}
		j.n++
		b.Write(data)
	}
	_, err := io.WriteString(j.w, b.String())
	return err
}

func (j *jsonWriter) Close() error {
	end := "\n]\n"
	if j.n == 0 {
		end = "[]\n"
	}
	_, err := io.WriteString(j.w, end)
	return err
}

// githubWriter writes workflow commands that GitHub Actions turns into
// annotations on the pull request:
//
//	::warning file=svc/Dockerfile,line=3,endLine=5,title=dfopt/merge-runs::message (safe fix)
type githubWriter struct{ w io.Writer }

func (g *githubWriter) File(f *File) error {
	var b strings.Builder
	for _, x := range f.Findings {
		line := max(x.Line, 1)
		fmt.Fprintf(&b, "::warning file=%s,line=%d", ghProperty(f.URI), line)
		if x.EndLine > line {
			fmt.Fprintf(&b, ",endLine=%d", x.EndLine)
		}
		fmt.Fprintf(&b, ",title=%s::%s\n", ghProperty("dfopt/"+x.Rule), ghData(x.Message+" ("+Class(x)+")"))
	}
	_, err := io.WriteString(g.w, b.String())
	return err
}

func (g *githubWriter) Close() error { return nil }

var (
	ghDataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	ghPropertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

func ghData(s string) string     { return ghDataEscaper.Replace(s) }
func ghProperty(s string) string { return ghPropertyEscaper.Replace(s) }
