package golden

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/report"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/require"
)

// Findings are true of the user's file. For every golden case, each
// finding is located on the first line of an instruction of the input,
// and on the instruction it is about:
//   - a finding about a tool's command (cache-mounts, hoist-deps,
//     apt-hygiene, reorder, merge-runs) is on a RUN, and on a RUN whose
//     text runs the first tool its message names (hoist-deps' "not
//     hoisted" names what blocks the install, not the install);
//   - a finding about several instructions (merged RUNs) ends on the last
//     line of one;
//   - dockerignore is on the COPY or ADD that copies the context;
//   - multi-stage is on the FROM of the stage it splits;
//   - syntax-header is on the instruction whose syntax needs the
//     frontend: one that has the syntax it says the file uses, a RUN when
//     the RUN --mount is one cache-mounts adds, the line its message
//     names; with --syntax=always and nothing that needs it, line 1 (the
//     only finding located on no instruction).
//
// The text, SARIF and GitHub formats say the same: they are written from
// the same findings.
func TestFindingsOnTheirInstructions(t *testing.T) {
	for _, c := range Cases(t) {
		t.Run(c.Name, func(t *testing.T) {
			res, doc := runCase(t, c)
			for _, f := range res.Findings {
				where := fmt.Sprintf("%d: %s: %s", f.Line, f.Rule, f.Message)
				if f.Rule == "syntax-header" && strings.HasSuffix(f.Message, "(--syntax=always)") {
					require.Equal(t, 1, f.Line, where)
					continue
				}
				ins := startingAt(doc, f.Line)
				require.NotNil(t, ins, "%s: not the first line of an instruction of the input", where)
				require.True(t, f.EndLine == 0 || endingAt(doc, f.EndLine) != nil && f.EndLine >= ins.EndLine, "%s: ends at %d, not the end of an instruction", where, f.EndLine)
				require.True(t, isAbout(doc, ins, f.Finding), "%s: not about `%s`", where, ins.Text(doc))
			}
			sameInEveryFormat(t, res)
		})
	}
}

func runCase(t *testing.T, c Case) (*transform.Result, *ast.Document) {
	path := filepath.Join(c.Dir, "Dockerfile")
	src, chain, bctx := setup(t, c)
	res, err := chain.Run(path, src, bctx)
	require.NoError(t, err)
	doc, err := ast.Parse(path, src)
	require.NoError(t, err)
	return res, doc
}

func endingAt(d *ast.Document, line int) *ast.Instruction {
	for _, ins := range d.Instructions {
		if ins.EndLine == line {
			return ins
		}
	}
	return nil
}

func startingAt(d *ast.Document, line int) *ast.Instruction {
	for _, ins := range d.Instructions {
		if ins.StartLine == line {
			return ins
		}
	}
	return nil
}

// toolCommands names, for each tool a message may name, a word the RUN
// that runs it contains.
var toolCommands = map[string]string{
	"apt": "apt", "apk": "apk", "dnf": "dnf|yum", "microdnf": "microdnf", "zypper": "zypper", "yum": "yum",
	"pip": "pip", "pipenv": "pipenv", "poetry": "poetry", "uv": "uv",
	"npm": "npm", "yarn": "yarn", "pnpm": "pnpm", "bun": "bun",
	"go": "go", "maven": "mvn", "gradle": "gradle", "cargo": "cargo", "dotnet": "dotnet",
	"composer": "composer", "bundler": "bundle", "gem": "gem",
}

var toolWord = func() *regexp.Regexp {
	var names []string
	for n := range toolCommands {
		names = append(names, regexp.QuoteMeta(n))
	}
	return regexp.MustCompile(`(^|[^\w/.-])(` + strings.Join(names, "|") + `)($|[^\w/-])`)
}()

// firstTool is the first tool a message names ("" for none).
func firstTool(msg string) string {
	if m := toolWord.FindStringSubmatch(msg); m != nil {
		return m[2]
	}
	return ""
}

var usedAt = regexp.MustCompile(`(?:used|adds|would add) at line (\d+)`)

func isAbout(d *ast.Document, ins *ast.Instruction, f transform.Finding) bool {
	text := ins.Text(d)
	switch f.Rule {
	case "dockerignore":
		return ins.Cmd == "copy" || ins.Cmd == "add"
	case "multi-stage":
		return ins.Cmd == "from"
	case "copy-chmod":
		return ins.Cmd == "run" // the chmod that goes
	case "build-secrets":
		return ins.Cmd == "copy" || ins.Cmd == "run" // what writes the file
	case "syntax-header":
		if m := usedAt.FindStringSubmatch(f.Message); m != nil {
			return m[1] == strconv.Itoa(f.Line)
		}
		if strings.Contains(f.Message, ", which cache-mounts adds") || strings.Contains(f.Message, ", which build-secrets adds") {
			return ins.Cmd == "run"
		}
		if strings.Contains(f.Message, ", which copy-chmod adds") {
			return ins.Cmd == "copy"
		}
		for what, sign := range map[string]string{"a heredoc": "<<", "ADD of a git repository": "ADD", " --": ""} {
			if i := strings.Index(f.Message, what); i >= 0 {
				if sign == "" { // "uses RUN --network": the flag
					sign = "--" + strings.Fields(f.Message[i+3:])[0]
				}
				return strings.Contains(strings.ToUpper(text), strings.ToUpper(sign))
			}
		}
		return false
	}
	if ins.Cmd != "run" {
		return false
	}
	tool := firstTool(f.Message)
	if tool == "" || strings.HasPrefix(f.Message, "not hoisted: ") {
		return true
	}
	return regexp.MustCompile(`(^|[^\w])(` + toolCommands[tool] + `)`).MatchString(text)
}

// sameInEveryFormat writes the findings as text, SARIF and GitHub
// annotations and reads back the same lines, rules and messages.
func sameInEveryFormat(t *testing.T, res *transform.Result) {
	var want []string
	for _, f := range res.Findings {
		want = append(want, fmt.Sprintf("%d %s %s (%s)", f.Line, f.Rule, f.Message, report.Class(f)))
	}
	file := &report.File{Path: "Dockerfile", URI: "Dockerfile", Findings: res.Findings}
	for _, format := range []string{"text", "sarif", "github"} {
		var b bytes.Buffer
		w, err := report.NewWriter(format, &b, report.Tool{Name: "dfopt"})
		require.NoError(t, err)
		require.NoError(t, w.File(file))
		require.NoError(t, w.Close())
		require.Equal(t, want, readBack(t, format, b.String()), format)
	}
}

var (
	textLine   = regexp.MustCompile(`^Dockerfile:(\d+): ([\w-]+): (.*)$`)
	githubLine = regexp.MustCompile(`^::warning file=Dockerfile,line=(\d+)(?:,endLine=\d+)?,title=dfopt/([\w-]+)::(.*)$`)
)

func readBack(t *testing.T, format, out string) []string {
	var got []string
	if format == "sarif" {
		var log report.SARIFLog
		require.NoError(t, json.Unmarshal([]byte(out), &log))
		for _, r := range log.Runs[0].Results {
			got = append(got, fmt.Sprintf("%d %s %s (%s fix)", r.Locations[0].PhysicalLocation.Region.StartLine, r.RuleID, r.Message.Text, r.Properties["fix"]))
		}
		return got
	}
	re := map[string]*regexp.Regexp{"text": textLine, "github": githubLine}[format]
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if l == "" {
			continue
		}
		m := re.FindStringSubmatch(l)
		require.NotNil(t, m, l)
		got = append(got, m[1]+" "+m[2]+" "+m[3])
	}
	return got
}
