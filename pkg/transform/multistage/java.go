package multistage

import (
	"encoding/xml"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/dfopt/dfopt/pkg/transform"
)

// Java's row of the multi-stage table: Maven and Gradle commands, the
// jar they build, and the JRE runtime image.

func msJavaImage(r transform.ImageRef) bool {
	n, _, ok := r.Official()
	if !ok {
		return false
	}
	ti := transform.ParseImageTag(r.Tag)
	switch n {
	case "maven", "gradle", "amazoncorretto":
		return true
	case "eclipse-temurin", "openjdk":
		// A JRE image has no compiler: it is already a runtime image.
		return !msHas(ti.Rest, "jre")
	}
	return false
}

// msJavaMajor finds the JDK's major version and the OS in a Java image tag.
func msJavaMajor(name string, ti transform.TagInfo) string {
	switch name {
	case "eclipse-temurin", "openjdk", "amazoncorretto":
		return transform.MajorVersion(ti.Version)
	}
	for i, w := range ti.Rest {
		if strings.HasPrefix(w, "jdk") && transform.MajorVersion(w[3:]) != "" {
			return transform.MajorVersion(w[3:])
		}
		switch w {
		case "jdk", "openjdk", "temurin", "amazoncorretto", "corretto", "sapmachine", "semeru", "ibmjava", "graalvm":
			if i+1 < len(ti.Rest) && transform.MajorVersion(ti.Rest[i+1]) != "" {
				return transform.MajorVersion(ti.Rest[i+1])
			}
		}
	}
	return ""
}

func msJavaRuntime(s *msSplit) (string, error) {
	name, prefix, _ := s.ref.Official()
	if s.ref.Vars {
		return "", errors.New("the image reference uses build arguments")
	}
	ti := transform.ParseImageTag(s.ref.Tag)
	m := msJavaMajor(name, ti)
	if m == "" {
		return "", fmt.Errorf("`%s` does not name its JDK version", s.ref.Raw)
	}
	tag := m + "-jre"
	switch {
	case ti.OS == "alpine":
		tag += "-alpine"
	case ti.OS == "ubuntu":
		tag += "-" + ti.Release
	case ti.OS == "windows":
		return "", errors.New("images for Windows are not supported")
	}
	return prefix + "eclipse-temurin:" + tag, nil
}

var msMavenValueFlags = map[string]bool{
	"-f": true, "--file": true, "-s": true, "--settings": true, "-gs": true, "--global-settings": true, "-P": true,
	"--activate-profiles": true, "-pl": true, "--projects": true, "-T": true, "--threads": true, "-rf": true,
	"--resume-from": true, "-l": true, "--log-file": true, "-t": true, "--toolchains": true, "-b": true, "--builder": true,
	"-D": true, "--define": true,
}

func msJavaClass(c *msCmd) msClass {
	switch c.name() {
	case "mvn", "mvnw":
		for _, g := range msMavenGoals(c) {
			switch {
			case g == "package" || g == "install" || g == "verify" || g == "deploy" || strings.HasSuffix(g, ":repackage"):
				return msBuild
			}
		}
		for _, g := range msMavenGoals(c) {
			if strings.HasPrefix(g, "dependency:") {
				return msDeps
			}
		}
		return msTool
	case "gradle", "gradlew":
		for _, t := range msGradleTasks(c) {
			switch strings.TrimPrefix(t, ":") {
			case "build", "assemble", "bootJar", "jar", "shadowJar":
				return msBuild
			case "installDist", "distTar", "distZip", "nativeCompile", "bootBuildImage", "jib", "jibDockerBuild", "war", "bootWar":
				return msUnknown
			}
		}
		return msTool
	case "java":
		if c.arg(1) == "-version" || c.arg(1) == "--version" {
			return msNeutral
		}
	}
	return msUnknown
}

