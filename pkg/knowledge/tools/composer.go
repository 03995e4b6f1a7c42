package tools

import (
	"encoding/json"
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// composer: composer.json and composer.lock, vendor/, two possible cache
// folders.
var composer *Tool

func init() {
	composer = Register(&Tool{
		Name: "composer", Family: "composer", Rank: 140,
		Progs:   []string{"composer", "composer.phar"},
		Secrets: &Secrets{Files: []SecretFile{{Name: "auth.json"}}},
		Command: Spec{
			Valued: []string{"-d", "--working-dir", "--prefer-install", "--ignore-platform-req"},
			Deps:   []string{"install", "require", "update", "i", "u"},
			Build:  []string{"dump-autoload", "dumpautoload", "run-script", "run"},
			Uses:   []string{"install", "i", "update", "u", "upgrade", "require", "r", "create-project", "global", "reinstall", "remove", "rm"},
			Uses2:  map[string][]string{"global": {"require", "r", "install", "i", "update", "u", "upgrade"}},
		},
		Hoist: &Hoist{
			Required:    []string{"composer.json"},
			Optional:    []string{"composer.lock", "auth.json"},
			Outputs:     []string{"vendor"},
			DepsOnly:    "`composer install --no-scripts --no-autoloader`, then the original",
			Source:      "`path` repositories",
			Match:       matchComposer,
			NeedsSource: composerSource,
		},
		Cache: &Cache{
			// Composer 2 uses ~/.cache/composer when XDG is in use (any XDG_
			// variable, or /etc/xdg in the image), ~/.composer/cache otherwise:
			// without a variable that settles it, both are mounted.
			Dirs: []CacheDir{
				{Dirs: []string{"$COMPOSER_CACHE_DIR", "$COMPOSER_HOME/cache", "$XDG_CACHE_HOME/composer", "~/.cache/composer"}},
				{Dirs: []string{"~/.composer/cache"}, Unless: []string{"COMPOSER_CACHE_DIR", "COMPOSER_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"}},
			},
			Sharing:    "locked",
			NoCache:    []string{"--no-cache"},
			NoCacheEnv: []string{"COMPOSER_CACHE_DIR=/dev/null"},
			Clean:      CleanAny(CleanSub("clear-cache"), CleanSub("clearcache"), CleanSub("cc")),
			// Composer picks one of its two cache directories at run time.
			DirCmds: []DirCmd{{Args: "config cache-dir", Caches: []int{0, 1}}, {Args: "global config cache-dir", Caches: []int{0, 1}}},
		},
		Writes: []*Write{{
			Command: "composer install",
			Writes:  "vendor/ (vendor/composer/, the autoloader), composer.lock when there is none, whatever the project's scripts write",
			Hoist:   "`--no-scripts --no-autoloader` before, the original again after the COPY",
		}},
	})
}

func matchComposer(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" && sub != "i" {
		return nil
	}
	cl := composer.Command.Parse(args, si+1)
	if len(cl.Pos) > 0 {
		return nil
	}
	in := &Install{}
	if !ProjectDir(in, cl, "-d", "--working-dir") {
		return &Install{Source: in.Source}
	}
	if cl.Has("--no-scripts") && cl.Has("--no-autoloader") {
		in.Same, in.Dep = true, Same
		return in
	}
	in.Dep = func(t Text) string {
		add := ""
		if !cl.Has("--no-scripts") {
			add += " --no-scripts"
		}
		if !cl.Has("--no-autoloader") {
			add += " --no-autoloader"
		}
		return t.Splice(t.After(si, add))
	}
	return in
}

func composerSource(v Context, _ *Install, dir string) string {
	var c struct {
		Repositories json.RawMessage `json:"repositories"`
		Config       struct {
			VendorDir string `json:"vendor-dir"`
		} `json:"config"`
	}
	if err := json.Unmarshal([]byte(v.Read(path.Join(dir, "composer.json"))), &c); err != nil {
		return "composer.json does not parse as JSON"
	}
	if strings.Contains(strings.ReplaceAll(string(c.Repositories), " ", ""), `"type":"path"`) {
		return "composer.json has a `path` repository"
	}
	if c.Config.VendorDir != "" && c.Config.VendorDir != "vendor" {
		if v.Exists(path.Join(dir, c.Config.VendorDir)) {
			return c.Config.VendorDir + " is in the build context and would overwrite the installed packages"
		}
	}
	return ""
}
