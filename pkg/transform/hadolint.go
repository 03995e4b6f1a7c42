package transform

import "sort"

// HadolintMapping names the dfopt rule that does the work a hadolint check
// asks for. `# hadolint ignore=CODE` above an instruction (and
// `# hadolint global ignore=CODE` anywhere) switches that dfopt rule off,
// so a team moving from hadolint keeps its decisions.
type HadolintMapping struct {
	Code string // DL3059
	Rule string // merge-runs
	Why  string // what the hadolint check asks for
	// Part is the part of the rule the check concerns ("" = all of it):
	// the tool whose cache cache-mounts leaves alone when the code is
	// ignored.
	Part string
}

// hadolintTable is the mapping. Only checks whose concern is what a dfopt
// rule rewrites are mapped: an ignore for a check that dfopt does not act
// on (pinning versions, `cd` in RUN, …) must not switch off unrelated
// fixes.
var hadolintTable = []HadolintMapping{
	{"DL3009", "apt-hygiene", "delete the apt lists after installing", ""},
	{"DL3014", "apt-hygiene", "apt-get install -y", ""},
	{"DL3015", "apt-hygiene", "apt-get install --no-install-recommends", ""},
	{"DL3019", "apt-hygiene", "apk add --no-cache", ""},
	{"DL3030", "apt-hygiene", "yum install -y", ""},
	{"DL3032", "apt-hygiene", "yum clean all after yum install", ""},
	{"DL3034", "apt-hygiene", "zypper install with --non-interactive", ""},
	{"DL3036", "apt-hygiene", "zypper clean after zypper install", ""},
	{"DL3038", "apt-hygiene", "dnf install -y", ""},
	{"DL3040", "apt-hygiene", "dnf clean all after dnf install", ""},
	{"DL3042", "cache-mounts", "pip install --no-cache-dir", "pip"},
	{"DL3060", "cache-mounts", "yarn cache clean after yarn install", "yarn"},
	{"DL3059", "merge-runs", "consolidate consecutive RUN instructions", ""},
}

var hadolintIndex = func() map[string]HadolintMapping {
	m := make(map[string]HadolintMapping, len(hadolintTable))
	for _, h := range hadolintTable {
		m[h.Code] = h
	}
	return m
}()

// HadolintTable returns the mapping, sorted by code.
func HadolintTable() []HadolintMapping {
	out := append([]HadolintMapping(nil), hadolintTable...)
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// HadolintRule returns the dfopt rule a hadolint code maps to ("" when
// none).
func HadolintRule(code string) string { return hadolintIndex[code].Rule }

// HadolintCodes returns the hadolint codes that map to rule, sorted.
func HadolintCodes(rule string) []string {
	var out []string
	for _, h := range HadolintTable() {
		if h.Rule == rule {
			out = append(out, h.Code)
		}
	}
	return out
}
