package apthygiene

import (
	"regexp"
	"slices"
	"strings"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/emit"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/dfopt/dfopt/pkg/transform/cacheplan"
)

// Recommended packages that builds and containers still need.
//
// apt-hygiene's unsafe fix adds `--no-install-recommends` to `apt-get
// install`. That drops every package the installed ones only Recommend,
// and some of those are what makes a later step work: `curl https://…`
// fails without ca-certificates, `git clone git@…` without an ssh client.
// The table below lists them, with the use that needs them; the fix then
// installs them by name (so they stay), and when the packages of the
// install are not named literally it is not applied.

// keptRecommend is one row of the table.
type keptRecommend struct {
	Keep []string // installed by name when the row applies
	// Installed: installing one of these drops Keep (their Recommends,
	// directly or through a package they depend on).
	Installed []string
	// Always: installing one of Installed is the use (a TLS client, a C
	// compiler); otherwise a later use must need Keep (nil Installed:
	// any install may drop it).
	Always bool
	Needs  string // what needs Keep, for the finding
	// Evidence: where the Recommends and the failure are documented.
	Evidence string
	uses     func(u *laterUses) bool
}

var keptRecommends = []keptRecommend{
	{
		Keep:      []string{"ca-certificates"},
		Installed: []string{"curl", "wget", "git", "libcurl4", "libcurl4t64", "libcurl3-gnutls", "libcurl3t64-gnutls", "libcurl4-openssl-dev", "libcurl4-gnutls-dev"},
		Always:    true,
		Needs:     "%s fetches over TLS",
		Evidence: "libcurl4, libcurl3-gnutls, wget and git Recommend ca-certificates; without it `curl https://…` fails with " +
			"`curl: (60) SSL certificate problem` or `(77) error setting certificate verify locations` (issues " +
			"alexryabtsev/docker-workshop#1, hitalos/laravel#6, speaches-ai/speaches#476)",
	},
	{
		Keep:  []string{"ca-certificates"},
		Needs: "a later step uses TLS",
		Evidence: "many packages Recommend ca-certificates (libcurl, wget, git, python3.x, …), and TLS clients that read " +
			"/etc/ssl/certs (curl, wget, git, apt over https, Go, gem, cargo, composer) fail without it",
		uses: func(u *laterUses) bool { return u.tls },
	},
	{
		Keep:      []string{"openssh-client"},
		Installed: []string{"git"},
		Needs:     "a later step uses git over ssh",
		Evidence: "git Recommends ssh-client; without it `git clone git@…` fails with `error: cannot run ssh: No such file or " +
			"directory` (tianon/dockerfiles#57, SquareWaveSystems/squarebox#95)",
		uses: func(u *laterUses) bool { return u.ssh },
	},
	{
		Keep:      []string{"dirmngr"},
		Installed: []string{"gpg", "gnupg", "gnupg2"},
		Needs:     "a later step fetches keys with gpg",
		Evidence: "gpg Recommends gnupg, and gnupg 2.1 (Debian stretch, Ubuntu bionic) Recommends dirmngr; without it " +
			"`gpg --recv-keys` fails with `gpg: keyserver receive failed: No dirmngr` (odeke-em/drive#866, " +
			"geerlingguy/docker-ubuntu1804-ansible#6)",
		uses: func(u *laterUses) bool { return u.keyserver },
	},
	{
		Keep:      []string{"libc6-dev"},
		Installed: []string{"gcc", "gcc-9", "gcc-10", "gcc-11", "gcc-12", "gcc-13", "gcc-14"},
		Always:    true,
		Needs:     "%s cannot link without the C library's files",
		Evidence: "gcc Recommends libc6-dev; without it every link fails with `cannot find Scrt1.o` / `crti.o` " +
			"(cathugger/mkp224o#83, ocaml/opam#2252)",
	},
	{
		Keep:      []string{"build-essential", "python3-dev"},
		Installed: []string{"python3-pip"},
		Needs:     "a later `pip install` may build from source",
		Evidence: "python3-pip Recommends build-essential and python3-dev; without them a package without a wheel fails " +
			"with `Python.h: No such file or directory` (canonical/layer-basic#84)",
		uses: func(u *laterUses) bool { return u.pip },
	},
}

// laterUses is what the steps after an install do, as far as the table
// asks: the install's RUN, later instructions of its stage and of stages
// built on it, the start command.
type laterUses struct {
	tls, ssh, keyserver, pip bool
}

var (
	keyserverOpts = regexp.MustCompile(`--(recv-keys?|receive-keys|keyserver|fetch-keys|refresh-keys|search-keys|locate-keys|locate-external-keys?|auto-key-locate|auto-key-retrieve)\b`)
)

