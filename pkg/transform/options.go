package transform

import (
	"fmt"
	"sort"
	"strings"
)

// OptionKind is the kind of value a rule option takes.
type OptionKind int

const (
	StringOption OptionKind = iota // any text
	BoolOption                     // true or false
	ImageOption                    // an image reference
)

func (k OptionKind) String() string {
	switch k {
	case BoolOption:
		return "true|false"
	case ImageOption:
		return "IMAGE"
	}
	return "TEXT"
}

// Option is one key a rule reads from its options (Transform.Options):
// the only keys `.dfopt.yaml` and --option accept for the rule, and the
// only keys Options.Get lets it read.
type Option struct {
	// Name is the key (`distroless`), or a family of keys written
	// PREFIX.* (`runtime-image.*`).
	Name string
	Doc  string // one line
	Kind OptionKind
	// Suffixes lists what may stand for the * of a PREFIX.* name; nil
	// accepts any non-empty suffix.
	Suffixes func() []string
}

// prefix is the PREFIX. of a PREFIX.* name ("" for a plain key).
func (o Option) prefix() string {
	if p, ok := strings.CutSuffix(o.Name, "*"); ok && strings.HasSuffix(p, ".") {
		return p
	}
	return ""
}

// matches reports whether key is this option.
func (o Option) matches(key string) bool {
	p := o.prefix()
	if p == "" {
		return key == o.Name
	}
	suf, ok := strings.CutPrefix(key, p)
	if !ok || suf == "" {
		return false
	}
	if o.Suffixes == nil {
		return true
	}
	for _, s := range o.Suffixes() {
		if s == suf {
			return true
		}
	}
	return false
}

// keys lists the keys this option stands for, for suggestions and help.
func (o Option) keys() []string {
	p := o.prefix()
	if p == "" || o.Suffixes == nil {
		return []string{o.Name}
	}
	var out []string
	for _, s := range o.Suffixes() {
		out = append(out, p+s)
	}
	return out
}

// Usage is the option as `dfopt rules` shows it: `distroless=true|false`,
// `runtime-image.{go,rust}=IMAGE`.
func (o Option) Usage() string {
	name := o.Name
	if p := o.prefix(); p != "" && o.Suffixes != nil {
		name = p + "{" + strings.Join(o.Suffixes(), ",") + "}"
	}
	return name + "=" + o.Kind.String()
}

// option finds the declared option key belongs to.
func (t *Transform) option(key string) (Option, bool) {
	for _, o := range t.Options {
		if o.matches(key) {
			return o, true
		}
	}
	return Option{}, false
}

// Get returns the value of the option key of rule ("" when unset). A
// rule reads only the keys it declares: Get panics on any other, so a
// key read but not declared (and so rejected in `.dfopt.yaml`) fails the
// rule's tests.
func (o *Options) Get(rule, key string) string {
	t := Lookup(rule)
	if t == nil {
		panic("transform: option of unknown rule " + rule)
	}
	if _, ok := t.option(key); !ok {
		panic("transform: rule " + rule + " reads option " + key + " but does not declare it")
	}
	if o == nil {
		return ""
	}
	return o.RuleOptions[rule][key]
}

// Validate checks every rule option against the options the rules
// declare: the rule must be one of rules, the key one it declares, and
// the value of the key's kind. The error, if any, is about the first bad
// option in sorted order.
func (o Options) Validate(rules []*Transform) error {
	names := make([]string, 0, len(o.RuleOptions))
	for r := range o.RuleOptions {
		names = append(names, r)
	}
	sort.Strings(names)
	for _, r := range names {
		keys := make([]string, 0, len(o.RuleOptions[r]))
		for k := range o.RuleOptions[r] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := CheckOption(rules, r, k, o.RuleOptions[r][k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// CheckOption checks one rule option (see Options.Validate). The error is
// one line naming the rule and the key, and the closest known key when
// one is close.
func CheckOption(rules []*Transform, rule, key, value string) error {
	var t *Transform
	for _, r := range rules {
		if r.Name == rule {
			t = r
		}
	}
	if t == nil {
		return fmt.Errorf("unknown rule %q (see `dfopt rules`)", rule)
	}
	opt, ok := t.option(key)
	if !ok {
		return unknownOption(t, key)
	}
	switch opt.Kind {
	case BoolOption:
		if value != "true" && value != "false" {
			return fmt.Errorf("option %s.%s must be true or false, not %q", rule, key, value)
		}
	case ImageOption:
		if value == "" {
			break // the rule's own choice, as when unset
		}
		if _, err := ParseImageRef(value); err != nil {
			return fmt.Errorf("option %s.%s: %q is not an image reference: %v", rule, key, value, err)
		}
	}
	return nil
}

func unknownOption(t *Transform, key string) error {
	if len(t.Options) == 0 {
		return fmt.Errorf("unknown option %s.%s (%s has no options)", t.Name, key, t.Name)
	}
	var known []string
	for _, o := range t.Options {
		known = append(known, o.keys()...)
	}
	best, bestD := "", 0
	for _, k := range known {
		if d := editDistance(key, k); best == "" || d < bestD {
			best, bestD = k, d
		}
	}
	if bestD <= 2 || bestD <= len(key)/4 {
		return fmt.Errorf("unknown option %s.%s (did you mean %s?)", t.Name, key, best)
	}
	var names []string
	for _, o := range t.Options {
		names = append(names, o.Name)
	}
	return fmt.Errorf("unknown option %s.%s (%s reads %s)", t.Name, key, t.Name, strings.Join(names, ", "))
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
