package hoistdeps

import (
	"encoding/json"
	"fmt"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
)

// Whether `npm install` writes its lock file back byte for byte.
//
// npm (7 and later, @npmcli/arborist's Shrinkwrap) rewrites the lock on
// every `npm install`: it loads it, rebuilds the top-level fields from
// package.json and the folder, and prints the whole tree with
// json-stringify-nice (keys sorted: preferred keys first, scalars before
// objects, the rest by locale order; indented like package.json). The
// lock is a fixed point when it already is what npm prints. dfopt checks
// the parts npm recomputes from files it can read; the entries below the
// root are written back from what npm loaded from them, when they are
// complete (version, resolved, integrity) — the cases where npm fetches
// to complete them are refused.

// npmLockFixed explains why `npm install` may write the lock with other
// bytes ("" when it writes it back as it is). folder is the project
// folder in the image; npmMin the lowest npm major version that may run.
func npmLockFixed(pkgText, lockText, lockName, folder string, npmMin int) string {
	var pkg map[string]any
	if decodeJSON(pkgText, &pkg) != nil {
		return "package.json does not parse as JSON"
	}
	lock, err := parseOrderedJSON(lockText)
	if err != nil || lock.kind != '{' {
		return lockName + " does not parse as a JSON object"
	}
	ver, _ := strconv.Atoi(lock.get("lockfileVersion").text())
	switch {
	case ver == 0:
		return lockName + " has no lockfileVersion, which npm install adds"
	case ver == 1:
		return lockName + " is lockfile version 1: npm 7 and later convert it to version 2 or 3 (and npm 6 writes it in its own way)"
	case ver == 2 && npmMin < 7:
		return "npm 6 rewrites " + lockName + " (lockfile version 2) as version 1"
	case ver == 3 && npmMin < 9:
		return "npm 7 and 8 may write " + lockName + " (lockfile version 3) back as version 2"
	case ver > 3:
		return lockName + " is lockfile version " + strconv.Itoa(ver) + ", newer than dfopt knows"
	}
	if r := lock.get("requires"); r == nil || r.kind != 'b' || r.str != "true" {
		return "npm adds `\"requires\": true` to " + lockName
	}
	if why := npmLockTop(pkg, lock, lockName, folder); why != "" {
		return why
	}
	if why := npmLockEntries(lock, lockName, ver); why != "" {
		return why
	}
	return npmLockFormat(pkgText, lockText, lock, lockName)
}

// npmLockTop checks the fields npm takes from package.json and the folder.
func npmLockTop(pkg map[string]any, lock *orderedJSON, lockName, folder string) string {
	name, hasName := pkg["name"].(string)
	want := name
	if !hasName || name == "" {
		want = nameFromFolder(folder)
		if want == "" {
			return "package.json has no name, so npm writes the folder's name into " + lockName + ", and the folder has none"
		}
	}
	if got := lock.get("name").text(); got != want {
		if !hasName || name == "" {
			return fmt.Sprintf("package.json has no name, so npm install writes the folder's name `%s` as the top-level name of %s, which says `%s`", want, lockName, got)
		}
		return fmt.Sprintf("npm install writes package.json's name `%s` as the top-level name of %s, which says `%s`", want, lockName, got)
	}
	pv, hasVer := pkg["version"].(string)
	if _, other := pkg["version"]; other && !hasVer {
		return "package.json's version is not a string"
	}
	if hasVer && !cleanSemver.MatchString(pv) {
		return "npm normalises package.json's version `" + pv + "` before writing it to " + lockName
	}
	if got := lock.get("version"); (got == nil) != !hasVer || hasVer && got.text() != pv {
		return fmt.Sprintf("npm install writes package.json's version (%s) as the top-level version of %s, which says %s", quoteOr(pv, hasVer), lockName, quoteOr(got.text(), got != nil))
	}
	root, why := npmRootMeta(pkg)
	if why != "" {
		return why
	}
	packages := lock.get("packages")
	if packages == nil || packages.kind != '{' {
		return "npm adds a `packages` section to " + lockName
	}
	got := packages.get("")
	if len(root) == 0 {
		if got != nil {
			return `npm drops the empty root entry packages[""] from ` + lockName
		}
		return ""
	}
	if got == nil || !reflect.DeepEqual(got.value(), any(root)) {
		return `packages[""] of ` + lockName + " does not match package.json (npm install rewrites it from package.json)"
	}
	return ""
}

