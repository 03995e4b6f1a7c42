package moves

// The read-set table: system commands, package managers of the
// distributions, users, and file commands. Language tools are in
// readset_tools.go, the commands that read their own arguments
// (tar, curl, wget, unzip, useradd, test) in readset_parse.go.
//
// An option that takes a value is listed in opts with what the value
// names; every option not listed takes no value. A sub-command or action
// not listed makes the command read everything.

// o lists options that take a value naming the same kind of thing.
func o(ro role, names ...string) map[string]role {
	m := make(map[string]role, len(names))
	for _, n := range names {
		m[n] = ro
	}
	return m
}

// m merges option lists.
func m(lists ...map[string]role) map[string]role {
	out := map[string]role{}
	for _, l := range lists {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

// specs gives one spec to several names (sub-command aliases).
func specs(s *cmdSpec, names ...string) map[string]*cmdSpec {
	out := make(map[string]*cmdSpec, len(names))
	for _, n := range names {
		out[n] = s
	}
	return out
}

// subs merges sub-command lists.
func subs(lists ...map[string]*cmdSpec) map[string]*cmdSpec {
	out := map[string]*cmdSpec{}
	for _, l := range lists {
		for k, v := range l {
			out[k] = v
		}
	}
	return out
}

var (
	text         = &cmdSpec{args: rText}
	reads        = &cmdSpec{args: rRead}
	writes       = &cmdSpec{args: rWrite}
	nothing      = &cmdSpec{}
	pathPrefixes = []string{"/", "./", "../", "~"}

	// apt reads a file for an argument that starts like a path (`./x.deb`,
	// `/tmp/x.deb`, `.`); `x.deb` is looked up in the repository.
	aptFile = &fileRule{prefixes: []string{"/", ".", "~"}}
	// dnf, yum, zypper: an argument ending in .rpm is a local package
	// (a path starting with / names a file the package provides: counted
	// as a read, to be safe).
	rpmFile = &fileRule{prefixes: []string{"/", ".", "~"}, suffixes: []string{".rpm"}}
	// apk: an argument ending in .apk, or a path. Names starting with a
	// dot are virtual packages (`.build-deps`).
	apkFile = &fileRule{prefixes: pathPrefixes, suffixes: []string{".apk"}}
	// localedef -i/-f: a file when it holds a slash.
	slashFile = &fileRule{prefixes: []string{"/", ".", "~"}, slash: true}
)

var aptSpec = &cmdSpec{
	opts: m(o(rRead, "-c", "--config-file", "--with-source"),
		o(rText, "-o", "--option", "-t", "--target-release", "--default-release", "-a", "--host-architecture",
			"-P", "--build-profiles", "--solver", "--comment")),
	subs: subs(
		specs(&cmdSpec{args: rPkg, file: aptFile}, "install", "reinstall", "upgrade", "build-dep", "satisfy",
			"safe-upgrade"),
		specs(text, "remove", "purge", "autoremove", "autopurge", "update", "dist-upgrade", "full-upgrade",
			"clean", "autoclean", "distclean", "dist-clean", "check", "markauto", "unmarkauto", "hold", "unhold",
			"changelog", "show", "showsrc", "search", "policy", "list", "depends", "rdepends", "madison"),
		specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"--print-uris"}}, "source", "download"),
	),
}

var dpkgSpec = &cmdSpec{
	args: rRead, // no action named: every operand may be a file
	opts: m(o(rWrite, "--admindir", "--instdir", "--root", "--log"),
		o(rText, "--path-include", "--path-exclude", "--status-fd", "--status-logger", "-D", "--debug",
			"--abort-after", "--ignore-depends")),
	acts: subs(
		specs(reads, "-i", "--install", "--unpack", "-A", "--record-avail", "--update-avail", "--merge-avail",
			"-c", "--contents", "-e", "--control", "-f", "--field", "-I", "--info", "--fsys-tarfile",
			"--ctrl-tarfile", "-b", "--build"),
		specs(&cmdSpec{first: rRead, args: rWrite}, "-x", "--extract", "-X", "--vextract"),
		specs(text, "--configure", "-r", "--remove", "-P", "--purge", "-V", "--verify", "-C", "--audit",
			"-s", "--status", "-p", "--print-avail", "-L", "--listfiles", "-l", "--list", "-S", "--search",
			"--get-selections", "--set-selections", "--clear-selections", "--add-architecture",
			"--remove-architecture", "--print-architecture", "--print-foreign-architectures",
			"--compare-versions", "--clear-avail", "--forget-old-unavail", "--yet-to-unpack", "--version"),
	),
}

