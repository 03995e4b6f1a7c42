// Package e2e is dfopt's end-to-end suite: it runs `dfopt verify` on real
// Dockerfiles with a real BuildKit daemon and checks what the rewrites
// promise. It needs the daemon and the base images that
// scripts/e2e/run.sh (`make e2e`) sets up; without them (DFOPT_E2E_BASES
// unset, as in `make test`) every test skips at once.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
	"github.com/dfopt/dfopt/pkg/verify"
)

// fixture is one folder of fixtures/ and what its rewrite must show.
type fixture struct {
	name string
	// unsafe runs verify with --unsafe (the rewrite changes the image on
	// purpose; differences are reported, not failed).
	unsafe bool
	// rules are the transforms this fixture exists to prove: each must be
	// registered and must apply a fix.
	rules []string
	// hoists: after a code-only change the original re-runs a
	// dependency-install step and the rewrite must not.
	hoists bool
	// runsTwice: the install is hoisted but also runs again after the
	// COPY, because dfopt cannot prove that it writes nothing the COPY
	// brings back (npm of an unknown version, `go mod download`): after a
	// code-only change only that second install may re-run, on the
	// dependencies the hoisted one left in place.
	runsTwice bool
	// smaller: the rewritten final filesystem must be smaller.
	smaller bool
	// fails: the original fails on purpose; the rewrite must fail at the
	// same step (verdict both-fail).
	fails bool
	// noContext: no instruction reads a file of the context, so verify
	// measures no code-only change and must say so.
	noContext bool
}

// fixtures, in the order they run (and appear in MEASURED.md).
var fixtures = []fixture{
	{name: "apt-split", rules: []string{"apt-hygiene"}},
	{name: "node-copy-all", rules: []string{"hoist-deps"}, hoists: true, runsTwice: true},
	{name: "go-module", rules: []string{"hoist-deps"}, hoists: true, runsTwice: true},
	{name: "python-wheels", rules: []string{"hoist-deps"}, hoists: true},
	{name: "merge-runs", rules: []string{"merge-runs"}},
	{name: "nonroot-npm-cache", rules: []string{"cache-mounts"}},
	{name: "multistage-go", unsafe: true, rules: []string{"multi-stage"}, smaller: true},
	{name: "multistage-node", unsafe: true, rules: []string{"multi-stage"}, smaller: true},
	// Issue 11: the rewrite builds exactly when the original does, and
	// gives the same filesystem.
	{name: "merge-fails", rules: []string{"merge-runs"}, fails: true},
	{name: "merge-grouped", rules: []string{"merge-runs"}, noContext: true},
	{name: "cleanup-status", rules: []string{"cache-mounts"}, noContext: true},
	{name: "reorder-reads-context", rules: []string{"reorder"}},
	{name: "npm-lock-name", rules: []string{"cache-mounts", "hoist-deps"}, runsTwice: true},
	// Issue 14: an install and a build in one RUN (item 1); a COPY of a
	// sub-folder (item 2). Neither re-runs the install on a code change.
	{name: "npm-install-build", rules: []string{"hoist-deps"}, hoists: true},
	{name: "npm-subfolder", rules: []string{"hoist-deps"}, hoists: true},
}

// env is what TestMain prepared.
var env struct {
	dfopt     string   // the dfopt binary under test
	contexts  []string // --build-context NAME=oci-layout://… for every base
	baseNames []string // the image names the bases stand for
	skip      string   // why the suite cannot run here
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bases := os.Getenv("DFOPT_E2E_BASES")
	if bases == "" || os.Getenv("BUILDKIT_HOST") == "" {
		env.skip = "end-to-end suite: run it with `make e2e` (needs buildkitd and the base images of scripts/e2e/run.sh)"
		return m.Run()
	}
	var err error
	if env.contexts, env.baseNames, err = readBases(bases); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 2
	}
	tmp, err := os.MkdirTemp("", "dfopt-e2e-bin-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
		return 2
	}
	defer os.RemoveAll(tmp)
	env.dfopt = filepath.Join(tmp, "dfopt")
	build := exec.Command("go", "build", "-o", env.dfopt, "./cmd/dfopt")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: building dfopt: %v\n", err)
		return 2
	}
	return m.Run()
}

