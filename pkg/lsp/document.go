package lsp

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/dfopt/dfopt/pkg/config"
	"github.com/dfopt/dfopt/pkg/transform"
)

// HelpURI is where a rule is documented (the README's section for it).
const HelpURI = "https://github.com/dfopt/dfopt#"

// document is an open Dockerfile and what the chain says about it.
type document struct {
	uri     protocol.DocumentUri
	version protocol.Integer
	text    []byte
	idx     lineIndex
	// res is the chain's result as configured (nil when the file could
	// not be analysed); safe is the result with safe fixes only, for
	// "fix all safe" (res itself unless the configuration asks for
	// unsafe fixes).
	res, safe   *transform.Result
	diagnostics []protocol.Diagnostic // one per finding of res, in order; or the error
}

// pathOf is the file a URI names, "" when it is not a file on disk.
func pathOf(uri protocol.DocumentUri) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme != "file" {
		return ""
	}
	return filepath.FromSlash(u.Path)
}

// analyze runs the chain on a document's text, with the configuration
// `dfopt check` would use for the file and its build context (its folder).
func analyze(uri protocol.DocumentUri, version protocol.Integer, text []byte, loader *config.Loader, loaderErr error) *document {
	d := &document{uri: uri, version: version, text: text, idx: newLineIndex(text), diagnostics: []protocol.Diagnostic{}}
	if loaderErr != nil {
		d.fail("invalid configuration: " + loaderErr.Error())
		return d
	}
	path := pathOf(uri)
	name := path
	if name == "" {
		name = "-" // configuration from the working directory, no build context
	}
	chain, _, err := loader.Chain(name)
	if err != nil {
		d.fail(err.Error())
		return d
	}
	var bctx *transform.BuildContext
	if path != "" {
		if st, err := os.Stat(filepath.Dir(path)); err == nil && st.IsDir() {
			if bctx, err = transform.NewBuildContext(filepath.Dir(path), path); err != nil {
				d.fail("build context: " + err.Error())
				return d
			}
		}
	}
	if name == "-" {
		name = "Dockerfile"
	}
	if d.res, err = chain.Run(name, text, bctx); err != nil {
		d.fail(err.Error())
		return d
	}
	d.safe = d.res
	if chain.Options.Unsafe {
		safe := *chain
		safe.Options.Unsafe = false
		if d.safe, err = safe.Run(name, text, bctx); err != nil {
			d.safe = nil
		}
	}
	for _, f := range d.res.Findings {
		d.diagnostics = append(d.diagnostics, d.diagnostic(f))
	}
	return d
}

// fail makes the document's one diagnostic an error on its first line.
func (d *document) fail(msg string) {
	msg = strings.TrimSpace(msg)
	d.diagnostics = []protocol.Diagnostic{{
		Range:    d.idx.lines(1, 1),
		Severity: ptr(protocol.DiagnosticSeverityError),
		Source:   ptr(Name),
		Message:  "dfopt: " + msg,
	}}
}

// diagnostic is a finding as the editor shows it: on the lines of the
// instruction it is about, a warning when it comes with a fix,
// information when it only reports.
func (d *document) diagnostic(f transform.Reported) protocol.Diagnostic {
	sev := protocol.DiagnosticSeverityInformation
	if f.Fixable {
		sev = protocol.DiagnosticSeverityWarning
	}
	end := f.EndLine
	if end < f.Line {
		end = f.Line
	}
	return protocol.Diagnostic{
		Range:           d.idx.lines(f.Line, end),
		Severity:        &sev,
		Code:            &protocol.IntegerOrString{Value: f.Rule},
		CodeDescription: &protocol.CodeDescription{HRef: HelpURI + f.Rule},
		Source:          ptr(Name),
		Message:         f.Message,
	}
}
