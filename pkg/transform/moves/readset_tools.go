package moves

// The read-set table, continued: language package managers, git, and
// the tool set-up commands that hoist-deps moves with an install.
//
// Their main difference from the distributions' tools is the working
// directory: most of them read the project they run in (npm reads
// package.json and .npmrc there, corepack picks yarn's and pnpm's version
// from package.json, gem installs *.gem files it finds there, python -m
// imports from it). Only the forms that leave the project alone (global
// installs, `--remote`) are free of it.

var (
	// pip: a path (a '/', a leading '.'), or an archive name.
	pipFile = &fileRule{prefixes: []string{".", "/", "~"}, slash: true,
		suffixes: []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar",
			".tar.lz", ".tlz"}}
	// npm: a path, a file: spec, a tarball name; a slash that is not a
	// scope (`@types/node`) or a URL is counted as a path too.
	npmFile = &fileRule{prefixes: []string{".", "/", "~"}, slash: true, suffixes: []string{".tgz", ".tar.gz", ".tar"}}
	// gem: a path or a .gem file.
	gemFile = &fileRule{prefixes: []string{".", "/", "~"}, slash: true, suffixes: []string{".gem"}}

	npmGlobal = []string{"-g", "--global", "--location=global"}
)

var pipGeneral = m(o(rWrite, "--log", "--log-file", "--cache-dir"), o(rRead, "--cert", "--client-cert", "--python"),
	o(rText, "--proxy", "--retries", "--timeout", "--exists-action", "--trusted-host", "--use-feature",
		"--use-deprecated", "--keyring-provider", "--resume-retries"))

var pipInstallOpts = m(o(rRead, "-r", "--requirement", "-c", "--constraint"), o(rPkg, "-e", "--editable"),
	o(rURL, "-i", "--index-url", "--extra-index-url", "-f", "--find-links"),
	o(rWrite, "-t", "--target", "--prefix", "--root", "--src", "--report"),
	o(rText, "--platform", "--python-version", "--implementation", "--abi", "--upgrade-strategy", "-C",
		"--config-settings", "--global-option", "--install-option", "--build-option", "--no-binary",
		"--only-binary", "--progress-bar", "--root-user-action", "--group"))

var pipSpec = &cmdSpec{
	home: true, // pip.conf in the home folder
	opts: pipGeneral,
	subs: subs(
		// --group reads pyproject.toml in the working directory.
		specs(&cmdSpec{args: rPkg, file: pipFile, opts: pipInstallOpts, cwd: rRead, glob: "pyproject.toml",
			with: []string{"--group"}}, "install"),
		specs(&cmdSpec{args: rPkg, file: pipFile, opts: m(pipInstallOpts, o(rWrite, "-d", "--dest")),
			cwd: rWrite, lift: []string{"-d", "--dest"}}, "download"),
		specs(&cmdSpec{args: rPkg, file: pipFile, opts: m(pipInstallOpts, o(rWrite, "-w", "--wheel-dir")),
			cwd: rWrite, lift: []string{"-w", "--wheel-dir"}}, "wheel"),
		specs(&cmdSpec{args: rText, opts: o(rRead, "-r", "--requirement")}, "uninstall", "freeze"),
		specs(text, "list", "show", "check", "inspect", "cache", "debug", "help", "index", "search"),
		specs(&cmdSpec{args: rText, opts: o(rText, "--editor")}, "config"),
		specs(reads, "hash"),
	),
}

// npmProject is an npm command that works on the project in the working
// directory unless it runs in global mode.
var npmProject = &cmdSpec{args: rPkg, file: npmFile, cwd: rRead, lift: npmGlobal}

var npmSpec = &cmdSpec{
	home: true, // ~/.npmrc, ~/.npm
	opts: m(o(rChdir, "--prefix", "-C"), o(rRead, "--userconfig", "--globalconfig"), o(rWrite, "--cache"),
		o(rText, "--registry", "--location", "--loglevel", "--omit", "--include", "--install-strategy", "--tag",
			"-w", "--workspace", "--before", "--audit-level", "--fetch-retries", "--fetch-timeout", "--depth",
			"--os", "--cpu", "--libc")),
	subs: subs(
		specs(npmProject, "install", "i", "add", "in", "ins", "inst", "insta", "instal", "isnt", "isnta",
			"isntal", "isntall", "update", "up", "upgrade", "uninstall", "un", "remove", "rm", "r", "unlink",
			"ls", "list", "ll", "la", "outdated", "ci", "clean-install", "install-clean", "ic", "isntall-clean",
			"rebuild", "rb", "prune", "dedupe", "ddp", "audit", "link", "ln", "config", "c", "set", "get",
			"cache", "view", "info", "show", "v", "search", "s", "se", "find", "ping", "whoami", "doctor",
			"fund", "explain", "why", "query", "pack"),
		specs(&cmdSpec{why: "`npm run` runs a script of the project"}, "run", "run-script", "rum", "urn", "test",
			"t", "tst", "start", "stop", "restart", "exec", "x", "install-test", "it", "install-ci-test", "cit"),
	),
}

