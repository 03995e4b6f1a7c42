// Package lsp is dfopt's language server: `dfopt lsp` speaks the Language
// Server Protocol over standard input and output. It publishes the
// chain's findings as diagnostics when a Dockerfile is opened or changed,
// on the lines of the user's file they are about, and offers each
// finding's fix as a quick fix (its edits against the input) and every
// safe fix at once as a source action.
//
// The protocol types are github.com/tliron/glsp's; the transport is
// github.com/sourcegraph/jsonrpc2 over one stream, so that tests drive the
// server through a pipe exactly as an editor does through stdio.
package lsp

import (
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/sourcegraph/jsonrpc2"
	"github.com/tliron/glsp"
	protocol "github.com/tliron/glsp/protocol_3_16"

	"github.com/dfopt/dfopt/pkg/config"
)

// Name is the server's name in initialize's answer.
const Name = "dfopt"

// Options are the server's settings, as `dfopt lsp`'s flags give them.
type Options struct {
	Version string
	// Config names a configuration file for every Dockerfile ("": the
	// nearest .dfopt.yaml, as `dfopt check` finds it); NoConfig reads none.
	Config   string
	NoConfig bool
}

// Server is one language-server session.
type Server struct {
	opts    Options
	handler protocol.Handler

	mu           sync.Mutex
	docs         map[protocol.DocumentUri]*document
	shutdownSeen bool
}

// New makes a server.
func New(opts Options) *Server {
	s := &Server{opts: opts, docs: map[protocol.DocumentUri]*document{}}
	s.handler = protocol.Handler{
		Initialize:             s.initialize,
		Initialized:            func(*glsp.Context, *protocol.InitializedParams) error { return nil },
		Shutdown:               s.shutdown,
		SetTrace:               func(*glsp.Context, *protocol.SetTraceParams) error { return nil },
		TextDocumentDidOpen:    s.didOpen,
		TextDocumentDidChange:  s.didChange,
		TextDocumentDidSave:    s.didSave,
		TextDocumentDidClose:   s.didClose,
		TextDocumentCodeAction: s.codeAction,
	}
	return s
}

// ErrNoShutdown is Serve's error when the client sent exit without
// shutdown first (the protocol's exit status 1).
var ErrNoShutdown = fmt.Errorf("exit without shutdown")

// Serve answers the client on rw until it sends exit or closes the
// stream.
func (s *Server) Serve(ctx context.Context, rw io.ReadWriteCloser) error {
	conn := jsonrpc2.NewConn(ctx, jsonrpc2.NewBufferedStream(rw, jsonrpc2.VSCodeObjectCodec{}),
		jsonrpc2.HandlerWithError(s.handle))
	select {
	case <-conn.DisconnectNotify():
	case <-ctx.Done():
		conn.Close()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.shutdownSeen {
		return ErrNoShutdown
	}
	return nil
}

// handle hands a message to glsp's dispatcher and turns its answer into
// a JSON-RPC reply. Messages are handled one at a time, in order.
func (s *Server) handle(ctx context.Context, conn *jsonrpc2.Conn, req *jsonrpc2.Request) (any, error) {
	if req.Method == string(protocol.MethodExit) {
		return nil, conn.Close()
	}
	gctx := &glsp.Context{
		Method: req.Method,
		Notify: func(method string, params any) { _ = conn.Notify(ctx, method, params) },
		Call:   func(method string, params, result any) { _ = conn.Call(ctx, method, params, result) },
	}
	if req.Params != nil {
		gctx.Params = *req.Params
	}
	r, validMethod, validParams, err := s.handler.Handle(gctx)
	switch {
	case !validMethod:
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeMethodNotFound, Message: "method not supported: " + req.Method}
	case !validParams:
		msg := "invalid params"
		if err != nil {
			msg = err.Error()
		}
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidParams, Message: msg}
	case err != nil:
		return nil, &jsonrpc2.Error{Code: jsonrpc2.CodeInvalidRequest, Message: err.Error()}
	}
	return r, nil
}