// readBases reads bases.txt ("IMAGE-NAME VALUE" lines) into
// --build-context arguments and the list of names.
func readBases(file string) (args, names []string, err error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, nil, err
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 {
			continue
		}
		out = append(out, "--build-context", f[0]+"="+f[1])
		names = append(names, f[0])
	}
	if len(out) == 0 {
		return nil, nil, fmt.Errorf("%s lists no base images", file)
	}
	return out, names, nil
}

func needSuite(t *testing.T) {
	t.Helper()
	if env.skip != "" {
		t.Skip(env.skip)
	}
}

// result is one run of dfopt verify.
type result struct {
	code   int
	stdout []byte
	stderr []byte
	report *verify.Report
}

// dfoptVerify runs `dfopt verify --format json ARGS…` and decodes its report.
func dfoptVerify(t *testing.T, args ...string) *result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	full := append([]string{"verify", "--format", "json"}, env.contexts...)
	full = append(full, args...)
	cmd := exec.CommandContext(ctx, env.dfopt, full...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	// Progress goes to the suite's output as it happens.
	cmd.Stderr = io.MultiWriter(&stderr, prefixWriter{os.Stderr})
	err := cmd.Run()
	r := &result{stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
	default:
		t.Fatalf("running dfopt verify: %v", err)
	}
	if len(bytes.TrimSpace(r.stdout)) > 0 {
		r.report = &verify.Report{}
		if err := json.Unmarshal(r.stdout, r.report); err != nil {
			t.Fatalf("dfopt verify printed no JSON report (%v):\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
		}
	}
	return r
}

type prefixWriter struct{ w io.Writer }

func (p prefixWriter) Write(b []byte) (int, error) {
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if l != "" {
			fmt.Fprint(p.w, "    ", l)
		}
	}
	return len(b), nil
}

// describe explains a report that is not what a test wanted.
func describe(r *result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "exit status %d", r.code)
	if rep := r.report; rep != nil {
		fmt.Fprintf(&b, ", verdict %q, rules %v", rep.Verdict, rep.Rules)
		if rep.Outcome != "" {
			fmt.Fprintf(&b, "\noutcome: %s", rep.Outcome)
		}
		if f := rep.Failure; f != nil {
			fmt.Fprintf(&b, "\nfailure: %s: %s", f.Step, f.Message)
			for _, l := range f.LogTail {
				fmt.Fprintf(&b, "\n  | %s", l)
			}
		}
		if c := rep.Filesystem; c != nil {
			for i, d := range c.Differences {
				if i == 30 {
					fmt.Fprintf(&b, "\n  … %d more", len(c.Differences)-30)
					break
				}
				fmt.Fprintf(&b, "\n  %s", d)
			}
		}
	}
	if r.code == 2 {
		fmt.Fprintf(&b, "\nstderr (tail):\n%s", tail(string(r.stderr), 15))
	}
	return b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestFixtures verifies every fixture's rewrite and writes MEASURED.md.
func TestFixtures(t *testing.T) {
	needSuite(t)
	var rows []row
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			rw := &row{fixture: fx}
			defer func() { rows = append(rows, *rw) }() // also after t.Fatal
			checkFixture(t, fx, rw)
		})
	}
	if err := writeMeasured("MEASURED.md", rows); err != nil {
		t.Errorf("writing MEASURED.md: %v", err)
	}
}

