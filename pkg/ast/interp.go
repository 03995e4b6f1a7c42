package ast

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// What a RUN runs when its text is not a plain shell-form script: a
// heredoc read by an interpreter (`RUN <<EOT bash -e`), an exec-form argv
// (`RUN ["go", "build", "."]`), a shell started by an exec form with a
// script (`RUN ["sh", "-c", "…"]`).

// posixShells are the programs that read POSIX shell scripts.
var posixShells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true, "ksh": true, "zsh": true, "mksh": true, "busybox": true}

// IsShellProgram reports whether a program (with or without its folder) is
// a POSIX shell.
func IsShellProgram(prog string) bool { return posixShells[strings.ToLower(path.Base(prog))] }

// ShellOptions reads a shell's command line after its name: the options
// (`-e`, `-eux`, `-o pipefail`, `+x`) one by one, and the script given
// with -c, when there is one. ok is false for an operand (a script file),
// a long option, or anything else that makes the shell read something
// other than stdin or the -c script. For busybox the first word must be sh.
func ShellOptions(argv []string) (flags []string, script string, hasC, ok bool) {
	if len(argv) == 0 || !IsShellProgram(argv[0]) {
		return nil, "", false, false
	}
	args := argv[1:]
	if strings.EqualFold(path.Base(argv[0]), "busybox") {
		if len(args) == 0 || args[0] != "sh" {
			return nil, "", false, false
		}
		args = args[1:]
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' && a[0] != '+' || strings.HasPrefix(a, "--") {
			return nil, "", false, false
		}
		for _, c := range a[1:] {
			switch {
			case c == 'c' && a[0] == '-':
				hasC = true
			case c == 'o':
				if i+1 >= len(args) {
					return nil, "", false, false
				}
				i++
				flags = append(flags, a[:1]+"o", args[i])
			case c == 's' || c == 'i':
				return nil, "", false, false // stdin with operands, interactive
			case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
				flags = append(flags, a[:1]+string(c))
			default:
				return nil, "", false, false
			}
		}
		if hasC {
			// -c: the next operand is the script; those after it are $0, $1, ….
			if i+1 >= len(args) {
				return nil, "", false, false
			}
			return flags, args[i+1], true, true
		}
	}
	return flags, "", false, true
}

// heredocInterp recognises a RUN whose only statement feeds its one
// heredoc to a command (`<<EOT bash -e`, `python3 <<EOF`): the command's
// literal words, or nil.
func heredocInterp(f *syntax.File) []string {
	if len(f.Stmts) != 1 {
		return nil
	}
	st := f.Stmts[0]
	call, ok := st.Cmd.(*syntax.CallExpr)
	if !ok || st.Negated || st.Background || st.Coprocess || len(call.Assigns) > 0 || len(call.Args) == 0 || len(st.Redirs) != 1 {
		return nil
	}
	if op := st.Redirs[0].Op; op != syntax.Hdoc && op != syntax.DashHdoc {
		return nil
	}
	var argv []string
	for _, w := range call.Args {
		v, lit := LitValue(w)
		if !lit {
			return nil
		}
		argv = append(argv, v)
	}
	return argv
}

// heredocBody is the text a heredoc's reader gets, with the Src offset of
// every byte: CRs of CRLF lines dropped, leading tabs dropped for `<<-`,
// and, for an unquoted delimiter read by a shell (outer = true), the
// backslash escapes the outer shell removes (`\$`, "\`", `\\`,
// backslash-newline). ok is false when the outer shell would expand
// something in it (`$`, backquotes): the reader would not see the text as
// written.
func (d *Document) heredocBody(h Heredoc, outer bool) (text []byte, off offsets, ok bool) {
	src := d.Src
	lineStart := true
	for i := h.Body.Start; i < h.Body.End; i++ {
		c := src[i]
		switch {
		case isCR(src, i):
			continue // BuildKit hands heredoc lines over without their CR
		case h.Chomp && lineStart && c == '\t':
			continue
		case outer && h.Expand && c == '\\' && i+1 < h.Body.End && strings.IndexByte("$`\\\n", src[i+1]) >= 0:
			i++
			if src[i] == '\n' {
				lineStart = false
				continue
			}
			c = src[i]
		case outer && h.Expand && (c == '$' || c == '`'):
			return nil, offsets{}, false
		}
		text = append(text, c)
		off.add(i, 1)
		lineStart = c == '\n'
	}
	off.add(h.Body.End, 1)
	return text, off, true
}
