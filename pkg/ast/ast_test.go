package ast

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, src string) *Document {
	t.Helper()
	d, err := Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	return d
}

func TestSpansCoverEveryLine(t *testing.T) {
	src := "\xef\xbb\xbf# syntax=docker/dockerfile:1\r\n# escape=\\\r\nARG V=1\r\nFROM golang:1.22 AS Build\r\nRUN --mount=type=cache,target=/root/.cache \\\r\n  # comment\r\n\r\n   go build -o /x . && \\\r\n  true\r\nRUN <<EOF\r\napt-get update\r\nEOF\r\ncopy <<a <<b /\r\nx\r\na\r\ny\r\nb"
	d := parse(t, src)
	assert.True(t, d.BOM)
	assert.True(t, d.CRLF)
	assert.False(t, d.FinalNewline)
	require.Len(t, d.Directives, 2)
	assert.Equal(t, "syntax", d.Directives[0].Name)
	assert.Equal(t, "# syntax=docker/dockerfile:1", src[d.Directives[0].Span.Start:d.Directives[0].Span.End])
	assert.Equal(t, "escape", d.Directives[1].Name)

	want := []struct {
		kw         string
		start, end int
		stage      int
	}{{"ARG", 3, 3, -1}, {"FROM", 4, 4, 0}, {"RUN", 5, 9, 0}, {"RUN", 10, 12, 0}, {"copy", 13, 17, 0}}
	require.Len(t, d.Instructions, len(want))
	for i, w := range want {
		ins := d.Instructions[i]
		assert.Equal(t, w.kw, ins.Keyword)
		assert.Equal(t, w.start, ins.StartLine)
		assert.Equal(t, w.end, ins.EndLine)
		assert.Equal(t, w.stage, ins.Stage)
		assert.Equal(t, d.Lines[w.start-1].Start, ins.Span.Start)
		assert.Equal(t, d.Lines[w.end-1].End, ins.Span.End)
	}
	// The spans plus what lies between them rebuild the file.
	var b strings.Builder
	prev := 0
	for _, ins := range d.Instructions {
		b.WriteString(src[prev:ins.Span.Start])
		b.WriteString(ins.Text(d))
		prev = ins.Span.End
	}
	b.WriteString(src[prev:])
	assert.Equal(t, src, b.String())

	require.Len(t, d.Stages, 1)
	assert.Equal(t, "build", d.Stages[0].Name)
	assert.Equal(t, "golang:1.22", d.Stages[0].Base)

	run := d.Instructions[2]
	require.Len(t, run.Flags, 1)
	assert.Equal(t, "mount", run.Flags[0].Name)
	assert.Equal(t, "type=cache,target=/root/.cache", run.Flags[0].Value)
	assert.Equal(t, "--mount=type=cache,target=/root/.cache", src[run.Flags[0].Span.Start:run.Flags[0].Span.End])
	assert.True(t, strings.HasPrefix(src[run.ArgsStart:], "go build"))
	assert.Equal(t, "go build -o /x . &&   true", strings.TrimSpace(run.Logical()[len("RUN --mount=type=cache,target=/root/.cache "):]))

	cp := d.Instructions[4]
	require.Len(t, cp.Heredocs, 2)
	assert.Equal(t, "x\r\n", src[cp.Heredocs[0].Body.Start:cp.Heredocs[0].Body.End])
	assert.Equal(t, "a", src[cp.Heredocs[0].Term.Start:cp.Heredocs[0].Term.End])
	assert.Equal(t, "b", src[cp.Heredocs[1].Term.Start:cp.Heredocs[1].Term.End])
}

// The shell analysis maps every word back to its bytes in the file, across
// continuation lines, comment lines and empty lines.
func TestShellOffsets(t *testing.T) {
	src := "FROM debian\nRUN apt-get update \\\n    # refresh\n\n    && PIP_NO_CACHE_DIR=1 pip install --no-cache-dir 'a b' \"c$D\" \\\n  | tee log; (cd /x && make)\n"
	d := parse(t, src)
	s := d.Shell(d.Instructions[1])
	require.NotNil(t, s)
	assert.NotContains(t, s.Text, "refresh")
	names := []string{}
	for _, c := range s.Commands {
		names = append(names, c.Name)
		for _, w := range c.Args {
			text := src[w.Span.Start:w.Span.End]
			if w.Lit && !strings.ContainsAny(text, `'"`) {
				assert.Equal(t, w.Value, text)
			}
		}
	}
	assert.Equal(t, []string{"apt-get", "pip", "tee", "cd", "make"}, names)
	pip := s.Commands[1]
	assert.Equal(t, []string{"PIP_NO_CACHE_DIR=1"}, pip.Assigns)
	assert.Equal(t, "--no-cache-dir", src[pip.Args[2].Span.Start:pip.Args[2].Span.End])
	assert.Equal(t, "a b", pip.Args[3].Value)
	assert.Equal(t, "'a b'", src[pip.Args[3].Span.Start:pip.Args[3].Span.End])
	assert.False(t, pip.Args[4].Lit)
	assert.True(t, strings.HasPrefix(src[pip.Span.Start:], "PIP_NO_CACHE_DIR=1 pip"))
	assert.True(t, strings.HasSuffix(src[:pip.Span.End], `"c$D"`))
}

