package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/dfopt/dfopt/pkg/config"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/verify"
	"github.com/urfave/cli/v2"
)

// listFlag collects every value of a repeatable flag as given (urfave's
// string slices would also split values at commas).
type listFlag []string

func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }
func (l *listFlag) String() string     { return strings.Join(*l, " ") }

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "build the original and the rewritten Dockerfile with BuildKit, compare the images, measure rebuilds",
		ArgsUsage: "DOCKERFILE | PATH...",
		Description: "Rewrites DOCKERFILE in memory (same rules and flags as fix), builds both versions with\n" +
			"BuildKit, compares the two final filesystems (a documented list of caches, logs and\n" +
			"temporary paths may differ), then rebuilds both after a code-only change and after a\n" +
			"dependency change to show what the rewrite gains.\n\n" +
			"Both files are built even when the original fails: the rewrite must fail too, at the same\n" +
			"step (the same RUN command with the same exit status, wherever the rewrite put it).\n\n" +
			"Exit status: 0 verified (both build and agree, or both fail at the same step); 1 the\n" +
			"rewrite changed the outcome (it fails where the original builds, builds where the original\n" +
			"fails, or fails at another step) or a safe rewrite changed the image; 2 the daemon cannot\n" +
			"be reached, the original failed when rebuilt for the measurements, or bad input.\n\n" +
			"With several paths, or a folder, every Dockerfile found is verified against the one daemon\n" +
			"(--jobs at a time): a table per file and a count per verdict, or one JSON document; the exit\n" +
			"status is the worst file's.\n\n" +
			"The daemon is reached as buildctl reaches it: unix://, tcp:// (with --tlscacert, --tlscert,\n" +
			"--tlskey, --tlsservername or --tlsdir), docker-container://NAME, podman-container://NAME,\n" +
			"nerdctl-container://NAME, kube-pod://POD?namespace=NS, ssh://HOST.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "BuildKit `ADDRESS` (default: $BUILDKIT_HOST, then " + verify.DefaultAddr + ")"},
			&cli.StringFlag{Name: "tlscacert", Usage: "CA certificate `FILE` that signed the daemon's (tcp://)"},
			&cli.StringFlag{Name: "tlscert", Usage: "client certificate `FILE`"},
			&cli.StringFlag{Name: "tlskey", Usage: "client key `FILE`"},
			&cli.StringFlag{Name: "tlsservername", Usage: "`NAME` the daemon's certificate must have (default: the address's host)"},
			&cli.StringFlag{Name: "tlsdir", Usage: "`DIR` holding ca.pem, cert.pem and key.pem (or ca.crt, tls.crt, tls.key)"},
			&cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: 2, Usage: "`N` Dockerfiles built at a time, with several paths"},
			&cli.StringFlag{Name: "context", Usage: "build context `DIR` (default: the Dockerfile's folder)"},
			&cli.GenericFlag{Name: "build-context", Value: &listFlag{}, Usage: "map an image or stage `NAME=DIR` (or NAME=oci-layout://DIR[@DIGEST], NAME=docker-image://REF); repeatable"},
			&cli.BoolFlag{Name: "unsafe", Usage: "also apply unsafe fixes (filesystem differences are then reported, not failed)"},
			&cli.StringFlag{Name: "select", Usage: "run only these rules (comma-separated, `all` for every rule)"},
			&cli.StringFlag{Name: "ignore", Usage: "do not run these rules (comma-separated, `all` runs none)"},
			&cli.StringFlag{Name: "syntax", Value: "auto", Usage: "add `# syntax=docker/dockerfile:1`: auto|always|never"},
			&cli.StringFlag{Name: "format", Value: "text", Usage: "report `FORMAT`: text|json"},
			&cli.GenericFlag{Name: "ignore-path", Value: &listFlag{}, Usage: "also let `PATTERN` (image path, * and **) differ; repeatable"},
			&cli.StringFlag{Name: "code-file", Usage: "context `FILE` the code-only change modifies (default: picked)"},
			&cli.StringFlag{Name: "manifest", Usage: "context `FILE` the dependency change modifies (default: picked)"},
			&cli.StringFlag{Name: "against", Usage: "verify `FILE` as the rewrite instead of running the rules (a hand-made rewrite)"},
			&cli.BoolFlag{Name: "no-measure", Usage: "only build and compare; skip the rebuild measurements"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "no progress on standard error"},
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	a, err := verifyArgs(c)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(a.paths) == 1 && !isDir(a.paths[0]) {
		return verifyOne(ctx, c, a, a.paths[0])
	}
	return verifyMany(ctx, c, a)
}

