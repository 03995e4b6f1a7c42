package transform

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
)

// SyntaxLine is the directive syntax-header adds.
const SyntaxLine = "# syntax=" + UpgradeSyntax

const syntaxHeaderRule = "syntax-header"

// SyntaxHeader adds `# syntax=docker/dockerfile:1` when the file uses
// syntax that only BuildKit's Dockerfile frontend understands. A file
// whose `# syntax` pins a release too old for what it uses, or for the
// cache mounts cache-mounts would add, gets the pin changed to
// docker/dockerfile:1 as an unsafe fix (a newer frontend may build
// differently).
var SyntaxHeader = &Transform{
	Name: syntaxHeaderRule,
	Doc:  "add `# syntax=docker/dockerfile:1` when the file uses BuildKit-only syntax (RUN --mount, heredocs, COPY --link, …); unsafe: update a pin too old for it",
	Run:  runSyntaxHeader,
	// The cache mounts cache-mounts will add may need a newer pin.
	Requires: []*Analysis{CachePlan},
}

var gitURL = regexp.MustCompile(`^(git@[^:]+:|git://|https?://[^ ]+\.git(#.*)?$|https?://[^ ]+\.git/?$)`)

// featureUse is an instruction that needs a frontend feature.
type featureUse struct {
	ins  *ast.Instruction
	feat *Feature
	what string // as written: "RUN --mount", "a heredoc"
	at   int    // offset of the text that uses it
}

// buildKitUses lists the BuildKit-only syntax of a document, in order.
func buildKitUses(d *ast.Document) []featureUse {
	var out []featureUse
	for _, ins := range d.Instructions {
		if len(ins.Heredocs) > 0 {
			out = append(out, featureUse{ins, FeatHeredoc, "a heredoc", ins.Heredocs[0].Body.Start})
		}
		for _, f := range ins.Flags {
			if feat := flagFeatures[ins.Cmd][f.Name]; feat != nil {
				out = append(out, featureUse{ins, feat, ins.Keyword + " --" + f.Name, f.Span.Start})
			}
			if ins.Cmd == "run" && f.Name == "mount" && cacheMountWithIDs(f.Value) {
				out = append(out, featureUse{ins, FeatCacheMountIDs, "uid/gid on a cache mount", f.Span.Start})
			}
		}
		if ins.Cmd == "add" && len(ins.Args) > 1 {
			for _, a := range ins.Args[:len(ins.Args)-1] {
				if gitURL.MatchString(a) {
					out = append(out, featureUse{ins, FeatAddGit, "ADD of a git repository", ins.ArgsStart})
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

func runSyntaxHeader(p *Pass) []Finding {
	d := p.Doc
	if p.Options.Syntax == "never" {
		return nil
	}
	if fe := FrontendOf(d); fe.Dir != nil {
		return pinTooOld(p, fe)
	}
	edit := emit.Edit{Start: d.ContentStart(), End: d.ContentStart(), New: SyntaxLine + d.EOL()}
	u, by, ok := firstUse(p, buildKitUses(d))
	switch {
	case ok && by == "":
		return []Finding{p.Finding("", u.ins, "uses "+u.what+" but has no `# syntax` directive: pin the Dockerfile frontend", edit)}
	case ok:
		// The input does not need it: the fix of another rule does.
		return []Finding{p.Finding("", u.ins, "the file needs a `# syntax` directive for "+u.what+", which "+by+" adds: pin the Dockerfile frontend", edit)}
	case p.Options.Syntax == "always":
		return []Finding{{Message: "no `# syntax` directive (--syntax=always)", Line: 1, EndLine: 1, Edits: []emit.Edit{edit}}}
	}
	return nil
}

// firstUse picks the use a finding is about: the first the input makes
// itself, else the first another rule's fix wrote (by names that rule).
func firstUse(p *Pass, uses []featureUse) (u featureUse, by string, ok bool) {
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
func pinTooOld(p *Pass, fe Frontend) []Finding {
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
		if ins, feat := pinBlockedMount(p, fe); ins != nil {
			at, why = ins, fe.Lacks(feat)+", which cache-mounts would add at line "+fmt.Sprint(p.InputLine(ins.StartLine))
		}
	}
	if at == nil {
		return nil
	}
	edit, ok := pinEdit(p.Doc, fe)
	if !ok {
		return []Finding{p.Finding(syntaxHeaderRule, at, why+": pin "+fe.Upgrade())}
	}
	f := p.Finding(syntaxHeaderRule, at, why+": pin "+fe.Upgrade()+" (a newer frontend may build the file differently)", edit)
	f.Unsafe = true
	return []Finding{f}
}

// pinEdit replaces the value of the `# syntax` directive.
func pinEdit(d *ast.Document, fe Frontend) (emit.Edit, bool) {
	dir := fe.Dir
	text := string(d.Src[dir.Span.Start:dir.Span.End])
	i := strings.LastIndex(text, dir.Value)
	if dir.Value == "" || i < 0 {
		return emit.Edit{}, false
	}
	start := dir.Span.Start + i
	return emit.Edit{Start: start, End: start + len(dir.Value), New: fe.Upgrade()}, true
}

// syntaxPinWillUpdate reports that syntax-header runs in this chain and
// proposes the pin change for a frontend that lacks a feature.
func syntaxPinWillUpdate(p *Pass, fe Frontend) bool {
	if fe.Dir == nil || !fe.Known || p.Options == nil || p.Options.Syntax == "never" || fileIgnores(p.Doc, syntaxHeaderRule) {
		return false
	}
	if _, ok := pinEdit(p.Doc, fe); !ok {
		return false
	}
	return p.InChain[syntaxHeaderRule]
}
