package hoistdeps

import (
	"path"
	"strconv"
	"strings"

	"github.com/dfopt/dfopt/pkg/knowledge/tools"
	"github.com/dfopt/dfopt/pkg/transform"

	"github.com/dfopt/dfopt/pkg/ast"
	"mvdan.cc/sh/v3/syntax"
)

// What decides how `npm install` writes the lock file, beyond the lock
// and package.json themselves: the npm version of the image, the
// command's flags and npm's configuration (the project's .npmrc, the
// NPM_CONFIG_* environment, `npm config set` in earlier RUNs).

// npmLockNeutral are the npm options and configuration keys that do not
// change what `npm install` writes into an up-to-date lock file (network,
// authentication, logging, what is installed into node_modules). Any
// other one may (lockfile-version, legacy-peer-deps, install-strategy,
// omit-lockfile-registry-resolved, …): the install then runs again after
// the COPY.
var npmLockNeutral = transform.NameSet(
	"omit", "include", "production", "only", "also", "dev", "optional",
	"audit", "no-audit", "audit-level", "fund", "no-fund", "update-notifier", "no-update-notifier",
	"loglevel", "silent", "s", "quiet", "q", "verbose", "d", "dd", "ddd", "progress", "no-progress",
	"color", "no-color", "unicode", "timing", "logs-dir", "logs-max", "heading",
	"prefer-offline", "prefer-online", "offline", "cache", "registry",
	"fetch-retries", "fetch-retry-factor", "fetch-retry-mintimeout", "fetch-retry-maxtimeout", "fetch-timeout", "maxsockets",
	"strict-ssl", "ca", "cafile", "cert", "key", "proxy", "https-proxy", "http-proxy", "noproxy", "no-proxy",
	"_auth", "_authtoken", "always-auth", "email", "username", "_password", "otp", "access", "scope",
	"ignore-scripts", "script-shell", "foreground-scripts", "unsafe-perm", "node-options", "user-agent",
	"engine-strict", "strict-peer-deps", "save-exact", "save-prefix", "sign-git-commit", "sign-git-tag",
	"git-tag-version", "commit-hooks", "message", "tag-version-prefix", "package-lock", "save", "no-save",
	"no-package-lock", "package-lock-only", "dry-run", "prefix", "C", "no-optional",
)

// npmKeyNeutral reports a configuration key that does not change the lock.
func npmKeyNeutral(key string) bool {
	key = strings.ToLower(strings.TrimLeft(key, "-"))
	return npmLockNeutral[key] || strings.HasPrefix(key, "//") || strings.HasSuffix(key, ":registry") ||
		strings.HasPrefix(key, "init-") || strings.HasPrefix(key, "init.")
}

// npmSaves reports whether `npm install` writes the lock at all, or why
// its configuration may change what it writes.
func (w *writeCheck) npmSaves() (bool, string) {
	saves := true
	no := func(key, val string) {
		switch key {
		case "no-save", "no-package-lock", "dry-run":
			saves = false
		case "save", "package-lock":
			if val == "false" {
				saves = false
			}
		}
	}
	_, si := transform.SubAt(w.in.Args)
	cl := tools.Named("npm").Command.Parse(w.in.Args, si+1)
	for _, o := range cl.Opts {
		name := strings.TrimLeft(o.Name, "-")
		if !npmKeyNeutral(name) {
			return false, "`npm install " + o.Name + "` may change what npm writes to the lock"
		}
		val := o.Value
		if !strings.Contains(w.wordText(o.I), "=") && o.VI == o.I {
			val = "true"
		}
		no(name, val)
	}
	// The project's .npmrc (copied with the manifests).
	if rc := path.Join(w.ctxDir, ".npmrc"); w.view.Exists(rc) {
		for _, line := range strings.Split(w.view.Read(rc), "\n") {
			line = strings.TrimSpace(line)
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
			k, v, _ := strings.Cut(line, "=")
			k, v = strings.Trim(strings.TrimSpace(k), `"'`), strings.Trim(strings.TrimSpace(v), `"'`)
			if !npmKeyNeutral(k) {
				return false, rc + " sets `" + k + "`, which may change what npm writes to the lock"
			}
			no(strings.ToLower(k), v)
		}
	}
	// The environment: the stage's ENV and the command's own assignments.
	for name := range w.env.Vars {
		if why := w.npmEnv(name, no); why != "" {
			return false, why
		}
	}
	if w.call != nil {
		for _, a := range w.call.Assigns {
			if a.Name != nil {
				if why := w.npmEnv(a.Name.Value, no); why != "" {
					return false, why
				}
			}
		}
	}
	if why := w.npmEarlierConfig(); why != "" {
		return false, why
	}
	return saves, ""
}

// npmEnv checks one environment variable that npm reads as configuration.
func (w *writeCheck) npmEnv(name string, no func(key, val string)) string {
	low := strings.ToLower(name)
	if !strings.HasPrefix(low, "npm_config_") {
		return ""
	}
	key := strings.ReplaceAll(strings.TrimPrefix(low, "npm_config_"), "_", "-")
	if !npmKeyNeutral(key) {
		return "ENV " + name + " may change what npm writes to the lock"
	}
	if p, set, ok := w.envPath(name); set {
		if !ok && (key == "save" || key == "package-lock") {
			return "the value of " + name + " is not known"
		}
		no(key, p)
	}
	return ""
}

func (w *writeCheck) wordText(i int) string {
	v, _ := transform.LitWord(w.in.Args[i])
	return v
}

