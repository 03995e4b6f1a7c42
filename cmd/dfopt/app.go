package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/dfopt/dfopt/pkg/report"
	"github.com/urfave/cli/v2"
)

// version is set with -ldflags "-X main.version=…"; go install fills it
// from the module version.
var version = ""

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// versionLine is what `dfopt version` and `dfopt --version` print: the
// version, then the VCS revision the binary was built from, when the
// build recorded it ("+dirty" for uncommitted changes).
func versionLine() string {
	line := "dfopt " + versionString()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return line
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch {
		case s.Key == "vcs.revision":
			rev = s.Value
		case s.Key == "vcs.modified" && s.Value == "true":
			dirty = "+dirty"
		}
	}
	if rev != "" {
		line += " (" + rev + dirty + ")"
	}
	return line
}

// tool describes dfopt in SARIF reports; rule help links point at the
// README's section for each rule.
func tool() report.Tool {
	return report.Tool{Name: "dfopt", Version: versionString(), InformationURI: "https://github.com/dfopt/dfopt"}
}

// Exit codes.
const (
	exitOK      = 0
	exitChanges = 1
	exitError   = 2
)

// exitCode carries a status out of a command without printing anything.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// commonFlags are the flags of fix, diff and check.
func commonFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "unsafe", Usage: "also apply unsafe fixes (they change what the image contains)"},
		&cli.StringSliceFlag{Name: "select", Usage: "run only these `RULES`: names or hadolint codes, comma-separated, \"all\" for every rule (repeatable)"},
		&cli.StringSliceFlag{Name: "ignore", Usage: "do not run these `RULES`: names or hadolint codes, comma-separated, \"all\" runs none (repeatable)"},
		&cli.StringFlag{Name: "context", Usage: "build context `DIR` (default: each Dockerfile's folder)"},
		&cli.StringFlag{Name: "stdin-filename", Usage: "the `PATH` that standard input (-) stands for, in diffs and reports"},
		&cli.StringFlag{Name: "syntax", Value: "auto", Usage: "add \"# syntax=docker/dockerfile:1\" when a fix introduces BuildKit-only syntax (RUN --mount, …) newer than any the file already uses (auto), `MODE`: auto|always|never"},
		&cli.StringSliceFlag{Name: "option", Usage: "a rule option `RULE.KEY=VALUE`, as under rules: in .dfopt.yaml (repeatable)"},
		&cli.StringSliceFlag{Name: "runtime-image", Usage: "runtime image of the multi-stage rule for an ecosystem (go, rust, java, dotnet, node, python), `ECOSYSTEM=IMAGE` (repeatable)"},
		&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, EnvVars: []string{"DFOPT_JOBS"}, Usage: "process `N` files in parallel", DefaultText: "the number of CPUs"},
		&cli.StringFlag{Name: "config", EnvVars: []string{"DFOPT_CONFIG"}, Usage: "use the configuration `FILE` for every Dockerfile (default: the nearest .dfopt.yaml)"},
		&cli.BoolFlag{Name: "no-config", Usage: "read no configuration file"},
		&cli.StringSliceFlag{Name: "exclude", Usage: "skip files and folders matching `GLOB` when searching folders (gitignore syntax, ** included; repeatable)"},
		&cli.BoolFlag{Name: "no-gitignore", Usage: "also search files that git ignores"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress bar and no summary"},
		&cli.BoolFlag{Name: "summary", Usage: "print the summary on standard error even when it is not a terminal"},
	}
}