var rpmQuery = &cmdSpec{args: rText, acts: specs(reads, "-p", "--package", "-f", "--file")}

var rpmSpec = &cmdSpec{
	args: rRead,
	opts: m(o(rWrite, "--root", "-r", "--dbpath"), o(rRead, "--rcfile", "--macros", "--load"),
		o(rText, "-D", "--define", "--predefine", "--undefine", "--queryformat", "--qf", "--excludepath",
			"--relocate", "--prefix", "--target"), o(rCmd, "--pipe")),
	acts: subs(
		specs(&cmdSpec{args: rURL}, "-i", "--install", "-U", "--upgrade", "-F", "--freshen", "--reinstall",
			"--import"),
		specs(reads, "-K", "--checksig"),
		specs(text, "-e", "--erase", "--rebuilddb", "--initdb", "--eval", "-E", "--showrc", "--setperms",
			"--setugids", "--version"),
		specs(rpmQuery, "-q", "--query", "-V", "--verify"),
	),
}

var dnfOpts = m(o(rRead, "-c", "--config"),
	o(rWrite, "--installroot", "--downloaddir", "--destdir"),
	o(rText, "--releasever", "--setopt", "-x", "--exclude", "--excludepkgs", "--enablerepo", "--disablerepo",
		"--repo", "--repoid", "--disableplugin", "--enableplugin", "--forcearch", "--rpmverbosity", "-d",
		"--debuglevel", "-e", "--errorlevel", "--color", "--advisory", "--advisories", "--bz", "--bzs", "--cve",
		"--cves", "--sec-severity", "--secseverity", "--comment", "--repofrompath", "--setvar", "--use-host-config",
		"--from-repo", "--arch", "--installonly-limit"))

var dnfSpec = &cmdSpec{
	opts: dnfOpts,
	subs: subs(
		specs(&cmdSpec{args: rPkg, file: rpmFile}, "install", "in", "reinstall", "rei", "update", "upgrade", "up",
			"downgrade", "dg", "localinstall", "localupdate", "distro-sync", "dsync", "distrosync", "swap",
			"upgrade-minimal", "up-min", "update-minimal"),
		specs(&cmdSpec{args: rPkg, file: &fileRule{prefixes: []string{"/", ".", "~"}, suffixes: []string{".spec", ".rpm"}}},
			"builddep", "build-dep"),
		specs(text, "remove", "rm", "erase", "autoremove", "check-update", "check-upgrade", "check", "clean",
			"makecache", "mc", "list", "ls", "info", "if", "search", "se", "provides", "whatprovides", "wp",
			"repolist", "repoinfo", "repoquery", "rq", "history", "hist", "mark", "group", "groups", "grp",
			"groupinstall", "groupupdate", "groupremove", "groupinfo", "grouplist", "module", "versionlock",
			"copr", "updateinfo", "advisory", "deplist", "environment", "repo", "leaves", "needs-restarting"),
		specs(&cmdSpec{args: rText, opts: o(rURL, "--add-repo", "--addrepo", "--from-repofile")}, "config-manager"),
		specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"--destdir", "--downloaddir", "--url", "--urls"}}, "download"),
	),
}

var zypperSpec = &cmdSpec{
	opts: m(o(rWrite, "--root", "-R", "--installroot", "--cache-dir", "-C", "--raw-cache-dir",
		"--solv-cache-dir", "--pkg-cache-dir", "--reposd-dir", "-D"),
		o(rRead, "--config", "-c"), o(rURL, "--plus-repo", "-p"),
		o(rText, "--userdata", "--releasever", "-s", "--table-style", "--plus-content")),
	subs: subs(
		specs(&cmdSpec{args: rPkg, file: rpmFile, opts: o(rText, "-t", "--type", "-r", "--repo", "--from")},
			"install", "in", "update", "up", "source-install", "si", "install-new-recommends", "inr"),
		specs(&cmdSpec{args: rText, opts: o(rText, "-t", "--type", "-r", "--repo", "--from", "-g", "--category",
			"--severity", "--date", "--bugzilla", "--cve", "--issues")},
			"remove", "rm", "refresh", "ref", "dist-upgrade", "dup", "patch", "clean", "cc", "modifyrepo", "mr",
			"removerepo", "rr", "repos", "lr", "search", "se", "info", "if", "addlock", "al", "removelock", "rl",
			"locks", "ll", "verify", "ve", "patches", "lp", "list-updates", "lu", "refresh-services", "refs",
			"purge-kernels", "packages", "pa", "patterns", "pt", "products", "pd"),
		specs(&cmdSpec{first: rURL, args: rText, opts: o(rText, "-n", "--name", "-p", "--priority", "-t", "--type")},
			"addrepo", "ar"),
	),
}