// verifyOne verifies one Dockerfile, with each build's progress.
func verifyOne(ctx context.Context, c *cli.Context, a verifyFlags, path string) error {
	stderr := c.App.ErrWriter
	rw, err := verifyRewrite(c, a, path)
	if err != nil {
		fmt.Fprintf(stderr, "dfopt: %s\n", err)
		return exitCode(exitError)
	}
	opts := verifyOptions(c, path, rw)
	if !c.Bool("quiet") {
		opts.Progress = func(s string) { fmt.Fprintf(stderr, "verify: %s\n", s) }
	}
	var rep *verify.Report
	if rw.res.Changed() {
		d, err := verify.Connect(ctx, a.addr, a.tls, 15*time.Second)
		if err != nil {
			fmt.Fprintf(stderr, "dfopt: %s\n", oneLine(err))
			return exitCode(exitError)
		}
		defer d.Close()
		if rep, err = verifyBuild(ctx, d, path, opts); err != nil {
			fmt.Fprintf(stderr, "dfopt: %s\n", err)
			return exitCode(exitError)
		}
	} else {
		rep = unchangedReport(path, rw, a.addr)
	}
	finishReport(rep, rw)
	if a.format == "json" {
		err = rep.WriteJSON(c.App.Writer)
	} else {
		err = rep.WriteText(c.App.Writer)
	}
	if err != nil {
		return err
	}
	return verifyExit(rep.Verdict)
}

func unchangedReport(path string, rw verifyRewritten, addr string) *verify.Report {
	return &verify.Report{Dockerfile: path, Context: rw.ctxDir, Addr: addr, Verdict: verify.VerdictNothingChanged}
}

// finishReport names the rules and files as the command line shows them.
func finishReport(rep *verify.Report, rw verifyRewritten) {
	if rw.applied != nil {
		rep.Rules = rw.applied
	}
	for i, f := range rep.Files {
		rep.Files[i] = diffPath(f)
	}
}

// verifyOptions are verify.Run's inputs for one rewritten Dockerfile.
func verifyOptions(c *cli.Context, path string, rw verifyRewritten) verify.Options {
	a := rw.flags
	opts := verify.Options{
		Dockerfile: path,
		ContextDir: rw.ctxDir,
		Original:   rw.res.Src,
		Rewritten:  rw.res.Out,
		Contexts:   a.contexts,
		Unsafe:     rw.unsafeApplied,
		Ignore:     a.ignore,
		CodeFile:   c.String("code-file"),
		Manifest:   c.String("manifest"),
		NoMeasure:  c.Bool("no-measure"),
	}
	for _, f := range rw.res.Files {
		if opts.Files == nil {
			opts.Files = map[string][]byte{}
		}
		opts.Files[f.Path] = f.New
	}
	return opts
}

// verifyFlags are verify's checked arguments.
type verifyFlags struct {
	format, syntax string
	paths          []string
	addr           string
	tls            verify.TLS
	contexts       []verify.NamedContext
	ignore         *verify.IgnoreList
	rules          []*transform.Transform
	parts          map[string]transform.Parts
}

// verifyArgs checks verify's flags and arguments.
func verifyArgs(c *cli.Context) (verifyFlags, error) {
	a := verifyFlags{format: c.String("format"), syntax: c.String("syntax"), addr: verify.Addr(c.String("addr"))}
	a.tls = verify.TLS{CACert: c.String("tlscacert"), Cert: c.String("tlscert"), Key: c.String("tlskey"),
		ServerName: c.String("tlsservername"), Dir: c.String("tlsdir")}
	if a.format != "text" && a.format != "json" {
		return a, usageError{fmt.Sprintf("--format must be text or json, not %q", a.format)}
	}
	switch a.syntax {
	case "auto", "always", "never":
	default:
		return a, usageError{fmt.Sprintf("--syntax must be auto, always or never, not %q", a.syntax)}
	}
	if c.NArg() == 0 {
		return a, usageError{"verify takes a DOCKERFILE, or folders and Dockerfiles"}
	}
	a.paths = c.Args().Slice()
	for _, p := range a.paths {
		if p == "-" {
			return a, usageError{"verify needs a Dockerfile on disk, not standard input"}
		}
	}
	if len(a.paths) > 1 || isDir(a.paths[0]) {
		for _, f := range []string{"against", "code-file", "manifest"} {
			if c.IsSet(f) {
				return a, usageError{fmt.Sprintf("--%s needs one DOCKERFILE, not several paths or a folder", f)}
			}
		}
	}
	if c.Int("jobs") < 1 {
		return a, usageError{"--jobs must be at least 1"}
	}
	for _, s := range *c.Generic("build-context").(*listFlag) {
		nc, err := verify.ParseNamedContext(s)
		if err != nil {
			return a, usageError{err.Error()}
		}
		a.contexts = append(a.contexts, nc)
	}
	var err error
	if a.ignore, err = verify.NewIgnoreList(*c.Generic("ignore-path").(*listFlag)...); err != nil {
		return a, usageError{err.Error()}
	}
	sel, ign := transform.SplitList(c.String("select")), transform.SplitList(c.String("ignore"))
	if _, err = transform.Select(sel, ign); err != nil {
		return a, usageError{err.Error()}
	}
	// Resolved as fix resolves them: hadolint codes narrow rules to parts.
	var opts transform.Options
	a.rules, opts = config.Resolve([]*config.Settings{{Select: sel, Ignore: ign}})
	a.parts = opts.Parts
	return a, nil
}