// SourceFixAll is the kind of the "fix all safe" source action (LSP
// 3.17's source.fixAll, narrowed to dfopt).
const SourceFixAll = protocol.CodeActionKind("source.fixAll.dfopt")

func (s *Server) initialize(_ *glsp.Context, _ *protocol.InitializeParams) (any, error) {
	yes := true
	version := s.opts.Version
	return protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			TextDocumentSync: protocol.TextDocumentSyncOptions{
				OpenClose: &yes,
				Change:    ptr(protocol.TextDocumentSyncKindFull),
				Save:      &protocol.SaveOptions{IncludeText: &yes},
			},
			CodeActionProvider: protocol.CodeActionOptions{
				CodeActionKinds: []protocol.CodeActionKind{protocol.CodeActionKindQuickFix, protocol.CodeActionKindSource, SourceFixAll},
			},
		},
		ServerInfo: &protocol.InitializeResultServerInfo{Name: Name, Version: &version},
	}, nil
}

func (s *Server) shutdown(*glsp.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shutdownSeen = true
	return nil
}

func (s *Server) didOpen(ctx *glsp.Context, p *protocol.DidOpenTextDocumentParams) error {
	s.update(ctx, p.TextDocument.URI, p.TextDocument.Version, []byte(p.TextDocument.Text))
	return nil
}

func (s *Server) didChange(ctx *glsp.Context, p *protocol.DidChangeTextDocumentParams) error {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	s.mu.Unlock()
	if d == nil {
		return fmt.Errorf("%s is not open", p.TextDocument.URI)
	}
	text := d.text
	for _, c := range p.ContentChanges {
		switch c := c.(type) {
		case protocol.TextDocumentContentChangeEventWhole:
			text = []byte(c.Text)
		case protocol.TextDocumentContentChangeEvent:
			if c.Range == nil {
				text = []byte(c.Text)
				continue
			}
			idx := newLineIndex(text)
			start, end := idx.offset(c.Range.Start), idx.offset(c.Range.End)
			text = append(append(append([]byte{}, text[:start]...), c.Text...), text[end:]...)
		}
	}
	s.update(ctx, p.TextDocument.URI, p.TextDocument.Version, text)
	return nil
}

// didSave analyses the file again: the build context or the
// configuration may have changed with it.
func (s *Server) didSave(ctx *glsp.Context, p *protocol.DidSaveTextDocumentParams) error {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	s.mu.Unlock()
	if d == nil {
		return nil
	}
	text := d.text
	if p.Text != nil {
		text = []byte(*p.Text)
	}
	s.update(ctx, p.TextDocument.URI, d.version, text)
	return nil
}

func (s *Server) didClose(ctx *glsp.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.mu.Lock()
	delete(s.docs, p.TextDocument.URI)
	s.mu.Unlock()
	ctx.Notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{
		URI: p.TextDocument.URI, Diagnostics: []protocol.Diagnostic{},
	})
	return nil
}

// update analyses a document's new text and publishes its diagnostics.
func (s *Server) update(ctx *glsp.Context, uri protocol.DocumentUri, version protocol.Integer, text []byte) {
	loader, err := config.NewLoader(s.opts.Config, s.opts.NoConfig, nil)
	d := analyze(uri, version, text, loader, err)
	s.mu.Lock()
	s.docs[uri] = d
	s.mu.Unlock()
	v := protocol.UInteger(max(version, 0))
	ctx.Notify(protocol.ServerTextDocumentPublishDiagnostics, protocol.PublishDiagnosticsParams{
		URI: uri, Version: &v, Diagnostics: d.diagnostics,
	})
}

func (s *Server) codeAction(_ *glsp.Context, p *protocol.CodeActionParams) (any, error) {
	s.mu.Lock()
	d := s.docs[p.TextDocument.URI]
	s.mu.Unlock()
	if d == nil {
		return []protocol.CodeAction{}, nil
	}
	return d.actions(p.Range, p.Context.Only), nil
}

func ptr[T any](v T) *T { return &v }