func colorFlag() cli.Flag {
	return &cli.StringFlag{Name: "color", Value: "auto", Usage: "color the diff: auto|always|never (auto: on a terminal, unless NO_COLOR is set)"}
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	commands := []*cli.Command{
		{
			Name:      "fix",
			Usage:     "apply fixes: print the result (one file), or write, diff or list",
			ArgsUsage: "PATH...",
			Flags: append(commonFlags(),
				&cli.BoolFlag{Name: "write", Aliases: []string{"w"}, Usage: "write the result to the file"},
				&cli.BoolFlag{Name: "force", Usage: "with --write: also write read-only files, and files with other hard links (in place, keeping the links)"},
				&cli.BoolFlag{Name: "diff", Aliases: []string{"d"}, Usage: "print a unified diff"},
				&cli.BoolFlag{Name: "list", Aliases: []string{"l"}, Usage: "list files that would change"},
				colorFlag(),
			),
			Action: func(c *cli.Context) error { return process(c, modeFix) },
		},
		{
			Name:      "diff",
			Usage:     "print unified diffs; exit 1 when a file would change",
			ArgsUsage: "PATH...",
			Flags: append(commonFlags(),
				colorFlag(),
				&cli.BoolFlag{Name: "stat", Usage: "print a diffstat instead of the diffs"},
			),
			Action: func(c *cli.Context) error { return process(c, modeDiff) },
		},
		{
			Name:      "check",
			Usage:     "print findings; exit 1 when there are any",
			ArgsUsage: "PATH...",
			Flags: append(commonFlags(),
				&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: " + strings.Join(report.Formats, "|")},
				&cli.BoolFlag{Name: "statistics", Usage: "print files and findings per rule, most findings first"},
			),
			Action: func(c *cli.Context) error { return process(c, modeCheck) },
		},
		verifyCommand(),
		explainCommand(),
		lspCommand(),
		{
			Name:   "rules",
			Usage:  "list every rule",
			Action: listRules,
		},
		{
			Name:  "version",
			Usage: "print dfopt's version and the revision it was built from",
			Action: func(c *cli.Context) error {
				fmt.Fprintln(c.App.Writer, versionLine())
				return nil
			},
		},
	}
	for _, c := range commands {
		c.OnUsageError = usageErrorOf
	}
	cli.VersionPrinter = func(c *cli.Context) { fmt.Fprintln(c.App.Writer, versionLine()) }
	return &cli.App{
		Name:            "dfopt",
		Usage:           "rewrite Dockerfiles so they build fast and cache well",
		Version:         versionString(),
		Reader:          stdin,
		Writer:          stdout,
		ErrWriter:       stderr,
		HideHelpCommand: true,
		// Repeatable flags keep each value whole: a glob or an image
		// reference may hold a comma.
		DisableSliceFlagSeparator: true,
		ExitErrHandler:            func(*cli.Context, error) {}, // run() maps errors to exit codes
		OnUsageError:              usageErrorOf,
		Commands:                  commands,
		Action:                    noCommand,
	}
}

// usageErrorOf turns urfave/cli's usage errors (an unknown flag, a flag
// without its value) into one line on stderr and exit 2, without the help
// text on stdout.
func usageErrorOf(_ *cli.Context, err error, _ bool) error {
	return usageError{err.Error() + " (see dfopt --help)"}
}

// noCommand runs when no command is named: `dfopt` alone prints the help
// on stderr and exits 2; `dfopt bogus` says there is no such command.
func noCommand(c *cli.Context) error {
	if c.NArg() > 0 {
		return usageError{fmt.Sprintf("unknown command %q (see dfopt --help)", c.Args().First())}
	}
	c.App.Writer, c.App.ErrWriter = c.App.ErrWriter, c.App.Writer
	defer func() { c.App.Writer, c.App.ErrWriter = c.App.ErrWriter, c.App.Writer }()
	if err := cli.ShowAppHelp(c); err != nil {
		return err
	}
	return exitCode(exitError)
}

// run is main without os.Exit, for tests.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	err := app.Run(permuteArgs(app, args))
	var code exitCode
	var usage usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &code):
		return int(code)
	case errors.As(err, &usage):
		fmt.Fprintf(stderr, "dfopt: %s\n", usage.msg)
		return exitError
	default:
		fmt.Fprintf(stderr, "dfopt: %s\n", strings.TrimSpace(err.Error()))
		return exitError
	}
}

// permuteArgs moves flags written after paths in front of them, so that
// `dfopt fix Dockerfile --write` works: urfave/cli stops at the first
// argument that is not a flag.
func permuteArgs(app *cli.App, args []string) []string {
	if len(args) < 2 {
		return args
	}
	var cmd *cli.Command
	for _, c := range app.Commands {
		if c.HasName(args[1]) {
			cmd = c
		}
	}
	if cmd == nil {
		return args
	}
	takesValue := map[string]bool{}
	for _, f := range cmd.Flags {
		_, isBool := f.(*cli.BoolFlag)
		for _, n := range f.Names() {
			takesValue[n] = !isBool
		}
	}
	var flags, paths []string
	rest := args[2:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			paths = append(paths, rest[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			paths = append(paths, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if !strings.Contains(name, "=") && takesValue[name] && i+1 < len(rest) {
			i++
			flags = append(flags, rest[i])
		}
	}
	out := append([]string{args[0], args[1]}, flags...)
	if len(paths) > 0 {
		out = append(append(out, "--"), paths...)
	}
	return out
}
