package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/verify"
)

// checkExplain is issue 8's end-to-end check: from the Dockerfile and the
// changed file alone, `dfopt explain` must predict which steps BuildKit
// takes from its cache and which it runs again after the code-only
// change that verify really made; for the original file and, with
// --compare, for the rewritten one.
func checkExplain(t *testing.T, fx fixture, dockerfile string, rep *verify.Report) {
	if !hasCommand("explain") {
		t.Skipf("dfopt explain is not implemented yet (issue 8): its prediction for %s is not checked", fx.name)
	}
	cc := rep.CodeChange
	args := []string{"explain", "--format", "json", "--changed", cc.Path, "--compare"}
	if fx.unsafe {
		args = append(args, "--unsafe")
	}
	for _, n := range env.baseNames {
		args = append(args, "--named-context", n)
	}
	args = append(args, dockerfile)
	cmd := exec.Command(env.dfopt, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
		t.Fatalf("dfopt explain: %v\n%s", err, stderr.String())
	}
	var ex struct {
		Prediction *prediction `json:"prediction"`
		Compare    *struct {
			Prediction *prediction `json:"prediction"`
		} `json:"compare"`
	}
	if err := json.Unmarshal(out, &ex); err != nil || ex.Prediction == nil {
		t.Fatalf("dfopt explain printed no prediction (%v):\n%s\n%s", err, out, stderr.String())
	}
	for _, m := range compareSteps(ex.Prediction.Steps, cc.Original.Steps) {
		t.Errorf("%s, original Dockerfile, after a change to %s: %s", fx.name, cc.Path, m)
	}
	if ex.Compare == nil || ex.Compare.Prediction == nil {
		t.Errorf("%s: dfopt explain --compare predicted nothing for the rewritten file", fx.name)
		return
	}
	for _, m := range compareSteps(ex.Compare.Prediction.Steps, cc.Rewritten.Steps) {
		t.Errorf("%s, rewritten Dockerfile, after a change to %s: %s", fx.name, cc.Path, m)
	}
}

type prediction struct {
	Steps []predictedStep `json:"steps"`
}

type predictedStep struct {
	Name      string `json:"name"`
	Stage     int    `json:"stage"`
	Command   string `json:"command"`
	Built     bool   `json:"built"`
	Cached    bool   `json:"cached"`
	Uncertain bool   `json:"uncertain"`
}

// compareSteps lists where a prediction and the real build disagree.
// A step predicted to re-run only because a stage it copies from re-ran
// (uncertain) may come from the cache: BuildKit compares the files.
func compareSteps(pred []predictedStep, real []verify.Step) []string {
	byName := map[string]predictedStep{}
	for _, p := range pred {
		if p.Built && !strings.HasPrefix(p.Command, "FROM ") {
			byName[p.Name] = p
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range real {
		seen[r.Name] = true
		p, ok := byName[r.Name]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("BuildKit ran %q, which explain does not list (it lists %s)", r.Name, names(pred)))
		case p.Cached && r.Executed:
			out = append(out, fmt.Sprintf("%q: predicted cached, BuildKit ran it again", r.Name))
		case !p.Cached && r.Cached && !p.Uncertain:
			out = append(out, fmt.Sprintf("%q: predicted to run again, BuildKit took it from the cache", r.Name))
		}
	}
	// BuildKit runs a step once when two stages share it exactly (the same
	// base and the same instructions up to it): it reports one name.
	chain := map[int][]string{}
	key := make([]string, len(pred))
	seenKey := map[string]bool{}
	for i, p := range pred {
		chain[p.Stage] = append(chain[p.Stage], p.Command)
		key[i] = strings.Join(chain[p.Stage], "\n")
		if seen[p.Name] {
			seenKey[key[i]] = true
		}
	}
	for i, p := range pred {
		if _, ok := byName[p.Name]; ok && !seen[p.Name] && !seenKey[key[i]] {
			out = append(out, fmt.Sprintf("explain lists %q, which BuildKit did not run", p.Name))
		}
	}
	return out
}

func names(pred []predictedStep) string {
	var l []string
	for _, p := range pred {
		if p.Built {
			l = append(l, fmt.Sprintf("%q", p.Name))
		}
	}
	return strings.Join(l, ", ")
}

// hasCommand reports whether the dfopt under test has a subcommand.
func hasCommand(name string) bool {
	out, err := exec.Command(env.dfopt, "--help").Output()
	if err != nil {
		return false
	}
	for _, l := range strings.Split(string(out), "\n") {
		f := strings.Fields(l)
		if len(f) > 0 && strings.TrimSuffix(f[0], ",") == name {
			return true
		}
	}
	return false
}
