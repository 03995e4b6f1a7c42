package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/explain"
	"github.com/urfave/cli/v2"
)

func explainCommand() *cli.Command {
	return &cli.Command{
		Name:      "explain",
		Usage:     "show which steps a change re-runs, and what each step depends on",
		ArgsUsage: "DOCKERFILE",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "context", Usage: "build context `DIR` (default: the Dockerfile's folder)"},
			&cli.GenericFlag{Name: "changed", Value: &explainList{}, Usage: "a changed `PATH` (file or folder), relative to the context or the current folder; repeatable"},
			&cli.GenericFlag{Name: "changed-arg", Value: &explainList{}, Usage: "a build arg `NAME` whose value changes; repeatable"},
			&cli.StringFlag{Name: "since", Usage: "changed files: those git reports as changed since `REV`, plus uncommitted and untracked ones"},
			&cli.BoolFlag{Name: "compare", Usage: "compare with the Dockerfile that dfopt fix writes (all rules)"},
			&cli.BoolFlag{Name: "unsafe", Usage: "with --compare: the rewrite also applies unsafe fixes"},
			&cli.StringFlag{Name: "target", Usage: "the `STAGE` to build (default: the last one)"},
			&cli.GenericFlag{Name: "build-arg", Value: &explainList{}, Usage: "a build arg's value, `NAME=VALUE`; repeatable"},
			&cli.GenericFlag{Name: "named-context", Value: &explainList{}, Usage: "a base `IMAGE` the build maps to a named context (BuildKit then numbers the steps differently); repeatable"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "output `FORMAT`: text|json"},
		},
		Action: runExplain,
	}
}

// explainList collects every value of a repeatable flag as given (a
// string slice flag would also split values at commas).
type explainList []string

func (l *explainList) Set(v string) error { *l = append(*l, v); return nil }
func (l *explainList) String() string     { return strings.Join(*l, " ") }

func listOf(c *cli.Context, name string) []string {
	if l, ok := c.Generic(name).(*explainList); ok && l != nil {
		return *l
	}
	return nil
}

func runExplain(c *cli.Context) error {
	format := c.String("format")
	if format != "text" && format != "json" {
		return usageError{fmt.Sprintf("--format must be text or json, not %q", format)}
	}
	if c.NArg() != 1 {
		return usageError{"explain needs one DOCKERFILE"}
	}
	path := c.Args().First()
	fail := func(err error) error {
		fmt.Fprintf(c.App.ErrWriter, "%s: %s\n", displayPath(path), oneLine(err))
		return exitCode(exitError)
	}
	src, err := readSource(c, path)
	if err != nil {
		return fail(err)
	}
	if len(src) > maxFileSize {
		return fail(fmt.Errorf("file larger than %d MiB: not a Dockerfile", maxFileSize>>20))
	}
	ctxDir := c.String("context")
	ctxName := ctxDir
	if ctxDir == "" && path != "-" {
		ctxDir = filepath.Dir(path)
		ctxName = filepath.ToSlash(ctxDir)
	}
	req := explain.Request{
		Path:        path,
		Src:         src,
		ContextDir:  ctxDir,
		ContextName: ctxName,
		ChangedArgs: listOf(c, "changed-arg"),
		Compare:     c.Bool("compare"),
		Unsafe:      c.Bool("unsafe"),
		Options: explain.Options{
			Target:        c.String("target"),
			NamedContexts: listOf(c, "named-context"),
		},
	}
	if req.Options.BuildArgs, err = buildArgs(c); err != nil {
		return err
	}
	changed := listOf(c, "changed")
	req.Predict = len(changed) > 0 || len(req.ChangedArgs) > 0 || c.String("since") != ""
	if len(changed) > 0 || c.String("since") != "" {
		if ctxDir == "" {
			return usageError{"--changed and --since need a build context (--context DIR with a Dockerfile on standard input)"}
		}
		req.Changed = explain.ContextPaths(ctxDir, changed)
	}
	if rev := c.String("since"); rev != "" {
		files, err := explain.GitChanged(ctxDir, rev)
		if err != nil {
			return fail(err)
		}
		req.Changed = explain.ContextPaths(ctxDir, append(req.Changed, prefixAll(ctxDir, files)...))
		req.Since = rev
	}
	rep, err := explain.Run(req)
	if err != nil {
		return fail(err)
	}
	if format == "json" {
		err = rep.WriteJSON(c.App.Writer)
	} else {
		err = rep.WriteText(c.App.Writer)
	}
	if err != nil {
		return fail(err)
	}
	return nil
}

// readSource reads a Dockerfile, or standard input for "-".
func readSource(c *cli.Context, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(c.App.Reader, maxFileSize+1))
	}
	return readFile(path)
}

// buildArgs reads the --build-arg NAME=VALUE flags (nil when none).
func buildArgs(c *cli.Context) (map[string]string, error) {
	var out map[string]string
	for _, kv := range listOf(c, "build-arg") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usageError{fmt.Sprintf("--build-arg %q: want NAME=VALUE", kv)}
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// prefixAll turns context-relative paths into paths ContextPaths maps back
// to themselves whatever the current folder is.
func prefixAll(dir string, rel []string) []string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return rel
	}
	out := make([]string, len(rel))
	for i, r := range rel {
		out[i] = filepath.Join(abs, filepath.FromSlash(r))
	}
	return out
}
