package multistage

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/tailscale/hujson"
)

// Node: the folders a build script writes (tsc, bundlers, Angular, Nest)
// and the programs the start command needs.

// msNodeTools: what each build tool writes, and the config key that
// would move it.
var msNodeTools = map[string]struct {
	sub, out, flag string
	configs        []string
	key            string
}{
	"vite":            {"build", "dist", "--outDir", []string{"vite.config.js", "vite.config.ts", "vite.config.mjs", "vite.config.mts", "vite.config.cjs"}, "outDir"},
	"next":            {"build", ".next", "", []string{"next.config.js", "next.config.mjs", "next.config.ts", "next.config.cjs"}, "distDir"},
	"react-scripts":   {"build", "build", "", []string{".env", ".env.production", ".env.local", ".env.production.local"}, "BUILD_PATH"},
	"vue-cli-service": {"build", "dist", "--dest", []string{"vue.config.js", "vue.config.ts", "vue.config.mjs", "vue.config.cjs"}, "outputDir"},
	"gatsby":          {"build", "public", "", nil, ""},
	"parcel":          {"build", "dist", "--dist-dir", nil, ""},
	"astro":           {"build", "dist", "--outDir", []string{"astro.config.mjs", "astro.config.js", "astro.config.ts", "astro.config.mts"}, "outDir"},
}

var msNodeSkip = map[string]bool{"rimraf": true, "rm": true, "del": true, "del-cli": true, "echo": true, "eslint": true, "prettier": true, "shx": true, "mkdirp": true, "true": true}

// nodeOutDirs reads a build script and returns the folders it writes,
// relative to the package.
func (s *msSplit) nodeOutDirs(text string, pkg *msNodePkg, dir string, at, depth int) ([]string, error) {
	if depth > 4 {
		return nil, fmt.Errorf("scripts call each other too deeply")
	}
	var out []string
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '&' || r == ';' }) {
		more, err := s.nodePartOut(part, pkg, dir, at, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, more...)
	}
	var clean []string
	for _, o := range out {
		o = path.Clean(o)
		if strings.HasPrefix(o, "..") || path.IsAbs(o) || o == "." {
			return nil, fmt.Errorf("the output folder %s is outside the package", o)
		}
		if !msHas(clean, o) {
			clean = append(clean, o)
		}
	}
	return clean, nil
}

