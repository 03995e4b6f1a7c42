package transform

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapped applies word insertions after each `at` marker word of src's
// last instruction, laid out by wrapLong.
func wrapped(t *testing.T, src string, words ...string) string {
	t.Helper()
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	var edits []emit.Edit
	at := 0
	for _, w := range words {
		mark, word, _ := strings.Cut(w, "=")
		i := strings.Index(src[at:], mark)
		require.GreaterOrEqual(t, i, 0, mark)
		at += i + len(mark)
		edits = append(edits, emit.Edit{Start: at, End: at, New: " " + word})
	}
	ptrs := make([]*emit.Edit, len(edits))
	for i := range edits {
		ptrs[i] = &edits[i]
	}
	wrapLong(d, ptrs, func(n int) int { return len(d.LineText(n)) })
	out, err := emit.Apply([]byte(src), edits)
	require.NoError(t, err)
	return string(out)
}

func TestWrapLong(t *testing.T) {
	long := strings.Repeat("x", 100)
	src := "FROM debian\nRUN apt-get install -y " + long + " && echo done\n"
	out := wrapped(t, src, "install=--no-install-recommends", long+"=ca-certificates")
	assert.Equal(t, "FROM debian\nRUN apt-get install --no-install-recommends -y "+long+" \\\n    ca-certificates && echo done\n", out,
		"the last inserted word goes on a continuation line")
	for _, line := range strings.Split(out, "\n") {
		assert.LessOrEqual(t, len(line), MaxAddedLine)
	}

	short := "FROM debian\nRUN apt-get install -y curl\n"
	assert.Equal(t, "FROM debian\nRUN apt-get install --no-install-recommends -y curl\n", wrapped(t, short, "install=--no-install-recommends"), "short lines stay")

	already := "FROM debian\nRUN apt-get install -y " + long + long + "\n"
	twice := "FROM debian\nRUN apt-get install -y " + long + "xxxxxxxxxxxxxxxxxxxx && echo done\n"
	assert.Contains(t, wrapped(t, twice, "install=--no-install-recommends", "xxxxxxxxxx && echo=ca-certificates"), "RUN apt-get install \\\n    --no-install-recommends -y ",
		"more words move when the first part still does not fit")
	assert.NotContains(t, wrapped(t, already, "install=--no-install-recommends"), "\\\n", "a line that was already long is not the fix's doing")

	quoted := "FROM debian\nRUN sh -c 'apt-get install -y " + long + "' && true\n"
	assert.NotContains(t, wrapped(t, quoted, long+"=ca-certificates-and-more-words-to-pass-the-limit"), "\\\n", "no break inside quotes")

	crlf := strings.ReplaceAll(src, "\n", "\r\n")
	assert.Contains(t, wrapped(t, crlf, "install=--no-install-recommends", long+"=ca-certificates"), " \\\r\n    ca-certificates", "the file's line ending")
}

func TestWrapLongReplacementsAndTails(t *testing.T) {
	long := strings.Repeat("y", 110)
	src := "FROM alpine\nRUN apk add --no-cache " + long + " && echo done\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	at := strings.Index(src, "--no-cache")
	e := emit.Edit{Start: at, End: at + len("--no-cache"), New: "--cache-dir /var/cache/apk --update-cache"}
	wrapLong(d, []*emit.Edit{&e}, func(n int) int { return len(d.LineText(n)) })
	out, err := emit.Apply([]byte(src), []emit.Edit{e})
	require.NoError(t, err)
	assert.Equal(t, "FROM alpine\nRUN apk add \\\n    --cache-dir /var/cache/apk --update-cache "+long+" && echo done\n", string(out),
		"new text in place of a word moves with the rest of the line")

	// An edit that takes the line's end into the next line counts the
	// text it joins.
	src = "FROM debian\nRUN apt-get install -y " + long + " \\\n    && rm -rf /var/lib/apt/lists/*\n"
	d, err = ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	l := d.Lines[1]
	join := emit.Edit{Start: l.End - 2, End: strings.Index(src, "&&"), New: " "}
	assert.Equal(t, l.End-l.Start-2+1+len("&& rm -rf /var/lib/apt/lists/*"), lineLength(d, l, []*emit.Edit{&join}))
}

