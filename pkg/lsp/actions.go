package lsp

import (
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
)

// actions are the code actions for a range of the document: a quick fix
// for each finding on those lines whose fix can be applied on its own,
// "fix all safe" for a finding whose fix builds on another rule's, and
// "fix all safe" as a source action.
func (d *document) actions(rng protocol.Range, only []protocol.CodeActionKind) []protocol.CodeAction {
	out := []protocol.CodeAction{}
	if d.res == nil {
		return out
	}
	fixAll := d.fixAllEdit()
	for i, f := range d.res.Findings {
		diag := d.diagnostics[i]
		if !f.Fixable || !overlaps(diag.Range, rng) || !wanted(protocol.CodeActionKindQuickFix, only) {
			continue
		}
		unsafe := !f.Applied
		switch {
		case f.BuildsOn != "":
			if unsafe || fixAll == nil {
				continue // neither alone nor among the safe fixes
			}
			out = append(out, protocol.CodeAction{
				Title:       fmt.Sprintf("dfopt: fix all safe (this %s fix builds on %s's)", f.Rule, f.BuildsOn),
				Kind:        ptr(protocol.CodeActionKindQuickFix),
				Diagnostics: []protocol.Diagnostic{diag},
				Edit:        fixAll,
			})
		case len(f.Edits) > 0 || len(f.Files) > 0:
			title := fmt.Sprintf("dfopt: fix %s", f.Rule)
			if unsafe {
				title += " (unsafe: changes what the image contains)"
			}
			out = append(out, protocol.CodeAction{
				Title:       title,
				Kind:        ptr(protocol.CodeActionKindQuickFix),
				Diagnostics: []protocol.Diagnostic{diag},
				IsPreferred: ptr(!unsafe),
				Edit:        d.workspaceEdit(dedupe(f.Edits), f.Files),
			})
		}
	}
	if fixAll != nil && wanted(SourceFixAll, only) {
		out = append(out, protocol.CodeAction{Title: "dfopt: fix all safe", Kind: ptr(SourceFixAll), Edit: fixAll})
	}
	return out
}

// fixAllEdit is the edit that gives the output of the chain with safe
// fixes only, or nil when it changes nothing.
func (d *document) fixAllEdit() *protocol.WorkspaceEdit {
	if d.safe == nil || !d.safe.Changed() {
		return nil
	}
	var edits []emit.Edit
	if string(d.safe.Src) != string(d.safe.Out) {
		pre, suf := commonLines(d.safe.Src, d.safe.Out)
		edits = append(edits, emit.Edit{Start: pre, End: len(d.safe.Src) - suf, New: string(d.safe.Out[pre : len(d.safe.Out)-suf])})
	}
	return d.workspaceEdit(edits, d.safe.Files)
}

// workspaceEdit expresses edits of the document (against its text) and
// changes of other files. Without other files it is a plain map of
// changes, which every client applies; with them it is a list of
// document changes that creates the files that do not exist.
func (d *document) workspaceEdit(edits []emit.Edit, files []transform.FileChange) *protocol.WorkspaceEdit {
	text := make([]protocol.TextEdit, len(edits))
	for i, e := range edits {
		text[i] = protocol.TextEdit{Range: d.idx.span(e.Start, e.End), NewText: e.New}
	}
	if len(files) == 0 {
		return &protocol.WorkspaceEdit{Changes: map[protocol.DocumentUri][]protocol.TextEdit{d.uri: text}}
	}
	var changes []any
	if len(text) > 0 {
		changes = append(changes, protocol.TextDocumentEdit{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{
				TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: d.uri}, Version: ptr(d.version),
			},
			Edits: anys(text),
		})
	}
	for _, f := range files {
		uri := fileURI(f.Path)
		old := newLineIndex(f.Old)
		if f.Old == nil {
			changes = append(changes, protocol.CreateFile{Kind: "create", URI: uri})
		}
		changes = append(changes, protocol.TextDocumentEdit{
			TextDocument: protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: uri}},
			Edits:        []any{protocol.TextEdit{Range: old.span(0, len(f.Old)), NewText: string(f.New)}},
		})
	}
	return &protocol.WorkspaceEdit{DocumentChanges: changes}
}

func anys[T any](l []T) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = v
	}
	return out
}

// dedupe drops an edit equal to the one before it: a text copied as it
// was and edited in both places gives the same edit of the input twice.
func dedupe(edits []emit.Edit) []emit.Edit {
	out := slices.Clone(edits)
	slices.SortStableFunc(out, func(a, b emit.Edit) int { return a.Start - b.Start })
	return slices.CompactFunc(out, func(a, b emit.Edit) bool {
		return a.Start == b.Start && a.End == b.End && a.New == b.New
	})
}

// fileURI is the file:// URI of an absolute path.
func fileURI(path string) protocol.DocumentUri {
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
}

// overlaps reports whether two ranges share a line.
func overlaps(a, b protocol.Range) bool {
	return a.Start.Line <= b.End.Line && b.Start.Line <= a.End.Line
}

// wanted reports whether an action of kind k answers a request for the
// kinds in only (all kinds when only is empty): "source" asks for
// "source.fixAll.dfopt" too.
func wanted(k protocol.CodeActionKind, only []protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	for _, o := range only {
		if k == o || strings.HasPrefix(k, o+".") {
			return true
		}
	}
	return false
}