// yarn and pnpm read the project's package.json whatever they do: its
// `packageManager` field chooses their version under corepack.
var nodePMSpec = &cmdSpec{
	home: true,
	cwd:  rRead, // `yarn` alone installs the project
	opts: m(o(rChdir, "-C", "--dir", "--cwd"), o(rText, "--filter", "--registry", "--network-timeout",
		"--mutex", "--modules-folder", "--cache-folder", "--store-dir", "--reporter", "--loglevel")),
	subs: subs(
		specs(&cmdSpec{args: rPkg, file: npmFile, cwd: rRead}, "add", "install", "i", "global", "remove", "rm",
			"cache", "config", "info", "view", "why", "list", "ls", "upgrade", "update", "up", "store", "fetch",
			"audit", "outdated", "dedupe", "prune", "link", "unlink", "pack", "setup", "env"),
	),
}

var gemSpec = &cmdSpec{
	home: true,
	opts: m(o(rRead, "--config-file"), o(rText, "-p", "--http-proxy")),
	subs: subs(
		// install and update consider *.gem files in the working
		// directory (the local source), unless told --remote.
		specs(&cmdSpec{args: rPkg, file: gemFile, cwd: rRead, glob: "*.gem", lift: []string{"-r", "--remote"},
			opts: m(o(rText, "-v", "--version", "--platform", "-P", "--trust-policy", "--document", "--without",
				"-B", "--bulk-threshold"), o(rWrite, "-i", "--install-dir", "-n", "--bindir", "--build-root"),
				o(rURL, "-s", "--source"), o(rRead, "-g", "--file"))}, "install", "i", "update"),
		specs(&cmdSpec{args: rText, opts: m(o(rText, "-v", "--version", "--platform", "-i", "--install-dir",
			"-n", "--bindir"))}, "uninstall", "list", "env", "cleanup", "query", "search", "info",
			"specification", "which", "contents", "dependency", "outdated", "help"),
		specs(&cmdSpec{args: rText, opts: m(o(rURL, "-a", "--add"), o(rText, "-r", "--remove"))}, "sources"),
	),
}

var gitSpec = &cmdSpec{
	home: true, // ~/.gitconfig
	opts: m(o(rChdir, "-C"), o(rText, "-c", "--namespace", "--config-env"), o(rWrite, "--git-dir", "--work-tree")),
	subs: subs(
		// git config without --global or --system edits the repository
		// of the working directory.
		specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"--global", "--system", "-f", "--file"},
			opts: m(o(rWrite, "-f", "--file"), o(rText, "--type", "--default", "--comment", "--blob"))}, "config"),
		specs(&cmdSpec{first: rURL, args: rWrite, cwd: rWrite, fewer: 2,
			opts: m(o(rText, "-b", "--branch", "--depth", "-o", "--origin", "--filter", "-c", "--config", "-j",
				"--jobs", "--shallow-since", "--shallow-exclude", "-u", "--upload-pack", "--server-option",
				"--bundle-uri"), o(rRead, "--reference", "--reference-if-able", "--template"),
				o(rWrite, "--separate-git-dir"))}, "clone"),
		specs(nothing, "version", "help"),
	),
}

// The official PHP images' helpers: an extension is a name under
// /usr/src/php/ext or a folder (counted as a path of the working
// directory, to be safe); pecl installs a channel package or an archive.
var (
	phpExtFile = &fileRule{prefixes: []string{"/", ".", "~"}, slash: true}
	phpExtOpts = o(rText, "-j", "--jobs", "--ini-name")
	peclSpec   = &cmdSpec{subs: subs(
		specs(&cmdSpec{args: rPkg, file: &fileRule{prefixes: []string{"/", ".", "~"}, slash: true,
			suffixes: []string{".tgz", ".tar", ".tar.gz"}}, opts: o(rText, "-D")}, "install", "i", "upgrade"),
		specs(text, "channel-update", "update-channels", "uninstall", "list", "info", "config-get", "config-set"),
	)}
)

func addTools(add func(*cmdSpec, ...string)) {
	add(&cmdSpec{args: rPkg, file: phpExtFile, opts: phpExtOpts}, "docker-php-ext-install", "docker-php-ext-enable")
	add(&cmdSpec{first: rPkg, args: rText, file: phpExtFile}, "docker-php-ext-configure")
	add(&cmdSpec{subs: specs(text, "extract", "delete")}, "docker-php-source")
	add(peclSpec, "pecl")
	add(pipSpec, "pip", "pip2", "pip3")
	add(&cmdSpec{parse: parsePython}, "python", "python2", "python3")
	add(npmSpec, "npm")
	add(nodePMSpec, "yarn", "pnpm")
	add(gemSpec, "gem")
	add(gitSpec, "git")
	add(&cmdSpec{subs: subs(
		specs(text, "enable", "disable"),
		// without a package, prepare and install read package.json
		specs(&cmdSpec{args: rPkg, file: npmFile, cwd: rRead, fewer: 1, opts: o(rWrite, "-o", "--output")}, "prepare"),
		specs(&cmdSpec{args: rPkg, file: npmFile, cwd: rRead, lift: npmGlobal}, "install"),
	), opts: o(rWrite, "--install-directory")}, "corepack")
	// Global configuration of the project tools: `--local` (or no
	// `--global` for bundler and composer) writes into the project.
	add(&cmdSpec{home: true, subs: specs(&cmdSpec{args: rText, cwd: rWrite, with: []string{"--local"}}, "config")}, "poetry")
	add(&cmdSpec{home: true, subs: specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"--global"}}, "config")}, "bundle", "bundler")
	add(&cmdSpec{home: true, subs: specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"-g", "--global"}}, "config")}, "composer")
	add(&cmdSpec{home: true, subs: subs(specs(text, "env"), specs(nothing, "version"))}, "go")
}