func msMavenGoals(c *msCmd) []string {
	var out []string
	for i := 1; i < len(c.words); i++ {
		v := c.words[i].Value
		if strings.HasPrefix(v, "-") {
			if msMavenValueFlags[v] {
				i++
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func msGradleTasks(c *msCmd) []string {
	var out []string
	for i := 1; i < len(c.words); i++ {
		v := c.words[i].Value
		if strings.HasPrefix(v, "-") {
			switch v {
			case "-p", "--project-dir", "-x", "--exclude-task", "-b", "--build-file", "-c", "--settings-file", "-g", "--gradle-user-home", "-I", "--init-script":
				i++
			}
			continue
		}
		out = append(out, v)
	}
	return out
}

func msJavaArtifacts(s *msSplit, c *msCmd) ([]msArtifact, error) {
	dir := c.cwd
	at := msIndexOf(s.pl, c.ins)
	var target string
	var named string
	if n := c.name(); n == "mvn" || n == "mvnw" {
		for i := 1; i < len(c.words); i++ {
			switch v := c.words[i].Value; v {
			case "-f", "--file":
				if i+1 < len(c.words) {
					f := msResolve(dir, c.arg(i+1))
					if f == "" {
						return nil, fmt.Errorf("`%s` is not literal", v)
					}
					if strings.HasSuffix(f, ".xml") {
						f = path.Dir(f)
					}
					dir = f
				}
			case "-pl", "--projects":
				return nil, fmt.Errorf("`mvn %s` builds modules of a multi-module project", v)
			}
		}
		if dir == "" {
			return nil, fmt.Errorf("cannot tell the folder maven runs in")
		}
		target = path.Join(dir, "target")
		if data, _, ok := s.readContext(path.Join(dir, "pom.xml"), at); ok {
			name, err := msPomJar(data)
			if err != nil {
				return nil, err
			}
			named = name
		}
	} else {
		for i := 1; i < len(c.words); i++ {
			if v := c.words[i].Value; v == "-p" || v == "--project-dir" {
				dir = msResolve(dir, c.arg(i+1))
			}
		}
		if dir == "" {
			return nil, fmt.Errorf("cannot tell the folder gradle runs in")
		}
		target = path.Join(dir, "build/libs")
		for _, f := range []string{"settings.gradle", "settings.gradle.kts"} {
			if data, _, ok := s.readContext(path.Join(dir, f), at); ok && strings.Contains(string(data), "include") {
				return nil, fmt.Errorf("%s includes several projects", f)
			}
		}
		for _, f := range []string{"build.gradle", "build.gradle.kts"} {
			if data, _, ok := s.readContext(path.Join(dir, f), at); ok && (strings.Contains(string(data), "buildDir") || strings.Contains(string(data), "buildDirectory")) {
				return nil, fmt.Errorf("%s moves the build folder", f)
			}
		}
	}
	jar := path.Join(target, "*.jar")
	if named != "" {
		jar = path.Join(target, named)
	}
	outRoot := target // everything the build tool writes
	if path.Base(target) == "libs" {
		outRoot = path.Dir(target)
	}
	// The program must not read other build outputs (classes, lib/).
	for _, pl := range s.pl {
		switch pl.ins.Cmd {
		case "cmd", "entrypoint":
			for _, a := range pl.ins.Args {
				for _, w := range strings.FieldsFunc(a, func(r rune) bool { return r == ' ' || r == ':' || r == '=' }) {
					p := msResolve(s.end.cwd, strings.Trim(w, `"'`))
					if msUnder(p, outRoot) && p != outRoot && p != target && !msGlobMatch(jar, p) {
						return nil, fmt.Errorf("the program reads %s, which the build made beside the jar", p)
					}
				}
			}
		}
	}
	return []msArtifact{{Path: jar}}, nil
}

// msPomJar names the jar a pom.xml builds, or "" when it cannot be sure.
func msPomJar(data []byte) (string, error) {
	var pom struct {
		ArtifactID string `xml:"artifactId"`
		Version    string `xml:"version"`
		Packaging  string `xml:"packaging"`
		Parent     struct {
			Version string `xml:"version"`
		} `xml:"parent"`
		Modules struct {
			Module []string `xml:"module"`
		} `xml:"modules"`
		Build struct {
			FinalName string `xml:"finalName"`
			Directory string `xml:"directory"`
		} `xml:"build"`
		Properties struct {
			Any []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"properties"`
	}
	if err := xml.Unmarshal(data, &pom); err != nil {
		return "", fmt.Errorf("pom.xml does not parse: %v", err)
	}
	if len(pom.Modules.Module) > 0 {
		return "", fmt.Errorf("pom.xml is a multi-module project")
	}
	switch pom.Packaging {
	case "", "jar":
	default:
		return "", fmt.Errorf("pom.xml packages a %s, which needs an application server", pom.Packaging)
	}
	if pom.Build.Directory != "" {
		return "", fmt.Errorf("pom.xml moves the build folder")
	}
	text := string(data)
	if strings.Contains(text, "copy-dependencies") || strings.Contains(text, "classpathPrefix") {
		return "", fmt.Errorf("the jar loads dependencies from a folder beside it")
	}
	if strings.Contains(text, "maven-assembly-plugin") || strings.Contains(text, "<classifier>") {
		return "", nil
	}
	version := pom.Version
	if version == "" {
		version = pom.Parent.Version
	}
	props := map[string]string{
		"project.artifactId": pom.ArtifactID, "artifactId": pom.ArtifactID,
		"project.version": version, "version": version, "pom.version": version,
	}
	for _, p := range pom.Properties.Any {
		props[p.XMLName.Local] = strings.TrimSpace(p.Value)
	}
	name := pom.Build.FinalName
	if name == "" {
		name = "${project.artifactId}-${project.version}"
	}
	for i := 0; i < 5 && strings.Contains(name, "${"); i++ {
		start := strings.Index(name, "${")
		end := strings.Index(name[start:], "}")
		if end < 0 {
			return "", nil
		}
		v, ok := props[name[start+2:start+end]]
		if !ok || v == "" {
			return "", nil
		}
		name = name[:start] + v + name[start+end+1:]
	}
	if strings.Contains(name, "$") || pom.ArtifactID == "" || version == "" {
		return "", nil
	}
	return name + ".jar", nil
}
