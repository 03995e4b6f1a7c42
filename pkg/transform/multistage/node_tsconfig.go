package multistage

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

// Where tsc writes, by its own rules:
//   - `--outDir` on the command line is relative to the folder tsc runs in;
//   - `-p`/`--project` names a tsconfig file or a folder holding
//     tsconfig.json; without it tsc reads tsconfig.json in its folder;
//   - `compilerOptions.outDir` is relative to the folder of the tsconfig
//     file that sets it, also when another file inherits it through
//     `extends` (a relative path; a package name is resolved in
//     node_modules, which dfopt does not read); the last of an `extends`
//     list wins, and the file's own setting wins over all;
//   - without an outDir, tsc writes each .js beside its source: there is
//     no folder to copy;
//   - `rootDir` decides the layout inside outDir, not where outDir is:
//     copying the whole folder keeps it;
//   - `tsc -b` also builds the projects a tsconfig references, each into
//     its own outDir: not followed.

// tsConfig is what the split reads of a tsconfig file and its bases.
type tsConfig struct {
	outDir     string // absolute in the builder; "" when unset
	references bool
}

// tscOut returns the folder a tsc command line writes, relative to the
// package folder dir ("" when it writes nothing).
func (s *msSplit) tscOut(args []string, flag func(string) string, dir string, at int) (string, error) {
	if msHas(args, "--noEmit") {
		return "", nil
	}
	build := msHas(args, "-b") || msHas(args, "--build")
	if o := flag("--outDir"); o != "" && !build {
		return o, nil
	}
	project := msOr(flag("-p"), flag("--project"))
	if build {
		for _, a := range args {
			if !strings.HasPrefix(a, "-") {
				if project != "" {
					return "", fmt.Errorf("`tsc -b` builds several projects")
				}
				project = a
			}
		}
	}
	cfg := s.tsProject(dir, msOr(project, "."), at)
	ts, err := s.tsLoad(cfg, at, 0)
	if err != nil {
		return "", err
	}
	if build && ts.references {
		return "", fmt.Errorf("`tsc -b` also builds the projects %s references", s.tsName(cfg, dir))
	}
	return s.tsOutRel(ts, cfg, dir)
}

// tsOutDir returns the outDir of a tsconfig file, relative to dir.
func (s *msSplit) tsOutDir(cfg, dir string, at int) (string, error) {
	ts, err := s.tsLoad(cfg, at, 0)
	if err != nil {
		return "", err
	}
	return s.tsOutRel(ts, cfg, dir)
}

func (s *msSplit) tsOutRel(ts tsConfig, cfg, dir string) (string, error) {
	if ts.outDir == "" {
		return "", fmt.Errorf("%s has no outDir: tsc writes beside the sources", s.tsName(cfg, dir))
	}
	rel, ok := msRel(dir, ts.outDir)
	if !ok {
		return "", fmt.Errorf("the output folder %s is outside the package", ts.outDir)
	}
	return rel, nil
}

// tsName names a tsconfig file in messages, relative to the package.
func (s *msSplit) tsName(cfg, dir string) string {
	if rel, ok := msRel(dir, cfg); ok {
		return rel
	}
	return cfg
}

// tsProject is the tsconfig file a -p argument names.
func (s *msSplit) tsProject(dir, p string, at int) string {
	abs := msResolve(dir, p)
	if strings.HasSuffix(abs, ".json") {
		return abs
	}
	if _, _, ok := s.readContext(abs, at); ok {
		return abs
	}
	return path.Join(abs, "tsconfig.json")
}

// tsLoad reads a tsconfig file and the files it extends.
func (s *msSplit) tsLoad(cfg string, at, depth int) (tsConfig, error) {
	if depth > 8 {
		return tsConfig{}, fmt.Errorf("%s extends too deeply", path.Base(cfg))
	}
	data, _, ok := s.readContext(cfg, at)
	if !ok {
		return tsConfig{}, fmt.Errorf("%s is not in the build context", path.Base(cfg))
	}
	var raw struct {
		Extends         json.RawMessage `json:"extends"`
		CompilerOptions struct {
			OutDir *string `json:"outDir"`
		} `json:"compilerOptions"`
		References []json.RawMessage `json:"references"`
	}
	if err := unmarshalJSONC(data, &raw); err != nil {
		return tsConfig{}, fmt.Errorf("%s does not parse: %v", path.Base(cfg), err)
	}
	var bases []string
	if len(raw.Extends) > 0 && json.Unmarshal(raw.Extends, &bases) != nil {
		var one string
		if err := json.Unmarshal(raw.Extends, &one); err != nil {
			return tsConfig{}, fmt.Errorf("%s: extends is neither a path nor a list of paths", path.Base(cfg))
		}
		bases = []string{one}
	}
	out := tsConfig{references: len(raw.References) > 0}
	if o := raw.CompilerOptions.OutDir; o != nil {
		if *o != "" {
			out.outDir = msResolve(path.Dir(cfg), *o)
		}
		return out, nil // its own setting wins over its bases'
	}
	for _, b := range bases {
		if !strings.HasPrefix(b, "./") && !strings.HasPrefix(b, "../") && !path.IsAbs(b) {
			return tsConfig{}, fmt.Errorf("%s extends %s, a package dfopt cannot read", path.Base(cfg), b)
		}
		p := path.Join(path.Dir(cfg), b)
		if _, _, ok := s.readContext(p, at); !ok && !strings.HasSuffix(p, ".json") {
			p += ".json"
		}
		base, err := s.tsLoad(p, at, depth+1)
		if err != nil {
			return tsConfig{}, err
		}
		if base.outDir != "" {
			out.outDir = base.outDir
		}
	}
	return out, nil
}
