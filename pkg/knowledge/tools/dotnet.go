package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// dotnet: project and solution files, `dotnet restore` first, the NuGet
// packages folder.
var dotnet *Tool

func init() {
	dotnet = Register(&Tool{
		Name: "dotnet", Family: "dotnet", Rank: 150,
		Progs: []string{"dotnet"},
		Command: Spec{
			Valued: []string{"-c", "--configuration", "-r", "--runtime", "-o", "--output", "-f", "--framework",
				"-s", "--source", "--configfile", "-a", "--arch", "--os", "-v", "--verbosity", "--version-suffix",
				"--packages", "-p", "--property", "--ucr", "--lockfile-path", "--artifacts-path", "--logger",
				"-l", "--filter", "--settings", "-bl"},
			Deps:  []string{"restore", "add", "tool"},
			Build: []string{"build", "publish", "test", "pack", "msbuild"},
			Uses:  []string{"restore", "build", "publish", "test", "pack", "run", "tool", "add", "ef", "watch", "msbuild"},
			Uses2: map[string][]string{"tool": {"install", "restore", "update"}, "add": {"package"}},
		},
		Patterns: []string{".csproj", ".fsproj", ".vbproj"},
		Hoist: &Hoist{
			Optional: []string{"global.json"},
			DepsOnly: "`dotnet restore`, then the original",
			Source:   "MSBuild imports of other files",
			Match:    matchDotnet,
			Extra:    dotnetProjects,
		},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: []string{"$NUGET_PACKAGES", "~/.nuget/packages"}, Store: true}},
			Clean:   nugetClean,
			Runtime: []string{"dotnet"},
			// Whether `dotnet nuget locals --clear` keeps the folder is unknown.
			Empties: EmptiesFirst,
		},
		Writes: []*Write{{
			Command: "dotnet restore",
			Writes:  "obj/ (project.assets.json, *.nuget.*), packages.lock.json with RestorePackagesWithLockFile",
			Hoist:   "runs again after the COPY",
		}},
	})
}

// nugetClean is `dotnet nuget locals … --clear`.
func nugetClean(inv Inv) bool {
	sub := inv.Sub()
	if len(sub) < 2 || sub[0] != "nuget" || sub[1] != "locals" {
		return false
	}
	for _, a := range inv.Args() {
		if a == "--clear" || a == "-c" {
			return true
		}
	}
	return false
}

