package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// sbt (Scala): build.sbt and project/, `sbt update` first, the Ivy,
// Coursier and sbt caches.
var sbt *Tool

func init() {
	sbt = Register(&Tool{
		Name: "sbt", Family: "sbt", Rank: 125,
		Progs: []string{"sbt"},
		Command: Spec{
			Valued: []string{"-mem", "--mem", "-sbt-version", "--sbt-version", "-sbt-jar", "--sbt-jar", "-sbt-dir", "--sbt-dir",
				"-sbt-boot", "--sbt-boot", "-ivy", "--ivy", "-java-home", "--java-home", "-jvm-debug", "--jvm-debug"},
			Goal: func(cmd string) Kind {
				if sbtUpdates[cmd] {
					return KindDeps
				}
				return KindBuild
			},
			Skip: []string{"help", "about"},
		},
		Dockerignore: &Dockerignore{Entry: "maven", Goals: []string{"compile", "package", "stage", "assembly", "test", "dist",
			"Universal/packageBin", "universal:packageBin", "Docker/stage", "docker:stage"}},
		Hoist: &Hoist{
			Required:    []string{"build.sbt"},
			Optional:    []string{"project/build.properties", "project/plugins.sbt", ".sbtopts", ".jvmopts"},
			Outputs:     []string{"target", "project/target", "project/project"},
			DepsOnly:    "`sbt update`, then the original",
			Source:      "multi-project builds (`dependsOn`, `aggregate`, `file(…)`), build definitions in project/*.scala",
			Match:       matchSbt,
			NeedsSource: sbtSource,
		},
		Cache: &Cache{
			Dirs: []CacheDir{
				{Dirs: []string{"~/.ivy2/cache"}, Flags: []string{"-Dsbt.ivy.home=", "-ivy", "--ivy"}, FlagSub: "cache", EnvFlags: []string{"SBT_OPTS", "JAVA_OPTS"}, Store: true},
				{Dirs: []string{"$COURSIER_CACHE", "$XDG_CACHE_HOME/coursier", "~/.cache/coursier"}, Store: true},
				{Dirs: []string{"~/.sbt"}, Flags: []string{"-Dsbt.global.base=", "-sbt-dir", "--sbt-dir"}, EnvFlags: []string{"SBT_OPTS", "JAVA_OPTS"}, Store: true},
			},
			Sharing: "locked",
			// java too: a classpath sbt exported may point into the caches.
			Runtime: []string{"sbt", "make", "java"},
		},
		Writes: []*Write{{
			Command: "sbt",
			Writes:  "target/, project/target/ and project/project/ in the project; the dependencies go to ~/.cache/coursier (or ~/.ivy2/cache) and sbt itself to ~/.sbt",
			Hoist:   "`sbt update` before, the original again after the COPY",
		}},
	})
}

// sbtUpdates are the commands that only resolve and download.
var sbtUpdates = Set("update", "updateClassifiers", "updateSbtClassifiers")

func matchSbt(_ string, args []*syntax.Word) *Install {
	cl := sbt.Command.Parse(args, 1)
	cmds := 0
	deps := true
	for _, p := range cl.Pos {
		v, ok := litWord(args[p])
		if !ok {
			return nil
		}
		if strings.HasPrefix(v, "project ") || strings.HasPrefix(v, "; project") {
			return &Install{Source: "the build switches to a subproject (`" + v + "`)"}
		}
		cmds++
		if !sbtUpdates[v] {
			deps = false
		}
	}
	if cmds == 0 {
		return nil // the interactive shell
	}
	if cl.Has("-sbt-dir", "--sbt-dir", "-ivy", "--ivy") {
		return &Install{Source: "the build names its own sbt or Ivy folder"}
	}
	in := &Install{}
	if deps {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string {
		return t.UpTo(0) + Carried(t, cl, func(n string) bool {
			return strings.HasPrefix(n, "-D") || strings.HasPrefix(n, "-J") || n == "-batch" || n == "--batch" ||
				n == "-mem" || n == "--mem" || n == "-sbt-version" || n == "--sbt-version" || n == "-java-home" || n == "--java-home"
		}) + " update"
	}
	return in
}

var (
	sbtMulti = regexp.MustCompile(`\b(dependsOn|aggregate|ProjectRef|RootProject)\b`)
	sbtFile  = regexp.MustCompile(`\bfile\(\s*"([^"]*)"\s*\)`)
)

// sbtSource: subprojects and build definitions beyond the hoisted files.
func sbtSource(v Context, _ *Install, dir string) string {
	build := v.Read(path.Join(dir, "build.sbt"))
	if m := sbtMulti.FindString(build); m != "" {
		return "build.sbt is a multi-project build (`" + m + "`)"
	}
	for _, m := range sbtFile.FindAllStringSubmatch(build, -1) {
		if m[1] != "." && m[1] != "./" {
			return "build.sbt uses the folder " + m[1] + " (`" + m[0] + "`)"
		}
	}
	for _, n := range v.List(path.Join(dir, "project")) {
		switch n {
		case "build.properties", "plugins.sbt", "target", "project":
		default:
			if strings.HasSuffix(n, ".scala") || strings.HasSuffix(n, ".sbt") || v.IsDir(path.Join(dir, "project", n)) {
				return "project/" + n + " is part of the build definition"
			}
		}
	}
	return ""
}