// tlsTools fetch over TLS with the system's certificates whatever their
// arguments say (a URL in a variable is still https).
var tlsTools = map[string][]string{
	"curl": nil, "wget": nil, "gem": nil, "bundle": {"install"}, "cargo": {"install", "fetch", "build"},
	"composer": {"install", "require", "update"}, "git": {"clone", "fetch", "pull", "ls-remote", "submodule"},
	"go": {"get", "install", "build", "mod", "run", "test"}, "rustup": nil,
}

var sshTools = transform.NameSet("ssh", "scp", "sftp", "ssh-keyscan", "ssh-add", "ssh-agent")

// uses collects what later steps do: r's own stage from r on, every
// stage built on it, and the ARGs before the first FROM. Each stage's
// uses from each of its instructions to its end are collected once
// (laterIn), so that asking for every apt RUN costs one pass over the
// file, not one per RUN.
func (h *ahPass) uses(r *ahRun) *laterUses {
	st := h.d.Stages[r.ins.Stage]
	u := h.outside(st)
	u.or(h.laterIn(st)[r.ins.Index-st.From.Index])
	return &u
}

// outside is what the ARGs before the first FROM and the stages built on
// st use: the same for every RUN of st, found once per stage.
func (h *ahPass) outside(st *ast.Stage) laterUses {
	if u, ok := h.outsideOf[st.Index]; ok {
		return u
	}
	var u laterUses
	for _, ins := range h.d.Instructions {
		if ins.Stage >= 0 {
			break
		}
		u.or(h.own(ins))
	}
	for _, s := range h.d.Stages {
		if s.Index > st.Index && h.builtOn(s.Index, st.Index) {
			u.or(h.laterIn(s)[0])
		}
	}
	if h.outsideOf == nil {
		h.outsideOf = map[int]laterUses{}
	}
	h.outsideOf[st.Index] = u
	return u
}

// laterIn is, for each instruction of st, what it and the rest of the
// stage use (one past the end: nothing).
func (h *ahPass) laterIn(st *ast.Stage) []laterUses {
	if h.later == nil {
		h.later = map[int][]laterUses{}
	}
	if l, ok := h.later[st.Index]; ok {
		return l
	}
	l := make([]laterUses, len(st.Instructions)+1)
	for i := len(st.Instructions) - 1; i >= 0; i-- {
		l[i] = l[i+1]
		l[i].or(h.own(st.Instructions[i]))
	}
	h.later[st.Index] = l
	return l
}

func (u *laterUses) or(v laterUses) {
	u.tls, u.ssh, u.keyserver, u.pip = u.tls || v.tls, u.ssh || v.ssh, u.keyserver || v.keyserver, u.pip || v.pip
}

// own is what one instruction uses.
func (h *ahPass) own(ins *ast.Instruction) laterUses {
	var u laterUses
	if ins.Cmd == "from" || ins.Cmd == "copy" || ins.Cmd == "add" {
		return u
	}
	t := ins.Text(h.d)
	// Both URL patterns need "://", or "@" (git@host:): a text without
	// them is not searched.
	url, at := strings.Contains(t, "://"), strings.Contains(t, "@")
	u.tls = url && hasTLSURL(t)
	u.ssh = (url || at) && hasSSHURL(t) || strings.Contains(t, "type=ssh")
	if ins.Cmd != "run" {
		return u
	}
	s := h.se.Shell(ins)
	if s == nil {
		return laterUses{true, true, true, true} // not analysable: assume the worst
	}
	for _, c := range s.Commands {
		u.command(c.Args)
	}
	return u
}

// command notes what one later command does. Its words are read in
// place (a list of their values is made only for gpg's keyserver test).
func (u *laterUses) command(args []ast.Word) {
	if len(args) == 0 {
		return
	}
	name := cacheplan.ProgBase(args[0])
	words := args[1:]
	sub := ""
	for _, w := range words {
		if !strings.HasPrefix(w.Value, "-") {
			sub = w.Value
			break
		}
	}
	if subs, ok := tlsTools[name]; ok && (subs == nil || slices.Contains(subs, sub)) {
		u.tls = true
	}
	u.ssh = u.ssh || sshTools[name]
	if (name == "gpg" || name == "gpg2" || name == "apt-key" || name == "gpg-agent") && keyserverOpts.MatchString(joinValues(words)) {
		u.keyserver = true
	}
	if name == "dirmngr" {
		u.keyserver = true
	}
	pip := strings.HasPrefix(name, "pip") || (strings.HasPrefix(name, "python") && len(words) > 1 && words[0].Value == "-m" && words[1].Value == "pip")
	if pip && slices.ContainsFunc(words, func(w ast.Word) bool { return w.Value == "install" }) {
		u.pip = true
	}
}

// joinValues is the words' values joined by spaces.
func joinValues(words []ast.Word) string {
	vals := make([]string, len(words))
	for i, w := range words {
		vals[i] = w.Value
	}
	return strings.Join(vals, " ")
}

