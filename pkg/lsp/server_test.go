package lsp

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
)

// The messages as a client reads them (the protocol's JSON, not glsp's
// types: the test checks what goes over the wire).
type (
	position struct{ Line, Character int }
	rng      struct{ Start, End position }
	textEdit struct {
		Range   rng
		NewText string
	}
	diagnostic struct {
		Range           rng
		Severity        int
		Code            string
		CodeDescription struct{ Href string }
		Source, Message string
	}
	publishParams struct {
		URI         string
		Version     int
		Diagnostics []diagnostic
	}
	docChange struct {
		Kind         string // "create" for a CreateFile
		URI          string
		TextDocument struct {
			URI     string
			Version *int
		}
		Edits []textEdit
	}
	codeAction struct {
		Title       string
		Kind        string
		IsPreferred *bool
		Diagnostics []diagnostic
		Edit        struct {
			Changes         map[string][]textEdit
			DocumentChanges []docChange
		}
	}
)

// client is an editor's end of the connection.
type client struct {
	t     *testing.T
	conn  *jsonrpc2.Conn
	diags chan publishParams
	done  chan error
}

func start(t *testing.T) *client {
	t.Helper()
	srvEnd, cliEnd := net.Pipe()
	c := &client{t: t, diags: make(chan publishParams, 16), done: make(chan error, 1)}
	go func() { c.done <- New(Options{Version: "test", NoConfig: false}).Serve(context.Background(), srvEnd) }()
	c.conn = jsonrpc2.NewConn(context.Background(), jsonrpc2.NewBufferedStream(cliEnd, jsonrpc2.VSCodeObjectCodec{}),
		jsonrpc2.HandlerWithError(func(_ context.Context, _ *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
			if req.Method == "textDocument/publishDiagnostics" {
				var p publishParams
				require.NoError(t, json.Unmarshal(*req.Params, &p))
				c.diags <- p
			}
			return nil, nil
		}))
	t.Cleanup(func() { c.conn.Close() })
	return c
}

func (c *client) call(method string, params, result any) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(c.t, c.conn.Call(ctx, method, params, result), method)
}

func (c *client) notify(method string, params any) {
	c.t.Helper()
	require.NoError(c.t, c.conn.Notify(context.Background(), method, params), method)
}

func (c *client) published() publishParams {
	c.t.Helper()
	select {
	case p := <-c.diags:
		return p
	case <-time.After(20 * time.Second):
		c.t.Fatal("no publishDiagnostics")
	}
	return publishParams{}
}

// apply applies text edits to src as a client does.
func apply(t *testing.T, src []byte, edits []textEdit) []byte {
	t.Helper()
	idx := newLineIndex(src)
	var es []emit.Edit
	for _, e := range edits {
		start := idx.offset(protoPos(e.Range.Start))
		end := idx.offset(protoPos(e.Range.End))
		es = append(es, emit.Edit{Start: start, End: end, New: e.NewText})
	}
	out, err := emit.Apply(src, es)
	require.NoError(t, err)
	return out
}

const dockerfile = "FROM debian:bookworm\n" +
	"RUN apt-get update\n" +
	"RUN apt-get install -y curl\n" +
	"COPY . /app\n" +
	"RUN pip install -r /app/requirements.txt\n"

// chainOf runs the chain as `dfopt check` does on the file, for what the
// server must agree with.
func chainOf(t *testing.T, path string, src []byte) *transform.Result {
	t.Helper()
	bctx, err := transform.NewBuildContext(filepath.Dir(path), path)
	require.NoError(t, err)
	res, err := (&transform.Chain{Transforms: transform.All(), Options: transform.Options{Syntax: "auto"}}).Run(path, src, bctx)
	require.NoError(t, err)
	return res
}

