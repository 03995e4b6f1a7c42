package multistage

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// Node's row of the multi-stage table: npm, yarn and pnpm commands, the
// package and its production install.

// msNodeArgs splits a package manager command into its subcommand, its
// other positional arguments and whether it is global.
func msNodeArgs(c *msCmd) (sub string, pos []string, global bool) {
	words := c.from(1)
	for i := 0; i < len(words); i++ {
		v := words[i].Value
		switch {
		case v == "-g" || v == "--global" || v == "--location=global":
			global = true
		case transform.NpmValued[v]:
			i++ // --cwd DIR, --prefix DIR: the value is not a subcommand
		case strings.HasPrefix(v, "-"):
		case sub == "":
			sub = v
		default:
			pos = append(pos, v)
		}
	}
	return sub, pos, global
}

func msNodeScriptClass(name string) msClass {
	switch {
	case name == "build" || strings.HasPrefix(name, "build:"):
		return msBuild
	case name == "test" || strings.HasPrefix(name, "test:") || name == "lint" || strings.HasPrefix(name, "lint:") || name == "typecheck" || name == "format" || name == "check":
		return msTool
	}
	return msUnknown
}

func msNodeClass(c *msCmd) msClass {
	switch c.name() {
	case "npm":
		return msNpmClass(msNodeArgs(c))
	case "yarn":
		sub, pos, _ := msNodeArgs(c)
		return msYarnClass(sub, pos)
	case "pnpm":
		return msPnpmClass(msNodeArgs(c))
	case "corepack":
		return msGlobal
	case "node":
		if c.arg(1) == "-v" || c.arg(1) == "--version" {
			return msNeutral
		}
	}
	return msUnknown
}

func msNpmClass(sub string, pos []string, global bool) msClass {
	switch sub {
	case "ci", "clean-install":
		return msDeps
	case "install", "i", "add", "in":
		if global {
			return msGlobal
		}
		if len(pos) == 0 {
			return msDeps
		}
	case "run", "run-script":
		if len(pos) > 0 {
			return msNodeScriptClass(pos[0])
		}
	case "test", "t":
		return msTool
	case "prune", "audit", "dedupe", "ls", "list", "outdated", "pack":
		return msTool
	case "cache", "view", "info", "":
		return msNeutral
	case "config", "set":
		return msGlobal
	}
	return msUnknown
}

func msYarnClass(sub string, pos []string) msClass {
	switch sub {
	case "", "install":
		return msDeps
	case "global":
		if len(pos) > 0 && pos[0] == "add" {
			return msGlobal
		}
	case "add", "remove", "upgrade", "dlx", "exec":
		return msUnknown
	case "run":
		if len(pos) > 0 {
			return msNodeScriptClass(pos[0])
		}
	case "audit", "cache", "autoclean", "versions", "check":
		return msTool
	case "config":
		return msGlobal
	default:
		return msNodeScriptClass(sub)
	}
	return msUnknown
}

func msPnpmClass(sub string, pos []string, global bool) msClass {
	switch sub {
	case "install", "i":
		if global {
			return msGlobal
		}
		if len(pos) == 0 {
			return msDeps
		}
	case "fetch":
		return msDeps
	case "add":
		if global {
			return msGlobal
		}
	case "run":
		if len(pos) > 0 {
			return msNodeScriptClass(pos[0])
		}
	case "prune", "audit", "store":
		return msTool
	case "config", "setup":
		return msGlobal
	case "exec", "dlx", "":
		return msUnknown
	default:
		return msNodeScriptClass(sub)
	}
	return msUnknown
}

// msNodePkg is what dfopt reads of package.json.
type msNodePkg struct {
	Scripts              map[string]string `json:"scripts"`
	Dependencies         map[string]string `json:"dependencies"`
	DevDependencies      map[string]string `json:"devDependencies"`
	OptionalDependencies map[string]string `json:"optionalDependencies"`
	PackageManager       string            `json:"packageManager"`
}

func (s *msSplit) nodePackage(dir string, at int) (*msNodePkg, error) {
	data, _, ok := s.readContext(path.Join(dir, "package.json"), at)
	if !ok {
		return nil, fmt.Errorf("package.json is not in the build context: the build's output folder is unknown")
	}
	var pkg msNodePkg
	if err := json.Unmarshal(data, &pkg); err != nil {
		return nil, fmt.Errorf("package.json does not parse: %v", err)
	}
	return &pkg, nil
}

func msNodeArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder of package.json")
	}
	at := msIndexOf(s.pl, c.ins)
	pkg, err := s.nodePackage(dir, at)
	if err != nil {
		return nil, err
	}
	sub, pos, _ := msNodeArgs(c)
	script := sub
	if sub == "run" || sub == "run-script" {
		script = pos[0]
	}
	text, ok := pkg.Scripts[script]
	if !ok {
		return nil, fmt.Errorf("package.json has no %q script", script)
	}
	if c.name() == "yarn" || strings.HasPrefix(pkg.PackageManager, "yarn@") {
		if _, _, berry := s.readContext(path.Join(dir, ".yarnrc.yml"), at); berry || strings.HasPrefix(pkg.PackageManager, "yarn@") && !strings.HasPrefix(pkg.PackageManager, "yarn@1.") {
			return nil, errors.New("yarn 2+ has no production-only install")
		}
	}
	dirs, err := s.nodeOutDirs(text, pkg, dir, at, 0)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("the %q script writes no output folder dfopt knows", script)
	}
	if err := s.nodeCheckStart(pkg, dir, at); err != nil {
		return nil, err
	}
	var arts []msArtifact
	for _, d := range dirs {
		arts = append(arts, msArtifact{Path: path.Join(dir, d)})
	}
	return arts, nil
}

// nodeManifest: a COPY of package.json or a lockfile.
func (s *msSplit) nodeManifest(pl *msPlan) bool {
	c, ok := pl.ins.Command.(*instructions.CopyCommand)
	if !ok || c.From != "" {
		return false
	}
	for _, src := range c.SourcePaths {
		switch b := path.Base(src); b {
		case "package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", ".npmrc", ".yarnrc", "pnpm-workspace.yaml":
			return true
		default:
			if strings.HasPrefix(b, "package") && strings.ContainsAny(b, "*?[") {
				return true
			}
		}
	}
	return false
}

var msNodeMajors = map[string]int{"argon": 4, "boron": 6, "carbon": 8, "dubnium": 10, "erbium": 12, "fermium": 14, "gallium": 16, "hydrogen": 18, "iron": 20, "jod": 22}

// nodeProdInstall turns the dependency install into a production install.
func (s *msSplit) nodeProdInstall(c *msCmd) string {
	t := c.Text(s.d)
	switch c.name() {
	case "yarn":
		if !strings.Contains(t, "--production") {
			t += " --production"
		}
	case "pnpm":
		if !strings.Contains(t, "--prod") && !msHas(strings.Fields(t), "-P") {
			t += " --prod"
		}
	default:
		if strings.Contains(t, "--omit=dev") || strings.Contains(t, "--production") || strings.Contains(t, "--only=prod") {
			return t
		}
		ti := transform.ParseImageTag(s.ref.Tag)
		m := 0
		fmt.Sscanf(transform.MajorVersion(ti.Version), "%d", &m)
		for _, w := range ti.Rest {
			if v, ok := msNodeMajors[w]; ok {
				m = v
			}
		}
		if m == 0 && msNodeMajors[s.ref.Tag] != 0 {
			m = msNodeMajors[s.ref.Tag]
		}
		if m > 0 && m < 16 {
			t += " --production"
		} else {
			t += " --omit=dev"
		}
	}
	return t
}
