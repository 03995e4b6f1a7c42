package ast

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// testDocuments parses the golden inputs and, with $DFOPT_CORPUS, the
// corpus: the documents the speed tests measure.
func testDocuments(tb testing.TB) []*Document {
	files, _ := filepath.Glob("../../golden/*/Dockerfile")
	if dir := os.Getenv("DFOPT_CORPUS"); dir != "" {
		more, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, more...)
	}
	var docs []*Document
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		if d, err := Parse(f, src); err == nil {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		tb.Skip("no documents")
	}
	return docs
}

// The walk that lists a script's commands skips words without
// expansions: it finds what a walk of every node finds.
func TestScriptWalk(t *testing.T) {
	n := 0
	for _, d := range testDocuments(t) {
		for _, ins := range d.Instructions {
			sc := d.Shell(ins)
			if sc == nil {
				continue
			}
			n++
			var calls []*syntax.CallExpr
			comments, background := false, false
			syntax.Walk(sc.File, func(n syntax.Node) bool {
				switch n := n.(type) {
				case *syntax.CallExpr:
					if len(n.Args) > 0 {
						calls = append(calls, n)
					}
				case *syntax.Comment:
					comments = true
				case *syntax.Stmt:
					background = background || n.Background
				}
				return true
			})
			if len(calls) != len(sc.Commands) || comments != sc.Comments || background != sc.Background {
				t.Fatalf("%s:%d: %d commands, comments %v, background %v; want %d, %v, %v",
					d.Path, ins.StartLine, len(sc.Commands), sc.Comments, sc.Background, len(calls), comments, background)
			}
			for i, c := range calls {
				if sc.Commands[i].Call != c {
					t.Fatalf("%s:%d: command %d is not the walk's", d.Path, ins.StartLine, i)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no scripts")
	}
}

// BenchmarkShell is the shell analysis of every RUN of the documents.
func BenchmarkShell(b *testing.B) {
	docs := testDocuments(b)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for _, d := range docs {
			for _, ins := range d.Instructions {
				d.shell(ins)
			}
		}
	}
}

// The arguments' first byte in the logical line is found by a search:
// the offsets of the line's bytes grow, so the first byte at or past
// ArgsStart is the one a scan finds.
func TestArgsSearch(t *testing.T) {
	for _, d := range testDocuments(t) {
		for _, ins := range d.Instructions {
			j := &ins.joined
			for i := 1; i < j.off.len(); i++ {
				if j.off.at(i) <= j.off.at(i-1) {
					t.Fatalf("%s:%d: offsets of bytes %d and %d do not grow", d.Path, ins.StartLine, i-1, i)
				}
			}
		}
	}
}

// BenchmarkReparseContains: the Contains answers of a Reparse'd document
// for strings its old text lacks, taken over (the changed parts
// searched) or searched in the whole text.
func BenchmarkReparseContains(b *testing.B) {
	src, err := os.ReadFile("../../golden/safe-reorder-reads-context/Dockerfile")
	if err != nil {
		b.Skip(err)
	}
	words := []string{".npmrc", ".pypirc", ".netrc", "id_rsa", ".git-credentials", ".dockercfg",
		".aws/credentials", "settings.xml", ".yarnrc", "pip.conf", "hadolint", "dfopt:ignore-file"}
	old, err := Parse("Dockerfile", src)
	if err != nil {
		b.Fatal(err)
	}
	for _, w := range words {
		old.Contains(w)
	}
	i := bytes.Index(src, []byte("RUN "))
	out := append(append(append([]byte(nil), src[:i]...), "RUN true && "...), src[i+4:]...)
	changes := []Change{{i, i + 4, len("RUN true && ")}}
	d, err := Reparse(old, out, changes)
	if err != nil {
		b.Fatal(err)
	}
	for _, inherit := range []bool{true, false} {
		b.Run(map[bool]string{true: "inherited", false: "searched"}[inherit], func(b *testing.B) {
			for range b.N {
				d.contains = nil
				if inherit {
					d.inheritContains(old, changes)
				}
				for _, w := range words {
					d.Contains(w)
				}
			}
		})
	}
}
