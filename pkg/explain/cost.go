package explain

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// Cost is what makes a step run again: the context files whose change
// re-runs it (through the step itself, an earlier step of its stage, its
// base stage or a stage it copies from), and the build args.
type Cost struct {
	Step  *Step    `json:"-"`
	Name  string   `json:"name"`
	Count int      `json:"count"`           // context files whose change re-runs the step
	Files []string `json:"files,omitempty"` // those files, unless the whole context
	// Sources are the context paths as the Dockerfile names them
	// ("." is the whole context).
	Sources []string `json:"sources,omitempty"`
	Args    []string `json:"args,omitempty"`
	Stages  []int    `json:"stages,omitempty"` // other stages whose re-run re-runs it
	// Whole is the whole-context step the step is, or follows
	// (`[5/6] COPY . .`): any change to a file the context sends re-runs it.
	Whole string `json:"whole,omitempty"`

	wholeStep *Step
}

type bitset []uint64

func newBits(n int) bitset { return make(bitset, (n+63)/64) }
func (b bitset) set(i int) { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) or(o bitset) {
	for i := range o {
		b[i] |= o[i]
	}
}
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

type cum struct {
	bits    bitset
	sources map[string]bool
	args    map[string]bool
	stages  map[int]bool
	whole   *Step
}

func (c *cum) clone() *cum {
	n := &cum{bits: append(bitset(nil), c.bits...), sources: map[string]bool{}, args: map[string]bool{}, stages: map[int]bool{}, whole: c.whole}
	n.merge(c)
	n.whole = c.whole
	return n
}

func (c *cum) merge(o *cum) {
	c.bits.or(o.bits)
	for k := range o.sources {
		c.sources[k] = true
	}
	for k := range o.args {
		c.args[k] = true
	}
	for k := range o.stages {
		c.stages[k] = true
	}
	if c.whole == nil {
		c.whole = o.whole
	}
}

// Costs computes the cost view: for each step, in build order, what
// re-runs it.
func (m *Model) Costs() []*Cost {
	n := 0
	var files []string
	if m.Context != nil {
		files = m.Context.Files
		n = len(files)
	}
	empty := func() *cum {
		return &cum{bits: newBits(n), sources: map[string]bool{}, args: map[string]bool{}, stages: map[int]bool{}}
	}
	final := make([]*cum, len(m.Stages))
	var out []*Cost
	for _, s := range m.Stages {
		c := empty()
		if s.BaseStage >= 0 {
			c = final[s.BaseStage].clone()
			c.stages[s.BaseStage] = true
		}
		for _, st := range s.Steps {
			for _, r := range st.Reads {
				c.sources[r.display(n > 0 || m.Context != nil)] = true
				for i, ok := range r.selected {
					if ok {
						c.bits.set(i)
					}
				}
				if r.Whole && c.whole == nil {
					c.whole = st
				}
			}
			for _, a := range st.Args {
				c.args[a] = true
			}
			for _, fr := range st.From {
				c.merge(final[fr.Stage])
				c.stages[fr.Stage] = true
			}
			out = append(out, c.cost(st, files))
		}
		final[s.Index] = c
	}
	return out
}

func (c *cum) cost(st *Step, files []string) *Cost {
	k := &Cost{Step: st, Name: st.Name, Count: c.bits.count(), wholeStep: c.whole}
	if c.whole != nil {
		k.Whole = shorten(c.whole.Name, 60)
	} else {
		for i, f := range files {
			if c.bits[i/64]&(1<<(uint(i)%64)) != 0 {
				k.Files = append(k.Files, f)
			}
		}
	}
	for s := range c.sources {
		k.Sources = append(k.Sources, s)
	}
	sort.Strings(k.Sources)
	for a := range c.args {
		k.Args = append(k.Args, a)
	}
	sort.Strings(k.Args)
	for s := range c.stages {
		k.Stages = append(k.Stages, s)
	}
	sort.Ints(k.Stages)
	return k
}

// Summary says in one line what re-runs the step ("" when nothing in the
// context or the build args does).
func (k *Cost) Summary(withContext bool) string {
	var parts []string
	switch {
	case k.Whole != "" && withContext:
		s := fmt.Sprintf("re-runs on any change to %s", plural(k.Count, "file"))
		if k.wholeStep == k.Step {
			s += " (it reads the whole context)"
		} else {
			s += " (after the whole-context " + k.Whole + ")"
		}
		parts = append(parts, s)
	case k.Whole != "":
		parts = append(parts, "re-runs on any change to the context (after the whole-context "+k.Whole+")")
	case withContext && k.Count > 0:
		parts = append(parts, "re-runs on a change to "+fileList(k.Files))
	case !withContext && len(k.Sources) > 0:
		parts = append(parts, "re-runs on a change to "+strings.Join(k.Sources, ", "))
	}
	if len(k.Args) > 0 {
		w := "re-runs"
		if len(parts) > 0 {
			w = "or"
		}
		parts = append(parts, fmt.Sprintf("%s when build arg%s %s change%s", w, pluralS(len(k.Args)), strings.Join(k.Args, ", "), map[bool]string{true: "", false: "s"}[len(k.Args) > 1]))
	}
	return strings.Join(parts, ", ")
}

func pluralS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func plural(n int, what string) string {
	return fmt.Sprintf("%d %s%s", n, what, pluralS(n))
}

// fileList names up to five files, or groups them by their top folder.
func fileList(files []string) string {
	if len(files) <= 5 {
		return strings.Join(files, ", ")
	}
	groups := map[string]int{}
	var order []string
	for _, f := range files {
		g := f
		if i := strings.IndexByte(f, '/'); i >= 0 {
			g = f[:i+1]
		}
		if groups[g] == 0 {
			order = append(order, g)
		}
		groups[g]++
	}
	if len(order) > 5 {
		return fmt.Sprintf("any of %s in %d places (%s, …)", plural(len(files), "file"), len(order), strings.Join(order[:3], ", "))
	}
	var parts []string
	for _, g := range order {
		if strings.HasSuffix(g, "/") {
			parts = append(parts, fmt.Sprintf("%s (%s)", g, plural(groups[g], "file")))
		} else {
			parts = append(parts, g)
		}
	}
	return fmt.Sprintf("any of %s: %s", plural(len(files), "file"), strings.Join(parts, ", "))
}
