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
	i := strings.IndexAny(t, asciiBlanks)
	if i < 0 {
		return nil // a keyword alone
	}
	cmd := t[:i]
	kind := quickKinds[strings.ToLower(cmd)]
	if kind == nil {
		return nil
	}
	rest := strings.TrimLeft(t[i:], asciiBlanks)
	args, flags, ok := builderFlags(rest, esc)
	if args = strings.TrimSpace(args); !ok || args == "" {
		return nil
	}
	next, attrs, ok := kind(args, esc)
	if !ok {
		return nil
	}
	return &parser.Node{Value: cmd, Original: line, Flags: flags, Next: next, Attributes: attrs}
}

// asciiBlanks are what BuildKit's reWhitespace splits at.
const asciiBlanks = "\t\v\f\r "

// isFlagSpace is unicode.IsSpace of an ASCII byte.
func isFlagSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }

// builderFlags reads the flag words at the start of line as
// extractBuilderFlags does: words that start with "--", up to the first
// word that does not or a word "--"; quotes group, the escape character
// takes the next byte. ok is false when a flag word holds a byte outside
// ASCII (extractBuilderFlags reads bytes as runes).
func builderFlags(line string, esc byte) (rest string, words []string, ok bool) {
	words = []string{}
	pos := 0
	for {
		for pos < len(line) && isFlagSpace(line[pos]) {
			pos++
		}
		if pos == len(line) {
			return "", words, true
		}
		// A byte outside ASCII here starts a rune (words end at an
		// ASCII blank): as a rune of its own it is a letter, not a
		// blank and not '-', as extractBuilderFlags reads it.
		if !strings.HasPrefix(line[pos:], "--") {
			return line[pos:], words, true
		}
		word, end, stop, ok := flagWord(line, pos, esc)
		if !ok {
			return "", nil, false
		}
		if stop {
			return line[end:], words, true // "--" ends the flags
		}
		if word != nil {
			words = append(words, *word)
		}
		if end == len(line) {
			return "", words, true
		}
		pos = end
	}
}

// flagWord reads the flag word at pos: the word (nil for "--" at the
// end), where reading stopped (a blank or the end), and stop when the
// word is "--" before a blank. A word here starts with "--", so it is
// never empty: extractBuilderFlags' test for an empty word that was
// quoted has nothing to decide.
func flagWord(line string, pos int, esc byte) (word *string, end int, stop, ok bool) {
	var sb strings.Builder
	quote := byte(0)
	for ; pos < len(line); pos++ {
		ch := line[pos]
		if ch >= 0x80 {
			return nil, 0, false, false
		}
		switch {
		case quote == 0 && isFlagSpace(ch):
			w := sb.String()
			if w == "--" {
				return nil, pos, true, true
			}
			return &w, pos, false, true
		case quote == 0 && (ch == '\'' || ch == '"'):
			quote = ch
			continue
		case quote != 0 && ch == quote:
			quote = 0
			continue
		case ch == esc:
			if pos+1 == len(line) {
				continue // an escape at the end is dropped
			}
			pos++
			ch = line[pos] // outside ASCII: a rune's first byte, its next refused
		}
		sb.WriteByte(ch)
	}
	if w := sb.String(); w != "--" {
		return &w, len(line), false, true
	}
	return nil, len(line), false, true
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
		i := strings.IndexAny(args, asciiBlanks)
		if i < 0 {
			i = len(args)
		}
		c.add(&parser.Node{Value: args[:i]})
		args = strings.TrimLeft(args[i:], asciiBlanks)
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
	return strings.FieldsFunc(args, func(r rune) bool { return isFlagSpace(byte(r)) }), true
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
		i := strings.IndexAny(args, asciiBlanks)
		if i < 0 {
			return nil, nil, false // "must have two arguments"
		}
		return keyValue(args[:i], strings.TrimLeft(args[i:], asciiBlanks), ""), nil, true
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
