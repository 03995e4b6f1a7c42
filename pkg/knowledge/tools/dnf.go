package tools

import "strings"

// dnf (and yum, tdnf) and microdnf: RPM packages, in the cache folder of
// the base image's manager version.
func init() {
	Register(&Tool{
		Name: "dnf", Family: "dnf/yum/microdnf/zypper", Rank: 220,
		Progs: []string{"dnf", "dnf-3", "dnf5", "yum", "tdnf"},
		Command: Spec{
			Valued:   []string{"-c", "--config", "--releasever", "--enablerepo", "--disablerepo", "--repo", "--repoid", "--setopt", "-x", "--exclude", "--repofrompath", "--forcearch", "-d", "--debuglevel", "-e", "--errorlevel", "--rpmverbosity"},
			Unlisted: KindSystem,
			Uses:     []string{"install", "update", "upgrade", "reinstall", "groupinstall", "group", "groups", "builddep", "makecache", "distro-sync", "module", "localinstall", "downgrade", "swap", "in"},
		},
		Cache: &Cache{
			System: true, Sharing: "locked",
			Dirs:       []CacheDir{{FromBase: true}},
			Clean:      CleanSub("clean"),
			Veto:       vetoInstallRoot,
			StaleIndex: true,
		},
		Confirm: dnfConfirm([]string{"install", "in", "groupinstall", "localinstall", "reinstall", "remove", "erase", "rm", "upgrade", "update", "up", "upgrade-minimal", "update-minimal", "downgrade", "distro-sync", "swap", "autoremove", "group", "groups", "groupupdate", "groupremove", "builddep", "module"}),
	})
	Register(&Tool{
		Name: "microdnf", Family: "dnf/yum/microdnf/zypper", Rank: 221,
		Progs: []string{"microdnf"},
		Command: Spec{
			Valued:   []string{"--config", "--releasever", "--enablerepo", "--disablerepo", "--setopt"},
			Unlisted: KindSystem,
			Uses:     []string{"install", "update", "upgrade", "reinstall", "makecache", "module", "download"},
		},
		Cache: &Cache{
			System: true, Sharing: "locked",
			Dirs:       []CacheDir{{FromBase: true}},
			Clean:      CleanSub("clean"),
			Veto:       vetoInstallRoot,
			StaleIndex: true,
		},
		// microdnf asks since 3.7 (before, it never asked and took -y as
		// a no-op: "Does nothing, we always assume yes"); dnf5's microdnf
		// asks.
		Confirm: dnfConfirm([]string{"install", "reinstall", "remove", "upgrade", "update", "downgrade", "distro-sync", "swap", "module"}),
	})
}

// dnfConfirm: dnf, yum, tdnf and microdnf answer with -y (--assumeyes),
// or --assumeyes=True via --setopt or dnf.conf; --assumeno answers no
// (the command fails rather than waits, and -y beside it would change
// the answer).
func dnfConfirm(subs []string) *Confirm {
	return &Confirm{
		Subs:   subs,
		Yes:    []string{"-y", "--assumeyes", "--assumeyes=", "--assumeno", "--assumeno="},
		Short:  "y",
		Config: []string{"assumeyes=", "assumeyes ="},
		Add:    "-y",
	}
}

// vetoInstallRoot: the command installs into another root, whose cache
// is not the image's.
func vetoInstallRoot(_ Stage, inv Inv) string {
	for _, a := range inv.Args() {
		if strings.HasPrefix(a, "--installroot") || a == "--root" || a == "-R" || strings.HasPrefix(a, "--root=") {
			return "installs into another root"
		}
	}
	return ""
}