// verifyRewritten is the rewrite verify builds.
type verifyRewritten struct {
	flags         verifyFlags
	res           *transform.Result
	ctxDir        string
	applied       []string
	unsafeApplied bool
}

// verifyRewrite rewrites the Dockerfile at path in memory, exactly as fix
// does, or reads the rewrite from --against. Its errors are one line,
// naming the file.
func verifyRewrite(c *cli.Context, a verifyFlags, path string) (verifyRewritten, error) {
	rw := verifyRewritten{flags: a, unsafeApplied: c.Bool("unsafe")}
	src, err := readFile(path)
	if err != nil {
		return rw, fmt.Errorf("%s: %s", path, oneLine(err))
	}
	if len(src) > maxFileSize {
		return rw, fmt.Errorf("%s: file larger than %d MiB: not a Dockerfile", path, maxFileSize>>20)
	}
	rw.ctxDir = c.String("context")
	if rw.ctxDir == "" {
		rw.ctxDir = filepath.Dir(path)
	}
	if st, err := os.Stat(rw.ctxDir); err != nil || !st.IsDir() {
		return rw, fmt.Errorf("build context %s: not a folder", rw.ctxDir)
	}
	bctx, err := transform.NewBuildContext(rw.ctxDir, path)
	if err != nil {
		return rw, fmt.Errorf("%s: build context: %s", path, oneLine(err))
	}
	if against := c.String("against"); against != "" {
		out, err := readFile(against)
		if err != nil {
			return rw, fmt.Errorf("%s: %s", against, oneLine(err))
		}
		rw.res = &transform.Result{Path: path, Src: src, Out: out}
		return rw, nil
	}
	chain := &transform.Chain{Transforms: a.rules, Options: transform.Options{Unsafe: c.Bool("unsafe"), Syntax: a.syntax, Parts: a.parts}}
	if rw.res, err = chain.Run(path, src, bctx); err != nil {
		return rw, fmt.Errorf("%s: %s", path, oneLine(err))
	}
	rw.applied, rw.unsafeApplied = appliedRules(rw.res)
	return rw, nil
}

// verifyBuild builds both versions with BuildKit and compares them. Its
// error is one line.
func verifyBuild(ctx context.Context, d *verify.Daemon, path string, opts verify.Options) (*verify.Report, error) {
	rep, err := verify.Run(ctx, d, opts)
	if err != nil {
		var ue *verify.UnreachableError
		if errors.As(err, &ue) || ctx.Err() != nil {
			return nil, errors.New(oneLine(err))
		}
		return nil, fmt.Errorf("verify %s: %s", path, oneLine(err))
	}
	return rep, nil
}

// verifyExit is verify's exit status for a verdict.
func verifyExit(v string) error {
	if s := verify.Severity(v); s != exitOK {
		return exitCode(s)
	}
	return nil
}

// appliedRules lists the rules whose fixes are in the output, and whether
// any of those fixes is unsafe.
func appliedRules(res *transform.Result) ([]string, bool) {
	seen := map[string]bool{}
	unsafe := false
	for _, f := range res.Findings {
		if !f.Applied {
			continue
		}
		seen[f.Rule] = true
		if t := transform.Lookup(f.Rule); f.Unsafe || (t != nil && t.Unsafe) {
			unsafe = true
		}
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out, unsafe
}
