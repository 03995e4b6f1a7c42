package tools

import "strings"

// apt: Debian and Ubuntu packages; the archives under /var/cache/apt and
// the package lists under /var/lib/apt/lists.
func init() {
	Register(&Tool{
		Name: "apt", Family: "apt", Rank: 200,
		Progs: []string{"apt-get", "apt"},
		Command: Spec{
			Valued:   []string{"-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a", "--host-architecture"},
			Unlisted: KindSystem,
			Uses:     []string{"update", "install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall"},
		},
		Cache: &Cache{
			System: true, Sharing: "locked",
			Dirs: []CacheDir{
				{Dirs: []string{"/var/cache/apt"}},
				{Dirs: []string{"/var/lib/apt/lists"}, Lists: true},
			},
			// apt 3's dist-clean is clean and the removal of the lists.
			Clean:   CleanAny(CleanSub("clean"), CleanSub("autoclean"), CleanSub("dist-clean"), CleanSub("distclean")),
			Empties: aptEmpties,
		},
		Index: &Index{
			Refresh:  []string{"update"},
			Keeps:    []string{"install", "clean", "autoclean"},
			Sources:  []string{"keyring", "archive", "apt-transport-", "apt-source", "-repo", "-release", ".deb"},
			Cosmetic: []string{"-y", "--yes", "--assume-yes", "-q", "-qq", "--quiet", "-qy", "-yq"},
			Lists:    "/var/lib/apt/lists",
		},
		Confirm: &Confirm{
			Subs:    []string{"install", "upgrade", "dist-upgrade", "full-upgrade", "build-dep", "reinstall", "remove", "purge", "autoremove", "autopurge"},
			Yes:     []string{"-y", "--yes", "--assume-yes", "--force-yes", "-qq", "-q=2", "--quiet=2", "--simulate", "--dry-run", "--just-print", "--no-act", "--recon"},
			Short:   "y",
			Config:  []string{"Assume-Yes"},
			Answers: aptAnswers,
			Add:     "-y",
		},
	})
}

// aptEmpties: clean and autoclean empty /var/cache/apt; dist-clean (apt 3)
// also removes the lists.
func aptEmpties(inv Inv) (empties, removes []int) {
	if s := inv.Sub()[0]; s == "dist-clean" || s == "distclean" {
		return []int{0, 1}, nil
	}
	return []int{0}, nil
}

// aptAnswers: a simulation (-s) never asks, and quiet level 2 (-q -q,
// -qq) implies -y.
func aptAnswers(args []string) bool {
	q := 0
	for _, v := range args {
		if strings.HasPrefix(v, "-s") {
			return true
		}
		if len(v) > 1 && v[0] == '-' && v[1] != '-' {
			q += strings.Count(v[1:], "q")
		}
	}
	return q >= 2
}