func quoteOr(s string, ok bool) string {
	if !ok {
		return "none"
	}
	return "`" + s + "`"
}

var cleanSemver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// nameFromFolder is npm's name for a project without one: the folder's
// name, with its scope folder when that starts with @.
func nameFromFolder(folder string) string {
	folder = path.Clean(folder)
	base := path.Base(folder)
	if base == "/" || base == "." {
		return ""
	}
	if parent := path.Base(path.Dir(folder)); strings.HasPrefix(parent, "@") {
		return parent + "/" + base
	}
	return base
}

// npmRootFields are the package.json fields npm copies into packages[""]
// as they are (Shrinkwrap.metaFromNode's pkgMetaKeys), skipped when
// empty; license objects are written as their type.
var npmRootFields = []string{
	"version", "dependencies", "peerDependencies", "peerDependenciesMeta", "optionalDependencies",
	"engines", "os", "cpu", "license", "funding", "bin", "workspaces",
}

// npmRootNormalised are fields npm normalises or derives before writing
// them: dfopt does not model that and refuses to decide.
var npmRootNormalised = []string{
	"bundleDependencies", "bundledDependencies", "acceptDependencies", "_integrity", "_hasShrinkwrap",
	"hasInstallScript", "deprecated", "gypfile",
}

// npmRootMeta computes packages[""] from package.json, or says why dfopt
// cannot.
func npmRootMeta(pkg map[string]any) (map[string]any, string) {
	for _, f := range npmRootNormalised {
		if _, ok := pkg[f]; ok {
			return nil, "npm derives packages[\"\"] from package.json's `" + f + "` in a way dfopt does not model"
		}
	}
	if s, ok := pkg["scripts"].(map[string]any); ok {
		for _, k := range []string{"install", "preinstall", "postinstall"} {
			if _, ok := s[k]; ok {
				return nil, "package.json has a `" + k + "` script, which npm records in packages[\"\"]"
			}
		}
	}
	meta := map[string]any{}
	for _, f := range npmRootFields {
		v := pkg[f]
		if f == "license" {
			if o, ok := v.(map[string]any); ok {
				v = o["type"]
			}
		}
		if truthy(v) {
			meta[f] = v
		}
	}
	if deps, ok := meta["dependencies"].(map[string]any); ok {
		if opt, ok := meta["optionalDependencies"].(map[string]any); ok {
			for k := range opt {
				if _, both := deps[k]; both {
					return nil, "package.json lists `" + k + "` in dependencies and optionalDependencies, which npm normalises"
				}
			}
		}
	}
	if why := binNormal(meta["bin"]); why != "" {
		return nil, why
	}
	if f, ok := meta["funding"]; ok {
		if _, obj := f.(map[string]any); !obj {
			return nil, "npm normalises package.json's funding before writing it"
		}
	}
	if n, ok := pkg["name"].(string); ok && n != "" {
		meta["name"] = n
	}
	if dd, ok := pkg["devDependencies"]; ok && dd != nil {
		if m, ok := dd.(map[string]any); !ok || len(m) == 0 {
			return nil, "dfopt does not know how npm writes package.json's empty or odd devDependencies"
		}
		meta["devDependencies"] = dd
	}
	return meta, ""
}

