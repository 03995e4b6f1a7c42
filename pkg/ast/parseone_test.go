package ast

import (
	"reflect"
	"testing"
)

// TestTakeShell proves the hand-over of a shell analysis: every RUN of
// the goldens (and of the corpus with $DFOPT_CORPUS) takes the analysis
// ReadRun made of its text, in another document at another offset, when
// it runs under /bin/sh -c, and takes it as the analysis it would make
// itself. An instruction under another shell, or with another text, takes
// nothing.
func TestTakeShell(t *testing.T) {
	taken := 0
	for _, d := range testDocuments(t) {
		fresh, err := Parse(d.Path, d.Src)
		if err != nil {
			t.Fatal(err)
		}
		for i, ins := range d.Instructions {
			if ins.Cmd != "run" || ins.StartLine == 1 {
				continue
			}
			rt, ok := ReadRun(d.Escape, d.Src[ins.Span.Start:ins.Next])
			if !ok {
				continue
			}
			want := d.Shell(ins)
			f := fresh.Instructions[i]
			fresh.TakeShell(f, rt)
			if f.prior != nil {
				taken++
			}
			got := fresh.Shell(f)
			if !reflect.DeepEqual(scriptView(got), scriptView(want)) {
				t.Fatalf("%s:%d: taken %+v, want %+v", d.Path, ins.StartLine, scriptView(got), scriptView(want))
			}
			if want != nil && got != nil && got.Text != want.Text {
				t.Fatalf("%s:%d: texts differ", d.Path, ins.StartLine)
			}
		}
	}
	if taken == 0 {
		t.Fatal("no analysis was handed on")
	}
	t.Logf("%d analyses handed on", taken)
}
