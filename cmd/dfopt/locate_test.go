package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/report"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// examples/python: hoist-deps moves the pip install above `COPY . .`,
// reorder moves the apt RUNs there, apt-hygiene joins them, cache-mounts
// mounts caches on the moved RUNs and syntax-header pins the frontend for
// those mounts. Every finding is still located on the instruction of the
// user's file it is about, in every format, and names no `--mount` the
// file does not have.
func TestCheckExamplePythonLocatesEveryFinding(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "python", "Dockerfile"))
	require.NoError(t, err)
	dir := t.TempDir()
	f := writeFile(t, filepath.Join(dir, "Dockerfile"), string(src))
	writeFile(t, filepath.Join(dir, "requirements.txt"), "flask\n")
	writeFile(t, filepath.Join(dir, "app.py"), "print('hi')\n")

	lines := strings.Split(string(src), "\n")
	want := map[string]string{ // rule and line → the input line it is on
		"3 dockerignore":  "COPY . .",
		"4 hoist-deps":    "RUN pip install --no-cache-dir -r requirements.txt",
		"4 cache-mounts":  "RUN pip install --no-cache-dir -r requirements.txt",
		"4 syntax-header": "RUN pip install --no-cache-dir -r requirements.txt",
		"5 reorder":       "RUN apt-get update",
		"5 apt-hygiene":   "RUN apt-get update",
		"5 cache-mounts":  "RUN apt-get update",
		"6 reorder":       "RUN apt-get install -y libpq5",
		"6 apt-hygiene":   "RUN apt-get install -y libpq5",
	}
	for key, text := range want {
		var n int
		fmt.Sscan(key, &n)
		require.Equal(t, text, lines[n-1], key)
	}
	formats := map[string]*regexp.Regexp{
		"text":   regexp.MustCompile(`(?m)^[^\n]*Dockerfile:(\d+): ([\w-]+): (.*)$`),
		"github": regexp.MustCompile(`(?m)^::warning file=[^,]*,line=(\d+)(?:,endLine=\d+)?,title=dfopt/([\w-]+)::(.*)$`),
	}
	got := map[string][]string{}
	for format, re := range formats {
		out, errs, code := dfopt(t, "", "check", "--no-config", "--format", format, f)
		require.Equal(t, 1, code, errs)
		for _, m := range re.FindAllStringSubmatch(out, -1) {
			got[format] = append(got[format], m[1]+" "+m[2]+" "+m[3])
		}
	}
	out, errs, code := dfopt(t, "", "check", "--no-config", "--format", "sarif", f)
	require.Equal(t, 1, code, errs)
	var log report.SARIFLog
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	for _, r := range log.Runs[0].Results {
		got["sarif"] = append(got["sarif"], fmt.Sprintf("%d %s %s (%s fix)", r.Locations[0].PhysicalLocation.Region.StartLine, r.RuleID, r.Message.Text, r.Properties["fix"]))
	}
	// Nine findings: apt-hygiene does not propose removing the apt lists
	// that cache-mounts mounts, so no two findings contradict each other.
	require.Len(t, got["text"], 9)
	for _, g := range got["text"] {
		assert.NotContains(t, g, "rm -rf /var/lib/apt/lists", "no finding proposes or removes a cleanup the input lacks")
	}
	for format, list := range got {
		assert.Equal(t, got["text"], list, "%s says what text says", format)
		for _, g := range list {
			fields := strings.Fields(g)
			_, ok := want[fields[0]+" "+fields[1]]
			assert.True(t, ok, "%s: %s: not on its instruction", format, g)
			if strings.Contains(g, "--mount") {
				assert.Contains(t, g, "which cache-mounts adds", "%s: the input has no --mount", g)
			}
		}
	}
}