func checkFixture(t *testing.T, fx fixture, rw *row) {
	// The transforms this fixture proves must exist. A missing one fails
	// the fixture by name: the suite never passes in its place.
	for _, rule := range fx.rules {
		if transform.Lookup(rule) == nil {
			rw.missing = append(rw.missing, rule)
			t.Errorf("MISSING TRANSFORM: fixture %s proves rule %q, which pkg/transform does not register yet", fx.name, rule)
		}
	}
	dockerfile := filepath.Join("fixtures", fx.name, "Dockerfile")
	args := []string{dockerfile}
	if fx.unsafe {
		args = append([]string{"--unsafe"}, args...)
	}
	start := time.Now()
	r := dfoptVerify(t, args...)
	rw.seconds = time.Since(start).Seconds()
	rw.result = r
	rep := r.report
	if rep == nil {
		t.Fatalf("fixture %s: no report: %s", fx.name, describe(r))
	}
	if rep.Verdict == verify.VerdictNothingChanged {
		t.Fatalf("fixture %s: no rule changed the Dockerfile (wanted fixes from %v; registered rules: %v)",
			fx.name, fx.rules, registered())
	}

	// The rewrite builds exactly when the original does.
	if origFailed := rep.Original != nil && rep.Original.Failure != nil; origFailed != fx.fails {
		t.Fatalf("fixture %s is broken: the original Dockerfile fails: %v, want %v: %s", fx.name, origFailed, fx.fails, describe(r))
	}
	switch {
	case fx.fails && rep.Verdict != verify.VerdictBothFail:
		t.Fatalf("fixture %s: the rewrite changed the outcome of a failing build: %s", fx.name, describe(r))
	case fx.fails:
		if r.code != 0 {
			t.Errorf("fixture %s: both fail at the same step, yet dfopt verify exits %d", fx.name, r.code)
		}
		checkRules(t, fx, rep)
		return // no filesystem, nothing measured
	case rep.Verdict == verify.VerdictRewriteFails:
		t.Fatalf("fixture %s: the REWRITTEN Dockerfile does not build: %s", fx.name, describe(r))
	}
	// Safe rewrites give equivalent filesystems.
	if !fx.unsafe && (rep.Filesystem == nil || !rep.Filesystem.Equivalent()) {
		t.Errorf("fixture %s: the safe rewrite changed the final filesystem: %s", fx.name, describe(r))
	}
	if r.code != 0 && rep.Verdict != verify.VerdictDiffers {
		t.Errorf("fixture %s: dfopt verify: %s", fx.name, describe(r))
	}
	checkRules(t, fx, rep)

	// After a code-only change the rewrite re-runs no dependency install.
	if cc := rep.CodeChange; cc == nil && fx.noContext {
		if !strings.Contains(rep.MeasureNote, "no COPY, ADD or bind mount of the built stages reads a source file") {
			t.Errorf("fixture %s: no code-only change, and the report does not say why (%q)", fx.name, rep.MeasureNote)
		}
	} else if cc == nil {
		t.Errorf("fixture %s: no code-only change was measured (%s)", fx.name, rep.MeasureNote)
	} else {
		if ran := cc.Rewritten.DepStepsExecuted(); len(ran) > 0 && !(fx.runsTwice && len(ran) == 1) {
			t.Errorf("fixture %s: after a code-only change (%s) the rewritten file re-ran dependency installs %q", fx.name, cc.Path, ran)
		}
		if fx.hoists && len(cc.Original.DepStepsExecuted()) == 0 {
			t.Errorf("fixture %s: after a code-only change (%s) the ORIGINAL re-ran no dependency install: the fixture no longer shows what hoisting gains", fx.name, cc.Path)
		}
		t.Run("explain", func(t *testing.T) { checkExplain(t, fx, dockerfile, rep) })
	}
	// Multi-stage final images are smaller.
	if fx.smaller && rep.Original != nil && rep.Rewritten != nil && rep.Rewritten.Size >= rep.Original.Size {
		t.Errorf("fixture %s: the rewritten image is not smaller: %s → %s", fx.name,
			verify.HumanSize(rep.Original.Size), verify.HumanSize(rep.Rewritten.Size))
	}
}

