package transform

import "strings"

// Base-image defaults: the WORKDIR, PATH and USER an image sets for the
// stages built on it, and the programs it adds to its distribution. These
// facts belong with the other base-image facts (distribution, release,
// package manager), in the base-image knowledge package; they are kept in
// this one table until they move there.
//
// A relative path in a stage that sets no WORKDIR resolves against the
// image's WORKDIR (golang: /go, gradle: /home/gradle), and a program
// named without a folder is looked up along the image's PATH.

// stdPath is the PATH of Debian, Ubuntu and Alpine, and of every image
// that does not set its own.
var stdPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// ImageDefaults is what an image sets for the stages built on it.
type ImageDefaults struct {
	Workdir  string   // WORKDIR ("/" when the image sets none)
	Path     []string // PATH, in order; nil when it depends on the tag in a way dfopt does not follow
	User     string   // USER ("" for root)
	Programs []string // programs the image adds to its distribution
	// Family is the distribution whose base programs the image has
	// ("debian", "alpine"), "none" for an image without a shell
	// (distroless), "" when it depends on the tag (see imageFamily).
	Family string
}

// imageDefaultRows: one row per image; the first row that matches wins.
var imageDefaultRows = []struct {
	official string // Docker Hub official image name, or
	repo     string // a repository prefix
	d        func(tag string) ImageDefaults
}{
	{official: "golang", d: fixedDefaults(ImageDefaults{Workdir: "/go", Path: withStd("/go/bin", "/usr/local/go/bin"), Programs: []string{"go", "gofmt"}})},
	{official: "rust", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: withStd("/usr/local/cargo/bin"), Programs: []string{"cargo", "rustc", "rustup"}})},
	{official: "gradle", d: fixedDefaults(ImageDefaults{Workdir: "/home/gradle", Programs: []string{"gradle", "java", "javac", "jar"}})},
	{official: "maven", d: fixedDefaults(ImageDefaults{Workdir: "/", Programs: []string{"mvn", "java", "javac", "jar"}})},
	{official: "eclipse-temurin", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: withStd("/opt/java/openjdk/bin"), Programs: []string{"java", "keytool"}})},
	{official: "openjdk", d: fixedDefaults(ImageDefaults{Workdir: "/", Programs: []string{"java", "keytool"}})},
	{official: "amazoncorretto", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Programs: []string{"java", "keytool"}})},
	{official: "node", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Programs: []string{"node", "nodejs", "npm", "npx", "yarn", "corepack"}})},
	{official: "python", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Programs: []string{"python", "python3", "pip", "pip3"}})},
	{official: "debian", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Family: "debian"})},
	{official: "ubuntu", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Family: "debian"})},
	{official: "alpine", d: fixedDefaults(ImageDefaults{Workdir: "/", Path: stdPath, Family: "alpine"})},
	{repo: "gcr.io/distroless/", d: distrolessDefaults},
	{repo: "mcr.microsoft.com/dotnet/", d: dotnetDefaults},
}

func fixedDefaults(d ImageDefaults) func(string) ImageDefaults {
	return func(string) ImageDefaults { return d }
}

func withStd(dirs ...string) []string { return append(dirs, stdPath...) }

// distrolessDefaults: the :nonroot variants run as nonroot (65532) in
// /home/nonroot; the language variants add their runtime.
func distrolessDefaults(tag string) ImageDefaults {
	d := ImageDefaults{Workdir: "/", Path: stdPath, Family: "none"}
	if strings.Contains(tag, "nonroot") {
		d.Workdir, d.User = "/home/nonroot", "65532"
	}
	return d
}

// dotnetDefaults: the SDK, aspnet and runtime images have dotnet on PATH
// (runtime-deps does not); chiseled variants run as app (uid 1654).
func dotnetDefaults(tag string) ImageDefaults {
	d := ImageDefaults{Workdir: "/", Path: stdPath, Programs: []string{"dotnet"}}
	if strings.Contains(tag, "chiseled") {
		d.User, d.Family = "app", "none"
	}
	return d
}

// imageDefaultsOf returns what dfopt knows of an image's defaults.
func imageDefaultsOf(ref string) (ImageDefaults, bool) {
	r, err := ParseImageRef(ref)
	if err != nil || r.Vars {
		return ImageDefaults{}, false
	}
	name, _, official := r.Official()
	repo := r.Repository()
	for _, row := range imageDefaultRows {
		switch {
		case row.official != "" && official && name == row.official:
		case row.repo != "" && strings.HasPrefix(repo, row.repo):
		default:
			continue
		}
		d := row.d(r.Tag)
		if strings.HasPrefix(repo, "mcr.microsoft.com/dotnet/") && strings.HasSuffix(repo, "/runtime-deps") {
			d.Programs = nil
		}
		if strings.HasPrefix(repo, "gcr.io/distroless/") {
			d.Programs = distrolessPrograms(repo)
		}
		return d, true
	}
	return ImageDefaults{}, false
}

func distrolessPrograms(repo string) []string {
	switch b := repo[strings.LastIndexByte(repo, '/')+1:]; {
	case strings.HasPrefix(b, "java"):
		return []string{"java"}
	case strings.HasPrefix(b, "nodejs"):
		return []string{"node", "nodejs"}
	case strings.HasPrefix(b, "python"):
		return []string{"python", "python3"}
	}
	return nil
}

// familyPrograms are the programs every image of a distribution family
// has (the slim variants included): the shell and the base utilities.
var familyPrograms = map[string][]string{
	"debian": {"sh", "bash", "dash", "cat", "echo", "ls", "env", "sleep", "test", "[", "true", "false", "mkdir", "rm", "cp", "mv",
		"ln", "chmod", "chown", "touch", "grep", "sed", "find", "xargs", "tar", "gzip", "id", "whoami", "date", "uname", "printf",
		"kill", "nice", "nohup", "timeout", "su", "setpriv", "runuser", "tail", "head", "cut", "sort", "tee", "wc", "readlink",
		"dirname", "basename", "mktemp", "stat", "awk", "hostname"},
	"alpine": {"sh", "ash", "cat", "echo", "ls", "env", "sleep", "test", "[", "true", "false", "mkdir", "rm", "cp", "mv",
		"ln", "chmod", "chown", "touch", "grep", "sed", "find", "xargs", "tar", "gzip", "id", "whoami", "date", "uname", "printf",
		"kill", "nice", "nohup", "timeout", "su", "tail", "head", "cut", "sort", "tee", "wc", "readlink",
		"dirname", "basename", "mktemp", "stat", "awk", "hostname", "wget", "nc", "ps"},
	"none": nil,
}

// imageFamily is the distribution family of an image for familyPrograms:
// the table's answer, or the one msRuntimeOf reads in the tag; "" unknown.
func imageFamily(ref string) string {
	if d, ok := imageDefaultsOf(ref); ok && d.Family != "" {
		return d.Family
	}
	switch f := msRuntimeOf(ref).Family; f {
	case "ubuntu":
		return "debian"
	case "distroless":
		return "none"
	default:
		return f
	}
}