var apkSpec = &cmdSpec{
	opts: m(o(rWrite, "-p", "--root", "--cache-dir"), o(rRead, "--keys-dir", "--repositories-file"),
		o(rURL, "-X", "--repository"),
		o(rText, "--arch", "--cache-max-age", "--wait", "--timeout", "--progress-fd", "--from",
			"--uvol-manager")),
	subs: subs(
		specs(&cmdSpec{args: rPkg, file: apkFile, opts: o(rText, "-t", "--virtual")}, "add"),
		specs(text, "del", "update", "upgrade", "fix", "cache", "info", "search", "version", "policy", "list",
			"stats", "dot", "manifest"),
		specs(&cmdSpec{args: rText, cwd: rWrite, lift: []string{"-o", "--output", "-s", "--stdout"},
			opts: o(rWrite, "-o", "--output")}, "fetch"),
		specs(&cmdSpec{args: rRead, opts: m(o(rWrite, "-o", "--output"), o(rRead, "-x", "--index"),
			o(rText, "-d", "--description", "--rewrite-arch"))}, "index"),
		specs(reads, "verify", "audit"),
	),
}

var pacmanQuery = &cmdSpec{args: rText, acts: specs(reads, "-p", "--file", "-o", "--owns")}

var pacmanSpec = &cmdSpec{
	opts: m(o(rWrite, "-r", "--root", "-b", "--dbpath", "--cachedir", "--logfile", "--gpgdir", "--hookdir",
		"--sysroot"), o(rRead, "--config"),
		o(rText, "--arch", "--color", "--overwrite", "--ignore", "--ignoregroup", "--assume-installed",
			"--print-format")),
	acts: subs(
		specs(text, "-S", "--sync", "-R", "--remove", "-D", "--database", "-F", "--files", "-T", "--deptest",
			"-V", "--version"),
		specs(&cmdSpec{args: rURL}, "-U", "--upgrade"),
		specs(pacmanQuery, "-Q", "--query"),
	),
}

// gpg reads its operands (keys to import, files to dearmor, decrypt or
// verify) unless an action says they are key names or URLs.
var gpgSpec = &cmdSpec{
	args: rRead,
	home: true, // ~/.gnupg
	opts: m(o(rWrite, "-o", "--output", "--homedir", "--logger-file", "--log-file"),
		o(rRead, "--keyring", "--secret-keyring", "--primary-keyring", "--trustdb-name", "--options",
			"--passphrase-file", "--command-file"),
		o(rText, "--keyserver", "-r", "--recipient", "-u", "--local-user", "--default-key", "--trust-model",
			"--status-fd", "--passphrase", "--passphrase-fd", "--pinentry-mode", "--cipher-algo", "--digest-algo",
			"--compress-algo", "--cert-digest-algo", "--export-options", "--import-options", "--list-options",
			"--verify-options", "--keyserver-options", "--trusted-key", "--comment", "--set-filename",
			"--default-recipient", "--attribute-fd", "--command-fd", "--logger-fd", "--auto-key-locate", "-z",
			"--compress-level", "--faked-system-time", "--personal-cipher-preferences",
			"--personal-digest-preferences")),
	acts: subs(
		specs(text, "--recv-keys", "--recv-key", "--receive-keys", "--search-keys", "--refresh-keys", "--export",
			"--export-secret-keys", "--list-keys", "--list-key", "-k", "--list-public-keys", "--list-secret-keys",
			"-K", "--fingerprint", "--fingerprints", "--list-sigs", "--check-sigs", "--delete-keys", "--delete-key",
			"--delete-secret-keys", "--edit-key", "--sign-key", "--lsign-key", "--quick-gen-key",
			"--quick-add-key", "--quick-sign-key", "--quick-lsign-key", "--quick-set-expire", "--gen-key",
			"--generate-key", "--full-gen-key", "--update-trustdb", "--check-trustdb", "--export-ownertrust",
			"--list-config", "--version", "--locate-keys", "--locate-external-keys", "--send-keys"),
		specs(&cmdSpec{args: rURL}, "--fetch-keys"),
	),
}

// userOpts are the options of the shadow tools that take a value.
var userOpts = m(o(rWrite, "-R", "--root", "-P", "--prefix"),
	o(rText, "-g", "--gid", "-K", "--key", "-p", "--password", "-U", "--users", "-n", "--new-name",
		"-u", "--uid", "-G", "--groups", "-s", "--shell", "-c", "--comment", "-e", "--expiredate",
		"-f", "--inactive", "-l", "--login", "-Z", "--selinux-user", "-a", "--add", "-d", "--delete",
		"-M", "-A", "--administrators", "-r"))

