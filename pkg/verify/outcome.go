package verify

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Outcomes. A rewrite must keep the build's outcome: the original fails
// exactly when the rewrite fails, and at the same step. Verify builds the
// rewrite also when the original fails, and compares the failures when
// both fail.
//
// "The same step" is decided by what failed, not by where: a rewrite may
// merge the failing RUN with its neighbours, drop a cleanup from it, add
// cache mounts or options, or move it, so neither its line nor its step
// number need agree. Two failures are the same when
//   - both are RUN steps that ended with the same status (`exit code: N`),
//     and the two RUNs have a simple command in common: the same program
//     with the same non-option words, in the same order, one command's
//     words a subsequence of the other's (options may be added or
//     removed: `--no-install-recommends`, `-o Dir::Cache::Archives=…`);
//   - or both are the same kind of step (COPY, ADD, WORKDIR) with the same
//     instruction text;
//   - or neither failed in a step of the Dockerfile (a base image that
//     cannot be resolved, a file that does not parse) and the two error
//     messages agree once line numbers and identifiers are removed.
// Anything else is a different failure.

// failure is what identifies a failed build for the comparison.
type failure struct {
	keyword string     // RUN, COPY, …; "" when no Dockerfile step failed
	command string     // the step as BuildKit names it, without [N/M]
	status  string     // "exit code: 1", or the message for other errors
	cmds    [][]string // a RUN's simple commands, non-option words only
}

// exitStatus finds the status in BuildKit's message for a RUN:
// `process "/bin/sh -c …" did not complete successfully: exit code: 1`.
var exitStatus = regexp.MustCompile(`did not complete successfully: (.*)$`)

var exitCode = regexp.MustCompile(`^exit code: (\d+)$`)

// describeFailure builds the comparison key of a failed build and fills
// the failure's exit code.
func describeFailure(p *plan, f *BuildError) failure {
	out := failure{status: normalizeMessage(f.Message)}
	if m := stepName.FindStringSubmatch(f.Step); m != nil {
		out.command = m[1]
		out.keyword = strings.ToUpper(strings.Fields(m[1] + " x")[0])
	}
	if out.keyword != "RUN" {
		return out
	}
	if m := exitStatus.FindStringSubmatch(f.Message); m != nil {
		out.status = m[1]
		if c := exitCode.FindStringSubmatch(m[1]); c != nil {
			f.ExitCode, _ = strconv.Atoi(c[1])
		}
	}
	sc := p.script(p.step(f.Step))
	if sc == nil {
		sc = runScript(out.command)
	}
	if sc != nil {
		for _, c := range sc.Commands {
			var words []string
			for _, w := range c.Args {
				if !strings.HasPrefix(w.Value, "-") {
					words = append(words, w.Value)
				}
			}
			out.cmds = append(out.cmds, words)
		}
	}
	return out
}

var (
	lineRef = regexp.MustCompile(`Dockerfile:\d+`)
	idLike  = regexp.MustCompile(`\b[0-9a-z]{20,}\b`)
	spaces  = regexp.MustCompile(`\s+`)
)

// normalizeMessage drops what differs between two builds of the same
// mistake: line numbers, digests and other identifiers, spacing.
func normalizeMessage(s string) string {
	s = lineRef.ReplaceAllString(s, "Dockerfile")
	s = idLike.ReplaceAllString(s, "…")
	return strings.TrimSpace(spaces.ReplaceAllString(s, " "))
}

// sameFailure reports whether two failed builds failed the same way.
func sameFailure(a, b failure) bool {
	if a.keyword != b.keyword || a.status != b.status {
		return false
	}
	switch a.keyword {
	case "":
		return true // no step failed; the messages agree
	case "RUN":
		for _, x := range a.cmds {
			for _, y := range b.cmds {
				if sameCommand(x, y) {
					return true
				}
			}
		}
		return false
	}
	return spaces.ReplaceAllString(a.command, " ") == spaces.ReplaceAllString(b.command, " ")
}

// sameCommand: the same program, and one command's words a subsequence
// of the other's.
func sameCommand(x, y []string) bool {
	if len(x) == 0 || len(y) == 0 || x[0] != y[0] {
		return false
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	i := 0
	for _, w := range y {
		if i < len(x) && w == x[i] {
			i++
		}
	}
	return i == len(x)
}

// where names a failure for the one-line outcome: `line 2 (RUN test -e
// /x: exit code 1)`.
func where(f *BuildError) string {
	what := f.Step
	if m := stepName.FindStringSubmatch(f.Step); m != nil {
		what = m[1]
	}
	what = shorten(spaces.ReplaceAllString(what, " "), 100)
	status := f.Message
	if f.ExitCode != 0 {
		status = fmt.Sprintf("exit code %d", f.ExitCode)
	} else if m := exitStatus.FindStringSubmatch(f.Message); m != nil {
		status = m[1]
	}
	status = shorten(status, 90)
	switch {
	case f.Line > 0:
		return fmt.Sprintf("line %d (%s: %s)", f.Line, what, status)
	case what != "":
		return fmt.Sprintf("step %s (%s)", what, status)
	}
	return fmt.Sprintf("before any step (%s)", status)
}

// shorten keeps the first n characters of s, marking a cut with "…".
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// decideOutcome sets the verdict, the failure and the outcome line of a
// report when at least one build failed; it reports false when both
// built.
func decideOutcome(rep *Report, po, pr *plan, orig, rewr *BuildError) bool {
	switch {
	case orig == nil && rewr == nil:
		return false
	case orig == nil:
		describeFailure(pr, rewr)
		rep.Verdict, rep.Failure = VerdictRewriteFails, rewr
		rep.Outcome = "the original builds; the rewrite fails at " + where(rewr)
	case rewr == nil:
		describeFailure(po, orig)
		rep.Verdict, rep.Failure = VerdictRewriteBuilds, orig
		rep.Outcome = "the original fails at " + where(orig) + "; the rewrite builds"
	default:
		a, b := describeFailure(po, orig), describeFailure(pr, rewr)
		if sameFailure(a, b) {
			rep.Verdict, rep.Failure = VerdictBothFail, orig
			rep.Outcome = "both fail at the same step: the original at " + where(orig) + ", the rewrite at " + where(rewr)
		} else {
			rep.Verdict, rep.Failure = VerdictFailsDifferently, rewr
			rep.Outcome = "the original fails at " + where(orig) + "; the rewrite fails elsewhere, at " + where(rewr)
		}
		rep.MeasureNote = "both builds fail: no filesystem to compare, nothing to measure"
	}
	return true
}