func TestShellEscapeBacktick(t *testing.T) {
	src := "# escape=`\nFROM debian\nRUN echo one `\n    two\n"
	d := parse(t, src)
	s := d.Shell(d.Instructions[1])
	require.NotNil(t, s)
	require.Len(t, s.Commands, 1)
	args := s.Commands[0].Args
	require.Len(t, args, 3)
	assert.Equal(t, "two", src[args[2].Span.Start:args[2].Span.End])
}

func TestShellHeredocScript(t *testing.T) {
	src := "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nRUN python3 <<EOF\nprint(1)\nEOF\nRUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n"
	d := parse(t, src)
	s := d.Shell(d.Instructions[1])
	require.NotNil(t, s)
	require.Len(t, s.Commands, 2)
	assert.Equal(t, "install", s.Commands[1].Args[1].Value)
	assert.Equal(t, "install", src[s.Commands[1].Args[1].Span.Start:s.Commands[1].Args[1].Span.End])
	s = d.Shell(d.Instructions[2])
	require.NotNil(t, s)
	require.Len(t, s.Commands, 1)
	assert.Equal(t, "python3", s.Commands[0].Name)
	assert.Nil(t, d.Shell(d.Instructions[3]), "a python script is not shell")
}

func TestNonPOSIXShells(t *testing.T) {
	d := parse(t, "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir\nFROM debian AS b\nSHELL [\"pwsh\", \"-c\"]\nRUN Get-Item .\nFROM b\nRUN Get-Item x\nFROM debian\nRUN [\"echo\", \"json\"]\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN echo ok\n")
	var got []bool
	for _, ins := range d.Instructions {
		if ins.Cmd == "run" {
			got = append(got, d.Shell(ins) != nil)
		}
	}
	assert.Equal(t, []bool{false, false, false, false, true}, got)
}

func TestParseErrorsAreOneLine(t *testing.T) {
	for src, want := range map[string]string{
		"":                         "file with no instructions",
		"# just a comment\n":       "file with no instructions",
		"FROM a\x00":               "binary data",
		"FROM a\nLABEL x=\xff\n":   "not valid UTF-8",
		"RUN echo\n":               "no build stage",
		"FROM a\nCOPY --chown /\n": "COPY requires at least two arguments",
		"FROM a\nRUN echo " + strings.Repeat("y", 70000) + "\n": "line greater than max",
	} {
		_, err := Parse("Dockerfile", []byte(src))
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "\n")
	}
}

// isWindowsImage gives the regexp's answer, ASCII or not.
func TestIsWindowsImage(t *testing.T) {
	for _, ref := range []string{
		"", "alpine", "mcr.microsoft.com/windows/servercore:ltsc2022",
		"NanoServer", "WINDOWS", "winDows", "server-core", "nano_server",
		"windowſ", "\u212aservercore", "windoẃs", "ſervercore", "é-windows",
	} {
		if got, want := isWindowsImage(ref), windowsImage.MatchString(ref); got != want {
			t.Errorf("isWindowsImage(%q) = %v, want %v", ref, got, want)
		}
	}
}

// Indent finds the line by search: the first line whose span, its
// terminator included, holds the offset, as a scan of every line does.
func TestIndentFindsTheLine(t *testing.T) {
	for _, src := range []string{
		"\xef\xbb\xbf  FROM a\r\n\tRUN b \\\r\n    c\r\n\r\n  ",
		"FROM a\n  RUN x\n\n\t\tRUN y",
	} {
		d := parse(t, src)
		for off := -1; off <= len(src)+1; off++ {
			want := ""
			for _, l := range d.Lines {
				if off >= l.Start && off <= l.Next {
					s := l.Start
					if s == 0 && d.BOM {
						s = 3
					}
					e := s
					for e < l.End && (src[e] == ' ' || src[e] == '\t') {
						e++
					}
					want = src[s:e]
					break
				}
			}
			assert.Equal(t, want, d.Indent(off), "offset %d of %q", off, src)
		}
	}
}
