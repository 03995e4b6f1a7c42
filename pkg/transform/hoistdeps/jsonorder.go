package hoistdeps

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// JSON as npm prints it: an order-keeping JSON value, JavaScript's
// JSON.stringify spacing and escaping, and json-stringify-nice's key
// order (npm's lock files). Used to tell whether npm would print a lock
// file with the bytes it has.

// orderedJSON is a JSON value that keeps the order of object keys.
type orderedJSON struct {
	kind byte   // '{', '[', 's' string, 'n' number, 'b' boolean, 'z' null
	str  string // string value, number text, "true"/"false"
	keys []string
	vals []*orderedJSON
}

func parseOrderedJSON(text string) (*orderedJSON, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	v, err := readOrdered(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data")
	}
	return v, nil
}

func readOrdered(dec *json.Decoder, depth int) (*orderedJSON, error) {
	if depth > 200 {
		return nil, fmt.Errorf("too deep")
	}
	t, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := t.(type) {
	case json.Delim:
		n := &orderedJSON{kind: byte(t)}
		seen := map[string]bool{}
		for dec.More() {
			if n.kind == '{' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string)
				if seen[key] {
					return nil, fmt.Errorf("duplicate key %q", key)
				}
				seen[key] = true
				n.keys = append(n.keys, key)
			}
			v, err := readOrdered(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
		return n, nil
	case string:
		return &orderedJSON{kind: 's', str: t}, nil
	case json.Number:
		return &orderedJSON{kind: 'n', str: t.String()}, nil
	case bool:
		return &orderedJSON{kind: 'b', str: strconv.FormatBool(t)}, nil
	}
	return &orderedJSON{kind: 'z'}, nil
}

// get returns an object's member (nil when absent or not an object).
func (n *orderedJSON) get(key string) *orderedJSON {
	if n == nil || n.kind != '{' {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// text is a string's value or a number's text ("" otherwise).
func (n *orderedJSON) text() string {
	if n == nil || n.kind != 's' && n.kind != 'n' {
		return ""
	}
	return n.str
}

// value converts to the generic form encoding/json decodes into.
func (n *orderedJSON) value() any {
	switch n.kind {
	case '{':
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].value()
		}
		return m
	case '[':
		a := make([]any, len(n.vals))
		for i, v := range n.vals {
			a[i] = v.value()
		}
		return a
	case 's':
		return n.str
	case 'n':
		return json.Number(n.str)
	case 'b':
		return n.str == "true"
	}
	return nil
}

// stringify prints like JSON.stringify(value, null, indent); false when a
// number's text is not the one JavaScript prints.
func (n *orderedJSON) stringify(b *strings.Builder, indent string, level int) bool {
	switch n.kind {
	case '{', '[':
		open, close := "{", "}"
		if n.kind == '[' {
			open, close = "[", "]"
		}
		if len(n.vals) == 0 {
			b.WriteString(open + close)
			return true
		}
		b.WriteString(open)
		for i, v := range n.vals {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString("\n" + strings.Repeat(indent, level+1))
			if n.kind == '{' {
				b.WriteString(jsQuote(n.keys[i]) + ": ")
			}
			if !v.stringify(b, indent, level+1) {
				return false
			}
		}
		b.WriteString("\n" + strings.Repeat(indent, level) + close)
	case 's':
		b.WriteString(jsQuote(n.str))
	case 'n':
		if _, err := strconv.ParseInt(n.str, 10, 54); err != nil || n.str != strconv.FormatInt(mustInt(n.str), 10) {
			return false
		}
		b.WriteString(n.str)
	case 'b':
		b.WriteString(n.str)
	default:
		b.WriteString("null")
	}
	return true
}

func mustInt(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

// jsQuote quotes a string as JSON.stringify does: only ", \ and control
// characters are escaped.
func jsQuote(s string) string {
	var b bytes.Buffer
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// npmKeyOrder are json-stringify-nice's preferred keys in npm's lock.
var npmKeyOrder = []string{"name", "version", "lockfileVersion", "resolved", "integrity", "requires", "packages", "dependencies"}

// npmOrder checks every object's keys are in the order npm prints them:
// JavaScript's integer-like keys first, then json-stringify-nice's sort
// (scalars before objects; preferred keys first; then locale order).
func (n *orderedJSON) npmOrder() string {
	if n.kind != '{' && n.kind != '[' {
		return ""
	}
	for i, v := range n.vals {
		if why := v.npmOrder(); why != "" {
			return why
		}
		if n.kind != '{' || i == 0 {
			continue
		}
		a, b := n.keys[i-1], n.keys[i]
		ia, aInt := jsIndexKey(a)
		ib, bInt := jsIndexKey(b)
		var less, known bool
		switch {
		case aInt && bInt:
			less, known = ia < ib, true
		case aInt != bInt:
			less, known = aInt, true
		default:
			c, ok := npmCompare(a, n.vals[i-1], b, v)
			less, known = c < 0, ok
		}
		if !known {
			return fmt.Sprintf("dfopt cannot tell the order npm gives the keys %q and %q", a, b)
		}
		if !less {
			return fmt.Sprintf("npm sorts %q before %q", b, a)
		}
	}
	return ""
}

// jsIndexKey: JavaScript orders array-index-like keys first.
func jsIndexKey(k string) (uint64, bool) {
	if k == "" || len(k) > 1 && k[0] == '0' {
		return 0, false
	}
	v, err := strconv.ParseUint(k, 10, 32)
	return v, err == nil && v < 1<<32-1
}

// npmCompare is json-stringify-nice's comparison; ok is false when the
// locale order of the keys is beyond what dfopt models.
func npmCompare(ak string, av *orderedJSON, bk string, bv *orderedJSON) (int, bool) {
	ao, bo := av.kind == '{', bv.kind == '{'
	if ao != bo {
		if ao {
			return 1, true
		}
		return -1, true
	}
	ai, bi := indexOf(npmKeyOrder, ak), indexOf(npmKeyOrder, bk)
	switch {
	case ai >= 0 && bi >= 0:
		return ai - bi, true
	case ai >= 0:
		return -1, true
	case bi >= 0:
		return 1, true
	}
	return localeCompare(ak, bk)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// localeWeights are the primary weights of the characters package names
// and lock keys use, in the order of the Unicode root collation that
// Node's String.prototype.localeCompare applies (punctuation is not
// ignored: _ - . @ / before digits before letters).
var localeWeights = func() map[byte]int {
	m := map[byte]int{'_': 1, '-': 2, '.': 3, '@': 4, '/': 5}
	for c := byte('0'); c <= '9'; c++ {
		m[c] = 10 + int(c-'0')
	}
	for c := byte('a'); c <= 'z'; c++ {
		m[c] = 20 + int(c-'a')
		m[c-'a'+'A'] = 20 + int(c-'a')
	}
	return m
}()

// localeCompare compares two strings as ICU's root collation does, for
// the characters in localeWeights: primary weights first (a shorter
// prefix first), then case (lower case first).
func localeCompare(a, b string) (int, bool) {
	for _, s := range []string{a, b} {
		for i := 0; i < len(s); i++ {
			if _, ok := localeWeights[s[i]]; !ok {
				return 0, false
			}
		}
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if wa, wb := localeWeights[a[i]], localeWeights[b[i]]; wa != wb {
			return wa - wb, true
		}
	}
	if len(a) != len(b) {
		return len(a) - len(b), true
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			if a[i] >= 'a' {
				return -1, true // lower case first
			}
			return 1, true
		}
	}
	return 0, true
}
