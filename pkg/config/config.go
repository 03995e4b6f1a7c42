// Package config reads dfopt's configuration file, `.dfopt.yaml`.
//
// For each Dockerfile, dfopt uses the nearest `.dfopt.yaml`: it looks in
// the Dockerfile's folder, then in each folder above it, and stops at the
// repository root (the folder holding `.git`) or at the file system's
// root. Files are not merged: the nearest one wins. `--config FILE` (or
// $DFOPT_CONFIG) names one file for every Dockerfile instead, and
// `--no-config` reads none.
//
//	# .dfopt.yaml
//	select: [cache-mounts, apt-hygiene]   # or "cache-mounts,apt-hygiene"; default: every rule
//	ignore: [merge-runs]
//	unsafe: false                         # also apply unsafe fixes
//	syntax: auto                          # auto | always | never
//	rules:                                # per-rule options
//	  multi-stage:
//	    runtime-image:
//	      go: gcr.io/distroless/static-debian12
//	    distroless: true
//	overrides:                            # later entries win
//	  - files: ["services/legacy/**", "**/Dockerfile.test"]
//	    ignore: [all]
//	  - files: tools/
//	    unsafe: true
//
// Per-rule options reach the rules as strings (transform.Options.
// RuleOptions): nested keys are joined with dots (`runtime-image.go`),
// lists with commas, and scalars are kept as written (`true`). Each key
// must be one its rule declares (transform.Transform.Options, listed by
// `dfopt rules`), with a value of the declared kind.
//
// `files` globs use gitignore syntax (see package discover), relative to
// the folder of the config file; a glob that names a folder covers the
// files inside it.
//
// Rule selection works in layers — the file, then each matching override
// in order, then the command line: a layer's `select` replaces the set of
// rules, its `ignore` removes rules from it. `unsafe`, `syntax` and each
// rule option are taken from the last layer that sets them. So the command
// line beats the config file, and `--select` starts afresh while
// `--ignore` adds to what the config ignores.
//
// Any key dfopt does not know is an error that names the key, the file
// and the line: a typo never passes silently.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/discover"
	"github.com/dfopt/dfopt/pkg/transform"
	_ "github.com/dfopt/dfopt/pkg/transform/chain" // registers the rules
	"go.yaml.in/yaml/v3"
)

// FileName is the name of the configuration file.
const FileName = ".dfopt.yaml"

// Settings is one layer of choices. Zero values mean "not set here".
type Settings struct {
	Select []string // nil: keep the set from the layers below
	Ignore []string
	Unsafe *bool
	Syntax string
	// Rules holds per-rule options: rule name → key → value.
	Rules map[string]map[string]string
}

// Override is settings for the files matching its globs.
type Override struct {
	Files    []string
	patterns []discover.Pattern
	Settings
}

// File is one parsed configuration file.
type File struct {
	Path string // as read
	Dir  string // its folder, absolute: override globs are relative to it
	Settings
	Overrides []Override
}

// Error is a mistake in a configuration file.
type Error struct {
	Path string
	Line int // 0 when unknown
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// Load reads and checks a configuration file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	return Parse(path, data)
}

