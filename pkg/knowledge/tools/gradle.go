package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// gradle: build.gradle(.kts) and settings, `gradle dependencies` first,
// the caches under ~/.gradle.
var gradle *Tool

func init() {
	gradle = Register(&Tool{
		Name: "gradle", Family: "maven/gradle", Rank: 120,
		Progs: []string{"gradle", "gradlew"},
		Command: Spec{
			Valued: []string{"-p", "--project-dir", "-b", "--build-file", "-c", "--settings-file", "-x", "--exclude-task",
				"-D", "-P", "-I", "--init-script", "--console", "-g", "--gradle-user-home", "--max-workers", "--warning-mode",
				"--priority", "--project-cache-dir"},
			Goal: func(task string) Kind {
				if task == "dependencies" || task == "androidDependencies" {
					return KindDeps
				}
				return KindBuild
			},
		},
		Hoist: &Hoist{
			Required:    []string{"build.gradle|build.gradle.kts"},
			Optional:    []string{"settings.gradle", "settings.gradle.kts", "gradle.properties", "gradle"},
			Outputs:     []string{".gradle"},
			DepsOnly:    "`gradle dependencies` / `./gradlew dependencies`, then the original",
			Source:      "multi-project builds (`include`), buildSrc, `apply from:` scripts",
			Match:       matchGradle,
			NeedsSource: gradleSource,
			Fetch:       jvmFetch,
		},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: []string{"$GRADLE_USER_HOME/caches", "~/.gradle/caches"}, Flags: []string{"-g", "--gradle-user-home", "-Dgradle.user.home="}, FlagSub: "caches", EnvFlags: []string{"GRADLE_OPTS"}, Store: true}},
			Runtime: []string{"gradle", "gradlew", "make", "java"},
		},
		Writes: []*Write{jvmBuild},
	})
}

func matchGradle(name string, args []*syntax.Word) *Install {
	cl := gradle.Command.Parse(args, 1)
	tasks := 0
	deps := true
	for _, p := range cl.Pos {
		v, ok := litWord(args[p])
		if !ok {
			return nil
		}
		tasks++
		if v != "dependencies" {
			deps = false
		}
	}
	if tasks == 0 {
		return nil
	}
	if cl.Has("-b", "--build-file", "-c", "--settings-file", "-I", "--init-script") {
		return &Install{Source: "the build names other build or init scripts"}
	}
	in := &Install{}
	if !ProjectDir(in, cl, "-p", "--project-dir") {
		return &Install{Source: in.Source}
	}
	if name == "gradlew" {
		in.Named = append(in.Named, "gradlew")
	}
	if deps {
		in.Same, in.Dep, in.Fetch = true, Same, true
		return in
	}
	in.Dep = func(t Text) string {
		return t.UpTo(0) + Carried(t, cl, func(n string) bool {
			switch n {
			case "--no-daemon", "--offline", "-q", "--quiet", "--console", "-g", "--gradle-user-home", "-p", "--project-dir", "-D", "-P", "--refresh-dependencies", "-i", "--info", "-s", "--stacktrace":
				return true
			}
			return strings.HasPrefix(n, "-D") || strings.HasPrefix(n, "-P")
		}) + " dependencies"
	}
	return in
}

var gradleInclude = regexp.MustCompile(`(?m)^\s*(include|includeBuild|includeFlat)\b|\bapply\s*\(?\s*from\b`)

func gradleSource(v Context, _ *Install, dir string) string {
	for _, f := range []string{"settings.gradle", "settings.gradle.kts", "build.gradle", "build.gradle.kts"} {
		if m := gradleInclude.FindString(v.Read(path.Join(dir, f))); m != "" {
			return f + " uses other parts of the source (`" + strings.TrimSpace(m) + "`)"
		}
	}
	if v.Exists(path.Join(dir, "buildSrc")) {
		return "buildSrc is compiled into the build"
	}
	return ""
}
