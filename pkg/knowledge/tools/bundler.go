package tools

import (
	"path"
	"regexp"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// bundler: Gemfile and Gemfile.lock; gem: single gems. Both download
// into the gem cache ($GEM_HOME/cache).
var bundler *Tool

func init() {
	bundler = Register(&Tool{
		Name: "bundler", Family: "bundler/gem", Rank: 130,
		Progs: []string{"bundle", "bundler"},
		Command: Spec{
			Valued:   []string{"--gemfile", "--path", "--without", "--with", "-j", "--jobs", "--retry", "--binstubs", "--shebang", "--standalone", "--trust-policy", "--target-rbconfig"},
			Deps:     []string{"", "install", "update", "lock", "package", "cache"},
			Build:    []string{"exec"},
			Other:    []string{"config", "version", "--version", "-v"},
			Unlisted: KindBuild,
			Uses:     []string{"", "install", "update", "add", "cache", "package", "pack"},
		},
		Patterns: []string{".gemspec"},
		Hoist: &Hoist{
			Required:    []string{"Gemfile|gems.rb"},
			Optional:    []string{"Gemfile.lock", "gems.locked", ".bundle/config", ".ruby-version", "vendor/cache"},
			Outputs:     []string{"vendor/bundle"},
			DepsOnly:    "the same `bundle install`",
			Source:      "`gemspec`, `path:` gems, Gemfiles that read other files",
			Match:       matchBundler,
			NeedsSource: bundlerSource,
		},
		Cache: &Cache{
			// The gem download cache ($GEM_HOME/cache), never the install path.
			Dirs:    []CacheDir{gemCache},
			Sharing: "locked",
			Veto:    vetoBundlerPath,
		},
		Writes: []*Write{{
			Command: "bundle install",
			Writes: "vendor/bundle with --path/--deployment, .bundle/config with the flags Bundler remembers (--path, --without, " +
				"--deployment), Gemfile.lock when out of date or new platforms are added",
			Hoist: "runs again after the COPY",
		}},
	})
}

var gemCache = CacheDir{Dirs: []string{"?BUNDLE_PATH", "$GEM_HOME/cache"}}

func init() {
	Register(&Tool{
		Name: "gem", Family: "bundler/gem", Rank: 131,
		Progs: []string{"gem"},
		Command: Spec{
			Valued: []string{"--install-dir", "-i"},
			Deps:   []string{"install", "create", "update"},
			Uses:   []string{"install", "i", "update"},
		},
		Cache: &Cache{
			Dirs:    []CacheDir{{Dirs: gemCache.Dirs, Flags: []string{"--install-dir", "-i"}, FlagSub: "cache"}},
			Sharing: "locked",
			Veto:    vetoGemUser,
			DirCmds: []DirCmd{{Args: "env gemdir", Dirs: []string{"$GEM_HOME"}}, {Args: "env home", Dirs: []string{"$GEM_HOME"}}},
		},
	})
}

func matchBundler(_ string, args []*syntax.Word) *Install {
	sub, si := Sub(args)
	if sub != "install" && !(sub == "" && len(args) == 1) {
		if sub != "" || si >= 0 {
			return nil
		}
	}
	if si < 0 {
		si = 0
	}
	cl := bundler.Command.Parse(args, si+1)
	if cl.Has("--gemfile") {
		return &Install{Source: "the install names another Gemfile"}
	}
	if o, ok := cl.Get("--path"); ok && !strings.HasPrefix(o.Value, "/") {
		if !o.Lit || o.Value != "vendor/bundle" {
			return &Install{Source: "`bundle install --path " + o.Value + "` installs into the source tree"}
		}
	}
	return &Install{Same: true, Dep: Same}
}

var gemfileSource = regexp.MustCompile(`(?m)^\s*(gemspec\b|eval_gemfile\b|require_relative\b|load\b)|\bpath:|:path\s*=>|\bpath\s*\(|\bFile\.`)

func bundlerSource(v Context, _ *Install, dir string) string {
	gemfile := "Gemfile"
	if !v.Exists(path.Join(dir, gemfile)) {
		gemfile = "gems.rb"
	}
	if m := gemfileSource.FindString(v.Read(path.Join(dir, gemfile))); m != "" {
		return gemfile + " needs other files of the source (`" + strings.TrimSpace(m) + "`)"
	}
	return ""
}

func vetoBundlerPath(s Stage, inv Inv) string {
	for _, a := range inv.Args() {
		if a == "--path" || strings.HasPrefix(a, "--path=") || a == "--deployment" || a == "--standalone" || strings.HasPrefix(a, "--standalone=") {
			return "bundler installs into a project path, whose gem cache is not at a known place"
		}
	}
	if _, ok := inv.Env("BUNDLE_DEPLOYMENT"); ok {
		return "BUNDLE_DEPLOYMENT installs into vendor/bundle"
	}
	if s.Mentions("bundle config set path", "bundle config path", "bundle config set --local path", "bundle config --local path", "bundle config set deployment", "bundle config --local deployment", "bundle config set --local deployment", "bundle config deployment") {
		return "`bundle config` sets an install path, whose gem cache is not at a known place"
	}
	return ""
}

func vetoGemUser(_ Stage, inv Inv) string {
	for _, a := range inv.Args() {
		if a == "--user-install" {
			return "gem install --user-install keeps gems under ~/.local/share/gem"
		}
	}
	return ""
}