// Parse checks the configuration text data read from path.
func Parse(path string, data []byte) (*File, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	f := &File{Path: path, Dir: filepath.Dir(abs)}
	p := &parser{path: path}
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil // an empty file
		}
		return nil, p.yamlError(err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return f, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, p.errorf(root, "the file must be a mapping of keys (select, ignore, unsafe, syntax, rules, overrides)")
	}
	err = p.mapping(root, func(key string, k, v *yaml.Node) error {
		if key == "overrides" {
			return p.overrides(v, f)
		}
		if ok, err := p.setting(key, v, &f.Settings); ok || err != nil {
			return err
		}
		return p.unknown(k, "select, ignore, unsafe, syntax, rules, overrides")
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct{ path string }

func (p *parser) errorf(n *yaml.Node, format string, args ...any) error {
	return &Error{Path: p.path, Line: n.Line, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) unknown(k *yaml.Node, known string) error {
	return p.errorf(k, "unknown key %q (known keys: %s)", k.Value, known)
}

// yamlError turns "yaml: line 3: mapping values are not allowed" into
// PATH:3: mapping values are not allowed.
func (p *parser) yamlError(err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		msg = strings.TrimSpace(msg[strings.IndexByte(msg, ':')+1:])
	}
	return &Error{Path: p.path, Line: line, Msg: "invalid YAML: " + msg}
}

// mapping calls fn for each key of a mapping node, rejecting duplicates.
func (p *parser) mapping(n *yaml.Node, fn func(key string, k, v *yaml.Node) error) error {
	if n.Kind != yaml.MappingNode {
		return p.errorf(n, "expected a mapping")
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return p.errorf(k, "keys must be plain names")
		}
		if seen[k.Value] {
			return p.errorf(k, "key %q appears twice", k.Value)
		}
		seen[k.Value] = true
		if err := fn(k.Value, k, v); err != nil {
			return err
		}
	}
	return nil
}

// setting parses one of the keys shared by the file and its overrides;
// ok is false when key is none of them.
func (p *parser) setting(key string, v *yaml.Node, s *Settings) (ok bool, err error) {
	switch key {
	case "select":
		s.Select, err = p.ruleList(v, key)
	case "ignore":
		s.Ignore, err = p.ruleList(v, key)
	case "unsafe":
		var b bool
		if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
			return true, p.errorf(v, "unsafe must be true or false")
		}
		s.Unsafe = &b
	case "syntax":
		switch v.Value {
		case "auto", "always", "never":
			s.Syntax = v.Value
		default:
			return true, p.errorf(v, "syntax must be auto, always or never, not %q", v.Value)
		}
	case "rules":
		s.Rules, err = p.rules(v)
	default:
		return false, nil
	}
	return true, err
}

// ruleList reads a list of rule names: a YAML sequence or "a,b".
func (p *parser) ruleList(v *yaml.Node, key string) ([]string, error) {
	names, err := p.strings(v, key)
	if err != nil {
		return nil, err
	}
	if _, err := transform.ParseRefs(names); err != nil {
		return nil, p.errorf(v, "%s: %v", key, err)
	}
	if names == nil {
		names = []string{}
	}
	return names, nil
}

// strings reads a scalar ("a, b") or a sequence of scalars.
func (p *parser) strings(v *yaml.Node, key string) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return transform.SplitList(v.Value), nil
	case yaml.SequenceNode:
		var out []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return nil, p.errorf(e, "%s: expected a name", key)
			}
			out = append(out, transform.SplitList(e.Value)...)
		}
		return out, nil
	}
	return nil, p.errorf(v, "%s: expected a list", key)
}

// rules reads the per-rule options, each checked against the keys its
// rule declares (transform.CheckOption).
func (p *parser) rules(v *yaml.Node) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	err := p.mapping(v, func(rule string, k, opts *yaml.Node) error {
		if transform.Lookup(rule) == nil {
			return p.errorf(k, "rules: unknown rule %q (see `dfopt rules`)", rule)
		}
		m := map[string]string{}
		if err := p.flatten(rule, opts, "", m); err != nil {
			return err
		}
		out[rule] = m
		return nil
	})
	return out, err
}

// flatten turns nested options into dotted keys with string values.
func (p *parser) flatten(rule string, v *yaml.Node, prefix string, out map[string]string) error {
	switch v.Kind {
	case yaml.MappingNode:
		return p.mapping(v, func(key string, k, val *yaml.Node) error {
			if prefix != "" {
				key = prefix + "." + key
			}
			if val.Kind == yaml.MappingNode {
				return p.flatten(rule, val, key, out)
			}
			if err := p.flatten(rule, val, key, out); err != nil {
				return err
			}
			if err := transform.CheckOption(transform.All(), rule, key, out[key]); err != nil {
				return p.errorf(k, "rules: %v", err)
			}
			return nil
		})
	case yaml.SequenceNode:
		var items []string
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode {
				return p.errorf(e, "%s: a list of options holds plain values", prefix)
			}
			items = append(items, e.Value)
		}
		if prefix == "" {
			return p.errorf(v, "options of a rule are a mapping of keys")
		}
		out[prefix] = strings.Join(items, ",")
	case yaml.ScalarNode:
		if prefix == "" {
			if v.Tag == "!!null" {
				return nil // `rule:` with nothing under it
			}
			return p.errorf(v, "options of a rule are a mapping of keys")
		}
		if v.Tag == "!!null" {
			out[prefix] = ""
		} else {
			out[prefix] = v.Value
		}
	default:
		return p.errorf(v, "unsupported value")
	}
	return nil
}

