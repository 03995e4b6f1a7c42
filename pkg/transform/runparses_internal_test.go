package transform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/internal/corpustest"
	"github.com/dfopt/dfopt/pkg/ast"
)

// wholeRunParses is readRun the long way, as it was before
// ast.ReadRun: the whole wrapper document parsed by ast.Parse.
func wholeRunParses(esc rune, out []byte) bool {
	doc, err := ast.Parse("check", ast.RunWrapper(esc, out))
	if err != nil || len(doc.Instructions) != 3 || doc.Instructions[2].Cmd != "label" {
		return false
	}
	return doc.Shell(doc.Instructions[1]) != nil
}

// runTextVariants are texts of one instruction and edits of them of the
// kinds the rules make or could break: words removed, flags added (good
// and bad), a continuation or a comment at the end, heredocs with and
// without a body, a comment line inside, a line of another instruction,
// bytes Parse refuses.
func runTextVariants(text string, esc string) []string {
	out := []string{text}
	body := strings.TrimRight(text, "\r\n")
	first, rest, _ := strings.Cut(body, "\n")
	kw, args, _ := strings.Cut(first, " ")
	add := func(s ...string) { out = append(out, s...) }
	add(body, body+" "+esc, body+" "+esc+"\n", body+" "+esc+"\n# c\n", body+" "+esc+"\n\n",
		body+"\n# c", body+" # c", body+" <<EOF", body+" <<EOF\necho hi\nEOF\n", body+" <<-EOF\n\techo hi\n\tEOF",
		kw+" --mount=type=cache,target=/x "+args+"\n"+rest, kw+" --bogus=1 "+args+"\n"+rest,
		kw+" --mount=type=nope "+args+"\n"+rest, kw+" --network=none "+esc+"\n    "+args+"\n"+rest,
		first+" "+esc+"\n# inside\n"+rest, body+"\nRUN true", body+"\nLABEL a=b "+esc,
		"\ufeff"+body, body+"\x00", body+"\xff", "# c\n"+body, "  "+body, body+" &&", body+" '")
	if rest != "" {
		add(first+"\n", first+"\n"+strings.Replace(rest, "\n", "\n\n", 1))
	}
	// Each of the first words taken out, with the blank before it.
	for i, k := 0, 0; i < len(body) && k < 8; i++ {
		if body[i] != ' ' {
			continue
		}
		j := i + 1
		for j < len(body) && body[j] != ' ' && body[j] != '\n' {
			j++
		}
		add(body[:i] + body[j:])
		k++
	}
	return out
}

// TestReadRunAsWholeParse proves ast.ReadRun's shortcut: on every
// instruction of the goldens and the corpus, and on edited variants,
// under both escape characters, readRun gives what the whole parse
// of the wrapper gives. The whole corpus takes a minute: it is read with
// $DFOPT_CHECK_REPARSE (the proof of the shortcuts).
func TestReadRunAsWholeParse(t *testing.T) {
	var texts []string
	// The tests always set ast.CheckReparse: the whole corpus is read
	// when $DFOPT_CHECK_REPARSE asks for the proof, its first thirty files
	// otherwise.
	limit := 30
	if os.Getenv("DFOPT_CHECK_REPARSE") != "" {
		limit = 0
	}
	docs := testDocs(t, limit)
	for _, d := range docs {
		for _, ins := range d.Instructions {
			if ins.Cmd != "run" && len(texts) > 3000 {
				continue // the first documents' (the goldens') every instruction
			}
			texts = append(texts, string(d.Src[ins.Span.Start:ins.Next]))
		}
	}
	texts = append(texts, "", "\n", "RUN", "RUN \\", "RUN [\"a\"]", "RUN <<EOF\nEOF\n", "RUN a\r\nLABEL b=c\r\n")
	n, yes := 0, 0
	for _, text := range texts {
		for _, esc := range []rune{'\\', '`'} {
			for _, v := range runTextVariants(text, string(esc)) {
				want := wholeRunParses(esc, []byte(v))
				if _, got := readRun(esc, []byte(v)); got != want {
					t.Fatalf("escape %q, text %q: readRun %v, the whole parse %v", esc, v, got, want)
				}
				n++
				if want {
					yes++
				}
			}
		}
	}
	t.Logf("%d texts from %d documents, %d of them one RUN the shell analysis reads", n, len(docs), yes)
}

// BenchmarkRunParses is readRun on every RUN of the corpus, as they
// stand and with a continuation at the end; Whole is the long way.
func BenchmarkRunParses(b *testing.B) {
	var texts [][]byte
	for _, d := range corpustest.Docs(b) {
		for _, ins := range d.Instructions {
			if ins.Cmd == "run" {
				t := d.Src[ins.Span.Start:ins.Span.End]
				texts = append(texts, t, append(append([]byte(nil), t...), " \\"...))
			}
		}
	}
	for _, c := range []struct {
		name string
		f    func(rune, []byte) bool
	}{{"ReadRun", func(esc rune, text []byte) bool { _, ok := readRun(esc, text); return ok }}, {"Whole", wholeRunParses}} {
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for _, t := range texts {
					c.f('\\', t)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(texts)), "ns/text")
		})
	}
}

// testDocs are the goldens' Dockerfiles that parse, then the corpus's
// documents when it is present (its first limit ones when limit > 0).
func testDocs(t *testing.T, limit int) []*ast.Document {
	t.Helper()
	dirs, _ := filepath.Glob("../../golden/*/Dockerfile")
	var docs []*ast.Document
	for _, f := range dirs {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if d, err := ast.Parse(f, src); err == nil {
			docs = append(docs, d)
		}
	}
	if _, err := os.Stat(corpustest.Dir()); err == nil && corpustest.Dir() != "" {
		corpus := corpustest.Docs(t)
		if limit > 0 && len(corpus) > limit {
			corpus = corpus[:limit]
		}
		docs = append(docs, corpus...)
	}
	return docs
}
