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
	})
}