func TestSession(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "Dockerfile")
	require.NoError(t, os.WriteFile(path, []byte(dockerfile), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "requirements.txt"), []byte("flask\n"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755)) // no configuration above
	uri := fileURI(path)
	c := start(t)

	var init struct {
		Capabilities struct {
			TextDocumentSync struct {
				OpenClose bool
				Change    int
			}
			CodeActionProvider struct{ CodeActionKinds []string }
		}
		ServerInfo struct{ Name, Version string }
	}
	c.call("initialize", map[string]any{"processId": nil, "rootUri": fileURI(dir), "capabilities": map[string]any{}}, &init)
	assert.Equal(t, 1, init.Capabilities.TextDocumentSync.Change, "full text on change")
	assert.True(t, init.Capabilities.TextDocumentSync.OpenClose)
	assert.Equal(t, []string{"quickfix", "source", "source.fixAll.dfopt"}, init.Capabilities.CodeActionProvider.CodeActionKinds)
	assert.Equal(t, "dfopt", init.ServerInfo.Name)
	c.notify("initialized", map[string]any{})

	// didOpen: one diagnostic per finding, on the finding's lines.
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "dockerfile", "version": 1, "text": dockerfile}})
	pub := c.published()
	assert.Equal(t, uri, pub.URI)
	assert.Equal(t, 1, pub.Version)
	want := chainOf(t, path, []byte(dockerfile))
	require.Len(t, pub.Diagnostics, len(want.Findings))
	for i, f := range want.Findings {
		d := pub.Diagnostics[i]
		assert.Equal(t, f.Rule, d.Code)
		assert.Equal(t, f.Message, d.Message)
		assert.Equal(t, "dfopt", d.Source)
		assert.Equal(t, "https://github.com/dfopt/dfopt#"+f.Rule, d.CodeDescription.Href)
		assert.Equal(t, f.Line-1, d.Range.Start.Line, f.Message)
		assert.Equal(t, max(f.EndLine, f.Line)-1, d.Range.End.Line, f.Message)
		assert.Equal(t, 2, d.Severity, "findings with a fix are warnings")
	}

	// A quick fix per finding on the line: the finding's own edit.
	var actions []codeAction
	c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 4, "character": 0}, "end": map[string]any{"line": 4, "character": 0}},
		"context":      map[string]any{"diagnostics": []any{}, "only": []string{"quickfix"}},
	}, &actions)
	titles := map[string]codeAction{}
	for _, a := range actions {
		titles[a.Title] = a
		assert.Equal(t, "quickfix", a.Kind)
	}
	hoist, ok := titles["dfopt: fix hoist-deps"]
	require.True(t, ok, "%v", actions)
	assert.True(t, *hoist.IsPreferred)
	require.Len(t, hoist.Diagnostics, 1)
	assert.Equal(t, "hoist-deps", hoist.Diagnostics[0].Code)
	var hoistFinding transform.Reported
	for _, f := range want.Findings {
		if f.Rule == "hoist-deps" {
			hoistFinding = f
		}
	}
	wantHoist, err := emit.Apply([]byte(dockerfile), hoistFinding.Edits)
	require.NoError(t, err)
	assert.Equal(t, string(wantHoist), string(apply(t, []byte(dockerfile), hoist.Edit.Changes[uri])))

	// The unsafe fix on line 3 is offered, and says it is unsafe.
	c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 2, "character": 5}, "end": map[string]any{"line": 2, "character": 5}},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &actions)
	var unsafeFix *codeAction
	for i, a := range actions {
		if a.Title == "dfopt: fix apt-hygiene (unsafe: changes what the image contains)" {
			unsafeFix = &actions[i]
		}
	}
	require.NotNil(t, unsafeFix, "%v", actions)
	assert.False(t, *unsafeFix.IsPreferred)
	assert.Contains(t, string(apply(t, []byte(dockerfile), unsafeFix.Edit.Changes[uri])), "RUN apt-get install --no-install-recommends -y curl ca-certificates\n")
	assert.Equal(t, "source.fixAll.dfopt", actions[len(actions)-1].Kind, "no kinds asked: the source action too")

	// "fix all safe": the chain's output, and the .dockerignore it creates.
	c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}},
		"context":      map[string]any{"diagnostics": []any{}, "only": []string{"source"}},
	}, &actions)
	require.Len(t, actions, 1)
	assert.Equal(t, "dfopt: fix all safe", actions[0].Title)
	changes := actions[0].Edit.DocumentChanges
	require.Len(t, changes, 3, "the Dockerfile's edit, the creation of .dockerignore, its text")
	assert.Equal(t, uri, changes[0].TextDocument.URI)
	assert.Equal(t, 1, *changes[0].TextDocument.Version)
	fixed := apply(t, []byte(dockerfile), changes[0].Edits)
	assert.Equal(t, string(want.Out), string(fixed))
	ignoreURI := fileURI(filepath.Join(dir, ".dockerignore"))
	assert.Equal(t, docChange{Kind: "create", URI: ignoreURI}, changes[1])
	assert.Equal(t, string(want.Files[0].New), string(apply(t, nil, changes[2].Edits)))

	// didChange to the fixed text: the findings of the new text.
	c.notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": 2},
		"contentChanges": []any{map[string]any{"text": string(fixed)}},
	})
	pub = c.published()
	assert.Equal(t, 2, pub.Version)
	again := chainOf(t, path, fixed)
	require.Len(t, pub.Diagnostics, len(again.Findings))
	assert.Less(t, len(again.Findings), len(want.Findings))

	// didClose clears the file's diagnostics.
	c.notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": uri}})
	assert.Empty(t, c.published().Diagnostics)

	var none any
	c.call("shutdown", nil, &none)
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		assert.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop on exit")
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	c := start(t)
	var init map[string]any
	c.call("initialize", map[string]any{"capabilities": map[string]any{}}, &init)
	c.notify("exit", nil)
	select {
	case err := <-c.done:
		assert.ErrorIs(t, err, ErrNoShutdown)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not stop on exit")
	}
}

// A file that does not parse gets one error diagnostic, and no action.
func TestBadFile(t *testing.T) {
	c := start(t)
	var init map[string]any
	c.call("initialize", map[string]any{"capabilities": map[string]any{}}, &init)
	uri := "untitled:Untitled-1"
	c.notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{"uri": uri, "languageId": "dockerfile", "version": 3, "text": "# only a comment\n"}})
	pub := c.published()
	require.Len(t, pub.Diagnostics, 1)
	assert.Equal(t, 1, pub.Diagnostics[0].Severity)
	assert.Contains(t, pub.Diagnostics[0].Message, "dfopt: ")
	var actions []codeAction
	c.call("textDocument/codeAction", map[string]any{
		"textDocument": map[string]any{"uri": uri},
		"range":        map[string]any{"start": map[string]any{"line": 0, "character": 0}, "end": map[string]any{"line": 0, "character": 0}},
		"context":      map[string]any{"diagnostics": []any{}},
	}, &actions)
	assert.Empty(t, actions)
}
