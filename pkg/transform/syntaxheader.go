package transform

import (
	"regexp"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// SyntaxLine is the directive syntax-header adds.
const SyntaxLine = "# syntax=docker/dockerfile:1"

// SyntaxHeader adds `# syntax=docker/dockerfile:1` when the file uses
// syntax that only BuildKit's Dockerfile frontend understands.
var SyntaxHeader = Register(&Transform{
	Name:  "syntax-header",
	Doc:   "add `# syntax=docker/dockerfile:1` when the file uses BuildKit-only syntax (RUN --mount, heredocs, COPY --link, …)",
	Order: 1000, // last: it looks at what the other transforms wrote
	Run:   runSyntaxHeader,
})

// buildkitFlags are the instruction flags the classic builder lacks.
var buildkitFlags = map[string]map[string]bool{
	"run":  {"mount": true, "network": true, "security": true, "device": true},
	"copy": {"link": true, "chmod": true, "exclude": true, "parents": true},
	"add":  {"link": true, "chmod": true, "exclude": true, "checksum": true, "keep-git-dir": true},
}

var gitURL = regexp.MustCompile(`^(git@[^:]+:|git://|https?://[^ ]+\.git(#.*)?$|https?://[^ ]+\.git/?$)`)

// BuildKitOnly returns the first instruction that needs BuildKit's frontend
// and why, or nil.
func BuildKitOnly(d *ast.Document) (*ast.Instruction, string) {
	for _, ins := range d.Instructions {
		if len(ins.Heredocs) > 0 {
			return ins, "a heredoc"
		}
		for _, f := range ins.Flags {
			if buildkitFlags[ins.Cmd][f.Name] {
				return ins, ins.Keyword + " --" + f.Name
			}
		}
		if ins.Cmd == "add" && len(ins.Args) > 1 {
			for _, a := range ins.Args[:len(ins.Args)-1] {
				if gitURL.MatchString(a) {
					return ins, "ADD of a git repository"
				}
			}
		}
	}
	return nil, ""
}

func runSyntaxHeader(p *Pass) []Finding {
	d := p.Doc
	if d.Directive("syntax") != nil || p.Options.Syntax == "never" {
		return nil
	}
	ins, why := BuildKitOnly(d)
	msg := "uses " + why + " but has no `# syntax` directive: pin the Dockerfile frontend"
	line := 1
	if ins != nil {
		line = ins.StartLine
	} else if p.Options.Syntax != "always" {
		return nil
	} else {
		msg = "no `# syntax` directive (--syntax=always)"
	}
	edit := emit.Edit{Start: d.ContentStart(), End: d.ContentStart(), New: SyntaxLine + d.EOL()}
	return []Finding{{Message: msg, Line: line, EndLine: line, Edits: []emit.Edit{edit}}}
}