// checkRules: the rules this fixture proves applied fixes.
func checkRules(t *testing.T, fx fixture, rep *verify.Report) {
	for _, rule := range fx.rules {
		if transform.Lookup(rule) != nil && !contains(rep.Rules, rule) {
			t.Errorf("fixture %s: rule %s applied no fix (applied: %v)", fx.name, rule, rep.Rules)
		}
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func registered() []string {
	var out []string
	for _, t := range transform.All() {
		out = append(out, t.Name)
	}
	return out
}

// TestVerifyAccepts checks verify itself, independent of the transforms,
// on a hand-made rewrite that hoists the manifests.
func TestVerifyAccepts(t *testing.T) {
	needSuite(t)
	r := dfoptVerify(t, "--against", "testdata/node-copy-all.hoisted.Dockerfile", "fixtures/node-copy-all/Dockerfile")
	rep := r.report
	if r.code != 0 || rep == nil || rep.Verdict != verify.VerdictOK {
		t.Fatalf("a correct rewrite was not accepted: %s", describe(r))
	}
	if !rep.Filesystem.Equivalent() || rep.Filesystem.Compared < 1000 {
		t.Errorf("filesystem comparison: %+v", rep.Filesystem)
	}
	if rep.Filesystem.IgnoredDiffering["root/.npm/**"] == 0 {
		t.Errorf("npm's cache differs between the two images, yet the comparison saw no ignored difference under root/.npm: %v", rep.Filesystem.IgnoredDiffering)
	}
	cc := rep.CodeChange
	if cc == nil || cc.Path != "server.js" {
		t.Fatalf("code-only change: %+v (%s)", cc, rep.MeasureNote)
	}
	if len(cc.Original.DepStepsExecuted()) != 1 || len(cc.Rewritten.DepStepsExecuted()) != 0 {
		t.Errorf("code-only change: original re-ran %q, rewritten %q; want npm install, nothing",
			cc.Original.DepStepsExecuted(), cc.Rewritten.DepStepsExecuted())
	}
	if cc.Rewritten.Executed >= cc.Original.Executed {
		t.Errorf("code-only change: rewritten ran %d steps, original %d", cc.Rewritten.Executed, cc.Original.Executed)
	}
	dc := rep.DependencyChange
	if dc == nil || dc.Path != "package.json" {
		t.Fatalf("dependency change: %+v", dc)
	}
	if len(dc.Original.DepStepsExecuted()) != 1 || len(dc.Rewritten.DepStepsExecuted()) != 1 {
		t.Errorf("dependency change: both must re-run npm install: %q, %q",
			dc.Original.DepStepsExecuted(), dc.Rewritten.DepStepsExecuted())
	}
	// npm's cache stays in the original image only.
	if rep.Original.Size <= rep.Rewritten.Size || rep.Rewritten.Size < 300e6 {
		t.Errorf("sizes: %d, %d", rep.Original.Size, rep.Rewritten.Size)
	}
}

// TestVerifyRejectsBrokenRewrite: a rewrite that fails to build exits 1
// and shows the failing step's output.
func TestVerifyRejectsBrokenRewrite(t *testing.T) {
	needSuite(t)
	r := dfoptVerify(t, "--no-measure", "--against", "testdata/node-copy-all.broken.Dockerfile", "fixtures/node-copy-all/Dockerfile")
	if r.code != 1 || r.report == nil || r.report.Verdict != verify.VerdictRewriteFails {
		t.Fatalf("want exit 1, verdict %s: %s", verify.VerdictRewriteFails, describe(r))
	}
	f := r.report.Failure
	if f == nil || !strings.Contains(f.Step, "RUN npm install") || !strings.Contains(strings.Join(f.LogTail, "\n"), "dfopt-e2e: about to fail") {
		t.Errorf("the failure must name the step and show its output: %+v", f)
	}
}

// TestVerifyRejectsChangedImage: a safe rewrite whose image differs exits
// 1 and lists the paths; with --unsafe the same differences only report.
func TestVerifyRejectsChangedImage(t *testing.T) {
	needSuite(t)
	for _, unsafe := range []bool{false, true} {
		args := []string{"--no-measure", "--against", "testdata/node-copy-all.changed.Dockerfile", "fixtures/node-copy-all/Dockerfile"}
		want, verdict := 1, verify.VerdictDiffers
		if unsafe {
			args = append([]string{"--unsafe"}, args...)
			want, verdict = 0, verify.VerdictOK
		}
		r := dfoptVerify(t, args...)
		if r.code != want || r.report == nil || r.report.Verdict != verdict {
			t.Fatalf("unsafe=%v: want exit %d, verdict %s: %s", unsafe, want, verdict, describe(r))
		}
		var got []string
		for _, d := range r.report.Filesystem.Differences {
			got = append(got, d.Kind+" "+d.Path)
		}
		wantDiffs := []string{"only-in-rewritten etc/motd-dfopt", "only-in-original usr/src/app/server.js"}
		if strings.Join(got, "\n") != strings.Join(wantDiffs, "\n") {
			t.Errorf("unsafe=%v: differences\n%s\nwant\n%s", unsafe, strings.Join(got, "\n"), strings.Join(wantDiffs, "\n"))
		}
	}
}

// TestVerifyNamedLocalContext: --build-context NAME=DIR maps a name that
// FROM or COPY --from uses to a local folder (no registry is reachable,
// so the build can only succeed through the mapping).
func TestVerifyNamedLocalContext(t *testing.T) {
	needSuite(t)
	r := dfoptVerify(t, "--build-context", "assets=testdata/named/assets",
		"--against", "testdata/named/app/Dockerfile.rewritten", "testdata/named/app/Dockerfile")
	if r.code != 0 || r.report == nil || r.report.Verdict != verify.VerdictOK {
		t.Fatalf("want exit 0, verdict ok: %s", describe(r))
	}
	if cc := r.report.CodeChange; cc == nil || cc.Path != "index.html" || cc.Original.Executed < 1 || cc.Rewritten.Executed < 1 {
		t.Errorf("code-only change: %+v", cc)
	}
}

// TestVerifyUnreachable: one clear line with the address, exit 2.
func TestVerifyUnreachable(t *testing.T) {
	needSuite(t)
	cmd := exec.Command(env.dfopt, "verify", "--addr", "unix:///nonexistent/buildkitd.sock", "--against",
		"testdata/node-copy-all.hoisted.Dockerfile", "fixtures/node-copy-all/Dockerfile")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 {
		t.Fatalf("want exit 2, got %v; stderr:\n%s", err, stderr.String())
	}
	msg := strings.TrimRight(stderr.String(), "\n")
	if strings.Contains(msg, "\n") || !strings.Contains(msg, "unix:///nonexistent/buildkitd.sock") {
		t.Errorf("want one line naming the address, got:\n%s", msg)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout: %q", stdout.String())
	}
}

// TestVerifyOutcomes: verify compares the outcomes of a Dockerfile that
// fails on purpose and hand-made rewrites of it (issue 11): a rewrite
// that builds where the original fails, or fails at another step, exits
// 1; one that fails at the same command, wherever it now is, exits 0.
func TestVerifyOutcomes(t *testing.T) {
	needSuite(t)
	const orig = "fixtures/merge-fails/Dockerfile"
	const origFails = "the original fails at line 8 (RUN test -e /nonexistent: exit code 1)"
	for _, tc := range []struct {
		against string
		code    int
		verdict string
		outcome string
	}{
		{"merge-fails.swallowed", 1, verify.VerdictRewriteBuilds, origFails + "; the rewrite builds"},
		{"merge-fails.grouped", 0, verify.VerdictBothFail, "both fail at the same step: the original at line 8 (RUN test -e /nonexistent: exit code 1), the rewrite at line 4 (RUN mkdir -p /srv/app && "},
		{"merge-fails.elsewhere", 1, verify.VerdictFailsDifferently, origFails + "; the rewrite fails elsewhere, at line 4 (RUN mkdir -p /srv/app && test -e /srv/app/ready: exit code 1)"},
	} {
		r := dfoptVerify(t, "--against", "testdata/"+tc.against+".Dockerfile", orig)
		if r.code != tc.code || r.report == nil || r.report.Verdict != tc.verdict {
			t.Errorf("%s: want exit %d, verdict %s: %s", tc.against, tc.code, tc.verdict, describe(r))
			continue
		}
		if !strings.HasPrefix(r.report.Outcome, tc.outcome) {
			t.Errorf("%s: outcome\n%s\nwant it to start with\n%s", tc.against, r.report.Outcome, tc.outcome)
		}
		if r.report.Filesystem != nil || r.report.CodeChange != nil {
			t.Errorf("%s: a failed build has no filesystem to compare or measure: %+v", tc.against, r.report)
		}
	}

	// The text report says so in one line.
	args := append([]string{"verify", "--quiet"}, env.contexts...)
	args = append(args, "--against", "testdata/merge-fails.swallowed.Dockerfile", orig)
	cmd := exec.Command(env.dfopt, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 {
		t.Fatalf("text report: want exit 1, got %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	if want := "\nFAIL: " + origFails + "; the rewrite builds\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("text report:\n%s\nwant the line%s", stdout.String(), want)
	}
}