// binNormal: npm writes bin as an object of clean relative paths.
func binNormal(bin any) string {
	if bin == nil {
		return ""
	}
	m, ok := bin.(map[string]any)
	if !ok {
		return "npm writes package.json's bin in its normalised form"
	}
	for _, v := range m {
		s, ok := v.(string)
		if !ok || s == "" || path.Clean(s) != s || strings.HasPrefix(s, "/") || strings.HasPrefix(s, "..") || strings.Contains(s, `\`) {
			return "npm writes package.json's bin in its normalised form"
		}
	}
	return ""
}

// truthy is JavaScript's truthiness, with empty objects and arrays
// counted as false (metaFieldFromPkg skips them).
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case json.Number:
		f, err := v.Float64()
		return err == nil && f != 0
	case map[string]any:
		return len(v) > 0
	case []any:
		return len(v) > 0
	}
	return true
}

// npmLockEntries checks the entries below the root, and the legacy
// `dependencies` tree of a version 2 lock.
func npmLockEntries(lock *orderedJSON, lockName string, ver int) string {
	packages := lock.get("packages")
	top := map[string]bool{}
	for i, k := range packages.keys {
		if k == "" {
			continue
		}
		e := packages.vals[i]
		if e.kind != '{' {
			return lockName + " has an entry that is not an object (" + k + ")"
		}
		if l := e.get("link"); l != nil {
			return lockName + " links " + k + " to a folder of the project"
		}
		if b := e.get("inBundle"); b != nil && b.str == "true" {
			continue
		}
		for _, f := range []string{"version", "resolved", "integrity"} {
			if v := e.get(f); v == nil || v.kind != 's' {
				return fmt.Sprintf("%s's entry %s has no %s, which some npm versions fill in", lockName, k, f)
			}
		}
		if rest, ok := strings.CutPrefix(k, "node_modules/"); ok && !strings.Contains(strings.TrimPrefix(rest, "@"), "/node_modules/") {
			top[rest] = true
		}
	}
	legacy := lock.get("dependencies")
	if ver >= 3 {
		if legacy != nil {
			return "npm drops the `dependencies` section of " + lockName + " (lockfile version 3)"
		}
		return ""
	}
	if len(top) == 0 {
		if legacy != nil {
			return "npm drops the empty `dependencies` section of " + lockName
		}
		return ""
	}
	if legacy == nil || legacy.kind != '{' || len(legacy.keys) != len(top) {
		return "the `dependencies` section of " + lockName + " does not list the packages of its `packages` section (npm rebuilds it)"
	}
	for _, k := range legacy.keys {
		if !top[k] {
			return "the `dependencies` section of " + lockName + " does not list the packages of its `packages` section (npm rebuilds it)"
		}
	}
	return ""
}

// npmInstallScripts says whether a dependency in the lock runs an install
// script ("" when none does).
func npmInstallScripts(lockText string) string {
	lock, err := parseOrderedJSON(lockText)
	if err != nil || lock.kind != '{' {
		return "the lock file cannot be read"
	}
	packages := lock.get("packages")
	if packages == nil || packages.kind != '{' {
		return "the lock file does not say which dependencies have install scripts"
	}
	for i, k := range packages.keys {
		if h := packages.vals[i].get("hasInstallScript"); k != "" && h != nil && h.str == "true" {
			return k + " has an install script"
		}
	}
	return ""
}

// ---- the form npm prints ----

// npmLockFormat checks that the lock is printed as npm prints it: keys in
// json-stringify-nice's order, JSON.stringify's spacing with
// package.json's indentation and line ending, a final newline.
func npmLockFormat(pkgText, lockText string, lock *orderedJSON, lockName string) string {
	if why := lock.npmOrder(); why != "" {
		return lockName + ": " + why
	}
	nl, indent := jsonFormatOf(pkgText)
	if indent == "" {
		indent = "  "
	}
	if nl == "" {
		nl = "\n"
	}
	var b strings.Builder
	if !lock.stringify(&b, indent, 0) {
		return lockName + " holds a number npm would print differently"
	}
	b.WriteString("\n")
	if strings.ReplaceAll(b.String(), "\n", nl) != lockText {
		return lockName + " is not spaced, indented or escaped the way npm writes it (npm follows package.json's indentation)"
	}
	return ""
}

var (
	jsonEmptyRE  = regexp.MustCompile(`^(?:\{\}|\[\])((?:\r?\n)+)?$`)
	jsonFormatRE = regexp.MustCompile(`^\s*[{\[]((?:\r?\n)+)([ \t]*)`)
)

// jsonFormatOf is the line ending and indentation npm reads from a JSON
// file (json-parse-even-better-errors).
func jsonFormatOf(text string) (newline, indent string) {
	text = strings.TrimPrefix(text, "\ufeff")
	if m := jsonEmptyRE.FindStringSubmatch(text); m != nil {
		return "\n", "  "
	}
	if m := jsonFormatRE.FindStringSubmatch(text); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// decodeJSON decodes with json.Number for numbers.
func decodeJSON(text string, v any) error {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	return dec.Decode(v)
}
