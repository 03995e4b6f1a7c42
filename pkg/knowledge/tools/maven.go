package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maven: pom.xml, `dependency:go-offline` first, the local repository
// ~/.m2/repository.
var maven *Tool

func init() {
	maven = Register(&Tool{
		Name: "maven", Family: "maven/gradle", Rank: 110,
		Progs:   []string{"mvn", "mvnw"},
		Secrets: &Secrets{Files: []SecretFile{{Name: "settings.xml", Marker: xmlPassword}}},
		Command: Spec{
			Valued: []string{"-f", "--file", "-s", "--settings", "-gs", "--global-settings", "-P",
				"--activate-profiles", "-pl", "--projects", "-T", "--threads", "-l", "--log-file",
				"-t", "--toolchains", "-rf", "--resume-from", "-D", "-b", "--builder"},
			Goal: func(g string) Kind {
				if strings.HasPrefix(g, "dependency:") {
					return KindDeps
				}
				return KindBuild
			},
		},
		Dockerignore: &Dockerignore{Entry: "maven", Goals: []string{"package", "install", "verify", "compile", "test"}},
		Hoist: &Hoist{
			Required:    []string{"pom.xml"},
			Optional:    []string{".mvn"},
			DepsOnly:    "`mvn -B dependency:go-offline`, then the original",
			Source:      "multi-module builds, a local parent POM",
			Match:       matchMaven,
			NeedsSource: mavenSource,
			Fetch:       jvmFetch,
		},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: []string{"~/.m2/repository"}, Flags: []string{"-Dmaven.repo.local="}, EnvFlags: []string{"MAVEN_OPTS", "MAVEN_ARGS"}, Store: true}},
			Sharing: "locked",
			// java too: a classpath built by dependency:build-classpath points
			// into the local repository.
			Runtime: []string{"mvn", "mvnw", "make", "java"},
		},
		Writes: []*Write{jvmBuild},
	})
}

// jvmBuild is what Maven and Gradle builds write.
var jvmBuild = &Write{
	Command: "mvn / gradle",
	Writes:  "target/ or build/ and .gradle/ in the project; the dependencies go to ~/.m2 or ~/.gradle",
	Hoist:   "`dependency:go-offline` / `dependencies` before, the original again after the COPY",
}

// jvmFetch: Maven and Gradle resolve dependencies into the user's home only.
var jvmFetch = &Fetch{Why: "Maven and Gradle resolve dependencies only into the user's home (~/.m2, ~/.gradle): there is no " +
	"dependency install into the project to put there instead"}

func matchMaven(name string, args []*syntax.Word) *Install {
	cl := maven.Command.Parse(args, 1)
	goals := 0
	offline := true
	for _, p := range cl.Pos {
		v, ok := litWord(args[p])
		if !ok {
			return nil
		}
		goals++
		if v != "dependency:go-offline" && v != "dependency:resolve" && v != "dependency:resolve-plugins" {
			offline = false
		}
	}
	if goals == 0 {
		return nil
	}
	in := mavenFiles(name, cl)
	if in.Source != "" {
		return in
	}
	if offline {
		in.Same, in.Dep, in.Fetch = true, Same, true
		return in
	}
	batch := cl.Has("-B", "--batch-mode")
	in.Dep = func(t Text) string {
		s := t.UpTo(0)
		if !batch {
			s += " -B"
		}
		s += Carried(t, cl, func(n string) bool {
			switch n {
			case "-f", "--file", "-P", "--activate-profiles", "-D", "-U", "-B", "--batch-mode", "-q", "--quiet",
				"-e", "-ntp", "--no-transfer-progress", "-s", "--settings", "-gs", "--global-settings", "-o", "--offline", "-T", "--threads":
				return true
			}
			return strings.HasPrefix(n, "-D") || strings.HasPrefix(n, "-P")
		})
		return s + " dependency:go-offline"
	}
	return in
}

// mavenFiles reads the project folder and the files the command names.
func mavenFiles(name string, cl Line) *Install {
	in := &Install{}
	if cl.Has("-pl", "--projects", "-rf", "--resume-from") {
		return &Install{Source: "the build selects modules of a multi-module project"}
	}
	if o, ok := cl.Get("-f", "--file"); ok {
		if !o.Lit {
			return &Install{Source: "the POM is not named literally"}
		}
		in.Dir = path.Dir(o.Value)
		if path.Base(o.Value) != "pom.xml" {
			return &Install{Source: "the build uses " + o.Value}
		}
	}
	if o, ok := cl.Get("-s", "--settings", "-gs", "--global-settings"); ok {
		if !o.Lit {
			return &Install{Source: "the settings file is not named literally"}
		}
		if !strings.HasPrefix(o.Value, "/") {
			in.Named = append(in.Named, o.Value)
		}
	}
	if name == "mvnw" {
		in.Named = append(in.Named, "mvnw")
	}
	return in
}

var mavenModules = regexp.MustCompile(`<modules>|<relativePath>\s*[^<\s]`)

func mavenSource(v Context, _ *Install, dir string) string {
	pom := v.Read(path.Join(dir, "pom.xml"))
	if m := mavenModules.FindString(pom); m != "" {
		if m == "<modules>" {
			return "pom.xml is a multi-module build"
		}
		return "pom.xml inherits a parent POM from the source (`<relativePath>`)"
	}
	if strings.Contains(pom, "<parent>") && v.Exists(path.Join(dir, "..", "pom.xml")) && dir != "" && dir != "." {
		return "pom.xml inherits the parent POM beside it"
	}
	return ""
}
