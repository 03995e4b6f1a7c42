package copychmod

import "testing"

func TestModeApply(t *testing.T) {
	for _, c := range []struct {
		mode     string
		cur, out int
	}{
		{"755", 0o644, 0o755},
		{"0700", 0o755, 0o700},
		{"+x", 0o644, 0o755},  // umask 0022: x for all
		{"+w", 0o444, 0o644},  // umask 0022: w for the owner only
		{"a+w", 0o444, 0o666}, // a class named: the umask does not apply
		{"u+x", 0o644, 0o744},
		{"u+x,go+rx", 0o600, 0o755},
		{"go-w", 0o666, 0o644},
		{"o=", 0o755, 0o750},
		{"u=rwx,go=rx", 0o600, 0o755},
		{"a+X", 0o644, 0o644}, // X: no execute bit yet on a file
		{"a+X", 0o744, 0o755},
		{"-x", 0o755, 0o644},
	} {
		m, ok := parseMode(c.mode)
		if !ok {
			t.Errorf("%s: not parsed", c.mode)
			continue
		}
		if got := m.apply(c.cur); got != c.out {
			t.Errorf("chmod %s on %04o = %04o, want %04o", c.mode, c.cur, got, c.out)
		}
	}
	for _, bad := range []string{"4755", "u+s", "+t", "=x", "g=u", "", "u"} {
		if _, ok := parseMode(bad); ok {
			t.Errorf("%q parsed: dfopt does not compute it", bad)
		}
	}
}