func matchDotnet(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	switch sub {
	case "restore", "build", "publish", "test", "pack", "run":
	default:
		return nil
	}
	cl := dotnet.Command.Parse(args, si+1)
	if cl.Has("--no-restore") {
		return nil
	}
	in := &Install{}
	proj := -1
	for _, p := range cl.Pos {
		v, ok := litWord(args[p])
		if !ok {
			return &Install{Source: "the project is not named literally"}
		}
		if strings.HasPrefix(v, "/p:") || strings.HasPrefix(v, "-p:") || strings.HasPrefix(v, "/property:") {
			continue
		}
		if proj >= 0 {
			return nil
		}
		proj = p
		in.Named = append(in.Named, strings.ReplaceAll(v, `\`, "/"))
	}
	if sub == "restore" {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string {
		s := t.UpTo(0) + " restore"
		if proj >= 0 {
			s += " " + t.Word(proj)
		}
		s += Carried(t, cl, func(n string) bool {
			switch n {
			case "-r", "--runtime", "-s", "--source", "--configfile", "-p", "--property", "--packages", "-a", "--arch", "--os",
				"--disable-parallel", "--no-cache", "--use-current-runtime", "--ucr", "--locked-mode", "--force-evaluate", "--sc", "--self-contained":
				return true
			}
			return strings.HasPrefix(n, "-p:") || strings.HasPrefix(n, "--property:")
		})
		for _, p := range cl.Pos {
			if v, _ := litWord(args[p]); strings.HasPrefix(v, "/p:") || strings.HasPrefix(v, "-p:") || strings.HasPrefix(v, "/property:") {
				s += " " + t.Word(p)
			}
		}
		return s
	}
	return in
}

var (
	slnProject = regexp.MustCompile(`(?m)^Project\([^)]*\)\s*=\s*"[^"]*",\s*"([^"]+\.(?:cs|fs|vb)proj)"`)
	slnxProj   = regexp.MustCompile(`<Project\s+Path="([^"]+)"`)
	projRef    = regexp.MustCompile(`<ProjectReference\s+Include="([^"]+)"`)
	msbImport  = regexp.MustCompile(`<Import\s+Project="([^"]+)"`)
)

// dotnetStart is the project or solution a restore starts from: the
// named one, or the only one in the (named) folder.
func dotnetStart(v Context, in *Install, dir string) (string, string) {
	var start string
	if len(in.Named) > 0 {
		start = in.Named[0]
		if !strings.Contains(path.Base(start), ".") {
			dir, start = start, "" // a folder
		}
	}
	if start != "" {
		return start, ""
	}
	var found []string
	for _, n := range v.ListAll(dir) {
		switch strings.ToLower(path.Ext(n)) {
		case ".sln", ".slnx", ".csproj", ".fsproj", ".vbproj":
			found = append(found, path.Join(dir, n))
		}
	}
	if len(found) != 1 {
		if len(found) == 0 {
			return "", "no project or solution file in " + DisplayDir(dir)
		}
		return "", "several project or solution files in " + DisplayDir(dir)
	}
	return found[0], v.Need(found[0])
}

// dotnetProjects finds the project files a restore reads: the named or
// discovered project or solution, the projects it references, and the
// MSBuild and NuGet files above each of them.
func dotnetProjects(v Context, in *Install, dir string) ([]string, string) {
	if !v.Present() {
		return nil, NoContext
	}
	start, why := dotnetStart(v, in, dir)
	if why != "" {
		return nil, why
	}
	var files []string
	seen := map[string]bool{}
	var queue []string
	add := func(rel string) string {
		rel = CleanPath(rel)
		if seen[rel] {
			return ""
		}
		seen[rel] = true
		if why := v.Need(rel); why != "" {
			return why
		}
		files = append(files, rel)
		queue = append(queue, rel)
		return ""
	}
	if why := add(start); why != "" {
		return nil, why
	}
	for len(queue) > 0 {
		f := queue[0]
		queue = queue[1:]
		refs, why := dotnetRefs(v, f)
		for _, r := range refs {
			if why := add(r.path); why != "" && !r.optional {
				return nil, why
			}
		}
		if why != "" {
			return nil, why
		}
	}
	return files, ""
}

// dotnetRef is a file a project, solution or MSBuild file brings in.
type dotnetRef struct {
	path     string
	optional bool // read when present (packages.lock.json)
}

// dotnetRefs returns the files f refers to, in the order MSBuild reads
// them, and why the restore needs the whole source ("" when it does not).
func dotnetRefs(v Context, f string) ([]dotnetRef, string) {
	text := v.Read(f)
	base := path.Dir(f)
	var refs []dotnetRef
	addAll := func(re *regexp.Regexp) {
		for _, m := range re.FindAllStringSubmatch(text, -1) {
			refs = append(refs, dotnetRef{path: path.Join(base, strings.ReplaceAll(m[1], `\`, "/"))})
		}
	}
	why := ""
	switch ext := strings.ToLower(path.Ext(f)); ext {
	case ".sln":
		addAll(slnProject)
	case ".slnx":
		addAll(slnxProj)
	default:
		addAll(projRef)
		for _, m := range msbImport.FindAllStringSubmatch(text, -1) {
			if !strings.Contains(m[1], "GetPathOfFileAbove") && !strings.Contains(m[1], "GetDirectoryNameOfFileAbove") {
				return refs, f + " imports " + m[1]
			}
		}
		if ext != ".props" && ext != ".targets" {
			if p := path.Join(base, "packages.lock.json"); v.Exists(p) {
				refs = append(refs, dotnetRef{path: p, optional: true})
			}
			if v.Exists(path.Join(base, "obj")) {
				why = DisplayDir(path.Join(base, "obj")) + " is in the build context and would overwrite the restored packages"
			}
		}
	}
	if why != "" {
		return refs, why
	}
	return append(refs, dotnetAbove(v, base)...), ""
}

// dotnetAbove returns the files MSBuild and NuGet look for upwards from a
// project's folder (within the copied folder: nothing above it is in the
// image).
func dotnetAbove(v Context, base string) []dotnetRef {
	var refs []dotnetRef
	for d := base; v.Under(d); d = path.Dir(d) {
		for _, n := range v.List(d) {
			switch strings.ToLower(n) {
			case "directory.build.props", "directory.build.targets", "directory.packages.props", "nuget.config":
				refs = append(refs, dotnetRef{path: path.Join(d, n)})
			}
		}
		if d == "." || d == "" || d == "/" {
			break
		}
	}
	return refs
}