func TestWrapLongBreaksALongTail(t *testing.T) {
	pkgs := strings.Repeat("pkg ", 30) // 120 characters of the user's words
	src := "FROM debian\nRUN apt-get install -y " + pkgs + "&& true\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	at := strings.Index(src, "apt-get") + len("apt-get")
	f := []Finding{{Rule: "r", Line: 2, EndLine: 2, Edits: []emit.Edit{{Start: at, End: at, New: " -o Dir::Cache::Archives=/var/cache/apt/keep/"}}}}
	c := &Chain{}
	c.wrap(d, &history{input: d}, f, []bool{true})
	out, err := emit.Apply([]byte(src), f[0].Edits)
	require.NoError(t, err)
	for _, line := range strings.Split(string(out), "\n") {
		assert.LessOrEqual(t, len(line), MaxAddedLine, line)
	}
	plain, err := emit.Apply([]byte(src), []emit.Edit{{Start: at, End: at, New: " -o Dir::Cache::Archives=/var/cache/apt/keep/"}})
	require.NoError(t, err)
	assert.Equal(t, strings.Fields(string(plain)), strings.Fields(strings.ReplaceAll(string(out), "\\\n", " ")), "only line breaks besides the words")
	assert.GreaterOrEqual(t, strings.Count(string(out), "\\\n"), 2, "the continuation is broken again")
}

func TestWrapLongTailWithMoreEdits(t *testing.T) {
	pkgs := strings.Repeat("pkg ", 25)
	src := "FROM debian\nRUN apt-get install -y " + pkgs + "last && true\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	at := strings.Index(src, "apt-get") + len("apt-get")
	end := strings.Index(src, "last") + len("last")
	edits := []emit.Edit{{Start: at, End: at, New: " -o Dir::Cache::Archives=/var/cache/apt/keep/"}, {Start: end, End: end, New: " ca-certificates"}}
	f := []Finding{{Rule: "r", Line: 2, EndLine: 2, Edits: edits}}
	(&Chain{}).wrap(d, &history{input: d}, f, []bool{true})
	out, err := emit.Apply([]byte(src), f[0].Edits)
	require.NoError(t, err)
	for _, line := range strings.Split(string(out), "\n") {
		assert.LessOrEqual(t, len(line), MaxAddedLine, line)
	}
	plain, err := emit.Apply([]byte(src), edits)
	require.NoError(t, err)
	assert.Equal(t, strings.Fields(string(plain)), strings.Fields(strings.ReplaceAll(string(out), "\\\n", " ")))
}

// A user's line that fits gains ` && \` from a join of RUNs (JoinRuns)
// or from a command appended on a new line: it is broken between its
// own words, never after a redirection operator.
func TestJoinAndAppendKeepLinesReadable(t *testing.T) {
	cmd := "echo | openssl s_client -showcerts -connect " + strings.Repeat("n", 22) + ".example.net:443 2>&1 | sed -ne '/-BEGIN CERTIFICATE-/,/-END CERTIFICATE-/p' >> cert.pem"
	require.LessOrEqual(t, len("RUN "+cmd), MaxAddedLine)
	require.Greater(t, len("    "+cmd+" && \\"), MaxAddedLine)
	src := "FROM debian\nRUN mkdir -p /x\nRUN " + cmd + "\nRUN echo done\n"
	d, err := ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	e, ok := JoinRuns(d, d.Instructions[1:])
	require.True(t, ok)
	out, err := emit.Apply([]byte(src), []emit.Edit{e})
	require.NoError(t, err)
	for _, line := range strings.Split(string(out), "\n") {
		assert.LessOrEqual(t, len(line), MaxAddedLine, line)
		assert.False(t, strings.HasSuffix(strings.TrimSuffix(line, " \\"), ">>"), "the target stays with its operator: %q", line)
	}
	assert.Equal(t, strings.Fields(strings.ReplaceAll(src[strings.Index(src, "RUN mkdir"):], "\nRUN ", " && ")),
		strings.Fields(strings.ReplaceAll(string(out[strings.Index(string(out), "RUN mkdir"):]), "\\\n", " ")), "only line breaks besides the join")

	src = "FROM debian\nRUN " + cmd + "\n"
	d, err = ast.Parse("Dockerfile", []byte(src))
	require.NoError(t, err)
	end := d.Instructions[1].Span.End
	f := []Finding{{Rule: "r", Line: 2, EndLine: 2, Edits: []emit.Edit{{Start: end, End: end, New: " && \\\n    rm -f x"}}}}
	(&Chain{}).wrap(d, &history{input: d}, f, []bool{true})
	out, err = emit.Apply([]byte(src), f[0].Edits)
	require.NoError(t, err)
	for _, line := range strings.Split(string(out), "\n") {
		assert.LessOrEqual(t, len(line), MaxAddedLine, line)
	}
	assert.Equal(t, 2, strings.Count(string(out), "\\\n"), "one break in the user's line, one before the appended command")
}