var commands = map[string]*cmdSpec{}

func init() {
	add := func(s *cmdSpec, names ...string) {
		for _, n := range names {
			if commands[n] != nil {
				panic("readset: two specs for " + n)
			}
			commands[n] = s
		}
	}
	// Package managers of the distributions.
	add(aptSpec, "apt-get", "apt", "aptitude")
	add(dpkgSpec, "dpkg")
	add(rpmSpec, "rpm")
	add(dnfSpec, "dnf", "dnf5", "yum", "microdnf", "tdnf")
	add(zypperSpec, "zypper")
	add(apkSpec, "apk")
	add(pacmanSpec, "pacman")
	add(&cmdSpec{args: rText, opts: m(o(rRead, "--keyring"), o(rText, "--keyserver")),
		subs: subs(specs(reads, "add"), specs(text, "adv", "del", "rm", "list", "finger", "fingerprint",
			"export", "exportall", "update", "net-update", "list-keys"))}, "apt-key")
	add(gpgSpec, "gpg", "gpg2")
	add(&cmdSpec{args: rText, opts: o(rText, "-k", "--keyserver", "-S", "--sourceslist", "-P", "--ppa",
		"-C", "--component", "-p", "--pocket", "-U", "--uri", "-L", "--login")}, "add-apt-repository")
	add(text, "apt-mark", "apt-cache", "dpkg-query", "locale-gen", "install-packages", "lsb_release",
		"dpkg-architecture")
	add(&cmdSpec{opts: m(o(rRead, "--certsconf", "--localcertsdir", "--certsdir", "--hooksdir"),
		o(rWrite, "--etccertsdir"))}, "update-ca-certificates")
	add(&cmdSpec{args: rText, opts: o(rRead, "--locale-file")}, "update-locale")
	add(&cmdSpec{args: rText, file: slashFile, opts: m(o(rPkg, "-i", "--inputfile", "-f", "--charmap",
		"-u", "--repertoire-map"), o(rRead, "-A", "--alias-file"), o(rWrite, "--prefix"))}, "localedef")
	add(&cmdSpec{args: rText, opts: o(rText, "-f", "--frontend", "-p", "--priority")}, "dpkg-reconfigure")
	add(&cmdSpec{args: rRead, opts: m(o(rWrite, "-C"), o(rRead, "-f", "-r"), o(rText, "-c", "--format"))}, "ldconfig")
	add(reads, "debconf-set-selections", "update-mime-database", "fc-cache")
	add(&cmdSpec{args: rText, opts: o(rWrite, "--altdir", "--admindir", "--log", "--root", "--instdir")},
		"update-alternatives")
	add(&cmdSpec{args: rText, opts: m(o(rText, "--package"), o(rWrite, "--divert", "--admindir", "--instdir",
		"--root"))}, "dpkg-divert")

	addFileCommands(add)
	addTools(add)
}

