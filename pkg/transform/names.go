package transform

import (
	"fmt"
	"regexp"
	"strings"
)

// Names a user writes where a rule is expected (--select, --ignore,
// `select:`/`ignore:` in .dfopt.yaml, `# dfopt:ignore=`): a rule name,
// "all", or a hadolint code. A code stands for the rule that does what the
// hadolint check asks for, or for one part of that rule: DL3042 (pip's
// cache) is the pip part of cache-mounts, so ignoring it leaves the npm
// cache of the same RUN to cache-mounts.

// Ref is a resolved name.
type Ref struct {
	All  bool
	Rule string
	Part string // "" = the whole rule
}

var hadolintCode = regexp.MustCompile(`^(?i)DL[0-9]{4}$`)

// ParseRef resolves a name. Unknown rules and hadolint codes that map to
// no rule are errors.
func ParseRef(name string) (Ref, error) {
	if name == "all" {
		return Ref{All: true}, nil
	}
	if Lookup(name) != nil {
		return Ref{Rule: name}, nil
	}
	if hadolintCode.MatchString(name) {
		h, ok := hadolintIndex[strings.ToUpper(name)]
		if !ok {
			return Ref{}, fmt.Errorf("hadolint %s maps to no dfopt rule (see `dfopt rules`)", strings.ToUpper(name))
		}
		return Ref{Rule: h.Rule, Part: h.Part}, nil
	}
	return Ref{}, fmt.Errorf("unknown rule %q (see `dfopt rules`)", name)
}

// ParseRefs resolves a list of names.
func ParseRefs(names []string) ([]Ref, error) {
	out := make([]Ref, 0, len(names))
	for _, n := range names {
		r, err := ParseRef(n)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Parts narrows a rule to some of its parts: Only lists the parts that
// run (nil: every part), Off those that do not.
type Parts struct {
	Only []string
	Off  []string
}

// off reports whether part is switched off.
func (p Parts) off(part string) bool {
	if p.Only != nil && !contains(p.Only, part) {
		return true
	}
	return contains(p.Off, part)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Selection is the outcome of select and ignore lists for one rule.
type Selection struct {
	On    bool
	Parts Parts
}

// Narrow applies one layer's select (nil: keep) and ignore lists to the
// selection of rule. A select naming the rule whole turns it on with all
// its parts; one naming only parts of it turns it on with just those. An
// ignore naming the rule whole turns it off; one naming a part adds that
// part to those off.
func (s Selection) Narrow(rule string, sel, ignore []Ref) Selection {
	if sel != nil {
		s = Selection{Parts: Parts{Off: s.Parts.Off}}
		var only []string
		for _, r := range sel {
			switch {
			case r.All || r.Rule == rule && r.Part == "":
				s.On, only = true, nil
			case r.Rule == rule && !s.On:
				only = append(only, r.Part)
			}
		}
		if only != nil {
			s.On, s.Parts.Only = true, only
		}
	}
	for _, r := range ignore {
		switch {
		case r.All || r.Rule == rule && r.Part == "":
			s.On = false
		case r.Rule == rule:
			s.Parts.Off = append(s.Parts.Off, r.Part)
		}
	}
	return s
}

// Select picks transforms: those named in sel (or all when sel is empty or
// contains "all"), minus those named whole in ignore ("all" ignores
// everything). A hadolint code for a part of a rule selects the rule.
// Unknown names are an error.
func Select(sel, ignore []string) ([]*Transform, error) {
	s, err := ParseRefs(sel)
	if err != nil {
		return nil, err
	}
	ig, err := ParseRefs(ignore)
	if err != nil {
		return nil, err
	}
	if len(s) == 0 {
		s = nil
	}
	var out []*Transform
	for _, t := range All() {
		if (Selection{On: true}).Narrow(t.Name, s, ig).On {
			out = append(out, t)
		}
	}
	return out, nil
}

// SplitList splits "a,b, c" into names.
func SplitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Names of the rules that code shared by several rules asks about
// (Pass.Runs, ignore pragmas).
const (
	SyntaxHeaderRule = "syntax-header"
	CacheMountsRule  = "cache-mounts"
	AptHygieneRule   = "apt-hygiene"
)