// npmEarlierConfig finds configuration that earlier instructions of the
// stage (and of the stages it is built on) give npm: an .npmrc copied or
// written, `npm config set` of a key that may change the lock.
func (w *writeCheck) npmEarlierConfig() string {
	for _, st := range w.se.Lineage(w.h.d.Stages[w.run.Stage]) {
		for _, x := range st.Instructions {
			if x == w.run {
				break
			}
			switch x.Cmd {
			case "copy", "add":
				if strings.Contains(x.Text(w.h.d), ".npmrc") {
					return transform.InsQuote(w.h.d, x) + " installs an .npmrc"
				}
			case "run":
				if strings.Contains(x.Text(w.h.d), ".npmrc") {
					return transform.InsQuote(w.h.d, x) + " writes an .npmrc"
				}
				if why := w.npmConfigSet(x); why != "" {
					return why
				}
			}
		}
	}
	return ""
}

// npmConfigSet finds `npm config set KEY …` / `npm set KEY …` of a key
// that may change the lock.
func (w *writeCheck) npmConfigSet(x *ast.Instruction) string {
	sc := w.h.sh.Of(x)
	if sc == nil {
		return ""
	}
	why := ""
	syntax.Walk(sc.File, func(n syntax.Node) bool {
		c, ok := n.(*syntax.CallExpr)
		if !ok || why != "" {
			return why == ""
		}
		name, args, ok := transform.CallName(c)
		if !ok || transform.ToolBase(name) != "npm" {
			return true
		}
		var words []string
		for _, a := range args[1:] {
			v, lit := transform.LitWord(a)
			if !lit {
				v = "$"
			}
			if !strings.HasPrefix(v, "-") {
				words = append(words, v)
			}
		}
		if len(words) >= 2 && words[0] == "config" && words[1] == "set" {
			words = words[1:]
		}
		if len(words) >= 2 && words[0] == "set" {
			key, _, _ := strings.Cut(words[1], "=")
			if !npmKeyNeutral(key) {
				why = transform.InsQuote(w.h.d, x) + " sets npm's `" + key + "`, which may change what npm writes to the lock"
			}
		}
		return why == ""
	})
	return why
}

// npmOfNode is the lowest npm major version that the official node
// images of a Node.js major version ship (node 16.0 came with npm 7, 18.0
// with npm 8, 20.0 with npm 9, 22 with npm 10, 24 with npm 11).
func npmOfNode(major int) int {
	switch {
	case major <= 14:
		return 6
	case major <= 16:
		return 7
	case major <= 19:
		return 8
	case major == 20:
		return 9
	case major <= 23:
		return 10
	}
	return 11
}

// nodeCodenames are the LTS names the node images are also tagged with.
var nodeCodenames = map[string]int{
	"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14,
	"gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22, "krypton": 24,
}

// npmVersion is the lowest npm major version the install may run with,
// or why it is not known.
func (w *writeCheck) npmVersion() (int, string) {
	v, why := w.npmImageVersion()
	if why == "" {
		why = w.npmReplaced()
	}
	return v, why
}

// npmImageVersion is the lowest npm major version of the stage's image.
func (w *writeCheck) npmImageVersion() (int, string) {
	base := w.env.Base
	ref, err := transform.ParseImageRef(base)
	name, _, official := ref.Official()
	if err != nil || ref.Vars || !official || name != "node" {
		return 0, "the npm version of `FROM " + base + "` is not known"
	}
	ti := transform.ParseImageTag(ref.Tag)
	major := 0
	if ti.Version != "" {
		major, _ = strconv.Atoi(transform.MajorVersion(ti.Version))
	} else {
		major = 22 // latest, lts, current, alpine, slim, …: a current release
		for _, word := range ti.Rest {
			if n, ok := nodeCodenames[word]; ok {
				major = n
			}
		}
	}
	return npmOfNode(major), ""
}

// npmReplaced finds an earlier RUN that installs another npm or Node.js
// (`npm install -g npm@…`, corepack, n, nvm, a system package).
func (w *writeCheck) npmReplaced() string {
	for _, st := range w.se.Lineage(w.h.d.Stages[w.run.Stage]) {
		for _, x := range st.Instructions {
			if x == w.run {
				break
			}
			if x.Cmd != "run" {
				continue
			}
			sc := w.h.sh.Of(x)
			if sc == nil {
				if strings.Contains(x.Text(w.h.d), "npm") || strings.Contains(x.Text(w.h.d), "node") {
					return transform.InsQuote(w.h.d, x) + " may install another npm"
				}
				continue
			}
			found := false
			syntax.Walk(sc.File, func(n syntax.Node) bool {
				if c, ok := n.(*syntax.CallExpr); ok && !found {
					found = replacesNpm(c)
				}
				return !found
			})
			if found {
				return transform.InsQuote(w.h.d, x) + " installs another npm or Node.js"
			}
		}
	}
	return ""
}

// replacesNpm recognises a command that installs npm or Node.js.
func replacesNpm(c *syntax.CallExpr) bool {
	name, args, ok := transform.CallName(c)
	if !ok {
		return false
	}
	switch transform.ToolBase(name) {
	case "n", "nvm", "fnm", "volta", "nodenv", "asdf", "nodebrew":
		return true
	}
	for _, a := range args[1:] {
		v, lit := transform.LitWord(a)
		if !lit {
			continue
		}
		switch transform.ToolBase(name) {
		case "corepack":
			if strings.HasPrefix(v, "npm") {
				return true
			}
		case "npm", "pnpm", "yarn", "bun":
			if v == "npm" || strings.HasPrefix(v, "npm@") || v == "node" || strings.HasPrefix(v, "node@") {
				return true
			}
		case "apt-get", "apt", "apk", "dnf", "yum", "microdnf", "zypper":
			if v == "npm" || v == "nodejs" || strings.HasPrefix(v, "nodejs=") || strings.HasPrefix(v, "npm=") {
				return true
			}
		}
	}
	return false
}