// msNodeFlag is the value of a tool's option in a script.
func msNodeFlag(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return strings.Trim(args[i+1], `"'`)
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// nodePartOut is the output folders of one command of a script.
func (s *msSplit) nodePartOut(part string, pkg *msNodePkg, dir string, at, depth int) ([]string, error) {
	f := strings.Fields(part)
	for len(f) > 0 && (strings.Contains(f[0], "=") || f[0] == "cross-env" || f[0] == "npx") {
		f = f[1:]
	}
	if len(f) == 0 {
		return nil, nil
	}
	tool, args := f[0], f[1:]
	flag := func(name string) string { return msNodeFlag(args, name) }
	switch {
	case msNodeSkip[tool]:
	case tool == "npm" || tool == "yarn" || tool == "pnpm":
		name := ""
		if len(args) > 0 {
			name = args[0]
			if (name == "run" || name == "run-script") && len(args) > 1 {
				name = args[1]
			}
		}
		if msNodeScriptClass(name) == msTool {
			return nil, nil
		}
		sub, ok := pkg.Scripts[name]
		if !ok {
			return nil, fmt.Errorf("cannot tell what `%s` writes", strings.TrimSpace(part))
		}
		return s.nodeOutDirs(sub, pkg, dir, at, depth+1)
	case tool == "tsc":
		o, err := s.tscOut(args, flag, dir, at)
		if err != nil || o == "" {
			return nil, err
		}
		return []string{o}, nil
	case tool == "nest" && len(args) > 0 && args[0] == "build":
		return s.nestOut(dir, at)
	case tool == "ng" && len(args) > 0 && args[0] == "build":
		if o := flag("--output-path"); o != "" {
			return []string{o}, nil
		}
		o, err := s.angularOut(dir, at)
		if err != nil {
			return nil, err
		}
		return []string{o}, nil
	default:
		return s.nodeToolOut(tool, args, part, dir, at)
	}
	return nil, nil
}

// nestOut is the output folder of `nest build`.
func (s *msSplit) nestOut(dir string, at int) ([]string, error) {
	if data, _, ok := s.readContext(path.Join(dir, "nest-cli.json"), at); ok && strings.Contains(string(data), "tsConfigPath") {
		return nil, fmt.Errorf("nest-cli.json chooses its tsconfig")
	}
	cfg := path.Join(dir, "tsconfig.build.json")
	if _, _, ok := s.readContext(cfg, at); !ok {
		cfg = path.Join(dir, "tsconfig.json")
	}
	o, err := s.tsOutDir(cfg, dir, at)
	if err != nil {
		return nil, err
	}
	return []string{o}, nil
}

// nodeToolOut is the output folder of a bundler of the msNodeTools table.
func (s *msSplit) nodeToolOut(tool string, args []string, part, dir string, at int) ([]string, error) {
	t, ok := msNodeTools[tool]
	if !ok || len(args) == 0 || args[0] != t.sub {
		return nil, fmt.Errorf("cannot tell where `%s` writes its output", msShort(part))
	}
	if t.flag != "" {
		if o := msNodeFlag(args, t.flag); o != "" {
			return []string{o}, nil
		}
	}
	for _, cfg := range t.configs {
		if data, _, ok := s.readContext(path.Join(dir, cfg), at); ok && (strings.Contains(string(data), t.key) || strings.Contains(string(data), "sveltekit") || strings.Contains(string(data), "remix")) {
			return nil, fmt.Errorf("%s may move the output folder", cfg)
		}
	}
	if t.key == "BUILD_PATH" {
		if _, set := s.end.args["BUILD_PATH"]; set {
			return nil, fmt.Errorf("BUILD_PATH is a build argument")
		}
		for _, pl := range s.pl {
			if _, ok := pl.env["BUILD_PATH"]; ok {
				return nil, fmt.Errorf("BUILD_PATH moves the output folder")
			}
		}
	}
	return []string{t.out}, nil
}

func (s *msSplit) angularOut(dir string, at int) (string, error) {
	data, _, ok := s.readContext(path.Join(dir, "angular.json"), at)
	if !ok {
		return "", fmt.Errorf("angular.json is not in the build context")
	}
	var ng struct {
		Projects map[string]struct {
			Architect struct {
				Build struct {
					Options struct {
						OutputPath any `json:"outputPath"`
					} `json:"options"`
				} `json:"build"`
			} `json:"architect"`
		} `json:"projects"`
	}
	if err := unmarshalJSONC(data, &ng); err != nil {
		return "", fmt.Errorf("angular.json does not parse: %v", err)
	}
	if len(ng.Projects) != 1 {
		return "", fmt.Errorf("angular.json has %d projects", len(ng.Projects))
	}
	for _, p := range ng.Projects {
		switch o := p.Architect.Build.Options.OutputPath.(type) {
		case string:
			return o, nil
		case map[string]any:
			if b, ok := o["base"].(string); ok {
				return b, nil
			}
		}
	}
	return "", fmt.Errorf("angular.json has no outputPath")
}

// unmarshalJSONC decodes JSON with comments and trailing commas
// (tsconfig.json, angular.json), as TypeScript and Angular read it.
func unmarshalJSONC(data []byte, v any) error {
	std, err := hujson.Standardize(append([]byte(nil), data...))
	if err != nil {
		return err
	}
	return json.Unmarshal(std, v)
}

// nodeCheckStart checks that what the image starts is installed by the
// production install: a devDependency is not.
func (s *msSplit) nodeCheckStart(pkg *msNodePkg, dir string, at int) error {
	st := msNodeStart{pkg: pkg, globals: s.nodeGlobals()}
	for _, pl := range s.pl {
		switch pl.ins.Cmd {
		case "cmd", "entrypoint":
			var words []string
			if pl.ins.JSON {
				words = pl.ins.Args
			} else {
				for _, a := range pl.ins.Args {
					words = append(words, strings.Fields(a)...)
				}
			}
			if err := st.check(words, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// nodeGlobals are the packages the stage installs globally.
func (s *msSplit) nodeGlobals() map[string]bool {
	globals := map[string]bool{}
	for _, pl := range s.pl {
		for _, c := range pl.cmds {
			if msNodeClass(c) == msGlobal {
				_, pos, _ := msNodeArgs(c)
				for _, p := range pos {
					name := p
					if i := strings.LastIndex(p, "@"); i > 0 {
						name = p[:i]
					}
					globals[name] = true
				}
			}
		}
	}
	return globals
}

// msNodeStart checks the programs a start command runs, through the
// package's scripts.
type msNodeStart struct {
	pkg     *msNodePkg
	globals map[string]bool
}

func (st msNodeStart) check(words []string, depth int) error {
	pkg := st.pkg
	for len(words) > 0 && (strings.Contains(words[0], "=") || words[0] == "cross-env" || words[0] == "exec") {
		words = words[1:]
	}
	if len(words) == 0 || depth > 4 {
		return nil
	}
	prog := words[0]
	switch prog {
	case "node", "nodejs", "sh", "bash", "/bin/sh", "/bin/bash", "dumb-init", "tini", "/sbin/tini", "/usr/bin/dumb-init", "docker-entrypoint.sh":
		return nil
	case "npm", "yarn", "pnpm":
		return st.checkScript(words, depth)
	case "npx":
		if len(words) > 1 {
			prog = words[1]
		}
	}
	if strings.Contains(prog, "/") || st.globals[prog] {
		return nil
	}
	_, dep := pkg.Dependencies[prog]
	_, opt := pkg.OptionalDependencies[prog]
	_, dev := pkg.DevDependencies[prog]
	if dev && !dep && !opt {
		return fmt.Errorf("the image starts `%s`, a devDependency the production install leaves out", prog)
	}
	return nil
}

// checkScript checks the commands of the script `npm run NAME` runs.
func (st msNodeStart) checkScript(words []string, depth int) error {
	pkg := st.pkg
	name := ""
	for _, w := range words[1:] {
		if !strings.HasPrefix(w, "-") {
			name = w
			if name != "run" && name != "run-script" {
				break
			}
		}
	}
	if name == "start" && pkg.Scripts["start"] == "" {
		return nil // npm start runs node server.js
	}
	text, ok := pkg.Scripts[name]
	if !ok {
		return nil
	}
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == '&' || r == ';' || r == '|' }) {
		if err := st.check(strings.Fields(part), depth+1); err != nil {
			return err
		}
	}
	return nil
}