// aptValued are apt-get options that take a value in the next word.
var aptValued = transform.NameSet("-o", "--option", "-c", "--config-file", "-t", "--target-release", "--default-release", "-a", "--host-architecture")

// aptPackages are the packages an `apt-get install` names; ok is false
// when one is not named literally (a variable, a glob, a local .deb).
func aptPackages(inv *cacheplan.Invocation) (pkgs []string, last ast.Word, ok bool) {
	args := inv.Args[inv.SubIdx[0]+1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		last = a
		v := a.Value
		if !a.Lit {
			// name=$VERSION: the package is named literally.
			name, _, versioned := strings.Cut(v, "=")
			if !versioned || name == "" || strings.ContainsAny(name, "$`'\"\\") {
				return nil, last, false
			}
			v = name
		}
		if strings.HasPrefix(v, "-") {
			if aptValued[v] && i+1 < len(args) {
				i++
				last = args[i]
			}
			continue
		}
		if strings.ContainsAny(v, "*?[]/") || strings.HasSuffix(v, ".deb") {
			return nil, last, false
		}
		if k := strings.IndexAny(v, "=:"); k > 0 {
			v = v[:k]
		}
		pkgs = append(pkgs, v)
	}
	return pkgs, last, len(pkgs) > 0
}

// installedBefore are the packages the RUN, and the RUNs of the stage and
// the stages it is built on before it, install by name. The first RUN of
// each package is found once per stage, for all its RUNs.
func (h *ahPass) installedBefore(r *ahRun) *pkgSet {
	st := r.ins.Stage
	first, ok := h.firstInstall[st]
	if !ok {
		first = map[string]int{}
		for _, s := range h.se.Lineage(h.d.Stages[st]) {
			for _, ins := range s.Instructions {
				for _, p := range h.installs(ins) {
					if at, seen := first[p]; !seen || ins.Index < at {
						first[p] = ins.Index
					}
				}
			}
		}
		if h.firstInstall == nil {
			h.firstInstall = map[int]map[string]int{}
		}
		h.firstInstall[st] = first
	}
	return &pkgSet{first: first, upTo: r.ins.Index}
}

// pkgSet is what installedBefore says, with the packages a fix of the
// RUN adds by name.
type pkgSet struct {
	first map[string]int // package → the first RUN (index) that installs it
	upTo  int            // the RUN's index
	added map[string]bool
}

func (s *pkgSet) has(p string) bool {
	at, ok := s.first[p]
	return ok && at <= s.upTo || s.added[p]
}

func (s *pkgSet) add(p string) {
	if s.added == nil {
		s.added = map[string]bool{}
	}
	s.added[p] = true
}

// installs are the packages a RUN's `apt-get install`s name, read once
// per RUN.
func (h *ahPass) installs(ins *ast.Instruction) []string {
	if pkgs, ok := h.installed[ins]; ok {
		return pkgs
	}
	var pkgs []string
	if r2 := h.run(ins); r2 != nil {
		for _, inv := range r2.apt() {
			if inv.Sub[0] == "install" {
				p, _, _ := aptPackages(inv)
				pkgs = append(pkgs, p...)
			}
		}
	}
	if h.installed == nil {
		h.installed = map[*ast.Instruction][]string{}
	}
	h.installed[ins] = pkgs
	return pkgs
}

// recommendsKept decides, for one `apt-get install` that gets
// --no-install-recommends, which recommended packages to install by name
// and why (in the finding). ok is false when the packages are not named
// literally: the fix is then not applied.
func (h *ahPass) recommendsKept(r *ahRun, inv *cacheplan.Invocation, have *pkgSet, u *laterUses) (keep []string, why []string, edit emit.Edit, ok bool) {
	pkgs, last, ok := aptPackages(inv)
	if !ok {
		return nil, nil, emit.Edit{}, false
	}
	for _, row := range keptRecommends {
		trigger := ""
		for _, p := range pkgs {
			if row.Installed == nil || slices.Contains(row.Installed, p) {
				trigger = p
				break
			}
		}
		if trigger == "" || !(row.Always && row.Installed != nil) && (row.uses == nil || !row.uses(u)) {
			continue
		}
		var add []string
		for _, k := range row.Keep {
			if !have.has(k) {
				add = append(add, k)
				have.add(k)
			}
		}
		if len(add) == 0 {
			continue
		}
		keep = append(keep, add...)
		need := strings.Replace(row.Needs, "%s", trigger, 1)
		why = append(why, strings.Join(add, " and ")+" ("+need+")")
	}
	if len(keep) > 0 {
		edit = emit.Edit{Start: last.Span.End, End: last.Span.End, New: " " + strings.Join(keep, " ")}
	}
	return keep, why, edit, true
}
