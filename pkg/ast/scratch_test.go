package ast

import (
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	src := "\xef\xbb\xbf# syntax=docker/dockerfile:1\r\n# escape=\\\r\nFROM golang:1.22 AS build\r\nRUN --mount=type=cache,target=/root/.cache \\\r\n  # comment\r\n\r\n   go build -o /x . && \\\r\n  PIP_NO_CACHE_DIR=1 pip install 'a b' \"c$D\"\r\nRUN <<EOF\r\napt-get update\r\nEOF\r\nCOPY <<a <<b /\r\nx\r\na\r\ny\r\nb\r\n"
	d, err := Parse("x", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%+v\n", d.Directives)
	for _, in := range d.Instructions {
		fmt.Printf("%s %d-%d %q flags=%+v args=%q argsStart=%q heredocs=%+v\n", in.Keyword, in.StartLine, in.EndLine, in.Text(d), in.Flags, in.Args, src[in.ArgsStart:min(len(src), in.ArgsStart+10)], in.Heredocs)
		if s := d.Shell(in); s != nil {
			fmt.Printf("  shell %q\n", s.Text)
			for _, c := range s.Commands {
				fmt.Printf("  cmd %q %q\n", c.Name, src[c.Span.Start:c.Span.End])
				for _, a := range c.Args {
					fmt.Printf("    %q lit=%v %q\n", a.Value, a.Lit, src[a.Span.Start:a.Span.End])
				}
			}
		}
	}
}
