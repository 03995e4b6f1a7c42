package ast

import (
	"encoding/json"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// quickKinds are the dispatch parsers quickNode makes nodes for, by
// lower-case keyword (BuildKit's dispatch table; the others, HEALTHCHECK,
// ONBUILD and unknown words, are Parse's). Each takes the trimmed
// arguments, not empty, and the escape character; ok is false when the
// node is Parse's to make (an error, or a case not read here).
var quickKinds = map[string]func(args string, esc byte) (n *parser.Node, attrs map[string]bool, ok bool){
	"run":        maybeJSON,
	"cmd":        maybeJSON,
	"entrypoint": maybeJSON,
	"shell":      maybeJSON,
	"copy":       maybeJSONToList,
	"add":        maybeJSONToList,
	"volume":     maybeJSONToList,
	"from":       wordNodes,
	"expose":     wordNodes,
	"workdir":    stringNode,
	"user":       stringNode,
	"maintainer": stringNode,
	"stopsignal": stringNode,
	"arg":        nameOrNameVal,
	"env":        nameVal,
	"label":      nameVal,
}

// quickNode is newNodeFromLine's node of a logical line, without its
// lines and comments, or nil when it is not made here (quickNodes).
func quickNode(line string, esc byte) *parser.Node {
	t := strings.TrimSpace(line)
	i := strings.IndexFunc(t, isSpaceRune)
	if i < 0 {
		return nil // a keyword alone
	}
	cmd := t[:i]
	kind := quickKinds[strings.ToLower(cmd)]
	if kind == nil {
		return nil
	}
	args, flags := builderFlags(strings.TrimLeftFunc(t[i:], isSpaceRune), esc)
	if args = strings.TrimSpace(args); args == "" {
		return nil
	}
	next, attrs, ok := kind(args, esc)
	if !ok {
		return nil
	}
	return &parser.Node{Value: cmd, Original: line, Flags: flags, Next: next, Attributes: attrs}
}

// maybeJSON is parseMaybeJSON: a JSON array of strings, or the arguments
// as one node.
func maybeJSON(args string, _ byte) (*parser.Node, map[string]bool, bool) {
	if n, attrs, isJSON, ok := jsonNodes(args); isJSON || !ok {
		return n, attrs, ok
	}
	return &parser.Node{Value: args}, nil, true
}

// maybeJSONToList is parseMaybeJSONToList: a JSON array of strings, or
// the words.
func maybeJSONToList(args string, _ byte) (*parser.Node, map[string]bool, bool) {
	if n, attrs, isJSON, ok := jsonNodes(args); isJSON || !ok {
		return n, attrs, ok
	}
	return wordNodes(args, 0)
}

// jsonNodes is parseJSON of trimmed arguments: isJSON when they are a JSON
// array, ok false when one of its values is not a string (an error).
func jsonNodes(args string) (n *parser.Node, attrs map[string]bool, isJSON, ok bool) {
	if !strings.HasPrefix(args, "[") {
		return nil, nil, false, true
	}
	var values []any
	if json.Unmarshal([]byte(args), &values) != nil {
		return nil, nil, false, true
	}
	var c nodeChain
	for _, v := range values {
		s, isString := v.(string)
		if !isString {
			return nil, nil, true, false
		}
		c.add(&parser.Node{Value: s})
	}
	return c.top, map[string]bool{"json": true}, true, true
}

// wordNodes is parseStringsWhitespaceDelimited of trimmed arguments: one
// node per run of bytes between ASCII blanks.
func wordNodes(args string, _ byte) (*parser.Node, map[string]bool, bool) {
	var c nodeChain
	for args != "" {
		i := strings.IndexFunc(args, isSpaceRune)
		if i < 0 {
			i = len(args)
		}
		c.add(&parser.Node{Value: args[:i]})
		args = strings.TrimLeftFunc(args[i:], isSpaceRune)
	}
	return c.top, nil, true
}

// stringNode is parseString: the arguments as one node.
func stringNode(args string, _ byte) (*parser.Node, map[string]bool, bool) {
	return &parser.Node{Value: args}, nil, true
}

// plainWords is parseWords of trimmed arguments without a quote, the
// escape character or a byte outside ASCII: the runs of bytes between
// blanks (unicode.IsSpace of ASCII). ok is false for other arguments.
func plainWords(args string, esc byte) ([]string, bool) {
	for i := 0; i < len(args); i++ {
		if c := args[i]; c >= 0x80 || c == '\'' || c == '"' || c == esc {
			return nil, false
		}
	}
	return strings.FieldsFunc(args, isSpaceRune), true // no line feed in a logical line
}

// nameOrNameVal is parseNameOrNameVal (ARG): a node per word.
func nameOrNameVal(args string, esc byte) (*parser.Node, map[string]bool, bool) {
	words, ok := plainWords(args, esc)
	if !ok {
		return nil, nil, false
	}
	var c nodeChain
	for _, w := range words {
		c.add(&parser.Node{Value: w})
	}
	return c.top, nil, true
}

// nameVal is parseNameVal (ENV, LABEL): the old form "key value" when the
// first word has no '=' (the key, then the rest of the arguments), else
// each word "key=value"; each pair a key node, a value node and a node of
// the separator.
func nameVal(args string, esc byte) (*parser.Node, map[string]bool, bool) {
	words, ok := plainWords(args, esc)
	if !ok {
		return nil, nil, false
	}
	if !strings.Contains(words[0], "=") {
		i := strings.IndexFunc(args, isSpaceRune)
		if i < 0 {
			return nil, nil, false // "must have two arguments"
		}
		return keyValue(args[:i], strings.TrimLeftFunc(args[i:], isSpaceRune), ""), nil, true
	}
	var c nodeChain
	for _, w := range words {
		k, v, found := strings.Cut(w, "=")
		if !found {
			return nil, nil, false // "can't find ="
		}
		c.add(keyValue(k, v, "="))
	}
	return c.top, nil, true
}

// keyValue is newKeyValueNode: key, value and separator, chained.
func keyValue(key, value, sep string) *parser.Node {
	return &parser.Node{Value: key, Next: &parser.Node{Value: value, Next: &parser.Node{Value: sep}}}
}

// nodeChain is a chain of nodes, each the Next of the one before, as the
// dispatch parsers make their arguments.
type nodeChain struct{ top, last *parser.Node }

// add puts n, and the nodes it chains, at the end.
func (c *nodeChain) add(n *parser.Node) {
	if c.top == nil {
		c.top = n
	} else {
		c.last.Next = n
	}
	for c.last = n; c.last.Next != nil; c.last = c.last.Next {
	}
}