func (p *parser) overrides(v *yaml.Node, f *File) error {
	if v.Kind != yaml.SequenceNode {
		return p.errorf(v, "overrides must be a list of {files: [...], ...}")
	}
	for _, e := range v.Content {
		var o Override
		hasFiles := false
		err := p.mapping(e, func(key string, k, val *yaml.Node) error {
			if key == "files" {
				globs, err := p.strings(val, key)
				if err != nil {
					return err
				}
				if len(globs) == 0 {
					return p.errorf(val, "files: give at least one glob")
				}
				pats, err := discover.CompileGlobs(globs)
				if err != nil {
					return p.errorf(val, "files: %v", err)
				}
				o.Files, o.patterns, hasFiles = globs, pats, true
				return nil
			}
			if ok, err := p.setting(key, val, &o.Settings); ok || err != nil {
				return err
			}
			return p.unknown(k, "files, select, ignore, unsafe, syntax, rules")
		})
		if err != nil {
			return err
		}
		if !hasFiles {
			return p.errorf(e, "an override needs files: [globs]")
		}
		f.Overrides = append(f.Overrides, o)
	}
	return nil
}

// Matching returns the indices of the overrides that apply to the
// Dockerfile at path.
func (f *File) Matching(path string) []int {
	if len(f.Overrides) == 0 || path == "-" {
		return nil
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil
	}
	rel, err := filepath.Rel(f.Dir, abs)
	if err != nil {
		return nil
	}
	rel = filepath.ToSlash(rel)
	var out []int
	for i, o := range f.Overrides {
		matched := false
		for _, p := range o.patterns {
			if p.MatchPathOrParent(rel) {
				matched = !p.Negated()
			}
		}
		if matched {
			out = append(out, i)
		}
	}
	return out
}

// Resolve merges layers (lowest precedence first) into the transforms to
// run, in chain order, and their options.
func Resolve(layers []*Settings) ([]*transform.Transform, transform.Options) {
	var rules []*transform.Transform
	parts := map[string]transform.Parts{}
	for _, t := range transform.All() {
		sel := transform.Selection{On: true}
		for _, l := range layers {
			sel = sel.Narrow(t.Name, refs(l.Select), refs(l.Ignore))
		}
		if sel.On {
			rules = append(rules, t)
		}
		if sel.Parts.Only != nil || sel.Parts.Off != nil {
			parts[t.Name] = sel.Parts
		}
	}
	opts := transform.Options{Syntax: "auto", RuleOptions: map[string]map[string]string{}, Parts: parts}
	for _, l := range layers {
		if l.Unsafe != nil {
			opts.Unsafe = *l.Unsafe
		}
		if l.Syntax != "" {
			opts.Syntax = l.Syntax
		}
		for rule, kv := range l.Rules {
			if opts.RuleOptions[rule] == nil {
				opts.RuleOptions[rule] = map[string]string{}
			}
			for k, v := range kv {
				opts.RuleOptions[rule][k] = v
			}
		}
	}
	return rules, opts
}

// refs resolves names checked when the layer was read (nil stays nil: the
// layer keeps the selection below it).
func refs(names []string) []transform.Ref {
	if names == nil {
		return nil
	}
	out, err := transform.ParseRefs(names)
	if err != nil {
		panic("config: unchecked rule name: " + err.Error())
	}
	return out
}
