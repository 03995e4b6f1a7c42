package ast

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// scriptInterpreters are programs that run a script in a language other
// than the shell's: what such a heredoc runs cannot be read as commands
// (Python's literal calls aside, see python.go).
var scriptInterpreters = regexp.MustCompile(`^(python[0-9.]*|pypy[0-9.]*|node|nodejs|deno|bun|ruby|perl|php[0-9.]*|Rscript|lua[0-9.]*|tclsh|pwsh|powershell|groovy|java|jshell)$`)

// Reading is what is known of the commands a RUN runs, for analyses that
// only read them (which caches it uses). It is Shell when Shell can
// analyse the RUN; else, for an exec-form RUN, its argv as one command, or
// the script a shell it starts runs (`["sh", "-c", "…"]`); for a heredoc
// run by Python, the commands it starts with literal subprocess or
// os.system calls. Such a Script has ReadOnly set: its words' spans are
// not theirs in the file.
//
// why, when not empty, says what cannot be known of the RUN (sc may then
// be partial: the outer command of a heredoc, say); it is worded to
// follow "<program> in a ".
func (d *Document) Reading(ins *Instruction) (sc *Script, why string) {
	if ins.Cmd != "run" {
		return nil, ""
	}
	if ins.JSON {
		return d.execReading(ins)
	}
	if !d.IsPOSIX(ins) {
		return nil, "" // what runs a heredoc there is not known
	}
	sc = d.Shell(ins)
	argv, body := d.interpreted(ins, sc)
	switch {
	case argv == nil:
		return sc, ""
	case IsShellProgram(argv[0]):
		return sc, d.shellHeredocWhy(argv, body, sc)
	case strings.HasPrefix(path.Base(argv[0]), "python"):
		if py, ok := d.pythonReading(ins, body); ok {
			return py, ""
		}
	}
	if scriptInterpreters.MatchString(path.Base(argv[0])) {
		return sc, "heredoc run by `" + path.Base(argv[0]) + "`: dfopt cannot tell what the script runs; not touched"
	}
	return sc, ""
}

// shellHeredocWhy says why a heredoc fed to a shell was not read as its
// script ("" when it was, or when the shell runs a -c script instead).
func (d *Document) shellHeredocWhy(argv []string, h Heredoc, sc *Script) string {
	if sc != nil && sc.Interp != nil {
		return ""
	}
	_, _, hasC, ok := ShellOptions(argv)
	reader := "heredoc read by `" + strings.Join(argv, " ") + "`"
	switch {
	case ok && hasC:
		return "" // the heredoc is the -c script's input, not a script
	case !ok:
		return reader + ", whose options dfopt does not know: not touched"
	}
	if _, _, plain := d.heredocBody(h, true); !plain {
		return reader + " after the outer shell expands it (`$`, backquotes): not touched (a quoted delimiter, <<'EOT', keeps the text as written)"
	}
	return reader + ", which dfopt cannot parse: not touched"
}

// interpreted is the command that reads a RUN's one heredoc as its
// script (from a `#!` line, or the command the heredoc is fed to) and the
// heredoc; nil when there is none.
func (d *Document) interpreted(ins *Instruction, sc *Script) ([]string, Heredoc) {
	if len(ins.Heredocs) != 1 {
		return nil, Heredoc{}
	}
	h := ins.Heredocs[0]
	if sc != nil && sc.Interp != nil {
		return sc.Interp, h
	}
	if sc == nil {
		// RUN <<EOF with a #! line that is not a shell's.
		first, _, _ := strings.Cut(h.Content, "\n")
		if !strings.HasPrefix(first, "#!") {
			return nil, h
		}
		argv := strings.Fields(strings.TrimPrefix(first, "#!"))
		if len(argv) > 1 && path.Base(argv[0]) == "env" {
			argv = argv[1:]
		}
		if len(argv) == 0 {
			return nil, h
		}
		return argv, h
	}
	return heredocInterp(sc.File), h
}

// execReading reads an exec-form RUN.
func (d *Document) execReading(ins *Instruction) (*Script, string) {
	if len(ins.Args) == 0 {
		return nil, ""
	}
	if IsShellProgram(ins.Args[0]) {
		_, script, hasC, ok := ShellOptions(ins.Args)
		if !ok || !hasC {
			return nil, "JSON-form RUN that starts `" + path.Base(ins.Args[0]) + "` without a -c script dfopt can read: not touched"
		}
		sc := d.readOnly(ins, "an exec-form RUN's -c script", script)
		if sc == nil {
			return nil, "JSON-form RUN whose -c script does not parse: not touched"
		}
		return sc, ""
	}
	return d.readOnly(ins, "an exec-form RUN", quoteArgv(ins.Args)), ""
}

// quoteArgv writes an argv as one shell command line.
func quoteArgv(argv []string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		q, err := syntax.Quote(a, syntax.LangBash)
		if err != nil {
			q = "''" // a NUL byte: no word a rule knows
		}
		words[i] = q
	}
	return strings.Join(words, " ")
}

// readOnly parses a script that is not in the file as written; every
// byte is placed at the instruction's arguments.
func (d *Document) readOnly(ins *Instruction, what, text string) *Script {
	sc := &Script{ReadOnly: what}
	sc.off.addFixed(ins.ArgsStart, len(text)+1)
	if !sc.parse(text) {
		return nil
	}
	return sc
}
