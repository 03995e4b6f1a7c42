package multistage

import (
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// .NET's row of the multi-stage table: `dotnet publish`, its output
// folder, and the aspnet/runtime/runtime-deps image.

func msDotnetImage(r transform.ImageRef) bool {
	p := r.Repository()
	return p == "mcr.microsoft.com/dotnet/sdk" || p == "mcr.microsoft.com/dotnet/core/sdk" || p == "microsoft/dotnet" && strings.Contains(r.Tag, "sdk")
}

func msDotnetRuntime(s *msSplit) (string, error) {
	if s.ref.Vars {
		return "", errors.New("the SDK image reference uses build arguments")
	}
	if s.lang.dotnetKind == "" {
		return "", errors.New("the project file that says whether this is a web app is not in the build context")
	}
	repo := s.ref.Repository()
	if strings.HasPrefix(repo, "microsoft/") {
		return "", errors.New("the microsoft/dotnet images are retired")
	}
	base := strings.TrimSuffix(repo, "sdk") + s.lang.dotnetKind
	tag := s.ref.Tag
	if tag == "" {
		return base, nil
	}
	words := strings.Split(tag, "-")
	if v := words[0]; strings.Count(v, ".") == 2 {
		// An SDK version (8.0.100) is not a runtime version: keep 8.0.
		words[0] = v[:strings.LastIndexByte(v, '.')]
	}
	if transform.ParseImageTag(tag).OS == "windows" {
		return "", errors.New("images for Windows are not supported")
	}
	return base + ":" + strings.Join(words, "-"), nil
}

func msDotnetClass(c *msCmd) msClass {
	if c.name() != "dotnet" {
		return msUnknown
	}
	switch c.arg(1) {
	case "publish":
		return msBuild
	case "restore":
		return msDeps
	case "build", "test", "--info", "--version", "--list-sdks", "nuget", "dev-certs", "workload", "format":
		return msTool
	case "tool":
		if c.arg(2) == "restore" {
			return msDeps
		}
	}
	return msUnknown
}

func msDotnetArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	if dir == "" {
		return nil, fmt.Errorf("cannot tell the folder dotnet runs in")
	}
	out, project, selfContained, err := msParseDotnetPublish(c, dir)
	if err != nil {
		return nil, err
	}
	if out == "" {
		return nil, fmt.Errorf("`dotnet publish` has no -o: the output folder depends on the target framework")
	}
	if selfContained {
		s.lang.dotnetKind = "runtime-deps"
		return []msArtifact{{Path: out}}, nil
	}
	if s.option("runtime-image.dotnet") != "" {
		return []msArtifact{{Path: out}}, nil
	}
	at := msIndexOf(s.pl, c.ins)
	proj, err := s.dotnetProject(dir, project, at)
	if err != nil {
		return nil, err
	}
	data, _, ok := s.readContext(proj, at)
	if !ok {
		return nil, fmt.Errorf("the project file is not in the build context: cannot choose between aspnet and runtime")
	}
	kind, err := msDotnetKind(proj, data)
	if err != nil {
		return nil, err
	}
	if s.lang.dotnetKind != "" && s.lang.dotnetKind != kind {
		return nil, fmt.Errorf("the projects need different runtime images")
	}
	s.lang.dotnetKind = kind
	return []msArtifact{{Path: out}}, nil
}

