package tools

// zypper: openSUSE and SLE packages under /var/cache/zypp.
func init() {
	Register(&Tool{
		Name: "zypper", Family: "dnf/yum/microdnf/zypper", Rank: 230,
		Progs: []string{"zypper"},
		Command: Spec{
			Valued:   []string{"-R", "--root", "-c", "--config", "--installroot", "--reposd-dir", "--cache-dir", "--raw-cache-dir", "--solv-cache-dir", "--pkg-cache-dir"},
			Unlisted: KindSystem,
			Uses:     []string{"install", "in", "update", "up", "dist-upgrade", "dup", "patch", "refresh", "ref", "source-install", "si"},
		},
		Cache: &Cache{
			System: true, Sharing: "locked",
			Dirs:       []CacheDir{{Dirs: []string{"/var/cache/zypp"}}},
			Clean:      CleanAny(CleanSub("clean"), CleanSub("cc")),
			Veto:       vetoInstallRoot,
			StaleIndex: true,
		},
		// --non-interactive (-n) is a global option, before the
		// subcommand, valid for every one; -y (--no-confirm) is an option
		// of the installing subcommands.
		Confirm: &Confirm{
			Subs:   []string{"install", "in", "remove", "rm", "update", "up", "dist-upgrade", "dup", "patch", "source-install", "si", "install-new-recommends", "inr", "remove-ptf"},
			Yes:    []string{"-n", "--non-interactive", "-y", "--no-confirm"},
			Short:  "ny",
			Add:    "--non-interactive",
			Global: true,
		},
	})
}
