package cacheplan

import "slices"

// managerIndex lists the rows of Managers by program and by Python
// module, each list in table order.
type managerIndex struct {
	byProg, byModule map[string][]*Manager
	order            map[*Manager]int
}

var managersBy = indexManagers(Managers)

func indexManagers(ms []*Manager) managerIndex {
	x := managerIndex{byProg: map[string][]*Manager{}, byModule: map[string][]*Manager{}, order: map[*Manager]int{}}
	for i, m := range ms {
		x.order[m] = i
		for _, p := range m.Progs {
			if l := x.byProg[p]; len(l) == 0 || l[len(l)-1] != m {
				x.byProg[p] = append(l, m)
			}
		}
		if m.Module != "" {
			x.byModule[m.Module] = append(x.byModule[m.Module], m)
		}
	}
	return x
}

// candidates are the rows of Managers, in table order, that a program
// name (or `python -m` module) may run: those whose Module is the module,
// or, without a module, those one of whose Progs the name is, exactly or
// with a version suffix (progMatches). The name's prefixes that leave a
// version suffix are looked up instead of every row being tried.
func candidates(name, module string) []*Manager {
	if module != "" {
		return managersBy.byModule[module]
	}
	k := len(name)
	for k > 0 && (name[k-1] >= '0' && name[k-1] <= '9' || name[k-1] == '.') {
		k--
	}
	if k == len(name) {
		// No version suffix: the one list, already in table order and
		// without repeats (indexManagers); clipped, as callers only read.
		return slices.Clip(managersBy.byProg[name])
	}
	var out []*Manager
	for j := k; j <= len(name); j++ {
		for _, m := range managersBy.byProg[name[:j]] {
			if !slices.Contains(out, m) {
				out = append(out, m)
			}
		}
	}
	if len(out) > 1 {
		slices.SortFunc(out, func(a, b *Manager) int { return managersBy.order[a] - managersBy.order[b] })
	}
	return out
}