// msParseDotnetPublish reads the options of `dotnet publish`: the output
// folder, the project and whether the app is self-contained.
func msParseDotnetPublish(c *msCmd, dir string) (out, project string, selfContained bool, err error) {
	for i := 2; i < len(c.words); i++ {
		w := c.words[i].Value
		name, val, hasVal := strings.Cut(w, "=")
		if !hasVal {
			name, val, hasVal = strings.Cut(w, ":")
			if !strings.HasPrefix(w, "-") || strings.HasPrefix(w, "-p:") || strings.HasPrefix(w, "/p:") {
				name, val, hasVal = w, "", false
			}
		}
		lower := strings.ToLower(name)
		switch {
		case lower == "-o" || lower == "--output":
			if !hasVal {
				i++
				val = c.arg(i)
			}
			if val == "" {
				return "", "", false, fmt.Errorf("the output folder is not literal")
			}
			out = msResolve(dir, val)
		case lower == "--self-contained" || lower == "--sc":
			next := strings.ToLower(c.arg(i + 1))
			if hasVal {
				next = strings.ToLower(val)
			} else if next == "true" || next == "false" {
				i++
			} else {
				next = "true"
			}
			selfContained = next == "true"
		case strings.HasPrefix(lower, "-p:") || strings.HasPrefix(lower, "/p:") || strings.HasPrefix(lower, "--property:"):
			prop := strings.ToLower(w[strings.Index(w, ":")+1:])
			if prop == "publishselfcontained=true" || prop == "publishaot=true" || prop == "selfcontained=true" {
				selfContained = true
			}
		case lower == "-c" || lower == "--configuration" || lower == "-r" || lower == "--runtime" || lower == "-f" || lower == "--framework" || lower == "-v" || lower == "--verbosity" || lower == "-a" || lower == "--arch" || lower == "--os" || lower == "--version-suffix":
			if !hasVal {
				i++
			}
		case strings.HasPrefix(lower, "-"):
			// --no-restore, --no-build, --nologo, -p:… and the like
		default:
			if project != "" {
				return "", "", false, fmt.Errorf("several projects")
			}
			project = w
		}
	}
	return out, project, selfContained, nil
}

// dotnetProject finds the project file `dotnet publish` builds.
func (s *msSplit) dotnetProject(dir, project string, at int) (string, error) {
	proj := ""
	switch {
	case strings.HasSuffix(project, "proj"):
		proj = msResolve(dir, project)
	case strings.HasSuffix(project, ".sln") || strings.HasSuffix(project, ".slnx"):
		return "", fmt.Errorf("publishing a solution: dfopt cannot tell which project is the app")
	default:
		folder := dir
		if project != "" {
			folder = msResolve(dir, project)
		}
		rel, ok := s.contextPath(folder, at)
		if !ok {
			return "", fmt.Errorf("the project file is not in the build context: cannot choose between aspnet and runtime")
		}
		entries, _ := s.p.Context.Disk().ReadDir(filepath.Join(s.p.Context.Dir, filepath.FromSlash(rel)))
		for _, e := range entries {
			n := e.Name()
			if strings.HasSuffix(n, ".sln") || strings.HasSuffix(n, ".slnx") {
				return "", fmt.Errorf("%s has a solution file: dfopt cannot tell which project is the app", folder)
			}
			if strings.HasSuffix(n, ".csproj") || strings.HasSuffix(n, ".fsproj") || strings.HasSuffix(n, ".vbproj") {
				if proj != "" {
					return "", fmt.Errorf("%s has several projects", folder)
				}
				proj = path.Join(folder, n)
			}
		}
	}
	return proj, nil
}

// msDotnetKind reads a project file's SDK: the runtime image it needs,
// aspnet or runtime.
func msDotnetKind(proj string, data []byte) (string, error) {
	var p struct {
		Sdk   string `xml:"Sdk,attr"`
		Items []struct {
			Refs []struct {
				Include string `xml:"Include,attr"`
			} `xml:"FrameworkReference"`
		} `xml:"ItemGroup"`
	}
	if err := xml.Unmarshal(data, &p); err != nil {
		return "", fmt.Errorf("%s does not parse: %v", path.Base(proj), err)
	}
	kind := ""
	switch strings.SplitN(p.Sdk, "/", 2)[0] {
	case "Microsoft.NET.Sdk.Web", "Microsoft.NET.Sdk.Razor", "Microsoft.NET.Sdk.BlazorWebAssembly":
		kind = "aspnet"
	case "Microsoft.NET.Sdk", "Microsoft.NET.Sdk.Worker":
		kind = "runtime"
		for _, it := range p.Items {
			for _, r := range it.Refs {
				if r.Include == "Microsoft.AspNetCore.App" {
					kind = "aspnet"
				}
			}
		}
	default:
		return "", fmt.Errorf("%s uses the SDK %q, which dfopt does not know", path.Base(proj), p.Sdk)
	}
	return kind, nil
}
