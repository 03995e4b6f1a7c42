package verify

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBatch(t *testing.T) {
	b := NewBatch("tcp://127.0.0.1:1234")
	ok := &Report{Dockerfile: "b/Dockerfile", Verdict: VerdictOK, Rules: []string{"cache-mounts", "merge-runs"},
		Original: &Build{Seconds: 12.3, Size: 2e6}, Rewritten: &Build{Seconds: 4.5, Size: 2e6}, Filesystem: &Comparison{},
		CodeChange: &Scenario{Path: "main.go", Original: &Build{Executed: 5}, Rewritten: &Build{Executed: 2}}}
	b.Add(&Result{Dockerfile: "b/Dockerfile", Report: ok})
	assert.Equal(t, VerdictOK, b.Verdict, "unchanged < ok")
	b.Add(&Result{Dockerfile: "a/Dockerfile", Report: &Report{Verdict: VerdictRewriteFails, Outcome: "the rewrite fails at line 3; the original builds"}})
	b.Add(&Result{Dockerfile: "c/Dockerfile", Report: &Report{Verdict: VerdictNothingChanged}})
	assert.Equal(t, VerdictRewriteFails, b.Verdict)
	assert.Equal(t, 1, Severity(b.Verdict))
	b.Add(&Result{Dockerfile: "d/Dockerfile", Verdict: VerdictError, Error: "not a regular file"})
	assert.Equal(t, VerdictError, b.Verdict, "an error is the worst")
	assert.Equal(t, 2, Severity(b.Verdict))
	b.Sort()

	var text bytes.Buffer
	require.NoError(t, b.WriteText(&text))
	want := `dfopt verify: 4 Dockerfiles on tcp://127.0.0.1:1234

DOCKERFILE    VERDICT          RULES                    BUILD (ORIG → NEW)  CODE CHANGE: STEPS RUN  SIZE (ORIG → NEW)
a/Dockerfile  rewritten-fails  —                        —                   —                       —
b/Dockerfile  ok               cache-mounts,merge-runs  12.3s → 4.5s        5 → 2                   2.0 MB → 2.0 MB
c/Dockerfile  unchanged        —                        —                   —                       —
d/Dockerfile  error            —                        —                   —                       —

a/Dockerfile: the rewrite fails at line 3; the original builds

d/Dockerfile: not a regular file

1 unchanged, 1 ok, 1 rewritten-fails, 1 error; worst: error
`
	assert.Equal(t, want, text.String())

	var js bytes.Buffer
	require.NoError(t, b.WriteJSON(&js))
	var back struct {
		Addr    string         `json:"addr"`
		Verdict string         `json:"verdict"`
		Counts  map[string]int `json:"counts"`
		Results []struct {
			Dockerfile, Verdict, Error string
			Report                     *Report
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(js.Bytes(), &back))
	assert.Equal(t, "error", back.Verdict)
	assert.Equal(t, map[string]int{"ok": 1, "unchanged": 1, "rewritten-fails": 1, "error": 1}, back.Counts)
	require.Len(t, back.Results, 4)
	assert.Equal(t, "b/Dockerfile", back.Results[1].Dockerfile)
	assert.Equal(t, []string{"cache-mounts", "merge-runs"}, back.Results[1].Report.Rules)
	assert.Nil(t, back.Results[3].Report)
}
