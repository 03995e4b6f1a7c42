// Package syntaxheader is the rule syntax-header: a `# syntax` directive
// for files that use BuildKit-only syntax.
package syntaxheader

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// SyntaxLine is the directive syntax-header adds.
const SyntaxLine = "# syntax=" + transform.UpgradeSyntax

// Rule, syntax-header, adds `# syntax=docker/dockerfile:1` when a fix of
// this run (another rule's) writes the file's first use of BuildKit-only
// syntax that its builder is not already known to support. A file that
// already uses such syntax without the line is built by a builder that
// understands it (and every feature no newer): the line would only add a
// frontend pull, so it gets none. A file whose `# syntax` pins a release
// too old for what it uses, or for the cache mounts cache-mounts would
// add, gets the pin changed to docker/dockerfile:1 as an unsafe fix (a
// newer frontend may build differently).
var Rule = &transform.Transform{
	Name: transform.SyntaxHeaderRule,
	Doc:  "add `# syntax=docker/dockerfile:1` when a fix introduces BuildKit-only syntax (RUN --mount, heredocs, COPY --link, …) newer than any the file already uses; unsafe: update a pin too old for it",
	Run:  runSyntaxHeader,
	// The cache mounts cache-mounts will add may need a newer pin.
	Requires: []*transform.Analysis{cacheplan.Analysis},
}

var gitURL = regexp.MustCompile(`^(git@[^:]+:|git://|https?://[^ ]+\.git(#.*)?$|https?://[^ ]+\.git/?$)`)

// featureUse is an instruction that needs a frontend feature.
type featureUse struct {
	ins  *ast.Instruction
	feat *transform.Feature
	what string // as written: "RUN --mount", "a heredoc"
	at   int    // offset of the text that uses it
}

// buildKitUses lists the BuildKit-only syntax of a document, in order.
func buildKitUses(d *ast.Document) []featureUse {
	var out []featureUse
	for _, ins := range d.Instructions {
		if len(ins.Heredocs) > 0 {
			out = append(out, featureUse{ins, transform.FeatHeredoc, "a heredoc", ins.Heredocs[0].Body.Start})
		}
		for _, f := range ins.Flags {
			if feat := transform.FlagFeatures[ins.Cmd][f.Name]; feat != nil {
				out = append(out, featureUse{ins, feat, ins.Keyword + " --" + f.Name, f.Span.Start})
			}
			if ins.Cmd == "run" && f.Name == "mount" && cacheMountWithIDs(f.Value) {
				out = append(out, featureUse{ins, transform.FeatCacheMountIDs, "uid/gid on a cache mount", f.Span.Start})
			}
		}
		if ins.Cmd == "add" && len(ins.Args) > 1 {
			for _, a := range ins.Args[:len(ins.Args)-1] {
				if gitURL.MatchString(a) {
					out = append(out, featureUse{ins, transform.FeatAddGit, "ADD of a git repository", ins.ArgsStart})
					break
				}
			}
		}
	}
	return out
}

// cacheMountWithIDs reports a `--mount=type=cache,…` value that sets uid or gid.
func cacheMountWithIDs(v string) bool {
	cache, ids := false, false
	for _, kv := range strings.Split(v, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
		switch strings.ToLower(k) {
		case "type":
			cache = val == "cache"
		case "uid", "gid":
			ids = true
		}
	}
	return cache && ids
}

func runSyntaxHeader(p *transform.Pass) []transform.Finding {
	d := p.Doc
	if p.Options.Syntax == "never" {
		return nil
	}
	if fe := transform.FrontendOf(d); fe.Dir != nil {
		return pinTooOld(p, fe)
	}
	edit := emit.Edit{Start: d.ContentStart(), End: d.ContentStart(), New: SyntaxLine + d.EOL()}
	if u, by, ok := firstUnsupported(p, buildKitUses(d)); ok {
		// The input does not need it: the fix of another rule does.
		return []transform.Finding{p.Finding("", u.ins, "the file needs a `# syntax` directive for "+u.what+", which "+by+" adds: pin the Dockerfile frontend", edit)}
	}
	if p.Options.Syntax == "always" {
		return []transform.Finding{{Message: "no `# syntax` directive (--syntax=always)", Line: 1, EndLine: 1, Edits: []emit.Edit{edit}}}
	}
	return nil
}

// firstUnsupported picks the first use another rule's fix wrote (by names
// that rule) of a feature the file's builder is not known to support: the
// input itself uses neither that feature nor one of a stable release at
// least as new.
func firstUnsupported(p *transform.Pass, uses []featureUse) (u featureUse, by string, ok bool) {
	var own []*transform.Feature // what the input itself uses
	for _, x := range uses {
		if p.WrittenBy(x.at) == "" {
			own = append(own, x.feat)
		}
	}
	for _, x := range uses {
		if w := p.WrittenBy(x.at); w != "" && !transform.Implied(x.feat, own) {
			return x, w, true
		}
	}
	return u, "", false
}

// firstUse picks the use a finding is about: the first the input makes
// itself, else the first another rule's fix wrote (by names that rule).
func firstUse(p *transform.Pass, uses []featureUse) (u featureUse, by string, ok bool) {
	for i, x := range uses {
		w := p.WrittenBy(x.at)
		if w == "" {
			return x, "", true
		}
		if i == 0 {
			u, by, ok = x, w, true
		}
	}
	return u, by, ok
}

// pinTooOld proposes docker/dockerfile:1 (unsafe) when the pinned release
// lacks syntax the file uses, or the cache mounts cache-mounts would add.
func pinTooOld(p *transform.Pass, fe transform.Frontend) []transform.Finding {
	var at *ast.Instruction
	var why string
	var lacking []featureUse
	for _, u := range buildKitUses(p.Doc) {
		if knows, ok := fe.Knows(u.feat); ok && !knows {
			lacking = append(lacking, u)
		}
	}
	if u, by, ok := firstUse(p, lacking); ok {
		at, why = u.ins, fe.Lacks(u.feat)+", used at line "+fmt.Sprint(p.InputLine(u.ins.StartLine))
		if by != "" {
			why = fe.Lacks(u.feat) + ", which " + by + " adds at line " + fmt.Sprint(p.InputLine(u.ins.StartLine))
		}
	}
	if at == nil {
		if ins, feat := cacheplan.PinBlockedMount(p, fe); ins != nil {
			at, why = ins, fe.Lacks(feat)+", which cache-mounts would add at line "+fmt.Sprint(p.InputLine(ins.StartLine))
		}
	}
	if at == nil {
		return nil
	}
	edit, ok := transform.PinEdit(p.Doc, fe)
	if !ok {
		return []transform.Finding{p.Finding(transform.SyntaxHeaderRule, at, why+": pin "+fe.Upgrade())}
	}
	f := p.Finding(transform.SyntaxHeaderRule, at, why+": pin "+fe.Upgrade()+" (a newer frontend may build the file differently)", edit)
	f.Unsafe = true
	return []transform.Finding{f}
}