// addFileCommands adds the user tools and the commands that work on text
// and files.
func addFileCommands(add func(*cmdSpec, ...string)) {
	// Users and groups: they change the ids a COPY --chown resolves.
	add(&cmdSpec{args: rText, users: true, opts: userOpts}, "groupadd", "addgroup", "groupmod", "groupdel")
	add(&cmdSpec{users: true, parse: parseUserdel}, "userdel", "deluser")
	add(&cmdSpec{users: true, parse: parseUsermod}, "usermod")
	add(&cmdSpec{users: true, parse: parseUseradd}, "useradd", "adduser")
	add(&cmdSpec{args: rText, opts: userOpts}, "chpasswd", "passwd", "chsh", "gpasswd", "pwconv", "grpconv",
		"chage")

	// Commands that read no file: their operands are only text.
	add(&cmdSpec{args: rScript}, "echo", "printf", "true", "false", ":", "set", "sleep", "basename", "dirname",
		"tr", "yes", "printenv", "seq", "expr")
	add(text, "uname", "nproc", "arch", "id", "whoami", "getent", "which", "getconf", "gpgconf", "gpg-agent",
		"dirmngr", "tput", "type", "hash", "ulimit", "umask")
	add(&cmdSpec{args: rText, opts: m(o(rRead, "-f", "--file", "-r", "--reference"),
		o(rText, "-d", "--date", "-s", "--set"))}, "date")
	add(&cmdSpec{parse: parseTest}, "test", "[")

	// File commands: every operand is a file.
	add(reads, "cat", "readlink", "file", "du", "df", "cmp", "diff", "nl", "od",
		"hexdump", "xxd", "strings", "tac", "rev", "paste", "comm", "join", "fold", "fmt", "expand", "unexpand",
		"md5", "b2sum", "cksum", "sum")
	add(&cmdSpec{args: rRead, opts: o(rText, "-c", "--format", "--printf")}, "stat")
	add(&cmdSpec{args: rRead, opts: o(rRead, "--relative-to", "--relative-base")}, "realpath")
	add(&cmdSpec{args: rRead, cwd: rRead, with: []string{"-c", "--check"}}, "sha256sum", "sha1sum",
		"sha512sum", "sha224sum", "sha384sum", "md5sum")
	add(&cmdSpec{args: rRead, opts: o(rRead, "--files0-from")}, "wc")
	add(&cmdSpec{args: rRead, opts: o(rText, "-b", "--bytes", "-c", "--characters", "-d", "--delimiter",
		"-f", "--fields", "--output-delimiter")}, "cut")
	add(&cmdSpec{first: rRead, args: rWrite, opts: o(rText, "-f", "--skip-fields", "-s", "--skip-chars",
		"-w", "--check-chars")}, "uniq")
	add(&cmdSpec{args: rRead, opts: m(o(rWrite, "-o", "--output", "-T", "--temporary-directory"),
		o(rRead, "--files0-from", "--random-source"),
		o(rText, "-k", "--key", "-t", "--field-separator", "-S", "--buffer-size", "--parallel",
			"--batch-size", "--sort"))}, "sort")
	add(&cmdSpec{args: rRead, opts: o(rText, "-n", "--lines", "-c", "--bytes", "-s", "--sleep-interval",
		"--pid", "--max-unchanged-stats")}, "head", "tail")
	add(&cmdSpec{args: rRead, cwd: rRead, fewer: 1, opts: o(rText, "-I", "--ignore", "-w", "--width", "-T",
		"--tabsize", "--hide")}, "ls")
	add(writes, "tee", "rm", "rmdir", "shred")
	add(&cmdSpec{args: rWrite, opts: o(rText, "-m", "--mode", "--context")}, "mkdir", "mkfifo")
	add(&cmdSpec{args: rWrite, opts: m(o(rText, "-d", "--date", "-t"), o(rRead, "-r", "--reference"))}, "touch")
	add(&cmdSpec{args: rWrite, opts: m(o(rText, "-s", "--size"), o(rRead, "-r", "--reference"))}, "truncate")
	add(&cmdSpec{args: rWrite, opts: m(o(rWrite, "-t", "--target-directory"), o(rText, "-S", "--suffix"))},
		"ln", "cp", "mv")
	add(&cmdSpec{args: rWrite, opts: m(o(rWrite, "-t", "--target-directory"), o(rText, "-S", "--suffix", "-m",
		"--mode", "-o", "--owner", "-g", "--group"))}, "install")
	add(&cmdSpec{first: rMode, args: rWrite, drop: []string{"--reference"}, opts: o(rRead, "--reference")},
		"chmod", "chown", "chgrp")
	add(&cmdSpec{args: rWrite, opts: o(rText, "-S", "--suffix")}, "gzip", "gunzip", "xz", "unxz", "bzip2",
		"bunzip2", "lzma", "unlzma", "zcat", "xzcat", "bzcat")
	add(&cmdSpec{args: rWrite, opts: m(o(rWrite, "-o", "--output-dir-flat", "--output-dir-mirror"),
		o(rRead, "-D"), o(rText, "-T", "-M", "--memory"))}, "zstd", "unzstd", "zstdcat")

	// Scripts and patterns: the first operand is the script, unless
	// given by an option.
	add(&cmdSpec{first: rScript, args: rRead, parse: parseSed}, "sed")
	add(&cmdSpec{first: rScript, args: rRead, drop: []string{"-e", "--regexp", "-f", "--file"},
		cwd: rRead, fewer: 1, with: []string{"-r", "-R", "--recursive", "--dereference-recursive"},
		opts: m(o(rScript, "-e", "--regexp"), o(rRead, "-f", "--file", "--exclude-from"),
			o(rText, "-m", "--max-count", "-A", "--after-context", "-B", "--before-context", "-C", "--context",
				"--include", "--exclude", "--exclude-dir", "--label", "-d", "--directories", "-D", "--devices",
				"--group-separator"))}, "grep", "egrep", "fgrep")

	// Commands that read their own arguments.
	add(&cmdSpec{parse: parseTar}, "tar")
	add(&cmdSpec{home: true, parse: parseCurl}, "curl")
	add(&cmdSpec{home: true, parse: parseWget}, "wget")
	add(&cmdSpec{parse: parseUnzip}, "unzip")
}
