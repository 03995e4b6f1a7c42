package baseimage

import "strings"

// Base-image defaults: the WORKDIR, PATH and USER an image sets for the
// stages built on it, and the programs it adds to its distribution.
//
// A relative path in a stage that sets no WORKDIR resolves against the
// image's WORKDIR (golang: /go, gradle: /home/gradle), and a program
// named without a folder is looked up along the image's PATH.

// StdPath is the PATH of Debian, Ubuntu and Alpine, and of every image
// that does not set its own.
var StdPath = []string{"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"}

// Defaults is what an image sets for the stages built on it.
type Defaults struct {
	Workdir  string   // WORKDIR ("/" when the image sets none)
	Path     []string // PATH, in order; nil when it depends on the tag in a way dfopt does not follow
	User     string   // USER ("" for root)
	Programs []string // programs the image adds to its distribution
	// Family is the distribution whose base programs the image has
	// ("debian", "alpine"), "none" for an image without a shell
	// (distroless), "" when it depends on the tag (see the rules' imageFamily).
	Family string
}

// imageDefaultRows: one row per image; the first row that matches wins.
var imageDefaultRows = []struct {
	official string // Docker Hub official image name, or
	repo     string // a repository prefix
	d        func(tag string) Defaults
}{
	{official: "golang", d: fixedDefaults(Defaults{Workdir: "/go", Path: withStd("/go/bin", "/usr/local/go/bin"), Programs: []string{"go", "gofmt"}})},
	{official: "rust", d: fixedDefaults(Defaults{Workdir: "/", Path: withStd("/usr/local/cargo/bin"), Programs: []string{"cargo", "rustc", "rustup"}})},
	{official: "gradle", d: fixedDefaults(Defaults{Workdir: "/home/gradle", Programs: []string{"gradle", "java", "javac", "jar"}})},
	{official: "maven", d: fixedDefaults(Defaults{Workdir: "/", Programs: []string{"mvn", "java", "javac", "jar"}})},
	{official: "eclipse-temurin", d: fixedDefaults(Defaults{Workdir: "/", Path: withStd("/opt/java/openjdk/bin"), Programs: []string{"java", "keytool"}})},
	{official: "openjdk", d: fixedDefaults(Defaults{Workdir: "/", Programs: []string{"java", "keytool"}})},
	{official: "amazoncorretto", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Programs: []string{"java", "keytool"}})},
	{official: "node", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Programs: []string{"node", "nodejs", "npm", "npx", "yarn", "corepack"}})},
	{official: "python", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Programs: []string{"python", "python3", "pip", "pip3"}})},
	{official: "debian", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Family: "debian"})},
	{official: "ubuntu", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Family: "debian"})},
	{official: "alpine", d: fixedDefaults(Defaults{Workdir: "/", Path: StdPath, Family: "alpine"})},
	{repo: "gcr.io/distroless/", d: distrolessDefaults},
	{repo: "mcr.microsoft.com/dotnet/", d: dotnetDefaults},
}

func fixedDefaults(d Defaults) func(string) Defaults {
	return func(string) Defaults { return d }
}

func withStd(dirs ...string) []string { return append(dirs, StdPath...) }

// distrolessDefaults: the :nonroot variants run as nonroot (65532) in
// /home/nonroot; the language variants add their runtime.
func distrolessDefaults(tag string) Defaults {
	d := Defaults{Workdir: "/", Path: StdPath, Family: "none"}
	if strings.Contains(tag, "nonroot") {
		d.Workdir, d.User = "/home/nonroot", "65532"
	}
	return d
}

// dotnetDefaults: the SDK, aspnet and runtime images have dotnet on PATH
// (runtime-deps does not); chiseled variants run as app (uid 1654).
func dotnetDefaults(tag string) Defaults {
	d := Defaults{Workdir: "/", Path: StdPath, Programs: []string{"dotnet"}}
	if strings.Contains(tag, "chiseled") {
		d.User, d.Family = "app", "none"
	}
	return d
}

// DefaultsOf returns what dfopt knows of an image's defaults.
func DefaultsOf(ref string) (Defaults, bool) {
	r, err := Parse(ref)
	if err != nil || r.Vars {
		return Defaults{}, false
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
	return Defaults{}, false
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

// FamilyPrograms are the programs every image of a distribution family
// has (the slim variants included): the shell and the base utilities.
var FamilyPrograms = map[string][]string{
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
