package moves

import (
	"strings"
	"testing"

	"github.com/dfopt/dfopt/pkg/ast"
	"github.com/dfopt/dfopt/pkg/transform"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadSet: whether a step may move above `COPY . <dest>` with its
// working directory, and the reason when it may not. want is "" for a
// step that moves, else a part of the reason.
func TestReadSet(t *testing.T) {
	for _, tc := range []struct {
		pre, workdir, dest, body, want string
	}{
		// Files named by package managers: a local package reads a file.
		{"", "/srv", ".", "apt-get install -y --no-install-recommends curl", ""},
		{"", "/srv", ".", "apt-get install -y ./pkg.deb", "`apt-get install` reads `./pkg.deb` (`/srv/pkg.deb`)"},
		{"", "/srv", ".", "apt-get install -y /srv/pkg.deb", "`apt-get install` reads `/srv/pkg.deb`"},
		{"", "/srv", ".", "apt-get install -y /tmp/pkg.deb", ""},
		{"", "/srv", ".", "apt-get -c apt.conf install -y curl", "`apt-get` reads `apt.conf`"},
		{"", "/srv", ".", "apt-get install -y $PKGS", "`$PKGS` is not known before the build"},
		{"", "/srv", ".", "apt-get install -y nodejs=${NODE_VERSION}-1", ""},
		{"ENV PKG=/srv/x.deb", "/srv", ".", "apt-get install -y $PKG", "reads `$PKG` (`/srv/x.deb`)"},
		{"", "/srv", ".", "apt-get source hello", "`apt-get source` writes the working directory"},
		{"", "/srv", ".", "dpkg -i ./tool.deb", "`dpkg -i` reads `./tool.deb`"},
		{"", "/srv", ".", "dpkg -i /tmp/tool.deb && rm /tmp/tool.deb", ""},
		{"", "/srv", ".", "dpkg --add-architecture i386", ""},
		{"", "/srv", ".", "rpm -ivh x.rpm", "`rpm -i` reads `x.rpm`"},
		{"", "/srv", ".", "rpm -Uvh https://example.com/x.rpm", ""},
		{"", "/srv", ".", "rpm --import RPM-GPG-KEY", "`rpm --import` reads `RPM-GPG-KEY`"},
		{"", "/srv", ".", "rpm -qa", ""},
		{"", "/srv", ".", "rpm -qpl x.rpm", "reads `x.rpm`"},
		{"", "/srv", ".", "apk add --allow-untrusted x.apk", "`apk add` reads `x.apk`"},
		{"", "/srv", ".", "apk add --no-cache --virtual .build-deps gcc", ""},
		{"", "/srv", ".", "apk add -X ./repo tool", "reads `./repo`"},
		{"", "/srv", ".", "dnf install -y x.rpm", "`dnf install` reads `x.rpm`"},
		{"", "/srv", ".", "yum install -y epel-release && yum clean all", ""},
		{"", "/srv", ".", "zypper --non-interactive in ./x.rpm", "`zypper in` reads `./x.rpm`"},
		{"", "/srv", ".", "pacman -U x.pkg.tar.zst", "`pacman -U` reads `x.pkg.tar.zst`"},
		{"", "/srv", ".", "pacman -Syu --noconfirm git", ""},
		{"", "/srv", ".", "dnf shell script.txt", "dfopt does not know what `dnf shell` reads"},

		// Language package managers: install from a repository or a file.
		{"", "/srv", ".", "pip install --no-cache-dir flask==3.0", ""},
		{"", "/srv", ".", "pip install ./dir", "`pip install` reads `./dir`"},
		{"", "/srv", ".", "pip install -r req.txt", "`pip install` reads `req.txt`"},
		{"", "/srv", ".", "pip install x-1.0-py3-none-any.whl", "reads `x-1.0-py3-none-any.whl`"},
		{"", "/srv", ".", "pip install -c /etc/constraints.txt flask", ""},
		{"", "/srv", ".", "pip install 'pkg @ git+https://example.com/pkg.git'", ""},
		{"", "/srv", ".", "python3 -m pip install -U pip", "the first folder of its import path"},
		{"", "/srv", ".", "python3 -I -m pip install -U pip", ""},
		{"", "/srv", ".", "python3 setup.py install", "runs a script"},
		{"", "/srv", ".", "npm install -g pnpm@9", ""},
		{"", "/srv", ".", "npm i -g ./x.tgz", "`npm i` reads `./x.tgz`"},
		{"", "/srv", ".", "npm install express", "`npm install` reads the working directory"},
		{"", "/srv", ".", "npm run build", "runs a script of the project"},
		{"", "/srv", ".", "yarn global add serve", "reads the working directory"},
		{"", "/srv", ".", "yarn --frozen-lockfile", "`yarn` reads the working directory"},
		{"", "/srv", ".", "cd /srv npm install", "`cd` without one folder"},
		{"", "/srv", ".", "gem install bundler", "`gem install` reads `*.gem` in the working directory"},
		{"", "/srv", ".", "gem install --remote bundler -v 2.5.0", ""},
		{"", "/srv", ".", "gem install ./x.gem", "`gem install` reads `./x.gem`"},
		{"", "/srv", ".", "corepack enable && corepack prepare pnpm@9 --activate", ""},
		{"", "/srv", ".", "corepack prepare --activate", "reads the working directory"},

		// Plain file commands, redirections, globs, substitutions, cd.
		{"", "/srv", ".", "test -s settings.ini", "`test` reads `settings.ini` (`/srv/settings.ini`)"},
		{"", "/srv", ".", `[ "$(uname -m)" = x86_64 ] || true`, ""},
		{"", "/srv", ".", "[ -f /etc/os-release ]", ""},
		{"", "/srv", ".", "wc -l x", "`wc` reads `x`"},
		{"", "/srv", ".", "cut -d: -f1 /etc/passwd", ""},
		{"", "/srv", ".", "debconf-set-selections preseed.txt", "reads `preseed.txt`"},
		{"", "/srv", ".", "gpg --import key.asc", "`gpg` reads `key.asc`"},
		{"", "/srv", ".", "gpg --batch --keyserver hkps://keys.example.com --recv-keys ABCDEF", ""},
		{"", "/srv", ".", "tr -d x < in.txt", "the redirection `<` reads `in.txt`"},
		{"", "/srv", ".", "echo ok > /tmp/ok", ""},
		{"", "/srv", ".", "echo ok > out.txt", "the redirection `>` writes `out.txt`"},
		{"", "/srv", ".", "cat *.conf", "the shell expands `*.conf` (given to `cat`) against the files of `/srv`"},
		{"", "/srv", ".", "pip install hanlp[full]", "the shell expands `hanlp[full]`"},
		{"", "/srv", ".", "pip install 'hanlp[full]'", ""},
		{"", "/srv", ".", "rm -rf /var/lib/apt/lists/*", ""},
		{"", "/srv", ".", "echo $(cat version)", "`cat` reads `version`"},
		{"", "/srv", ".", "cd /srv/sub && cat x", "`cat` reads `x` (`/srv/sub/x`)"},
		{"", "/srv", ".", "cd /tmp && cat x", ""},
		{"", "/srv", ".", "sed -i 's/a/b/g; /^#/d' /etc/app.conf", ""},
		{"", "/srv", ".", "sed -i '/x/r extra.conf' /etc/app.conf", "may read or write files"},
		{"", "/srv", ".", "sed -i 's/a/b/w changes' /etc/app.conf", "may read or write files"},
		{"", "/srv", ".", "curl -fsSLo tool https://example.com/tool", "`curl` writes `tool`"},
		{"", "/srv", ".", "curl -fsS -d @body.json https://example.com/hook", "`curl` reads `body.json`"},
		{"", "/srv", ".", "git clone --depth 1 https://example.com/x.git /opt/x", ""},
		{"", "/srv", ".", "git clone https://example.com/x.git", "`git clone` writes the working directory"},
		{"", "/srv", ".", "git config --global user.name ci", ""},
		{"", "/srv", ".", "git config user.name ci", "`git config` writes the working directory"},
		{"", "/srv", ".", "command -v curl", ""},
		{"", "/tmp", "/srv", "env --chdir=/srv cat x", "changes the working directory"},
		{"", "/tmp", "/srv", "env DEBIAN_FRONTEND=noninteractive apt-get install -y curl", ""},
		{"", "/srv", ".", "command -v ./run.sh", "reads `./run.sh`"},

		// Commands dfopt does not know read everything.
		{"", "/srv", ".", "make", "dfopt does not know what `make` reads"},
		{"", "/srv", ".", "sh script.sh", "dfopt does not know what `sh` reads"},
		{"", "/tmp", "/srv", "./configure", "dfopt does not know what `configure` reads"},
		{"", "/srv", ".", "./configure", "it runs `./configure` (`/srv/configure`)"},

		// Relative paths: under the destination only when the working
		// directory is.
		{"", "/tmp", "/srv", "dpkg -i ./tool.deb", ""},
		{"", "/tmp", "/srv", "cat x", ""},
		{"", "/", "/srv", "cat srv/x", "`cat` reads `srv/x` (`/srv/x`)"},
		{"", "/", "/srv", "cat x", ""},
		{"", "/srv/app", "/srv", "wc -l x", "`wc` reads `x` (`/srv/app/x`)"},
		{"", "/srv", "/srv/app", "rm -rf /srv", "`rm` writes `/srv`, which holds the copied files"},
		{"ARG CONF", "/srv", ".", "cat $CONF", "a path that depends on the working directory or on a variable"},
		{"ENV CONF=/etc/app.conf", "/srv", ".", "cat $CONF", ""},

		// Where commands and home folders are.
		{"ENV PATH=/srv/.venv/bin:$PATH", "/srv", ".", "pip install flask", "`PATH` names `/srv/.venv/bin`"},
		{"ENV PATH=/opt/venv/bin:$PATH", "/srv", ".", "pip install flask", ""},
		{"", "/srv", ".", "PATH=./bin:$PATH tool", "`PATH` names"},
		{"", "/home/app", ".", "npm install -g pnpm", "`npm` reads or writes its files in the home folder, and the home folder may be where the files are copied"},
		{"ENV HOME=/root", "/home/app", ".", "npm install -g pnpm", ""},
		{"", "/home/app", ".", "useradd -m app", "`useradd` writes `/home/app`"},
		{"", "/srv", ".", "useradd -m app", ""},
		{"", "/srv", ".", "userdel -r app", "a user's home folder"},
		{"", "/srv", ".", "useradd -m -d $APP_HOME app", "`useradd` writes `$APP_HOME`"},
	} {
		src := "FROM debian\n" + tc.pre + "\nWORKDIR " + tc.workdir + "\nCOPY . " + tc.dest + "\nRUN " + tc.body + "\n"
		d, err := ast.Parse("Dockerfile", []byte(src))
		require.NoError(t, err)
		envs := d.Envs()
		n := len(d.Instructions)
		c, x := d.Instructions[n-2], d.Instructions[n-1]
		fe := FreeEnv{Protected: []string{transform.CopyDest(d, &envs[c.Index], c)}}
		why, _ := fe.Movable(d, transform.NewScripts(d), x, &envs[x.Index], &envs[c.Index])
		if tc.want == "" {
			assert.Empty(t, why, tc.body)
		} else {
			assert.Contains(t, why, tc.want, tc.body)
		}
	}
}

// TestSedScript: sed scripts that only edit text, and those that read,
// write or run.
func TestSedScript(t *testing.T) {
	for script, touches := range map[string]bool{
		"s/a/b/":                  false,
		"s#/usr#/opt#g":           false,
		"/^#/d;s/x/y/2p":          false,
		"1i\\header":              false,
		`\%x%s//y/`:               false,
		"$a last line":            false,
		"/start/,/end/{s/a/b/;}":  false,
		"y/abc/xyz/":              false,
		"1r header.txt":           true,
		"s/a/b/w out":             true,
		"s/x/date/e":              true,
		"/x/W log":                true,
		"e uname":                 true,
		"s/a/b/;R other":          true,
		"v 4.2":                   true,
		"/pattern/ { s/a/b/ ; }":  false,
		"s/$OLD/$NEW/; s|a|b|ig ": false,
	} {
		assert.Equal(t, touches, sedTouchesFiles(script), script)
	}
}

// TestFileRule: which package arguments name files, literal or with
// expansions (\x00) in them.
func TestFileRule(t *testing.T) {
	for _, tc := range []struct {
		rule *fileRule
		arg  string
		want bool
	}{
		{aptFile, "curl", false},
		{aptFile, "./x.deb", true},
		{aptFile, "x.deb", false}, // apt looks it up in the repository
		{aptFile, ".", true},
		{aptFile, "foo/bookworm-backports", false},
		{aptFile, "nodejs=\x00", false},
		{aptFile, "\x00", true},
		{aptFile, "lib\x00-dev", false},
		{aptFile, "./tool_\x00.deb", true},
		{apkFile, ".build-deps", false},
		{rpmFile, "x-\x00", true}, // it may end in .rpm
		{rpmFile, "x-\x00-devel", false},
		{rpmFile, "x-\x00.rpm", true},
		{pipFile, "flask>=3", false},
		{pipFile, ".[dev]", true},
		{pipFile, "src/pkg", true},
		{pipFile, "https://example.com/x.whl", false},
		{pipFile, "file:///tmp/x.whl", true},
		{pipFile, "pkg-\x00", true}, // the expansion may hold a '/'
		{npmFile, "@types/node", false},
		{npmFile, "pnpm@9", false},
		{npmFile, "./x.tgz", true},
		{gemFile, "bundler", false},
		{gemFile, "x.gem", true},
	} {
		got := tc.rule.isFile(tc.arg)
		if strings.Contains(tc.arg, "\x00") {
			got = tc.rule.mayBeFile(tc.arg)
		}
		assert.Equal(t, tc.want, got, "%q", tc.arg)
	}
}

// TestReadSetTable: every spec of the table is reachable and
// consistent: an option is either valued or an action, never both.
func TestReadSetTable(t *testing.T) {
	var check func(name string, s *cmdSpec, depth int)
	check = func(name string, s *cmdSpec, depth int) {
		require.Less(t, depth, 4, name)
		for a, sub := range s.acts {
			_, valued := s.opts[a]
			assert.False(t, valued, "%s: %s is both an action and a valued option", name, a)
			check(name+" "+a, sub, depth+1)
		}
		for n, sub := range s.subs {
			check(name+" "+n, sub, depth+1)
		}
		if s.args == rPkg {
			assert.NotNil(t, s.file, "%s: package operands need a file rule", name)
		}
	}
	for name, s := range commands {
		check(name, s, 0)
	}
}
